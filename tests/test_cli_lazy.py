"""The command line imports per command: `scores` does not load the account, export or chart code.

Not timed (bench/bench_cli.py measures the whole process): each check runs the real
command line in a fresh interpreter and looks at `sys.modules` when it exits, so an eager
import added anywhere on the path fails here instead of slowly costing every user.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cxos.cli import data
from cxos.demo import marker

# What a command that does not need them must never load: password hashing, spreadsheets,
# PDF, charts, the whole Streamlit UI, and scikit-learn (feedback themes).
HEAVY = ("argon2", "openpyxl", "fpdf", "plotly", "streamlit", "fastapi", "uvicorn", "sklearn")

# Runs the command line as `python -m cxos` does, then reports which heavy modules it loaded.
PROBE = """
import sys
from cxos.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as stop:  # --help exits through argparse
    status = stop.code
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("LOADED:" + ",".join(heavy), file=sys.stderr)
sys.exit(status)
"""


def loaded(*argv: str, db: Path) -> list[str]:
    """The heavy modules loaded by one run of the command line with `argv`."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), "--db", str(db), *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = [line for line in result.stderr.splitlines() if line.startswith("LOADED:")]
    assert report, result.stderr
    return [name for name in report[-1].removeprefix("LOADED:").split(",") if name]


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("scores", "--help"),
        ("scores",),
        ("scores", "--format", "json"),
        ("signals", "--format", "csv"),
        ("feedback", "list", "--team", "t1", "--format", "json"),
        ("note", "list"),
        ("meeting", "list"),
        ("audit",),
        ("goals", "--format", "json"),
        ("token", "list"),
        ("api", "--help"),
        ("themes", "--help"),
    ],
)
def test_reading_commands_load_nothing_heavy(tmp_path: Path, argv: tuple[str, ...]) -> None:
    assert loaded(*argv, db=tmp_path / "cxos.duckdb") == []


SCORING_ONLY = """
import sys
from cxos.cli import main
status = main(sys.argv[1:])
print("LOADED:" + ",".join(sorted(m for m in sys.modules if m.startswith("cxos.model.entities")
    or m.startswith("cxos.identity") or m == "pydantic")), file=sys.stderr)
sys.exit(status)
"""


@pytest.mark.parametrize("command", ["scores", "signals"])
def test_reading_scores_does_not_build_the_row_models(tmp_path: Path, command: str) -> None:
    """The row models, the audit trail and pydantic (only a configuration file needs it)
    cost half of `scores`' start; reads need none of them."""
    result = subprocess.run(
        [sys.executable, "-c", SCORING_ONLY, "--db", str(tmp_path / "cxos.duckdb"), command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "LOADED:", result.stderr


def test_check_in_help_lists_the_statuses_without_loading_accounts(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cxos", "check-in", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "open, in_progress, blocked, done, cancelled" in result.stdout
    assert loaded("check-in", "--help", db=tmp_path / "cxos.duckdb") == []


def test_the_demo_flag_is_spelt_as_the_demo_marker_says() -> None:
    # cxos.cli.data spells it out so that building the parser does not open storage.
    assert data.ADD_TO_REAL_DATA == marker.ADD_TO_REAL_DATA
