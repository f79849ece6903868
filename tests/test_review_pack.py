"""The review pack: PDF and workbook, stable for a closed meeting, formulas neutralised."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from cxos.demo import company as demo
from cxos.palette import QUADRANTS
from cxos.review import meetings, pack
from cxos.storage import Database
from cxos.work.checkins_readings import record_reading

DAY = dt.date(2026, 5, 20)
STEERING, HEAD = "p-mktg-1", "p-bbcare-0"


@pytest.fixture
def company(db: Database) -> Database:
    demo.load(db, as_of=DAY)
    return db


def _cells(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _new_data(db: Database) -> None:
    metric = db.scalar(
        "SELECT m.id FROM metrics m JOIN goals g ON g.id = m.goal_id "
        "WHERE g.team_id = 't-bbcare' ORDER BY m.id LIMIT 1"
    )
    target = db.scalar("SELECT target FROM metrics WHERE id = ?", [metric])
    record_reading(db, HEAD, metric, target, on=DAY)


def test_pack_of_a_closed_meeting_is_the_same_after_new_data(company: Database) -> None:
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3", [STEERING])
    meetings.record_decision(company, STEERING, meeting.id, "Keep going")
    meetings.close_meeting(company, STEERING, meeting.id)
    view = meetings.view(company, meeting.id)
    pdf, xlsx = pack.build_pdf(view, charts=False), pack.build_xlsx(view)
    content = pack.content(view)

    _new_data(company)
    assert pack.content(meetings.date_view(company, DAY)) != content  # data did change
    again = meetings.view(company, meeting.id)
    assert pack.content(again) == content
    assert pack.build_pdf(again, charts=False) == pdf  # fixed creation date: same bytes
    assert _cells(pack.build_xlsx(again)) == _cells(xlsx)


def test_pdf_embeds_the_charts_rendered_by_kaleido(company: Database) -> None:
    view = meetings.view(company, "review-2")
    steps: list[tuple[float, str]] = []
    pdf = pack.build_pdf(view, progress=lambda f, m: steps.append((f, m)))
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Subtype /Image") == 2  # quadrant and movement charts
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("charts" in m for _, m in steps)


def test_workbook_holds_scores_components_signals_and_actions(company: Database) -> None:
    view = meetings.view(company, "review-2")
    sheets = _cells(pack.build_xlsx(view))
    assert {"Summary", "Scores", "Silo signals", "Overdue actions", "Decisions"} <= set(sheets)
    header = sheets["Scores"][0]
    assert header[:5] == ("Team", "Business unit", "Alignment", "Accountability", "Quadrant")
    assert "A1 ownership" in header and "L4 bridging" in header
    assert len(sheets["Scores"]) == len(view.scores) + 1
    assert len(sheets["Silo signals"]) == len(view.signals) + 1


def test_workbook_headers_are_words_and_components_share_the_scores_scale(
    company: Database,
) -> None:
    """Issue 20: snake_case headers, and components 0–1 beside scores 0–100."""
    view = meetings.view(company, "review-2")
    sheets = _cells(pack.build_xlsx(view))
    for title, rows in sheets.items():
        assert all(" " in h or h[0].isupper() for h in rows[0] if h), (title, rows[0])
        assert not any("_" in str(h) for h in rows[0]), (title, rows[0])
    scores = sheets["Scores"]
    a1 = scores[0].index("A1 ownership")
    by_team = {row[0]: row for row in scores[1:]}
    for score in view.scores:
        expected = score.components["a1_ownership"]
        assert by_team[score.team][a1] == (None if expected is None else round(100 * expected, 1))
    assert any(row[a1] is not None and row[a1] > 1 for row in scores[1:])


def test_pack_names_people_and_shows_no_codes(company: Database) -> None:
    """Issue 20: attendees by id, `team_id`, `subject_id`, `days_overdue`, `unbridged_stage`,
    `s-business-02` and `in_progress` printed in the pack."""
    view = meetings.view(company, "review-2")
    data = pack.content(view)
    names = company.rows("SELECT id, name FROM people")
    by_id = {r["id"]: r["name"] for r in names}
    assert data["attendees"] == [by_id[a] for a in view.meeting.attendees]
    printed = repr((data["summary"], data["units"], data["scores"], data["agenda"]))
    printed += repr(data["decisions"])
    for code in ("team_id", "subject_id", "days_overdue", "unbridged_stage", "s-business-0"):
        assert code not in printed
    assert "in_progress" not in printed and "Unbridged stage" in printed
    assert not any(a in printed for a in view.meeting.attendees)


def test_summary_counts_each_units_quadrant_mix_not_a_quadrant_of_averages(
    company: Database,
) -> None:
    """Issue 20: averaged scores put units in a quadrant none of their teams is in."""
    view = meetings.view(company, "review-2")
    units = {row[0]: row for row in pack.content(view)["units"]}
    company_row = units.pop("Company")
    assert company_row[1] == len(view.scores)
    for quadrant, column in zip(QUADRANTS, range(2, 6), strict=True):
        assert company_row[column] == sum(1 for s in view.scores if s.quadrant == quadrant)
        assert sum(row[column] for row in units.values()) == company_row[column]
    assert not any(look.label in row for row in units.values() for look in QUADRANTS.values())
    summary = pack.content(view)["summary"]
    assert summary[0].startswith(f"{len(view.scores)} teams: ")
    assert f"{len(view.signals)} silo signals" in " ".join(summary)


def test_workbook_text_never_runs_as_a_formula(company: Database) -> None:
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    meetings.record_decision(company, STEERING, meeting.id, '=HYPERLINK("http://x","y")')
    data = pack.build_xlsx(meetings.view(company, meeting.id))
    sheet = load_workbook(io.BytesIO(data))["Decisions"]
    cells = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_a_pack_for_any_date_without_a_meeting(company: Database) -> None:
    view = meetings.date_view(company, DAY)
    assert pack.title_of(view) == "CX review as of 20 May 2026"  # dated as people read
    assert pack.created_at(view).date() == DAY
    assert pack.build_pdf(view, charts=False).startswith(b"%PDF")


def test_workbook_holds_a_stored_control_character(company: Database) -> None:
    meeting = meetings.start_meeting(company, STEERING, DAY, "Review 3")
    meetings.record_decision(company, STEERING, meeting.id, "placeholder")
    hostile = "ship it\x07\x1b[31m\n2026-01-01 forged"
    company.read(
        lambda con: con.execute(
            "UPDATE decisions SET text = ? WHERE text = 'placeholder'", [hostile]
        )
    )  # stored as an older version (or another tool) may have stored it
    data = pack.build_xlsx(meetings.view(company, meeting.id))
    cells = [
        c.value for row in load_workbook(io.BytesIO(data))["Decisions"].iter_rows() for c in row
    ]
    assert "ship it\ufffd\ufffd[31m\n2026-01-01 forged" in cells


# -- long text --------------------------------------------------------------------------------

WORDS = "Fix the refund flow " * 75  # 1,500 characters, as a person might paste them
UNBROKEN = "x" * 1_500  # no space to wrap at


@pytest.mark.parametrize("title", [WORDS, UNBROKEN], ids=["words", "unbroken"])
def test_a_1500_character_action_title_stored_directly_still_builds_the_pdf(
    company: Database, title: str
) -> None:
    """The issue's reproduction: fpdf2 failed with `ValueError: The row … is too high`."""
    _sql(company, "UPDATE actions SET title = ?", [title])
    view = meetings.date_view(company, DAY)
    assert any(len(str(r.get("title", ""))) == 1_500 for r in view.agenda["overdue_actions"])

    pdf = pack.build_pdf(view, charts=False)
    assert pdf.startswith(b"%PDF") and b"/URI" not in pdf and b"/JavaScript" not in pdf
    titles = [row[0] for row in _cells(pack.build_xlsx(view))["Overdue actions"][1:]]
    assert title in titles  # the workbook keeps the whole text


def test_text_at_the_field_limits_builds_the_pdf(company: Database) -> None:
    """Names and titles of 200 characters, a decision of 10,000: the pack cuts, never fails."""
    name, long_text = "N" * 199 + "\u202e", ("Decide the refund flow. " * 417)[:10_000]
    _sql(company, "UPDATE teams SET name = ? || id", [name[: 200 - 12]])
    _sql(company, "UPDATE people SET name = ? WHERE id = ?", [name, STEERING])
    meeting = meetings.start_meeting(company, STEERING, DAY, "T" * 200, [STEERING])
    meetings.record_decision(company, STEERING, meeting.id, long_text)
    view = meetings.view(company, meeting.id)

    pdf = pack.build_pdf(view, charts=False)
    assert pdf.startswith(b"%PDF") and b"/URI" not in pdf
    decisions = _cells(pack.build_xlsx(view))["Decisions"]
    assert long_text in decisions[1]


def _sql(db: Database, statement: str, params: list) -> None:
    """Text written straight into the database, past every check at the door."""
    db.write(lambda con: con.execute(statement, params))
