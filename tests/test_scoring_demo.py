"""The demo company tells the whole story: every quadrant and every silo signal occurs."""

from __future__ import annotations

import datetime as dt

from cxos.bundle.importer import import_bundle
from cxos.demo import company
from cxos.scoring import SIGNAL_KINDS, assess, compute_scores, compute_signals, goal_health, sql
from cxos.scoring.config import ScoringConfig
from cxos.scoring.query import run
from cxos.storage import Database

AS_OF = dt.date(2025, 3, 31)


def test_demo_company_shows_all_quadrants_signals_and_healths(db):
    company.load(db, as_of=AS_OF)
    config = ScoringConfig()
    quadrants = {s.quadrant for s in compute_scores(db, AS_OF, config)}
    assert quadrants == {"performing", "aspirational", "compliant", "siloed"}
    assert {s.signal for s in compute_signals(db, AS_OF, config)} == set(SIGNAL_KINDS)
    assert {h.health for h in goal_health(db, AS_OF, config).values()} >= {
        "on_track",
        "at_risk",
        "off_track",
        "no_data",
        "achieved",
    }


def test_assessing_at_once_gives_the_scores_and_signals_asked_for_apart(db):
    """`assess` computes both in one statement; at the demo's date, a year before and a
    month after, it gives exactly what `compute_scores` and `compute_signals` give."""
    company.load(db, as_of=AS_OF)
    config = ScoringConfig()
    for day in (AS_OF, AS_OF - dt.timedelta(days=365), AS_OF + dt.timedelta(days=30)):
        found = assess(db, day, config)
        assert found.scores == compute_scores(db, day, config)
        assert found.signals == compute_signals(db, day, config)
        assert found.signals and len(found.scores) == 16


def test_the_same_company_imported_in_another_row_order_scores_to_the_last_digit(tmp_path):
    """Scores are sums over items; summed in whatever order the rows happen to be stored
    in, the same data gave a pace of 0.8711478941091464 once and ...463 after importing
    the files with their rows reversed. Over a year of dates, both orders agree exactly."""
    as_given = company.write_bundle(tmp_path / "as_given", AS_OF)
    reversed_rows = tmp_path / "reversed"
    reversed_rows.mkdir()
    for file in as_given.iterdir():
        header, *rows = file.read_text(encoding="utf-8").splitlines(keepends=True)
        (reversed_rows / file.name).write_text(header + "".join(rows[::-1]), encoding="utf-8")
    first, second = Database(tmp_path / "first.duckdb"), Database(tmp_path / "second.duckdb")
    import_bundle(first, as_given)
    import_bundle(second, reversed_rows)
    config = ScoringConfig()
    for back in range(0, 365, 25):
        day = AS_OF - dt.timedelta(days=back)
        assert compute_scores(first, day, config) == compute_scores(second, day, config), day


def test_only_paces_and_pulse_answers_are_worth_fractions_other_than_a_half(db):
    """Scores sum the other components' items as doubles, exact only for 0, ½ and 1: on
    the demo company at three dates, no other item is worth anything else."""
    company.load(db, as_of=AS_OF)
    worth = f"""WITH {sql.facts_cte()},
items ({sql.ITEM_COLUMNS}) AS ({sql.item_union()})
SELECT DISTINCT component FROM items WHERE value NOT IN (0.0, 0.5, 1.0)"""
    for day in (AS_OF, AS_OF - dt.timedelta(days=365), AS_OF + dt.timedelta(days=30)):
        params = sql.parameters(day, ScoringConfig())
        fractional = db.read(lambda con, p=params: run(con, worth, p))
        assert {row["component"] for row in fractional} <= sql.FRACTIONAL, day
