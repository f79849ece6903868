"""Backups that are consistent while the app serves, and restores that check first.

A backup is DuckDB's own copy of every table in one read transaction into a fresh file,
so it never catches a write half-done. A restore opens the backup on its own first, checks
it is a CXOS database this version can read and that every table reads, and only then
moves the current database aside (never deletes it) and puts the copy in its place.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import duckdb

from cxos.errors import CxosError
from cxos.storage import Database
from cxos.storage.db import _CONFIG, applied_migrations, check_complete, open_file
from cxos.storage.migrations import MIGRATIONS


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def default_backup_path(db: Database) -> Path:
    return db.path.parent / "backups" / f"{db.path.stem}-{_stamp()}.duckdb"


def backup(db: Database, target: str | Path | None = None) -> Path:
    """Write a consistent copy of `db` to `target` (default: data/backups/…)."""
    path = Path(target) if target else default_backup_path(db)
    if path.exists():
        raise CxosError(f"{path} already exists; choose another backup file name")
    path.parent.mkdir(parents=True, exist_ok=True)

    def copy(con: duckdb.DuckDBPyConnection) -> None:
        # A name of its own: the app's threads share one open file, two backups may run.
        alias = f"backup_{uuid.uuid4().hex}"
        con.execute(f"ATTACH ? AS {alias}", [str(path)])
        try:
            # One transaction: every table is copied from the same snapshot.
            con.execute("BEGIN TRANSACTION")
            con.execute(f"COPY FROM DATABASE {_catalog(con)} TO {alias}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute(f"DETACH {alias}")

    try:
        db.read(copy)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    check_backup(path)
    return path


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    assert row is not None
    return '"' + str(row[0]).replace('"', '""') + '"'


def check_backup(path: str | Path) -> int:
    """Check a backup file is a readable CXOS database; returns its number of rows."""
    source = Path(path)
    if not source.is_file():
        raise CxosError(f"{source} is not a file")
    try:
        con = duckdb.connect(str(source), read_only=True, config=_CONFIG)
    except duckdb.Error as error:
        raise CxosError(
            f"{source} is not a readable database ({str(error).splitlines()[0]}); "
            "nothing was changed"
        ) from error
    try:
        check_complete(con, source)
        return _check_open_backup(con, source)
    finally:
        con.close()


def _check_open_backup(con: duckdb.DuckDBPyConnection, source: Path) -> int:
    done = applied_migrations(con)
    known = {m.name for m in MIGRATIONS}
    if not done:
        raise CxosError(f"{source} is not a CXOS backup; nothing was changed")
    if set(done) - known:
        raise CxosError(f"{source} was made by a newer CXOS; nothing was changed")
    tables = [
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    ]
    try:
        return sum(
            int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # type: ignore[index]
            for t in tables
        )
    except duckdb.Error as error:
        raise CxosError(f"{source} is damaged ({error}); nothing was changed") from error


def restore(db: Database, source: str | Path) -> Path | None:
    """Replace `db` by a checked backup; the previous file is kept aside and returned."""
    check_backup(source)
    aside = None
    if db.path.exists():
        db.close()  # this process lets go of the file…
        open_file(db.path).close()  # …and no other process holds it now
        aside = db.path.with_name(f"{db.path.name}.before-restore-{_stamp()}")
        shutil.move(str(db.path), aside)
        wal = db.path.with_name(db.path.name + ".wal")
        if wal.exists():
            shutil.move(str(wal), str(aside) + ".wal")
    shutil.copyfile(source, db.path)
    Database(db.path)  # upgrades an older backup's schema in place
    return aside
