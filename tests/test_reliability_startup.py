"""Start-up on a file CXOS must not touch, a busy file, and nothing fetched at run time.

Every damaged or foreign file is tried three ways — the `Database` object, the command
line and the app (`AppTest` over app.py) — and each must stop with a message a person can
act on, no traceback, and the file byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from cxos.model.errors import CxosError
from cxos.storage import Database, duckdb_file, retry
from tests.sample import load_sample

ROOT = Path(__file__).resolve().parents[1]


def _text(path: Path) -> None:
    path.write_text("id,name\nbu1,Consumer\n")


def _zeros(path: Path) -> None:
    path.write_bytes(b"\x00" * 8192)


def _sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE teams (id TEXT)")
    con.commit()
    con.close()


def _foreign(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.close()


def _cxos(path: Path) -> None:
    db = load_sample(Database(path))
    db.close()


def _newer(path: Path) -> None:
    _cxos(path)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES ('9999_from_the_future', now())")
    con.close()


def _truncated(fraction: float) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        _cxos(path)
        path.write_bytes(path.read_bytes()[: int(path.stat().st_size * fraction)])

    return make


DAMAGED: dict[str, tuple[Callable[[Path], None], str]] = {
    "text": (_text, "cannot be opened as a CXOS database"),
    "zeros": (_zeros, "cannot be opened as a CXOS database"),
    "sqlite": (_sqlite, "cannot be opened as a CXOS database"),
    "foreign-duckdb": (_foreign, "not a CXOS one"),
    "newer-schema": (_newer, "newer CXOS"),
    "cut-to-1pct": (_truncated(0.01), "cannot be opened|cut short|is damaged"),
    "cut-in-half": (_truncated(0.5), "cut short"),
    "cut-last-block": (_truncated(0.99), "cut short"),
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(params=sorted(DAMAGED))
def damaged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    make, words = DAMAGED[request.param]
    path = tmp_path / "cxos.duckdb"
    make(path)
    yield path, words


def _files(path: Path) -> dict[str, str]:
    """Every file beside the database and its digest; the damage marker CXOS writes beside a
    damaged file (docs/security.md, "What damage looks like") is the one file allowed in."""
    marker = path.with_name(path.name + ".damaged")
    files = sorted(p for p in path.parent.iterdir() if p.is_file() and p != marker)
    return {p.name: _digest(p) for p in files}


def test_database_refuses_and_changes_nothing(damaged: tuple[Path, str]) -> None:
    path, words = damaged
    before = _files(path)
    with pytest.raises(CxosError, match=words):
        Database(path)
    assert _files(path) == before


def _cli(path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "CXOS_DB": str(path), **env}, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("args", [("init",), ("scores", "--as-of", "2026-06-01")])
def test_command_line_refuses_with_one_line(damaged: tuple[Path, str], args: tuple) -> None:
    path, words = damaged
    before = _files(path)
    result = _cli(path, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert re.search(words, result.stderr)
    assert _files(path) == before


def test_app_start_shows_a_clear_error(
    damaged: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, words = damaged
    before = _files(path)
    monkeypatch.setenv("CXOS_DB", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "CXOS cannot use its database" in errors
    assert re.search(words, errors)
    assert _files(path) == before


def test_a_query_on_a_file_damaged_after_opening_is_a_cxos_error(tmp_path: Path) -> None:
    path = tmp_path / "cxos.duckdb"
    _cxos(path)
    db = Database(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CxosError, match=r"is damaged \(.*\): restore a backup"):
        db.rows("SELECT * FROM people")


# -- a file held by another program ------------------------------------------------------

_HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen:
    """Another program (not CXOS, so it never hands the file over) holds the file."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_busy_past_the_budget_is_a_clear_message_and_nothing_written(tmp_path: Path) -> None:
    path = tmp_path / "cxos.duckdb"
    _cxos(path)
    holder = _hold(path, 30)
    try:
        result = _cli(path, "reading", "m_bill", "70", "--as", "p_head",
                      CXOS_BUSY_SECONDS="1")  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "in use by another program; try again" in result.stderr
    assert "Traceback" not in result.stderr
    assert Database(path).scalar("SELECT count(*) FROM metric_readings") == 1


def test_a_command_waits_for_a_short_hold_and_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "cxos.duckdb"
    _cxos(path)
    holder = _hold(path, 1.5)
    started = time.monotonic()
    result = _cli(path, "reading", "m_bill", "70", "--as", "p_head")
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.0  # it really waited for the other program
    assert not duckdb_file.waiting_marker(path).exists()
    assert Database(path).scalar("SELECT count(*) FROM metric_readings") == 2


def test_the_app_says_busy_instead_of_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cxos.duckdb"
    _cxos(path)
    monkeypatch.setenv("CXOS_DB", str(path))
    monkeypatch.setattr(retry, "BUSY_SECONDS", 0.5)
    holder = _hold(path, 30)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    finally:
        holder.kill()
        holder.wait()
    assert not at.exception, [e.value for e in at.exception]
    shown = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.warning))  # as rendered
    assert "in use by another program; try again" in shown


# -- nothing is fetched at run time ------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_xlsx('x.xlsx')",
        "SELECT ST_Point(1, 2)",
        "SELECT * FROM 'https://example.com/data.csv'",
        "SELECT * FROM sqlite_scan('x.db', 't')",
    ],
)
def test_a_query_needing_an_extension_fails_cleanly_without_fetching(
    db: Database, sql: str
) -> None:
    started = time.monotonic()
    with pytest.raises(duckdb.Error) as caught:
        db.rows(sql)
    assert time.monotonic() - started < 5  # no download was attempted
    text = str(caught.value).lower()
    assert "extension" in text, text
    settings = dict(
        db.read(
            lambda con: con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name LIKE 'auto%_known_ext%'"
            ).fetchall()
        )
    )
    assert settings == {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }
