"""AppTest of the Meetings page's review pack: the slides offered beside the PDF and the
workbook to those who may build packs, and the same deck the command line writes."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import streamlit as st
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from cxos.demo import company as demo
from cxos.review import meetings, slides
from cxos.storage import Database
from ui import navigation

APP = str(navigation.ROOT / "app.py")
PAGE = str(navigation.PAGES_DIR / "meetings.py")
STEERING, MEMBER = "p-mktg-1", "p-bbcare-3"
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pack-page") / "cxos.duckdb"
    demo.load(Database(path), as_of=dt.date.today())
    return path


def _open(person: str, monkeypatch: pytest.MonkeyPatch, path: Path) -> AppTest:
    monkeypatch.setenv("CXOS_DB", str(path))
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["as"] = person
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _downloads(at: AppTest) -> dict[str, str]:
    """Each download button's label and the address of the file it serves."""
    return {d.proto.label: d.proto.url for d in at.get("download_button")}


def test_the_meetings_page_offers_the_slides(demo_path: Path, monkeypatch) -> None:  # noqa: ANN001
    at = _open(STEERING, monkeypatch, demo_path)
    labels = [b.label for b in at.button]
    for words in ("PDF pack", "Excel workbook", "PowerPoint slides"):
        assert f"Build the {words}" in labels
    meeting = at.selectbox(key="meetings_pick").value
    at.button(key="meetings_build_pptx").click().run()
    assert not at.exception, [e.value for e in at.exception]
    offered = _downloads(at)
    assert offered["Download PPTX"].endswith(".pptx"), offered

    name, data = at.session_state["meetings_pptx"]
    assert name == f"review-pack-{meeting}"
    deck = Presentation(io.BytesIO(data))
    view = meetings.view(Database(demo_path), meeting)
    assert len(deck.slides) == 4 + len(meetings.SECTIONS) + 1
    assert deck.slides[0].shapes.title.text_frame.text.startswith(view.meeting.title)
    assert slides.build_pptx(view, charts=False)  # the page's deck comes from the same view


def test_a_member_is_told_who_builds_packs(demo_path: Path, monkeypatch) -> None:  # noqa: ANN001
    at = _open(MEMBER, monkeypatch, demo_path)
    assert not [b for b in at.button if b.label.startswith("Build the")]
    assert any("built by the steering committee" in i.value for i in at.info)
