"""Backups taken while writes go on are consistent; restore checks first and keeps the old file.

The invariant used: every check-in on action a_bill is one transaction that adds the
check-in, its audit entries and one to the action's version. A copy that caught a write
half-done would break `version == 1 + check-ins` or the audit entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import threading
from pathlib import Path

import pytest

from cxos.model.errors import CxosError
from cxos.storage import Database, backup
from cxos.work.checkins_readings import record_check_in
from tests.bundles import fingerprint
from tests.damage import flip_bit, flip_bit_at, unread_block
from tests.sample import load_sample

DAY = dt.date(2026, 6, 1)


def _consistent(db: Database) -> int:
    """Check the a_bill invariant in `db`; returns its number of check-ins."""
    version = db.scalar("SELECT version FROM actions WHERE id = 'a_bill'")
    ids = {r["id"] for r in db.rows("SELECT id FROM check_ins WHERE action_id = 'a_bill'")}
    audited = {
        int(r["entity_id"])
        for r in db.rows(
            "SELECT DISTINCT entity_id FROM audit_log WHERE entity = 'check_ins' "
            "AND operation = 'create' AND actor_id = 'p_member'"
        )
    }
    assert version == 1 + len(ids)
    assert audited == ids
    return len(ids)


def test_backups_taken_during_writes_are_consistent(db: Database, tmp_path: Path) -> None:
    load_sample(db)
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        while not stop.is_set():
            # Each note its own: an identical check-in repeated at once is recorded once.
            note = f"w{len(written)}"
            record_check_in(db, "p_member", "a_bill", status="in_progress", note=note, on=DAY)
            written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        copies = [backup.backup(db, tmp_path / f"b{i}.duckdb") for i in range(4)]
    finally:
        stop.set()
        writer.join(60)
    seen = [_consistent(Database(path)) for path in copies]
    assert seen == sorted(seen)
    assert seen[-1] > 0 and len(written) > seen[0], "no write overlapped the backups"
    assert _consistent(db) == len(written)


def test_restore_puts_back_exactly_what_was_backed_up(db: Database, tmp_path: Path) -> None:
    load_sample(db)
    saved = fingerprint(db)
    copy = backup.backup(db, tmp_path / "b.duckdb")
    record_check_in(db, "p_member", "a_bill", status="in_progress", note="after", on=DAY)
    changed = fingerprint(db)
    aside = backup.restore(db, copy)
    assert fingerprint(db) == saved
    assert aside is not None and fingerprint(Database(aside)) == changed


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 3 // 4])


def _junk(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x01" * 5000)


def _newer(path: Path) -> None:
    Database(path).write(
        lambda con: con.execute("INSERT INTO schema_migrations VALUES ('9999_future', now())")
    )
    Database(path, upgrade=False).close()


@pytest.mark.parametrize("spoil", [_cut, _junk, _newer], ids=["cut", "junk", "newer"])
def test_restore_refuses_a_bad_backup_and_touches_nothing(
    db: Database, tmp_path: Path, spoil: object
) -> None:
    load_sample(db)
    copy = backup.backup(db, tmp_path / "b.duckdb")
    spoil(copy)  # type: ignore[operator]
    db.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(CxosError, match="nothing was changed|not changed"):
        backup.restore(db, copy)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before


def test_a_backup_of_a_backup_restores_the_same(db: Database, tmp_path: Path) -> None:
    load_sample(db)
    first = backup.backup(db, tmp_path / "one.duckdb")
    other = Database(tmp_path / "other.duckdb")
    backup.restore(other, first)
    second = backup.backup(other, tmp_path / "two.duckdb")
    assert fingerprint(Database(second)) == fingerprint(db)
    shutil.rmtree(tmp_path / "backups", ignore_errors=True)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("verify_checksum", [True, False], ids=["checksum", "reads-only"])
def test_restore_refuses_a_backup_with_one_bit_flipped_in_a_data_block(
    db: Database, tmp_path: Path, verify_checksum: bool
) -> None:
    load_sample(db)
    saved = fingerprint(db)
    copy = backup.backup(db, tmp_path / "b.duckdb")
    record_check_in(db, "p_member", "a_bill", status="in_progress", note="after", on=DAY)
    changed = fingerprint(db)
    flip_bit(copy, "check_ins")
    db.close()
    before = _files(tmp_path)
    trust = {} if verify_checksum else {"verify_checksum": False}
    with pytest.raises(CxosError, match="damaged|does not match") as refused:
        backup.restore(db, copy, **trust)
    assert "nothing was changed" in str(refused.value)
    assert _files(tmp_path) == before
    assert fingerprint(db) == changed != saved


def test_the_checksum_sees_a_flip_that_no_table_read_meets(db: Database, tmp_path: Path) -> None:
    load_sample(db)
    copy = backup.backup(db, tmp_path / "b.duckdb")
    flip_bit_at(copy, unread_block(copy) + 64)
    assert backup.check_backup(copy, verify_checksum=False) > 0  # every table still reads
    with pytest.raises(CxosError, match="does not match the checksum"):
        backup.restore(db, copy)


def test_a_backup_is_written_with_its_checksum_and_nothing_else(
    db: Database, tmp_path: Path
) -> None:
    load_sample(db)
    copy = backup.backup(db, tmp_path / "out" / "b.duckdb")
    assert sorted(p.name for p in copy.parent.iterdir()) == ["b.duckdb", "b.duckdb.sha256"]
    digest, name = backup.checksum_path(copy).read_text().split()
    assert name == "b.duckdb" and digest == hashlib.sha256(copy.read_bytes()).hexdigest()


def test_a_backup_without_its_checksum_is_restored_only_when_trusted(
    db: Database, tmp_path: Path
) -> None:
    load_sample(db)
    copy = backup.backup(db, tmp_path / "b.duckdb")
    backup.checksum_path(copy).unlink()
    with pytest.raises(CxosError, match="no checksum file .*--without-checksum"):
        backup.restore(db, copy)
    assert backup.restore(db, copy, verify_checksum=False) is not None
