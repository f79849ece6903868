"""Faults of the machine, named for a person: a damaged database file and a full disk.

DuckDB 2.0 reports them as follows (measured by flipping one bit in every block of a
database, and by filling a small tmpfs): a block whose checksum fails raises a plain
`duckdb.Error` "Corrupt database file: computed checksum … does not match stored
checksum …" when a query first reads it (the header blocks already at open); a file cut
short raises an `IOException` "could not read enough bytes"; a full disk raises an
`IOException` "Could not write file …: No space left on device", or at COMMIT a
`TransactionException` "Failed to commit: …" with the same words. Python's own writes
raise `OSError` with errno ENOSPC (EDQUOT for a quota, EFBIG past a file-size limit).

Damage is remembered in a marker file beside the database, `<file>.damaged`, holding the
first error seen: every process (app, command line) then refuses writes to that file until
a restore replaces it (restore removes the marker; so may an administrator who has
repaired the file otherwise). Reads still run, and fail with the same one message only
where they reach a damaged block.

Files CXOS writes for people (exports, backups) are written under a temporary name in the
same folder and renamed into place once complete (`replacing`), so a full disk or a
crash never leaves a short or empty file under the real name.
"""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from cxos.model.errors import DatabaseDamaged, DiskFull

_DAMAGE_WORDS = ("corrupt database file", "could not read enough bytes", "stored checksum")
_FULL_ERRNOS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large",
}
RESTORE_HINT = "restore a backup with `python -m cxos restore BACKUP_FILE`"


def is_damage(error: BaseException) -> bool:
    """Whether a DuckDB error says the database file itself is damaged."""
    text = str(error).lower()
    return isinstance(error, duckdb.Error) and any(w in text for w in _DAMAGE_WORDS)


def full_reason(error: BaseException) -> str | None:
    """ "no space left on device" (or quota, file size) when that is what `error` is."""
    if isinstance(error, OSError):
        return _FULL_ERRNOS.get(error.errno or 0)
    if isinstance(error, duckdb.Error):
        text = str(error).lower()
        return next((words for words in _FULL_ERRNOS.values() if words in text), None)
    return None


def disk_full(reason: str, doing: str, kept: str) -> DiskFull:
    """The error a person sees: the real cause, what CXOS was doing, what was kept."""
    return DiskFull(f"{reason} while {doing}; {kept}: free some space and try again")


def named_database_fault(error: BaseException, path: Path, doing: str) -> Exception | None:
    """A DuckDB error on the database at `path` as the fault a person can act on, if it is one.

    Damage is remembered beside the file (see the module docstring).
    """
    if is_damage(error):
        remember_damage(path, error)
        return damaged(path, first_line(error))
    reason = full_reason(error)
    if reason is not None:
        return disk_full(reason, f"{doing} the database {path}", "nothing was saved")
    return None


@contextmanager
def database_faults_named(path: Path, doing: str) -> Iterator[None]:
    """Within: a DuckDB error that is damage or a full disk is raised as such."""
    try:
        yield
    except duckdb.Error as error:
        fault = named_database_fault(error, path, doing)
        if fault is None:
            raise
        raise fault from error


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# -- the damage marker ---------------------------------------------------------------------


def damage_marker(path: Path) -> Path:
    """The file beside a database that says it was found damaged, and how."""
    return path.with_name(path.name + ".damaged")


def damaged(path: Path, detail: str) -> DatabaseDamaged:
    return DatabaseDamaged(
        f"the database {path} is damaged ({detail}): {RESTORE_HINT}; changes are refused until then"
    )


def remember_damage(path: Path, error: BaseException) -> None:
    """Write the marker (first error only); a read-only folder leaves it to each process."""
    marker = damage_marker(path)
    try:
        with marker.open("x", encoding="utf-8") as out:
            out.write(first_line(error) + "\n")
    except OSError:
        pass  # already marked, or the folder is read-only: the error is still raised


def known_damage(path: Path) -> str | None:
    """The damage recorded beside `path`, or None when it is not known damaged."""
    try:
        return damage_marker(path).read_text(encoding="utf-8").strip() or "damaged"
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"damage marker unreadable: {error.strerror}"


def refuse_if_damaged(path: Path) -> None:
    """Raise `DatabaseDamaged` when the file at `path` is known damaged."""
    detail = known_damage(path)
    if detail is not None:
        raise damaged(path, detail)


# -- files written whole or not at all ---------------------------------------------------


@contextmanager
def replacing(targets: Sequence[Path], doing: str) -> Iterator[list[Path]]:
    """Temporary paths to write `targets` to; renamed onto them only when all are written.

    On any failure the temporary files are removed and the targets are left as they were;
    a full disk becomes a `DiskFull` that names `doing`.
    """
    partials = [_partial_name(target) for target in targets]
    try:
        yield partials
        for partial in partials:
            _flush_to_disk(partial)
        for partial, target in zip(partials, targets, strict=True):
            os.replace(partial, target)
    except OSError as error:
        reason = full_reason(error)
        if reason is None:
            raise
        raise disk_full(reason, doing, "nothing was written") from error
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)


def _partial_name(target: Path) -> Path:
    # Hidden and unique: never taken for a finished file, two writers never collide.
    return target.with_name(f".{target.name}.partial-{uuid.uuid4().hex[:12]}")


def _flush_to_disk(path: Path) -> None:
    """fsync, so the rename never publishes a file whose blocks are still in memory."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
