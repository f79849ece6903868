"""`python -m cxos retire` and `merge-teams` on the demo company, in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxos.demo import company
from cxos.storage import Database

AS_OF = dt.date(2025, 3, 31)
ON = "2025-03-11"
STAGE_WITH_GOALS = "s-consumer-02"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    db = Database(path)
    company.load(db, as_of=AS_OF)
    db.close()
    return path


@pytest.fixture
def path(demo_file: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "cxos.duckdb"
    copy.write_bytes(demo_file.read_bytes())
    return copy


def cxos(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXOS_DB": str(path)}
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args], capture_output=True, text=True, env=env, timeout=300
    )


def scores(path: Path, day: str) -> list[dict]:
    result = cxos(path, "scores", "--as-of", day, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_stage_with_goals_is_refused_with_its_dependants_listed(path):
    result = cxos(path, "retire", "stage", STAGE_WITH_GOALS, "--on", ON, "--as", "p-itplat-1")
    assert result.returncode == 1
    assert "goal linked to it" in result.stderr and "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    db = Database(path)
    assert db.scalar("SELECT retired_on FROM stages WHERE id = ?", [STAGE_WITH_GOALS]) is None


def test_confirming_retires_the_stage_and_says_what_went_with_it(path):
    result = cxos(
        path, "retire", "stage", STAGE_WITH_GOALS, "--on", ON, "--as", "p-itplat-1", "--confirm"
    )
    assert result.returncode == 0, result.stderr
    assert f"stage {STAGE_WITH_GOALS} retired as of {ON}" in result.stdout
    assert "unlinked" in result.stdout


def test_a_head_may_not_merge_teams(path):
    result = cxos(path, "merge-teams", "t-mbill", "t-mcare", "--on", ON, "--as", "p-bbcare-0")
    assert result.returncode == 1
    assert "may not retire or merge" in result.stderr


def test_merging_keeps_earlier_scores_and_moves_later_ones(path):
    earlier, later = "2025-03-10", "2025-03-31"
    before = scores(path, earlier)
    result = cxos(path, "merge-teams", "t-mbill", "t-mcare", "--on", ON, "--as", "p-itplat-1")
    assert result.returncode == 0, result.stderr
    assert "moved to t-mcare" in result.stdout
    assert scores(path, earlier) == before
    assert "t-mbill" not in {row["team_id"] for row in scores(path, later)}


def test_an_unknown_kind_or_date_is_a_clear_message(path):
    result = cxos(path, "retire", "journey", "j-consumer", "--on", ON, "--as", "p-itplat-1")
    assert result.returncode == 2 and "KIND" in result.stderr
    result = cxos(path, "retire", "team", "t-nope", "--on", ON, "--as", "p-itplat-1")
    assert result.returncode == 1 and "no team with id 't-nope'" in result.stderr
