"""Exceptions named for what happened, each with a message a person can act on."""

from __future__ import annotations

from dataclasses import dataclass


class CxosError(Exception):
    """Anything CXOS reports to a user instead of a traceback.

    `field` names the input field at fault when one is (`value`, `as_of`, `metric_id`…), so
    a batch's per-item errors can point at it (the HTTP API's 422 does).
    """

    def __init__(self, *args: object, field: str | None = None):
        super().__init__(*args)
        self.field = field


class DatabaseBusy(CxosError):
    """The database stayed locked or conflicted past the retry budget; nothing was saved."""


class NotFound(CxosError):
    """A referenced record does not exist."""


class PermissionDenied(CxosError):
    """The signed-in person may not make this write; nothing was changed."""


class StaleWrite(CxosError):
    """The record changed since it was read; the caller must reload and decide again."""


class Conflict(CxosError):
    """A record with this id exists and holds something else; nothing was changed."""


class InvalidInput(CxosError):
    """A form or command argument is not acceptable; the message says what and where."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bundle: which file, which row, which column, and why."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class BundleError(CxosError):
    """A bundle was rejected; `problems` lists what is wrong, nothing was imported."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [str(p) for p in self.problems]
        more = self.total - len(self.problems)
        if more > 0:
            lines.append(f"… and {more} more problems")
        head = "bundle rejected, nothing was imported"
        return head + ":\n" + "\n".join(f"  {line}" for line in lines)


class DatabaseDamaged(CxosError):
    """The database file is damaged; reads fail where it is, writes are refused until a restore."""


class DiskFull(CxosError):
    """A write ran out of space (or quota); what was being written was not kept."""
