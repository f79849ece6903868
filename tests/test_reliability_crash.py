"""A writer killed with SIGKILL mid-import leaves the whole bundle or none of it.

The import runs as `python -m cxos import` on a large generated bundle. The process is
killed at chosen points of its own progress (it reports each file it merges on stderr,
all inside the one transaction) and at a few plain delays; then the database must open
and each table hold either nothing of the bundle or all of it, the same for every table.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxos.bundle.spec import FILES
from cxos.demo import company
from cxos.storage import Database

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def big_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return company.write_bundle(tmp_path_factory.mktemp("big") / "bundle", as_of=AS_OF, scale=20)


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("empty") / "cxos.duckdb"
    Database(path).close()
    return path


def _counts(path: Path) -> dict[str, int]:
    db = Database(path)
    try:
        return {spec.name: db.scalar(f"SELECT count(*) FROM {spec.table}") for spec in FILES}
    finally:
        db.close()


@pytest.fixture(scope="module")
def full_counts(big_bundle: Path, empty_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("full") / "cxos.duckdb"
    shutil.copyfile(empty_db, path)
    result = _import(path, big_bundle)
    assert result.wait(120) == 0
    return _counts(path)


def _import(path: Path, bundle: Path) -> subprocess.Popen:
    env = {**os.environ, "CXOS_DB": str(path)}
    return subprocess.Popen(
        [sys.executable, "-m", "cxos", "import", str(bundle)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _kill_at_line(process: subprocess.Popen, words: str) -> bool:
    """SIGKILL the import when its progress shows `words`; False if it finished first."""
    assert process.stderr is not None
    for line in process.stderr:
        if words in line:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
    process.wait()
    return False


def _kill_after(process: subprocess.Popen, seconds: float) -> bool:
    time.sleep(seconds)
    killed = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    return killed


def _all_or_nothing(path: Path, full: dict[str, int]) -> str:
    counts = _counts(path)
    if all(n == 0 for n in counts.values()):
        return "none"
    assert counts == full, "a partial import survived the kill"
    return "all"


# Points inside the merge transaction (first file, middle, last) and just after it.
POINTS = ["merging business_units.csv", "merging actions.csv", "merging notes.csv", "done"]


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_killed_at_a_point_of_the_import(
    point: str, big_bundle: Path, empty_db: Path, full_counts: dict, tmp_path: Path
) -> None:
    path = tmp_path / "cxos.duckdb"
    shutil.copyfile(empty_db, path)
    killed = _kill_at_line(_import(path, big_bundle), point)
    assert killed, f"the import never reported {point!r}"
    outcome = _all_or_nothing(path, full_counts)
    assert outcome == ("all" if point == "done" else "none")


@pytest.mark.slow
def test_killed_after_plain_delays(
    big_bundle: Path, empty_db: Path, full_counts: dict, tmp_path: Path
) -> None:
    outcomes = []
    for i, delay in enumerate([0.3, 0.9, 1.3, 1.8, 2.5]):
        path = tmp_path / f"cxos-{i}.duckdb"
        shutil.copyfile(empty_db, path)
        _kill_after(_import(path, big_bundle), delay)
        outcomes.append(_all_or_nothing(path, full_counts))
    assert set(outcomes) <= {"none", "all"}
