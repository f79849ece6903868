"""Backups that are consistent while the app serves, verifiable, and restores that check first.

A backup is DuckDB's own copy of every table in one read transaction into a fresh file,
so it never catches a write half-done. It is written under a temporary name, read back in
full, and only then renamed into place, next to its checksum `FILE.sha256` (the format of
`sha256sum`, so `sha256sum -c FILE.sha256` checks it by hand too).

A restore checks the candidate on its own first: it must open as a CXOS database this
version can read, every row of every table must read (DuckDB checks each block's own
checksum as it reads it), and the file must match the checksum written with it, which
also covers the blocks no table read touches (index blocks, free blocks). Only then is
the copy put beside the database under a temporary name, the current database moved aside
(never deleted) and the copy renamed into its place. A backup without its checksum file is
refused unless the caller says to trust it (`verify_checksum=False`, `--without-checksum`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from cxos.model.errors import CxosError, DatabaseBusy
from cxos.storage import Database, faults
from cxos.storage.duckdb_file import OPEN_CONFIG, check_complete, open_file
from cxos.storage.migrations import MIGRATIONS, applied_migrations
from cxos.storage.retry import rollback

CHECKSUM_SUFFIX = ".sha256"
_CHUNK = 1 << 20


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def default_backup_path(db: Database) -> Path:
    return db.path.parent / "backups" / f"{db.path.stem}-{_stamp()}.duckdb"


def checksum_path(path: str | Path) -> Path:
    """The checksum file written beside a backup."""
    path = Path(path)
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def backup(db: Database, target: str | Path | None = None) -> Path:
    """Write a consistent, verified copy of `db` to `target` (default: data/backups/…)."""
    path = Path(target) if target else default_backup_path(db)
    if path.exists():
        raise CxosError(f"{path} already exists; choose another backup file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    doing = f"writing the backup {path}"
    with faults.replacing([path, checksum_path(path)], doing) as (partial, partial_sum):
        try:
            db.read(lambda con: _copy_into(con, partial, doing))
            check_backup(partial, verify_checksum=False)
            partial_sum.write_text(f"{file_digest(partial)}  {path.name}\n", encoding="utf-8")
        finally:
            Path(str(partial) + ".wal").unlink(missing_ok=True)
    return path


def _copy_into(con: duckdb.DuckDBPyConnection, path: Path, doing: str) -> None:
    # A name of its own: the app's threads share one open file, two backups may run.
    alias = f"backup_{uuid.uuid4().hex}"
    with _full_disk_named(doing):
        con.execute(f"ATTACH ? AS {alias}", [str(path)])
        try:
            # One transaction: every table is copied from the same snapshot.
            con.execute("BEGIN TRANSACTION")
            con.execute(f"COPY FROM DATABASE {_catalog(con)} TO {alias}")
            con.execute("COMMIT")
        except BaseException:
            rollback(con)
            raise
        finally:
            con.execute(f"DETACH {alias}")  # checkpoints the copy into its file


@contextmanager
def _full_disk_named(doing: str) -> Iterator[None]:
    """A full disk while writing the backup is the backup's fault, named as such.

    Damage of the database being copied is left to `Database.connect`, which names it.
    """
    try:
        yield
    except duckdb.Error as error:
        reason = faults.full_reason(error)
        if reason is None:
            raise
        raise faults.disk_full(reason, doing, "no backup was written") from error


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    assert row is not None
    return '"' + str(row[0]).replace('"', '""') + '"'


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_backup(path: str | Path, *, verify_checksum: bool = True) -> int:
    """Check a backup file is a sound CXOS database; returns its number of rows.

    Every row of every table is read, and (with `verify_checksum`) the file must match
    the checksum written beside it. Raises `CxosError` saying what is wrong.
    """
    source = Path(path)
    if not source.is_file():
        raise CxosError(f"{source} is not a file")
    try:
        con = duckdb.connect(str(source), read_only=True, config=OPEN_CONFIG)
    except duckdb.Error as error:
        raise CxosError(
            f"{source} is not a readable database ({faults.first_line(error)}); nothing was changed"
        ) from error
    try:
        check_complete(con, source)
        rows = _check_open_backup(con, source)
    finally:
        con.close()
    if verify_checksum:
        _check_checksum(source)
    return rows


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
        return sum(_read_whole_table(con, table) for table in tables)
    except duckdb.Error as error:
        raise CxosError(
            f"{source} is damaged ({faults.first_line(error)}); nothing was changed"
        ) from error


def _read_whole_table(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Read every column of every row (a row's hash needs them all); returns the rows."""
    name = '"' + table.replace('"', '""') + '"'
    row = con.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {name} t").fetchone()
    return 0 if row is None else int(row[0])


def _check_checksum(source: Path, candidate: Path | None = None) -> None:
    """`candidate` (default: `source` itself) must match the checksum written beside `source`."""
    expected_at = checksum_path(source)
    try:
        expected = expected_at.read_text(encoding="utf-8").split()[0].lower()
    except (FileNotFoundError, IndexError) as error:
        raise CxosError(
            f"{source} has no checksum file {expected_at.name} beside it, so it cannot be "
            "verified; nothing was changed. If you trust this file, restore it with "
            "--without-checksum (every table is still read in full)"
        ) from error
    if file_digest(candidate or source) != expected:
        raise CxosError(
            f"{candidate or source} does not match the checksum {expected_at}: it has "
            "changed or been damaged since the backup was written; nothing was changed"
        )


def restore(db: Database, source: str | Path, *, verify_checksum: bool = True) -> Path | None:
    """Replace `db` by a checked backup; the previous file is kept aside and returned."""
    source = Path(source)
    check_backup(source, verify_checksum=verify_checksum)
    doing = f"copying the backup to {db.path}"
    db.path.parent.mkdir(parents=True, exist_ok=True)
    with faults.replacing([db.path], doing) as (copy,):
        shutil.copyfile(source, copy)
        if verify_checksum:
            # The copy is what will be used: check it too, not only the source.
            _check_checksum(source, copy)
        aside = _move_aside(db)
    faults.damage_marker(db.path).unlink(missing_ok=True)
    Database(db.path)  # upgrades an older backup's schema in place
    return aside


def _move_aside(db: Database) -> Path | None:
    """Move the current database (and its WAL, its damage marker) aside; None if absent."""
    if not db.path.exists():
        return None
    db.close()  # this process lets go of the file…
    _wait_for_other_processes(db.path)  # …and no other process holds it now
    aside = db.path.with_name(f"{db.path.name}.before-restore-{_stamp()}")
    for suffix in ("", ".wal", ".damaged"):
        current = Path(str(db.path) + suffix)
        if current.exists():
            os.replace(current, Path(str(aside) + suffix))
    return aside


def _wait_for_other_processes(path: Path) -> None:
    """Return once no other process holds `path`; a damaged file may not even open."""
    try:
        open_file(path).close()
    except DatabaseBusy:
        raise
    except CxosError:
        pass  # it opened far enough to take the lock, then failed: damaged, as expected
