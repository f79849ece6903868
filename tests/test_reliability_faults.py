"""Faults of the machine, met through the real command line: damage, a full disk, a closed pipe.

Each fault is real: a bit flipped in the database file on disk, a tmpfs filled to the
last byte, a pipe whose reader is gone. A person must see one line naming the fault (never
a traceback, never "busy" for a full disk), and nothing half-written may be left behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cxos.storage import Database
from tests.damage import can_mount_tmpfs, fill, flip_bit, flip_bit_at, small_disk
from tests.sample import load_sample

ROOT = Path(__file__).resolve().parents[1]
# The first block after DuckDB's three 4 KiB headers, past its own 8-byte checksum.
CATALOG_BLOCK = 3 * 4096 + 8
CHECK_IN = ("check-in", "a_bill", "--as", "p_member", "--status", "in_progress")


def cxos(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXOS_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The command failed with exactly one line on stderr (besides progress) holding `words`."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("[")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    """The sample organisation in a closed database file."""
    path = tmp_path / "cxos.duckdb"
    db = Database(path)
    load_sample(db)
    db.close()
    return path


# -- a damaged database ------------------------------------------------------------------


def test_one_flipped_bit_is_named_once_and_writes_are_refused_until_a_restore(
    sample_file: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.duckdb"
    assert cxos("backup", str(good), db=sample_file).returncode == 0
    flip_bit(sample_file, "metric_readings")  # read by scores, not by a check-in
    damaged = _digest(sample_file)

    for command in (
        ("scores", "--as-of", "2026-06-01"),
        ("export", str(tmp_path / "exported")),
        ("export", str(tmp_path / "exported.xlsx")),
        ("backup", str(tmp_path / "copy.duckdb")),
    ):
        _one_line(cxos(*command, db=sample_file), "damaged", "restore a backup")
    assert not list((tmp_path / "exported").glob("*")), "an export of a damaged file"
    assert not (tmp_path / "exported.xlsx").exists()
    assert not list(tmp_path.glob("copy.duckdb*")), "a backup of a damaged file"
    assert (tmp_path / "cxos.duckdb.damaged").is_file()

    # A check-in touches no damaged block, yet it must not write to a file known damaged.
    _one_line(cxos(*CHECK_IN, db=sample_file), "damaged", "restore a backup")
    assert _digest(sample_file) == damaged
    assert not (tmp_path / "cxos.duckdb.wal").exists()

    restored = cxos("restore", str(good), db=sample_file)
    assert restored.returncode == 0, restored.stderr
    assert not (tmp_path / "cxos.duckdb.damaged").exists()
    assert cxos(*CHECK_IN, db=sample_file).returncode == 0
    assert cxos("scores", "--as-of", "2026-06-01", db=sample_file).returncode == 0


def test_a_file_too_damaged_to_open_is_named_and_restored(
    sample_file: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.duckdb"
    assert cxos("backup", str(good), db=sample_file).returncode == 0
    flip_bit_at(sample_file, CATALOG_BLOCK + 64)  # read as the file opens
    _one_line(cxos("scores", db=sample_file), "damaged", "restore a backup")
    _one_line(cxos(*CHECK_IN, db=sample_file), "damaged", "restore a backup")
    restored = cxos("restore", str(good), db=sample_file)
    assert restored.returncode == 0, restored.stderr
    assert cxos(*CHECK_IN, db=sample_file).returncode == 0


def test_damage_found_by_a_check_in_is_named_too(sample_file: Path) -> None:
    flip_bit(sample_file, "teams")  # every permission check reads teams
    _one_line(cxos(*CHECK_IN, db=sample_file), "damaged", "restore a backup")


# -- a full disk ---------------------------------------------------------------------------


@pytest.fixture
def full_disk(sample_file: Path, tmp_path: Path) -> Path:
    """The sample database on a real file system with no byte left free."""
    why_not = can_mount_tmpfs(tmp_path / "probe")
    if why_not:
        pytest.skip(why_not)
    mount = tmp_path / "disk"
    with small_disk(mount, sample_file.stat().st_size + (2 << 20)) as disk:
        shutil.copyfile(sample_file, disk / "cxos.duckdb")
        (disk / "old-export").mkdir()
        (disk / "old-export" / "teams.csv").write_text("id,name\nkept,as it was\n")
        fill(disk)
        yield disk / "cxos.duckdb"


def test_a_check_in_on_a_full_disk_says_so_not_busy(full_disk: Path) -> None:
    line = _one_line(cxos(*CHECK_IN, db=full_disk), "no space left on device while")
    assert "busy" not in line
    assert "nothing was saved" in line


def test_import_on_a_full_disk_names_the_cause(full_disk: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    exported = cxos("export", str(bundle), db=tmp_path / "cxos.duckdb")
    assert exported.returncode == 0, exported.stderr
    teams = bundle / "teams.csv"
    teams.write_text(teams.read_text().replace("Billing", "Billing and payments"))
    _one_line(cxos("import", str(bundle), db=full_disk), "no space left on device while")


@pytest.mark.parametrize(
    ("command", "target"),
    [("export", "old-export"), ("export", "new-export"), ("export", "x.xlsx"),
     ("backup", "b.duckdb")],
)  # fmt: skip
def test_writes_on_a_full_disk_name_the_cause_and_leave_no_short_file(
    full_disk: Path, command: str, target: str
) -> None:
    disk = full_disk.parent
    before = {p.relative_to(disk): p.read_bytes() for p in disk.rglob("*") if p.is_file()}
    _one_line(cxos(command, str(disk / target), db=full_disk), "no space left on device while")
    after = {p.relative_to(disk): p.read_bytes() for p in disk.rglob("*") if p.is_file()}
    assert after == before, "a partial, empty or changed file was left"


def test_a_restore_onto_a_full_disk_changes_nothing(full_disk: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.duckdb"
    assert cxos("backup", str(good), db=tmp_path / "cxos.duckdb").returncode == 0
    disk = full_disk.parent
    before = {p.relative_to(disk): p.read_bytes() for p in disk.rglob("*") if p.is_file()}
    _one_line(cxos("restore", str(good), db=full_disk), "no space left on device while copying")
    after = {p.relative_to(disk): p.read_bytes() for p in disk.rglob("*") if p.is_file()}
    assert after == before


# -- a reader that goes away -------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("scores", "--as-of", "2026-06-01"), ("signals", "--as-of", "2026-06-01"),
     ("audit",), ("explain", "t_billing", "--as-of", "2026-06-01"),
     ("scores", "--as-of", "2026-06-01", "--format", "csv")],
)  # fmt: skip
def test_a_closed_pipe_ends_the_command_quietly(sample_file: Path, command: tuple) -> None:
    env = {**os.environ, "CXOS_DB": str(sample_file)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cxos", *command], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line is written (`| head -0`)
    errors = process.stderr.read()
    assert process.wait(120) == 141
    assert errors == ""


def test_head_takes_its_line_and_the_command_ends_quietly(sample_file: Path) -> None:
    pipeline = f"{sys.executable} -m cxos audit | head -n 1"
    result = subprocess.run(
        ["bash", "-c", pipeline], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "CXOS_DB": str(sample_file)}, timeout=120,
    )  # fmt: skip
    assert result.stdout.startswith("logged_at\tactor")
    assert result.stderr == ""


def test_the_app_says_damaged_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.sample import PERSONAS
    from ui import navigation

    path = tmp_path / "cxos.duckdb"
    db = Database(path)
    load_sample(db, demo=True)
    db.close()
    flip_bit(path, "metric_readings")
    monkeypatch.setenv("CXOS_DB", str(path))
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(navigation.ROOT / "app.py"), default_timeout=60)
    app.query_params["as"] = PERSONAS["steering"]
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    said = [e.value for e in app.error if "damaged" in e.value]
    assert len(said) == 1 and "restore a backup" in said[0], [e.value for e in app.error]
