"""AppTest flows of the champions' pages: Compare units and the Notes board.

The app runs from app.py (sign-in by `?as=`, sidebar filters, navigation), then switches to
the page, as a person would. Also: a note full of active content shows as plain text in the
app and as inert text in the comparison's Excel export.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import streamlit as st
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from cxos import palette, text
from cxos.champions import compare, notes
from cxos.scoring import take_snapshot
from cxos.storage import Database
from tests.hostile import renders_markup
from tests.sample import load_sample
from ui import navigation

APP = str(navigation.ROOT / "app.py")
COMPARE = str(navigation.PAGES_DIR / "compare.py")
NOTES = str(navigation.PAGES_DIR / "notes.py")
OVERVIEW = str(navigation.PAGES_DIR / "overview.py")
TIMEOUT = 60
SCRIPT = "<script>alert(1)</script>"
IMAGE = "![x](http://evil.example/x.png)"
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def org(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The sample organisation with demo sign-in switched on, so `?as=` signs in.

    By name (CXOS_AUTH=demo), not as the demo company: some tests import more rows,
    and an import ends the demo company (cxos.demo.marker).
    """
    monkeypatch.setenv("CXOS_AUTH", "demo")
    return load_sample(db, demo=True)


def open_page(page: str, person: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["as"] = person
    at.run()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, column: str):  # noqa: ANN202 - a pandas DataFrame
    """The first table with this column (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


# -- compare ----------------------------------------------------------------------------------


def test_compare_shows_units_side_by_side_and_filters_them(org: Database) -> None:
    at = open_page(COMPARE, "p_champ")
    assert [t.value for t in at.title] == ["Compare business units"]
    units = at.multiselect(key="compare_units")
    assert set(units.value) == {"bu_retail", "bu_biz"}
    assert list(_frame(at, "Teams by quadrant")["Business unit"]) == [
        "Business",
        "Retail",
        "Company",
    ]
    assert len(at.get("plotly_chart")) >= 3
    units.unselect("bu_biz").run()
    assert not at.exception
    assert list(_frame(at, "Teams by quadrant")["Business unit"]) == ["Retail", "Company"]
    units.unselect("bu_retail").run()
    assert "Choose at least one business unit" in at.info[0].value


def _tampered_snapshot(db: Database) -> dt.date:
    """A snapshot a month ago whose team scores are set by hand, so a trend that shows
    them can only have read them."""
    day = dt.date.today() - dt.timedelta(days=30)
    take_snapshot(db, day)
    stored = {"t_billing": (80.0, 20.0), "t_stores": (40.0, 60.0), "t_service": (10.0, 90.0)}
    for team, (a, b) in stored.items():
        db.write(
            lambda con, t=team, a=a, b=b: con.execute(
                "UPDATE score_snapshots SET alignment = ?, accountability = ? "
                "WHERE team_id = ? AND as_of = ?",
                [a, b, t, day],
            )
        )
    return day


def _trend_rows(at: AppTest, day: dt.date) -> dict[str, str]:
    frame = _frame(at, palette.day(day))
    return dict(zip(frame["Unit"], frame[palette.day(day)], strict=True))


EXPECTED_TREND = {"Business": "10 / 90", "Retail": "60 / 40", "Company": "43 / 57"}


def test_overview_and_compare_show_company_and_unit_trends_from_snapshots(org: Database) -> None:
    # Issue 20: steering wants the company's and each unit's scores over the last quarters.
    day = _tampered_snapshot(org)
    at = open_page(OVERVIEW, "p_steer")
    at.session_state["overview_tab"] = "Trends"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # Retail: the mean of Billing (80/20) and Retail Stores (40/60); the company: of all three.
    assert _trend_rows(at, day) == EXPECTED_TREND
    quarter_ends = [c for c in _frame(at, palette.day(day)).columns if c.startswith(("31", "30"))]
    assert len(quarter_ends) >= 4  # the last four quarters' ends

    at = open_page(COMPARE, "p_champ")
    assert any(h.value == "Over the last quarters" for h in at.subheader)
    assert _trend_rows(at, day) == EXPECTED_TREND
    at.multiselect(key="compare_units").unselect("bu_biz").run()
    assert _trend_rows(at, day) == {"Retail": "60 / 40", "Company": "43 / 57"}


def test_compare_change_since_follows_the_date(org: Database) -> None:
    at = open_page(COMPARE, "p_champ")
    at.date_input(key="compare_since").set_value(dt.date.today() - dt.timedelta(days=90)).run()
    assert not at.exception
    assert any("Change since" in h.value for h in at.subheader)
    assert list(_frame(at, "Δ Alignment")["Business unit"]) == ["Business", "Retail"]


def test_compare_stage_comes_from_the_address_and_goes_back_to_it(org: Database) -> None:
    at = open_page(COMPARE, "p_champ", stage="s1")
    stage = at.selectbox(key="compare_stage")
    assert stage.value == "s1"
    assert list(_frame(at, "Goal")["Goal"]) == ["Helpful store visits"]
    stage.select("s2").run()
    assert at.query_params["stage"] == ["s2"] or at.query_params["stage"] == "s2"
    assert list(_frame(at, "Goal")["Goal"]) == ["Bills people understand"]
    assert at.get("download_button")


def _two_journeys(org: Database, load) -> None:  # noqa: ANN001
    load(
        org,
        {
            "journeys": [{"id": "j2", "name": "Business customer"}],
            "stages": [
                {"id": "s9", "journey_id": "j2", "phase": "Buy", "name": "Sign", "position": 1}
            ],
        },
    )


HOUSEHOLD_STAGES = {
    "Household customer · 1. Compare offers",
    "Household customer · 2. Pay the bill",
}


def test_compare_shows_one_journey_at_a_time_and_switches(org: Database, load) -> None:  # noqa: ANN001
    _two_journeys(org, load)
    at = open_page(COMPARE, "p_champ")
    journey = at.selectbox(key="compare_journey")
    assert journey.value == "j2"  # the first by name, as on the journey map
    assert at.selectbox(key="compare_stage").options == ["Business customer · 1. Sign"]
    journey.select("j1").run()
    assert not at.exception
    assert set(at.selectbox(key="compare_stage").options) == HOUSEHOLD_STAGES
    assert at.query_params["stage"] in (["s1"], "s1")  # the new journey's own default stage


def test_compare_opens_on_the_journey_of_the_linked_stage(org: Database, load) -> None:  # noqa: ANN001
    _two_journeys(org, load)
    at = open_page(COMPARE, "p_champ", stage="s2")
    assert at.selectbox(key="compare_journey").value == "j1"
    assert at.selectbox(key="compare_stage").value == "s2"


def test_compare_respects_the_sidebar_journey_filter(org: Database, load) -> None:  # noqa: ANN001
    _two_journeys(org, load)
    at = open_page(COMPARE, "p_champ")
    del at.query_params["stage"]  # the address named the first journey's stage
    at.selectbox(key="filters_journey").select("j1").run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == "compare_journey"]  # the sidebar decides
    assert set(at.selectbox(key="compare_stage").options) == HOUSEHOLD_STAGES


# -- notes board ------------------------------------------------------------------------------


def _write(at: AppTest, title: str, body: str, tags: str = "", stage: str | None = None) -> None:
    at.text_input(key="notes_new_title").input(title)
    at.text_area(key="notes_new_body").input(body)
    at.text_input(key="notes_new_tags").input(tags)
    if stage:
        at.selectbox(key="notes_new_stage").select(stage)
    at.button(key="FormSubmitter:notes_new-Post note").click().run()
    assert not at.exception, [e.value for e in at.exception]


def _cards(at: AppTest) -> list:
    return [e for e in at.main if str(getattr(e, "key", None)).startswith("notes_card_")]


def _shown_titles(at: AppTest) -> list[str]:
    """Each card's first line: the note's title, as a plain-text element."""
    return [card.text[0].value for card in _cards(at)]


def test_champion_posts_a_note_for_own_unit_then_finds_and_filters_it(org: Database) -> None:
    at = open_page(NOTES, "p_champ")
    assert at.selectbox(key="notes_new_unit").options == ["Retail"]
    _write(at, "Explain the bill", "Call before the first bill.", "Billing; calls", "s2")
    assert "Saved note" in at.success[0].value
    assert at.text_input(key="notes_new_title").value == ""  # the form is cleared
    assert _shown_titles(at) == ["Explain the bill"]
    assert "Call before the first bill." in [t.value for t in at.text]
    stored = notes.list_notes(org)
    assert [(n.business_unit_id, n.stage_id, n.tags) for n in stored] == [
        ("bu_retail", "s2", ("billing", "calls"))
    ]

    at.text_input(key="notes_search").input("first bill").run()
    assert _shown_titles(at) == ["Explain the bill"]
    at.text_input(key="notes_search").input("nothing like it").run()
    assert _shown_titles(at) == []
    at.text_input(key="notes_search").input("").run()
    at.selectbox(key="notes_stage").select("s1").run()
    assert _shown_titles(at) == []
    assert "stage" in at.query_params
    at.selectbox(key="notes_stage").select("s2").run()
    assert _shown_titles(at) == ["Explain the bill"]
    at.selectbox(key="notes_unit").select("bu_biz").run()
    assert _shown_titles(at) == []
    at.selectbox(key="notes_unit").select("bu_retail").run()
    at.selectbox(key="notes_tag").select("calls").run()
    assert _shown_titles(at) == ["Explain the bill"]


def test_each_note_links_to_its_stage_comparison(org: Database) -> None:
    notes.create_note(org, "p_champ", notes.draft(business_unit_id="bu_retail", stage_id="s2",
                                                   title="t", body="b"))  # fmt: skip
    at = open_page(NOTES, "p_champ")
    links = at.get("page_link")
    assert len(links) == 1
    assert links[0].proto.page == "compare"
    assert links[0].proto.query_string == "stage=s2"


def test_notes_link_preselects_the_stage_filter(org: Database) -> None:
    at = open_page(NOTES, "p_champ", stage="s1")
    assert at.selectbox(key="notes_stage").value == "s1"


def test_champion_is_offered_only_own_unit_and_the_service_has_the_last_word(
    org: Database,
) -> None:
    at = open_page(NOTES, "p_champ")
    assert at.selectbox(key="notes_new_unit").options == ["Retail"]
    # Between showing the form and posting it, Chris moves to a Business team: the form
    # still offers Retail, and the check below the page refuses it.
    org.write(
        lambda con: con.execute("UPDATE people SET team_id = 't_service' WHERE id = 'p_champ'")
    )
    _write(at, "Sneaky", "Posted for Retail after moving")
    assert "may not change notes of Retail" in at.error[0].value
    assert notes.list_notes(org) == []


def test_member_sees_no_note_form(org: Database) -> None:
    at = open_page(NOTES, "p_member")
    assert "Only CX champions" in at.info[0].value
    with pytest.raises(KeyError):
        at.get_by_key("notes_new_title")


def test_champion_edits_a_note_of_own_unit(org: Database) -> None:
    note = notes.create_note(
        org, "p_champ2", notes.draft(business_unit_id="bu_biz", title="Theirs", body="b")
    )
    mine = notes.create_note(
        org, "p_champ", notes.draft(business_unit_id="bu_retail", title="Mine", body="b")
    )
    at = open_page(NOTES, "p_champ")
    assert at.selectbox(key="notes_edit_pick").options == ["Mine (Retail)"]
    form = f"notes_edit_{mine.id}"
    at.text_input(key=f"{form}_title").input("Mine, better")
    at.button(key=f"FormSubmitter:{form}-Save changes").click().run()
    assert not at.exception
    assert notes.get_note(org, mine.id).title == "Mine, better"
    assert notes.get_note(org, note.id).title == "Theirs"


# -- user text stays text ---------------------------------------------------------------------


def test_active_markup_is_told_from_escaped_markup() -> None:
    assert (
        renders_markup(SCRIPT)
        and renders_markup(IMAGE)
        and renders_markup("see http://evil.example")
    )
    assert renders_markup("\\\\<b>")  # an escaped backslash, then a live tag
    assert renders_markup("http\\://evil.example")  # escaping does not stop an autolink
    assert renders_markup("mail me: a\\@b.example")
    assert not renders_markup(text.markdown(f"{SCRIPT} {IMAGE} {FORMULA} www.x.example a@b.c"))


def test_note_with_active_content_shows_as_plain_text_and_exports_inert(
    org: Database, tmp_path: Path
) -> None:
    title = f"{SCRIPT} {FORMULA}"
    body = f"{IMAGE}\n{SCRIPT}\n{FORMULA}"
    notes.create_note(
        org,
        "p_champ",
        notes.draft(business_unit_id="bu_retail", stage_id="s2", title=title, body=body,
                    tags=FORMULA),
    )  # fmt: skip

    at = open_page(NOTES, "p_champ")
    texts = [t.value for t in at.text]
    assert body in texts  # the body verbatim, in a plain-text element
    assert not at.get("html")
    for element in [*at.markdown, *at.caption]:
        assert not renders_markup(element.value), element.value
    assert _shown_titles(at) == [title]  # verbatim, in a plain-text element
    assert f"Tags: {', '.join(notes.parse_tags(FORMULA))}" in texts
    for link in at.get("page_link"):
        assert not renders_markup(link.proto.label)

    at = open_page(COMPARE, "p_champ", stage="s2")
    assert any(t.value.startswith(title) for t in at.text)
    for element in [*at.markdown, *at.caption]:
        assert not renders_markup(element.value), element.value

    comparison = compare.build_comparison(org, dt.date.today(), stage_id="s2")
    found = notes.list_notes(org, stage_id="s2")
    book = load_workbook(io.BytesIO(compare.comparison_workbook(comparison, found)))
    sheet = book["notes"]
    header = [c.value for c in sheet[1]]
    row = {name: sheet.cell(row=2, column=i + 1) for i, name in enumerate(header)}
    assert row["title"].value == title and row["body"].value == body
    assert row["tags"].value.startswith("=hyperlink") and row["tags"].quotePrefix
    for cell in row.values():
        assert cell.data_type in ("s", "d", "n")  # never 'f' (formula)


def test_the_unit_table_fits_its_eight_components_under_short_headers(org: Database) -> None:
    """Issue 20: at 1440 px the compare table lost L3/L4 off its right edge."""
    at = open_page(COMPARE, "p_champ")
    frame = _frame(at, "Teams by quadrant")
    assert [c for c in frame.columns if c[0] in "AL" and c[1:].isdigit()] == [
        "A1",
        "A2",
        "A3",
        "A4",
        "L1",
        "L2",
        "L3",
        "L4",
    ]
    assert all(len(str(c)) <= 17 for c in frame.columns), list(frame.columns)
