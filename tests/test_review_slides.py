"""The review pack as slides: one per agenda section, native charts holding the meeting's
scores, the same deck from the same frozen meeting, people's text inert; and a workbook
whose bytes no longer change with the clock."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.chart.chart import Chart

from cxos import text
from cxos.demo import company as demo
from cxos.model.errors import PermissionDenied
from cxos.palette import QUADRANTS
from cxos.review import meetings, pack, slides
from cxos.storage import Database
from cxos.work.checkins_readings import record_reading
from tests.hostile import RLO, load_hostile
from tests.sample import PERSONAS

DAY = dt.date(2026, 5, 20)
STEERING, HEAD, MEMBER, ADMIN = "p-mktg-1", "p-bbcare-0", "p-bbcare-3", "p-itplat-1"


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The demo company as of DAY (read-only here: its review-2 is closed and frozen)."""
    db = Database(tmp_path_factory.mktemp("slides") / "cxos.duckdb")
    demo.load(db, as_of=DAY)
    return db


@pytest.fixture(scope="module")
def review(company: Database) -> meetings.MeetingView:
    return meetings.view(company, "review-2")


@pytest.fixture(scope="module")
def deck(review: meetings.MeetingView) -> bytes:
    """review-2's slides with the movement chart's picture (kaleido), built once."""
    return slides.build_pptx(review)


# -- reading a deck back ---------------------------------------------------------------


def titles(data: bytes) -> list[str]:
    return [s.shapes.title.text_frame.text for s in Presentation(io.BytesIO(data)).slides]


def charts_of(slide: Any) -> list[Chart]:
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def points(chart: Chart) -> dict[str, list[tuple[float, float]]]:
    """An XY chart's series: name -> [(x, y)], read from the chart's own XML."""
    found = {}
    for series in chart.plots[0].series:
        xs = [float(v) for v in series._element.xpath("./c:xVal//c:pt/c:v/text()")]
        found[series.name] = list(zip(xs, series.values, strict=True))
    return found


def bars(chart: Chart) -> dict[str, dict[str, float]]:
    """A category chart's series: name -> {category: value}."""
    categories = list(chart.plots[0].categories)
    return {s.name: dict(zip(categories, s.values, strict=True)) for s in chart.plots[0].series}


def slide_content(data: bytes) -> list[dict[str, Any]]:
    """What each slide says and shows: its texts, tables, chart data and pictures."""
    shown = []
    for slide in Presentation(io.BytesIO(data)).slides:
        item: dict[str, Any] = {"texts": [], "tables": [], "charts": [], "pictures": []}
        for shape in slide.shapes:
            if shape.has_chart:
                chart = shape.chart
                item["charts"].append(
                    (
                        str(chart.chart_type),
                        [(s.name, list(s.values)) for s in chart.plots[0].series],
                        chart.part.chart_workbook.xlsx_part.blob,
                    )
                )
            elif shape.has_table:
                item["tables"].append([[c.text for c in row.cells] for row in shape.table.rows])
            elif shape.shape_type == 13:  # a picture
                item["pictures"].append(shape.image.blob)
            elif shape.has_text_frame:
                item["texts"].append(shape.text_frame.text)
        shown.append(item)
    return shown


def every_text(data: bytes) -> list[str]:
    """Every run of text in every part of the deck (slides, charts, their workbooks' strings)."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                xml = package.read(name).decode("utf-8")
                found += re.findall(r"<(?:a:t|c:v)>([^<]*)</(?:a:t|c:v)>", xml)
    return found


# -- the deck --------------------------------------------------------------------------


def test_one_slide_per_agenda_section_after_the_title_and_the_charts(
    review: meetings.MeetingView, deck: bytes
) -> None:
    names = titles(deck)
    agenda = [f"{title} ({len(review.agenda[key]):,})" for key, title in meetings.SECTIONS.items()]
    assert names == [
        pack.title_of(review),
        "Alignment × accountability",
        "Scores by team",
        "Business units: quadrant mix and average scores",
        *agenda,
        f"Decisions of this review ({len(review.decisions)})",
    ]
    first = Presentation(io.BytesIO(deck)).slides[0]
    said = " ".join(s.text_frame.text for s in first.shapes if s.has_text_frame)
    assert review.meeting is not None and review.meeting.title in said
    assert "8 Apr 2026" in said  # review.as_of, as people read a date
    assert all(name in said for name in review.attendee_names) and review.attendee_names


def test_the_quadrant_chart_holds_each_teams_frozen_scores(
    review: meetings.MeetingView, deck: bytes
) -> None:
    slide = Presentation(io.BytesIO(deck)).slides[1]
    (chart,) = charts_of(slide)
    series = points(chart)
    for name, look in QUADRANTS.items():
        expected = sorted(
            (round(s.alignment, 1), round(s.accountability, 1))
            for s in review.scores
            if s.quadrant == name
        )
        assert sorted(series[look.label]) == expected, name
    assert any(label.startswith("Alignment threshold") for label in series)
    labels = {
        p.data_label.text_frame.text
        for s in chart.plots[0].series
        for p in s.points
        if p.data_label.has_text_frame
    }
    assert {s.team for s in review.scores} <= labels  # 16 teams: every point named


def test_the_scores_chart_and_the_sections_charts_hold_the_same_numbers(
    review: meetings.MeetingView, deck: bytes
) -> None:
    shown = Presentation(io.BytesIO(deck)).slides
    (scores,) = charts_of(shown[2])
    assert bars(scores) == {
        "Alignment": {s.team: round(s.alignment, 1) for s in review.scores},
        "Accountability": {s.team: round(s.accountability, 1) for s in review.scores},
    }
    by_title = {s.shapes.title.text_frame.text.rsplit(" (", 1)[0]: s for s in shown}
    (siloed,) = charts_of(by_title["Siloed teams"])
    assert bars(siloed)["Alignment"] == {
        s.team: round(s.alignment, 1) for s in review.scores if s.quadrant == "siloed"
    }
    (signals,) = charts_of(by_title["Silo signals"])
    assert sum(bars(signals)["Count"].values()) == len(review.signals)
    moves = by_title["Quadrant moves since the last review"]
    assert [shape.name for shape in moves.shapes if shape.shape_type == 13] == [
        "Movement since the last review"
    ]


def test_a_section_longer_than_a_slide_says_how_many_more_the_workbook_holds(
    review: meetings.MeetingView, deck: bytes
) -> None:
    slide = next(
        s for s in Presentation(io.BytesIO(deck)).slides if "Silo signals" in s.shapes.title.text
    )
    (table,) = [shape.table for shape in slide.shapes if shape.has_table]
    assert len(table.rows) == slides.SLIDE_ROWS + 1
    more = len(review.signals) - slides.SLIDE_ROWS
    texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    assert f"… and {more:,} more (see the workbook)" in texts


def test_rebuilding_a_frozen_meeting_gives_the_same_slides(
    review: meetings.MeetingView, deck: bytes, company: Database
) -> None:
    again = slides.build_pptx(meetings.view(company, "review-2"))
    assert slide_content(again) == slide_content(deck)
    props = Presentation(io.BytesIO(deck)).core_properties
    assert review.meeting is not None and review.meeting.closed_at is not None
    assert props.created == props.modified == review.meeting.closed_at
    assert props.author == "CXOS" and props.title == pack.title_of(review)


def test_a_pack_regenerated_after_new_data_is_the_same_bytes(tmp_path_factory) -> None:  # noqa: ANN001
    """The issue: the workbook's docProps (and zip entries) carried the clock."""
    db = Database(tmp_path_factory.mktemp("again") / "cxos.duckdb")
    demo.load(db, as_of=DAY)
    meeting = meetings.start_meeting(db, STEERING, DAY, "Review 3", [STEERING, HEAD])
    meetings.record_decision(db, STEERING, meeting.id, "Keep going")
    meetings.close_meeting(db, STEERING, meeting.id)
    view = meetings.view(db, meeting.id)
    xlsx, pptx = pack.build_xlsx(view), slides.build_pptx(view, charts=False)

    time.sleep(2.1)  # a zip entry's time has a two-second resolution
    metric = db.scalar(
        "SELECT m.id FROM metrics m JOIN goals g ON g.id = m.goal_id "
        "WHERE g.team_id = 't-bbcare' ORDER BY m.id LIMIT 1"
    )
    record_reading(db, HEAD, metric, 1.0, on=DAY)
    again = meetings.view(db, meeting.id)
    assert pack.build_xlsx(again) == xlsx
    assert slides.build_pptx(again, charts=False) == pptx
    book = load_workbook(io.BytesIO(xlsx))
    assert book.properties.created == book.properties.modified == view.meeting.closed_at


def test_many_teams_are_spread_over_slides_of_thirty(tmp_path) -> None:  # noqa: ANN001
    """A thousand teams on one bar chart are a smear: thirty a slide, every team once."""
    db = Database(tmp_path / "cxos.duckdb")
    demo.load(db, as_of=DAY, scale=2)
    view = meetings.view(db, "review-2")
    assert len(view.scores) > slides.TEAMS_PER_SLIDE
    deck = Presentation(io.BytesIO(slides.build_pptx(view, charts=False)))
    parts = [s for s in deck.slides if s.shapes.title.text_frame.text.startswith("Scores by")]
    assert len(parts) == -(-len(view.scores) // slides.TEAMS_PER_SLIDE)
    assert parts[0].shapes.title.text_frame.text == f"Scores by team (1–30 of {len(view.scores)})"
    shown: dict[str, float] = {}
    for slide in parts:
        (chart,) = charts_of(slide)
        shown.update(bars(chart)["Alignment"])
    assert shown == {s.team: round(s.alignment, 1) for s in view.scores}


def test_a_pack_for_a_date_without_a_meeting(company: Database) -> None:
    view = meetings.date_view(company, DAY)
    names = titles(slides.build_pptx(view, charts=False))
    assert names[0] == "CX review as of 20 May 2026"
    assert len(names) == 4 + len(meetings.SECTIONS) + 1
    assert pack.stem_of(view) == f"review-pack-{DAY.isoformat()}"


def test_a_meeting_id_never_leaves_the_folder_in_a_file_name() -> None:
    assert pack.file_stem(DAY, "../../etc/x y") == "review-pack-..-..-etc-x-y"
    assert "/" not in pack.file_stem(DAY, "a/b") and pack.file_stem(DAY, "m-1") == "review-pack-m-1"


# -- who may build it --------------------------------------------------------------------


def test_packs_are_built_by_steering_and_administrators(company: Database) -> None:
    for person in (STEERING, ADMIN):
        pack.require_builder(company, person)
        assert pack.may_build(company, person)
    for person in (HEAD, MEMBER):
        assert not pack.may_build(company, person)
        with pytest.raises(PermissionDenied, match="may not build review packs"):
            pack.require_builder(company, person)
    with pytest.raises(PermissionDenied, match="no person with id 'nobody'"):
        pack.require_builder(company, "nobody")


# -- people's text -----------------------------------------------------------------------


def test_slide_text_is_one_line_without_controls_cut_and_without_bidi_controls() -> None:
    assert text.pptx("ship it\x07\x1b[31m\n2026-01-01 forged") == "ship it [31m 2026-01-01 forged"
    assert text.pptx("a\ufffeb") == "a\ufffdb"
    assert text.pptx("x" * 50, 10) == "x" * 9 + "…"
    assert text.pptx(f"{RLO}abc\u2066def\u2069 after") == "abcdef after"  # renderers differ
    assert text.pptx("<b>bold</b> =1+1") == "<b>bold</b> =1+1"  # a slide has no markup


@pytest.fixture(scope="module")
def hostile_deck(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Database]:
    db = load_hostile(Database(tmp_path_factory.mktemp("hostile") / "cxos.duckdb"), DAY)
    current = next(m for m in meetings.list_meetings(db) if m.status == "open")
    steering = PERSONAS["steering"]
    meetings.record_decision(db, steering, current.id, "placeholder")
    stored = "ship it\x07\x1b[31m\n2026-01-01 forged"  # as an older version may have stored it
    db.write(
        lambda con: con.execute(
            "UPDATE decisions SET text = ? WHERE text = 'placeholder'", [stored]
        )
    )
    return slides.build_pptx(meetings.view(db, current.id)), db


def test_hostile_text_arrives_inert_in_the_slides(hostile_deck: tuple[bytes, Database]) -> None:
    data, db = hostile_deck
    texts = every_text(data)
    teams = [r["name"] for r in db.rows("SELECT name FROM teams")]
    assert any(t.startswith("=HYPERLINK") for t in texts)  # the text is there, as text
    assert "ship it [31m 2026-01-01 forged" in " ".join(texts)
    for shown in texts:
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]|_x00[0-9A-F]{2}_", shown), shown[:80]
        assert not any(ch in text.BIDI_CONTROLS for ch in shown), shown[:80]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    for name, body in parts.items():
        if name.endswith((".xml", ".rels")):
            assert b"hlinkClick" not in body and b"/hyperlink" not in body, name
    workbooks = [body for name, body in parts.items() if name.endswith(".xlsx")]
    assert workbooks
    strings = []
    for body in workbooks:
        for sheet in load_workbook(io.BytesIO(body)).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f" and cell.hyperlink is None, cell.value
                    if isinstance(cell.value, str):
                        strings.append(cell.value)
    # A team's name, formula-like and with links in it, is a category: kept as a string.
    assert any(s.startswith("=") for s in strings)
    assert any(text.pptx(team, slides.LABEL_MAX) in strings for team in teams)
