"""Import a bundle: stage, check, merge — all in one transaction, or nothing at all.

Merging follows SPEC.md: a row whose id (or key) exists replaces it, other rows are added,
nothing is deleted. Check-ins have no id; the bundle's check-ins for an (action, day)
replace the database's check-ins for that (action, day). A preview runs the very same steps
and rolls back, so what it reports is exactly what the import would do.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxos.bundle.spec import BY_NAME, FILES, FileSpec, LegacyColumn
from cxos.bundle.staging import Staged, stage_rows, stage_source
from cxos.bundle.validation import MAX_PROBLEMS, position_clashes, typed_table, validate_staged
from cxos.demo import marker
from cxos.identity import audit
from cxos.model.errors import BundleError, CxosError, Problem
from cxos.storage import Connection, Database
from cxos.storage.migrations import ORGANISATION_TABLES

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class FileChange:
    """How one file of a bundle changes the database."""

    file: str
    rows: int
    added: int
    changed: int
    unchanged: int


@dataclass
class ImportReport:
    changes: list[FileChange] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.changes)

    def summary(self) -> str:
        added = sum(c.added for c in self.changes)
        changed = sum(c.changed for c in self.changes)
        return f"{self.rows} rows in {len(self.changes)} files: {added} added, {changed} changed"


class _RolledBack(Exception):
    def __init__(self, report: ImportReport):
        self.report = report


def _quiet(_fraction: float, _message: str) -> None:
    return None


def import_bundle(
    db: Database,
    source: str | Path,
    actor_id: str | None = None,
    progress: Progress = _quiet,
    *,
    dry_run: bool = False,
    label: str | None = None,
    then: Callable[[Connection], None] | None = None,
) -> ImportReport:
    """Import a bundle folder, .xlsx or .zip; raises BundleError and changes nothing if bad.

    `label` names the source in the audit log (default: the file or folder name). `then`
    runs in the import's own transaction, after the rows are in (the demo loader marks
    the database as the demo company this way: every other import unmarks it).
    """
    path = Path(source)
    with tempfile.TemporaryDirectory(prefix="cxos-import-") as tmp:
        stage = _stager(lambda con: stage_source(con, path, Path(tmp)))
        return _import(db, stage, label or path.name, actor_id, progress, dry_run, then)


def import_rows(
    db: Database,
    bundle: Mapping[str, Iterable[Mapping[str, Any]]],
    actor_id: str | None = None,
    progress: Progress = _quiet,
    *,
    label: str = "rows",
    dry_run: bool = False,
) -> ImportReport:
    """Import rows held in memory, `{file name: [row dict, ...]}`, like a bundle."""
    return _import(db, lambda con: stage_rows(con, bundle), label, actor_id, progress, dry_run)


def preview_bundle(db: Database, source: str | Path) -> ImportReport:
    """What importing `source` would add and change, without changing anything."""
    return import_bundle(db, source, dry_run=True)


def _stager(fn: Callable[[Connection], Staged]) -> Callable[[Connection], Staged]:
    def stage(con: Connection) -> Staged:
        try:
            return fn(con)
        except (FileNotFoundError, ValueError) as error:
            raise CxosError(str(error)) from error

    return stage


def _import(
    db: Database,
    stage: Callable[[Connection], Staged],
    label: str,
    actor_id: str | None,
    progress: Progress,
    dry_run: bool,
    then: Callable[[Connection], None] | None = None,
) -> ImportReport:
    def prepare(con: Connection) -> Staged:
        progress(0.0, "reading files")
        staged = stage(con)
        _reject_if(staged.problems, len(staged.problems))
        if not staged.counts:
            raise BundleError([Problem(label, None, None, "holds no bundle files")])
        progress(0.2, "checking rows")
        problems, total = validate_staged(con, set(staged.counts))
        _reject_if(problems, total)
        return staged

    def merge(con: Connection, staged: Staged) -> ImportReport:
        report = _merge_all(con, staged, actor_id, label, progress)
        progress(0.9, "saving")
        _reject_if(position_clashes(con), None)
        if dry_run:
            raise _RolledBack(report)
        marker.clear(con)  # real rows in: no longer only the demo company
        if then is not None:
            then(con)
        return report

    try:
        report = db.staged_write(prepare, _typed_tables, merge)
    except _RolledBack as preview:
        return preview.report
    progress(1.0, "done")
    return report


def _typed_tables(staged: Staged) -> list[str]:
    """The checked rows of each staged file, which the merge reads."""
    return [typed_table(spec) for spec in FILES if spec.name in staged.counts]


def _reject_if(problems: list[Problem], total: int | None) -> None:
    if problems:
        raise BundleError(problems[:MAX_PROBLEMS], total)


def _merge_all(
    con: Connection, staged: Staged, actor_id: str | None, label: str, progress: Progress
) -> ImportReport:
    report = ImportReport()
    files = [spec for spec in FILES if spec.name in staged.counts]
    for done, spec in enumerate(files):
        progress(0.3 + 0.6 * done / len(files), f"merging {spec.filename}")
        rows = staged.counts[spec.name]
        # Into an empty table every row is new: no need to compare, or to upsert.
        empty = _is_empty(con, spec)
        change = (
            FileChange(spec.filename, rows, rows, 0, 0)
            if empty
            else _describe_change(con, spec, rows)
        )
        _merge(con, spec, actor_id, into_empty=empty)
        audit.record(
            con,
            actor_id,
            "import",
            spec.name,
            None,
            label,
            None,
            f"{change.added} added, {change.changed} changed, {change.unchanged} unchanged",
        )
        report.changes.append(change)
    # After every file: a bundle may give a link both ways (goal_objectives.csv and a
    # legacy goals.csv column), and the second must find the first in place.
    for spec in files:
        for legacy in spec.legacy:
            moved = _move_legacy(con, spec, legacy, actor_id, label)
            if moved is not None:
                report.changes.append(moved)
    return report


def _count(con: Connection, rows: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM ({rows}) AS counted").fetchone()[0])  # type: ignore[index]


def _move_legacy(
    con: Connection, spec: FileSpec, legacy: LegacyColumn, actor_id: str | None, label: str
) -> FileChange | None:
    """Add the values of a legacy column as rows of the file they moved to (links already
    there are kept: an import adds, never deletes); None when the bundle gave none."""
    target = BY_NAME[legacy.moved_to]
    rows = (
        f"SELECT DISTINCT id, {legacy.name} FROM {typed_table(spec)} "
        f"WHERE {legacy.name} IS NOT NULL"
    )
    given = _count(con, rows)
    if not given:
        return None
    before = _count(con, f"SELECT * FROM {target.table}")
    con.execute(
        f"INSERT INTO {target.table} ({', '.join(target.column_names)}) {rows} "
        f"ON CONFLICT ({', '.join(target.key)}) DO NOTHING"
    )
    added = _count(con, f"SELECT * FROM {target.table}") - before
    where = f"{spec.filename} {legacy.name}"
    summary = f"{added} added, 0 changed, {given - added} unchanged (from {where})"
    audit.record(con, actor_id, "import", target.name, None, label, None, summary)
    return FileChange(where, given, added, 0, given - added)


def _key_match(spec: FileSpec, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in spec.key)


def _describe_change(con: Connection, spec: FileSpec, rows: int) -> FileChange:
    typ = typed_table(spec)
    cols = ", ".join(spec.column_names)
    added = con.execute(
        f"SELECT count(*) FROM {typ} t "
        f"WHERE NOT EXISTS (SELECT 1 FROM {spec.table} x WHERE {_key_match(spec, 'x', 't')})"
    ).fetchone()[0]  # type: ignore[index]
    same = con.execute(
        f"SELECT count(*) FROM (SELECT {cols} FROM {typ} INTERSECT ALL "
        f"SELECT {cols} FROM {spec.table}) AS same_rows"
    ).fetchone()[0]  # type: ignore[index]
    changed = max(rows - int(added) - int(same), 0)
    return FileChange(spec.filename, rows, int(added), changed, int(same))


def _is_empty(con: Connection, spec: FileSpec) -> bool:
    return con.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {spec.table})").fetchone()[0]  # type: ignore[index]


def _merge(con: Connection, spec: FileSpec, actor_id: str | None, *, into_empty: bool) -> None:
    columns = list(spec.column_names)
    extra, extra_values = _provenance(spec, actor_id)
    target = ", ".join(columns + extra)
    values = ", ".join(columns + extra_values)
    # Check-ins take their ids in file order, which is their order within a day.
    order = " ORDER BY _row" if not spec.key_is_unique else ""
    source = f"SELECT {values} FROM {typed_table(spec)}{order}"
    if into_empty:
        con.execute(f"INSERT INTO {spec.table} ({target}) {source}", extra_params(extra, actor_id))
        return
    if not spec.key_is_unique:
        keys = ", ".join(spec.key)
        con.execute(
            f"DELETE FROM {spec.table} WHERE ({keys}) IN (SELECT {keys} FROM {typed_table(spec)})"
        )
        con.execute(f"INSERT INTO {spec.table} ({target}) {source}", extra_params(extra, actor_id))
        return
    updates = [c for c in columns + extra if c not in spec.key]
    conflict = f"ON CONFLICT ({', '.join(spec.key)}) DO NOTHING"
    if updates:
        sets = ", ".join(f"{c} = excluded.{c}" for c in updates)
        if _has_version(spec):
            sets += f", version = {spec.table}.version + 1"
        conflict = f"ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET {sets}"
    con.execute(
        f"INSERT INTO {spec.table} ({target}) {source} {conflict}", extra_params(extra, actor_id)
    )


_VERSIONED = {"goals", "metrics", "actions", "feedback", *ORGANISATION_TABLES}
_PROVENANCE = {"metric_readings", "check_ins"}


def _has_version(spec: FileSpec) -> bool:
    return spec.name in _VERSIONED


def _provenance(spec: FileSpec, actor_id: str | None) -> tuple[list[str], list[str]]:
    if spec.name not in _PROVENANCE:
        return [], []
    return ["entered_by", "entered_at"], ["?::VARCHAR", "current_timestamp::TIMESTAMP"]


def extra_params(extra: list[str], actor_id: str | None) -> list[Any]:
    return [actor_id] if extra else []
