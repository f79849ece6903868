"""Did it work? (issue 25): a completed action whose metric rose after it counts as moved,
one whose metric did not as not moved, one without readings as not enough readings; the
caveats (few readings, overlapping work) are said; summaries per team, stage and goal."""

from __future__ import annotations

import json
import subprocess
import sys

from cxos.insights.impact import MOVED, NOT_ENOUGH, NOT_MOVED, compute_impact, summarise
from cxos.storage import Database
from tests import insights_data
from tests.insights_data import AS_OF


def _by_action(db: Database, as_of=AS_OF) -> dict:  # noqa: ANN001
    return {r.action_id: r for r in compute_impact(db, as_of)}


def test_metric_that_rose_after_completion_counts_as_moved(db: Database) -> None:
    result = _by_action(insights_data.load(db))["a_up"]
    # 55 on 15 Feb, before it was created; 60 on 1 Jun, the latest within 90 days after.
    assert (result.before, result.after, result.outcome) == (55, 60, MOVED)
    assert result.improvement == 5 and round(result.gap_closed or 0, 3) == 0.167


def test_metric_that_did_not_rise_counts_as_not_moved(db: Database) -> None:
    result = _by_action(insights_data.load(db))["a_flat"]
    assert (result.before, result.after, result.outcome) == (15, 14, NOT_MOVED)


def test_direction_decides_what_better_means(db: Database, load) -> None:  # noqa: ANN001
    data = insights_data.bundle()
    data["metric_readings"] += [
        {"metric_id": "m_service", "as_of": "2026-02-01", "value": 300},
        {"metric_id": "m_service", "as_of": "2026-06-15", "value": 240},
    ]
    load(db, data)
    result = _by_action(db)["a_blind"]
    assert (result.outcome, result.improvement) == (MOVED, 60)  # answer time went down


def test_without_readings_on_both_sides_it_says_so(db: Database) -> None:
    result = _by_action(insights_data.load(db))["a_blind"]
    assert result.outcome == NOT_ENOUGH and result.gap_closed is None
    assert result.as_row()["improvement"] is None


def test_caveats_are_said_never_a_claim_of_cause(db: Database) -> None:
    rows = _by_action(insights_data.load(db))
    assert rows["a_up"].notes == [
        "few readings (3 around the action)",
        "2 other actions on this goal at the same time",
    ]
    summary = summarise(rows.values(), "team")
    billing = next(s for s in summary if s.subject_id == "t_billing")
    assert billing.sentence == (
        "1 of 1 moved their metric the right way; 1 on few readings; "
        "1 overlapping other work (what happened after, not proof of cause)"
    )


def test_readings_after_the_date_do_not_count(db: Database) -> None:
    rows = _by_action(insights_data.load(db), AS_OF.replace(month=5, day=21))
    # As of 21 May only the 20 May reading (65) is after completion.
    assert (rows["a_up"].after, rows["a_up"].outcome) == (65, MOVED)
    assert rows["a_flat"].outcome == NOT_ENOUGH  # its after reading is of 25 May
    assert _by_action(db, AS_OF.replace(month=4, day=30)) == {}  # nothing done yet


def test_summaries_per_team_stage_and_goal(db: Database) -> None:
    results = compute_impact(insights_data.load(db), AS_OF)
    teams = {s.subject_id: (s.moved, s.not_moved, s.not_enough) for s in summarise(results, "team")}
    assert teams == {"t_billing": (1, 0, 0), "t_stores": (0, 1, 0), "t_service": (0, 0, 1)}
    stages = summarise(results, "stage", {"s1": "Compare offers", "s2": "Pay the bill"})
    assert [(s.subject, s.moved_share) for s in stages] == [  # what did not move first
        ("Compare offers", 0.0),
        ("Pay the bill", 1.0),
    ]
    goals = summarise(results, "goal")
    assert next(s for s in goals if s.subject_id == "g_service").moved_share is None


def test_command_line_prints_impact_and_summaries(db: Database) -> None:
    insights_data.load(db)
    base = [sys.executable, "-m", "cxos", "--db", str(db.path), "impact", "--as-of", "2026-09-30"]
    out = subprocess.run([*base, "--format", "json"], capture_output=True, text=True, check=True)
    outcomes = {r["action_id"]: r["outcome"] for r in json.loads(out.stdout)}
    assert outcomes == {"a_up": "moved", "a_flat": "not moved", "a_blind": "not enough readings"}
    out = subprocess.run(
        [*base, "--by", "goal", "--format", "csv"], capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines()[0].startswith("by,subject_id,subject,moved,not_moved")
    assert "g_bill,Bills people understand,1,0,0,1.0" in out.stdout
