"""Every page, for every role, over the hostile bundle: people's text never becomes markup.

The hostile bundle (tests/hostile.py) puts markdown images and links, raw HTML, Plotly
tags, an open right-to-left override and formulas into every free-text field. Each element
Streamlit renders as markdown (titles, captions, markdown, alerts, expander and widget
labels, metric labels, radio options, page links) must carry that text escaped, with its
bidi controls isolated; Plotly figures must carry it with their pseudo-HTML escaped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.scoring.config import COMPONENTS
from cxos.storage import Database
from tests.hostile import RLO, TRAP_HOST, load_hostile, renders_markup
from tests.sample import PERSONAS
from ui import navigation

APP = str(navigation.ROOT / "app.py")
TIMEOUT = 60
_FSI, _PDI = "\u2068", "\u2069"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "cxos.duckdb"
    load_hostile(Database(path), dt.date.today())
    return path


@pytest.fixture
def open_as(hostile_db: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("CXOS_DB", str(hostile_db))
    monkeypatch.delenv("CXOS_AUTH", raising=False)

    def start(role: str, script: str = APP) -> AppTest:
        at = AppTest.from_file(script, default_timeout=TIMEOUT)
        at.query_params["as"] = PERSONAS[role]
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return start


def markdown_shown(at: AppTest) -> Iterator[str]:
    """Every string the page hands to Streamlit's markdown renderer."""
    for kind in ("markdown", "caption", "title", "header", "subheader"):
        for element in at.get(kind):
            if not _allows_html(element):  # CXOS's own HTML: checked in `assert_inert`
                yield element.value
    for kind in ("info", "warning", "success", "error", "toast"):
        for element in at.get(kind):
            yield element.value
    for element in at.expander:
        yield element.label
    for element in at.tabs:
        yield element.label
    for element in at.metric:
        yield element.label
    for element in at.radio:
        yield element.label
        yield from (str(o) for o in element.options)  # radio options are markdown
    for kind in ("selectbox", "multiselect", "text_input", "text_area", "number_input"):
        for element in at.get(kind):
            yield element.label
    for element in at.get("page_link"):
        yield element.proto.label


def _allows_html(element) -> bool:  # noqa: ANN001 - an AppTest element
    fields = element.proto.DESCRIPTOR.fields_by_name
    return "allow_html" in fields and element.proto.allow_html


def figure_strings(at: AppTest) -> Iterator[str]:
    """Every string in every Plotly figure of the page."""

    def walk(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for chart in at.get("plotly_chart"):
        yield from walk(json.loads(chart.proto.spec))


def assert_inert(at: AppTest, where: str) -> None:
    shown = list(markdown_shown(at))
    for value in shown:
        if value == navigation.GLOSSARY_LINK:  # CXOS's own link, no text of anyone's
            continue
        assert not renders_markup(value), f"{where}: {value[:300]!r}"
        assert not _open_override(value), f"{where}: bidi not isolated in {value[:300]!r}"
    for element in at.get("markdown"):
        if _allows_html(element):  # CXOS's own HTML (a quadrant badge) only
            assert "lorem" not in element.value and TRAP_HOST not in element.value, where
    for value in figure_strings(at):
        assert "<a " not in value and "<img" not in value, f"{where}: {value[:300]!r}"


def _open_override(value: str) -> bool:
    """True when an RLO could reverse what follows the value (no PDI closes it)."""
    position = value.find(RLO)
    while position != -1:
        if _FSI not in value[:position] or _PDI not in value[position:]:
            return True
        position = value.find(RLO, position + 1)
    return False


CASES = [
    pytest.param(role, entry, id=f"{role}-{entry.url_path}")
    for role in PERSONAS
    for entry in navigation.available(role)
]


@pytest.mark.parametrize(("role", "entry"), CASES)
def test_page_shows_hostile_text_inert(open_as, role: str, entry: navigation.PageEntry) -> None:  # noqa: ANN001
    at = open_as(role, str(entry.path))
    assert_inert(at, f"{entry.file} as {role}")


@pytest.mark.parametrize("role", list(PERSONAS))
def test_app_frame_and_sidebar_name_the_person_inert(open_as, role: str) -> None:  # noqa: ANN001
    """The sidebar's "Signed in as **name**" with a hostile name, and the landing page."""
    at = open_as(role)
    signed_in = [c.value for c in at.sidebar.caption if "Signed in as" in c.value]
    assert signed_in and "people.name" in signed_in[0].replace("\\", "")
    assert_inert(at, f"app.py as {role}")


def test_the_hostile_text_is_shown_escaped_where_the_issue_found_it(open_as) -> None:  # noqa: ANN001
    """My work's fixes, the attention lists, the inbox: the text is there, literally."""
    at = open_as("head", str(navigation.PAGES_DIR / "my_work.py"))
    labels = " ".join(e.label for e in at.expander).replace("\\", "")
    assert "actions.title" in labels and "[Verify](" in labels  # escaped, so shown literally
    at = open_as("head", str(navigation.PAGES_DIR / "inbox.py"))
    texts = [t.value for t in at.text]
    assert any(t.startswith('=HYPERLINK("http://127.0.0.1:9/f","x") feedback.text') for t in texts)
    assert any("\n# Heading\n" in t for t in texts)  # the customer's words, as written


def test_names_in_cxos_sentences_cannot_reverse_the_words_after_them(hostile_db: Path) -> None:
    """The issue's bidi case: an open U+202E in a name reversed "overdue since …" after it.

    Fixes, details and signals are CXOS's sentences quoting names; each quoted name holding
    a bidi control is isolated (FSI … PDI), so the sentence's own words stay in order.
    """
    from cxos.scoring import assess, explain_team

    db = Database(hostile_db)
    explanation = explain_team(db, "t_billing", dt.date.today())
    sentences = [str(fix) for fix in explanation.fixes]
    sentences += [i.detail for part in explanation.components.values() for i in part.items]
    sentences += [s.detail for s in assess(db, dt.date.today()).signals]
    quoting = [s for s in sentences if RLO in s]
    assert quoting, "no sentence quotes a hostile name"
    for sentence in quoting:
        assert not _open_override(sentence), sentence[:300]
        closed = sentence.rfind(_PDI)
        assert sentence[closed + 1 :].strip(" '"), sentence[-200:]  # CXOS's words follow


def test_team_page_with_every_component_open_is_inert(open_as) -> None:  # noqa: ANN001
    """The components' items (goal and action titles, people's names) drawn while open."""
    at = open_as("head", str(navigation.PAGES_DIR / "team.py"))
    for name in COMPONENTS:
        at.session_state[f"team_component_open_{name}"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len([d for d in at.dataframe if "What would fix it" in d.value.columns]) == 8
    assert_inert(at, "team.py with every component open")
