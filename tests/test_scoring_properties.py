"""Scoring invariants under random organisations (hypothesis).

Each test keeps one database and lets every example add a fresh, uniquely named slice of
organisation to it, so the invariants are checked against ever larger, messier data
without paying for a new database per example.
"""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxos.scoring import sql
from cxos.scoring.config import ScoringConfig
from cxos.scoring.query import run
from tests.test_scoring_support import D, Org, days, scores_by_team

SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_counter = itertools.count()

offsets = st.integers(min_value=-200, max_value=-1)
scores_1_5 = st.integers(min_value=1, max_value=5)


@st.composite
def slices(draw, latest: int = 0, early: int = 0):
    """A random team with goals, metrics, readings, actions, check-ins and a survey.

    Every date is at most `latest` days after D; check-ins may be dated up to `early` days
    before their action was created.
    """
    n = next(_counter)
    team, other = f"t{n}", f"u{n}"
    org = Org().stage(f"s{n}", 1, journey=f"j{n}").stage(f"r{n}", 2, journey=f"j{n}")
    org.touchpoint(f"tp{n}", f"s{n}", team).touchpoint(f"tq{n}", f"r{n}", other)
    for g in range(draw(st.integers(0, 2))):
        goal = f"g{n}_{g}"
        start = draw(st.integers(-300, latest))
        end = start + draw(st.integers(0, 300))
        org.goal(
            goal,
            team,
            start=start,
            end=end,
            status=draw(st.sampled_from(["active", "achieved", "dropped"])),
            owner=draw(st.booleans()),
            objective=draw(st.booleans()),
            stages=draw(st.sampled_from([(), (f"s{n}",), (f"s{n}", f"r{n}")])),
            contributors=draw(st.sampled_from([(), (other,)])),
        )
        for k in range(draw(st.integers(0, 2))):
            metric = f"m{n}_{g}_{k}"
            baseline = draw(st.sampled_from([None, 0.0, 50.0]))
            org.metric(
                metric,
                goal,
                baseline=baseline,
                target=None if baseline is None else baseline + draw(st.integers(0, 50)),
                cadence=draw(st.integers(1, 60)),
            )
            for day in sorted(set(draw(st.lists(st.integers(-300, latest), max_size=3)))):
                org.reading(metric, day, draw(st.floats(-100, 200, allow_nan=False)))
        for k in range(draw(st.integers(0, 2))):
            action = f"a{n}_{g}_{k}"
            created = draw(st.integers(-300, latest))
            due = created + draw(st.integers(0, 100))
            done = draw(st.booleans())
            org.action(
                action,
                goal,
                team,
                created=created,
                due=due,
                status="done" if done else draw(st.sampled_from(["open", "cancelled"])),
                completed=created + draw(st.integers(0, 120)) if done else None,
            )
            window = st.integers(created - early, created + 150)
            for day in sorted(set(draw(st.lists(window, max_size=2)))):
                org.check_in(action, day)
    if draw(st.booleans()):
        org.pulse(
            team,
            draw(st.integers(-300, latest)),
            understand_goals=draw(scores_1_5),
            know_my_part=draw(scores_1_5),
        )
    return team, org


@SETTINGS
@given(slices(latest=30))
def test_scores_stay_within_0_and_100(db, load, data):
    _team, org = data
    load(db, org.rows)
    for score in scores_by_team(db).values():
        assert 0 <= score.alignment <= 100 and 0 <= score.accountability <= 100
        assert all(v is None or 0 <= v <= 1 for v in score.components.values())


@SETTINGS
@given(slices(), st.integers(min_value=0, max_value=10))
def test_a_fresh_reading_never_lowers_a3(db, load, data, age):
    team, org = data
    load(db, org.rows)
    before = scores_by_team(db)[team].components["a3_cadence"]
    metrics = [m["id"] for m in org.rows["metrics"]]
    if not metrics:
        return
    taken = {(r["metric_id"], r["as_of"]) for r in org.rows["metric_readings"]}
    fresh = [
        {"metric_id": m, "as_of": days(-age), "value": 1.0}
        for m in metrics
        if (m, days(-age)) not in taken
    ]
    if fresh:
        load(db, {"metric_readings": fresh[:1]})
    after = scores_by_team(db)[team].components["a3_cadence"]
    assert before is None or after >= before


@SETTINGS
@given(slices(latest=0), offsets)
def test_an_old_date_is_unaffected_by_data_dated_after_it(db, load, data, back):
    team, org = data
    load(db, org.rows)
    old = D + dt.timedelta(days=back)
    before = scores_by_team(db, old)
    later = Org()
    for metric in org.rows["metrics"]:
        later.reading(metric["id"], 5, 1.0)
    for action in org.rows["actions"]:
        later.check_in(action["id"], 5)
    later.pulse(team, 5, understand_goals=1, agree_why=1)
    later.goal(
        f"{team}_late",
        team,
        start=back + 1,
        end=back + 10,
        stages=tuple(s["id"] for s in org.rows["stages"]),
    )
    later.action(f"{team}_late_a", f"{team}_late", team, created=back + 1, due=back + 2)
    load(db, later.rows)
    assert scores_by_team(db, old) == before


# The latest reading and check-in as of $d straight from every row on or before it: what the
# derived tables of latest values (all dates) with their fallback must amount to.
_AS_OF_D = {
    "score_latest_readings": """(SELECT metric_id, max(as_of) AS read_on,
        arg_max(value, as_of) AS value FROM metric_readings WHERE as_of <= $d
        GROUP BY metric_id)""",
    "score_actions": """(SELECT a.id, a.team_id, a.goal_id, a.created_on, a.due_date,
        a.completed_on, a.status, (SELECT max(checked_on) FROM check_ins c
            WHERE c.action_id = a.id AND c.checked_on <= $d) AS last_checked_on,
        NULL::DATE AS valid_from, NULL::DATE AS valid_until
        FROM actions a)""",
}


def _read_as_of_d(query: str) -> str:
    for table, as_of_d in _AS_OF_D.items():
        query = query.replace(f"FROM {table}", f"FROM {as_of_d}")
    return query


@SETTINGS
@given(slices(latest=30, early=60))
def test_latest_readings_and_check_ins_as_of_any_date_are_those_on_or_before_it(
    db, load, monkeypatch, data
):
    """Scoring takes each metric's latest reading and each action's latest check-in of all
    dates when it is on or before D, and else the latest of its earlier rows: the same
    scores and signals as reading every row on or before D, on every date around a reading
    or check-in of the slice (check-ins may also predate their action)."""
    monkeypatch.setenv("CXOS_VERIFY_STRUCTURE", "0")  # about reading, not about writes
    _team, org = data
    load(db, org.rows)
    config = ScoringConfig()
    dated = [r["as_of"] for r in org.rows["metric_readings"]]
    dated += [c["checked_on"] for c in org.rows["check_ins"]]
    days_around = {D} | {
        dt.date.fromisoformat(day) + dt.timedelta(days=step) for day in dated for step in (-1, 0)
    }
    for query in (sql.scores_sql(), sql.SIGNALS):
        assert _read_as_of_d(query) != query
        for day in sorted(days_around):
            params = sql.parameters(day, config)
            derived, direct = (
                db.read(lambda con, q=q, p=params: run(con, q, p))
                for q in (query, _read_as_of_d(query))
            )
            assert derived == direct, day
