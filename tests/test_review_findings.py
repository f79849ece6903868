"""Review findings of 4 December: each fix with the test that failed before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.scoring import glossary
from cxos.scoring.config import ScoringConfig
from cxos.storage import Database
from tests.pages import PAGES, assert_ok, page_as
from tests.sample import load_sample

# -- the glossary says the company's numbers ----------------------------------------------

_TUNED = """
[scoring]
aligned_threshold = 65
accountable_threshold = 55
check_in_fresh_days = 21
pulse_window_days = 90
stale_goal_days = 42
unanswered_feedback_days = 45
on_track_pace = 0.95
at_risk_pace = 0.5
"""


def test_the_glossary_follows_the_configuration(
    db: Database, load: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "cxos.toml"
    config.write_text(_TUNED)
    monkeypatch.setenv("CXOS_CONFIG", str(config))
    monkeypatch.setenv("CXOS_AUTH", "demo")
    st.cache_data.clear()
    load_sample(db)
    app = page_as("glossary", "p_head")
    assert_ok(app)
    shown = " ".join(m.value for m in app.markdown)
    for words in (
        "threshold (alignment 65, accountability 55)",
        "checked in on within 21 days",
        "pulse survey (within 90 days)",
        "no pulse survey in the last 90 days",
        "in the last 42 days",
        "Negative feedback 45 days old or more",
        "at least 95% of the way",
        "is 50–95% of the way",
        "under 50% of the way",
    ):
        assert words in shown, words
    for default in ("14 days", "180 days", "28 days", "30 days", "90%", "(60"):
        assert default not in shown, default


def test_the_default_glossary_says_the_default_numbers() -> None:
    meaning = glossary.meanings(ScoringConfig())
    assert meaning["Quadrant"].endswith("each against a threshold of 60.")
    assert "within 14 days" in meaning["A3 cadence"]
    assert meaning["At risk"] == "Its slowest metric is 60–90% of the way it should be."


# -- a stage link on a long journey shows the stage's window ------------------------------


def _long_journey() -> dict[str, list[dict[str, Any]]]:
    """A journey of 20 stages in five phases of four: two windows (12 stages, then 8)."""
    stages = [
        {
            "id": f"s-long-{n:02d}",
            "journey_id": "j-long",
            "phase": f"Phase {n // 4 + 1}",
            "name": f"Step {n}",
            "position": n,
        }
        for n in range(20)
    ]
    return {"journeys": [{"id": "j-long", "name": "Long journey"}], "stages": stages}


def test_a_stage_link_moves_the_journey_map_to_the_stages_window(
    db: Database, load: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXOS_AUTH", "demo")
    st.cache_data.clear()
    st.cache_resource.clear()
    load_sample(db)
    load(db, _long_journey())
    app = AppTest.from_file(str(PAGES / "journey.py"), default_timeout=30)
    app.session_state["auth_person_id"] = "p_head"
    app.query_params["stage"] = "s-long-17"
    app.run()
    assert_ok(app)
    assert app.selectbox(key="journey_pick").value == "j-long"
    assert app.selectbox(key="journey_stage").value == "s-long-17"
    window = app.radio(key="journey_window")
    assert window.value == 1, window.options  # Phases 4–5, where Step 17 is
    window.set_value(0).run()  # the reader's own choice stands
    assert app.radio(key="journey_window").value == 0


# -- the notification pages read the database once per data version -------------------------


def _counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[str]:
    """Calls of `module.name` from now on, by their last argument."""
    calls: list[str] = []
    real = getattr(module, name)

    def counting(*args: Any) -> Any:
        calls.append(str(args[-1]))
        return real(*args)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_the_notification_pages_do_not_read_again_on_a_rerun(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxos.notify import preferences, store

    monkeypatch.setenv("CXOS_AUTH", "demo")
    st.cache_data.clear()
    load_sample(db)
    people = _counted(monkeypatch, store, "people")
    frequency = _counted(monkeypatch, preferences, "frequency")

    admin = page_as("admin_notifications", "p_admin")
    assert_ok(admin)
    admin.run()
    admin.run()
    assert len(people) == 1
    assert frequency == ["p_admin"]  # the caption's "Now:" for the person shown first

    mine = page_as("my_work", "p_admin")
    assert_ok(mine)
    mine.run()
    assert frequency == ["p_admin"]  # the admin page's read serves My work's form too
