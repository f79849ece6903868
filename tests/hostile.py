"""A hostile bundle: the sample organisation with attacker text in every free-text field.

Each name, title, note and feedback text carries what a feedback author or an employee
could type to make a reader's browser, spreadsheet or terminal act: markdown images and
links, raw HTML, Plotly's pseudo-HTML, an unterminated right-to-left override, formulas,
and the longest text the field allows (`NAME_MAX` for names and titles, `TEXT_MAX` for
long text). No C0 control characters: the importer refuses those at the door.

Every link and image points at `TRAP` (127.0.0.1:9, the discard port, where nothing
answers), so a test can tell any request or element the text created. Used by the
AppTest pages tests, the browser test and by hand:

    python -m tests.hostile /tmp/hostile   # writes the bundle as CSV files, then
    python -m cxos --db /tmp/hostile.duckdb import /tmp/hostile
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

from cxos.model.entities import NAME_MAX, TEXT_MAX
from cxos.review import meetings
from cxos.storage import Database
from tests import sample

TRAP_HOST = "127.0.0.1:9"
TRAP = f"http://{TRAP_HOST}"
RLO = "\u202e"  # right-to-left override, left open on purpose
FORMULAS = ('=HYPERLINK("http://127.0.0.1:9/f","x")', "@SUM(1+1)", "+1+1", "-2+3")

# Short enough that each fits a 200-character name with its label and formula in front.
PAYLOADS = (
    f"![pwn]({TRAP}/md.png)",
    f"[Verify]({TRAP}/md-link)",
    "<img src=x onerror=alert(1)>",
    f'<a href="{TRAP}/html">Verify</a>',
    f'<a href="{TRAP}">',
    "<b>bold</b>",
    f"<img src={TRAP}/html.png>",
    "**strong** # heading | a | b |",
)
# Long text may hold line breaks: block markdown and HTML on lines of their own.
BLOCK = (
    f"\n# Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\n"
    f'<script>alert(1)</script>\n<iframe src="{TRAP}/frame"></iframe>\n'
    f"www.example.com mail@example.com {TRAP}/bare\n"
)
FILLER = " lorem ipsum"

# (file, column, limit) of every free-text field the bundle has. Ids, emails, dates,
# numbers and enumerations are not free text.
FIELDS: tuple[tuple[str, str, int], ...] = (
    ("business_units", "name", NAME_MAX),
    ("teams", "name", NAME_MAX),
    ("people", "name", NAME_MAX),
    ("journeys", "name", NAME_MAX),
    ("stages", "phase", NAME_MAX),
    ("stages", "name", NAME_MAX),
    ("touchpoints", "name", NAME_MAX),
    ("touchpoints", "channel", NAME_MAX),
    ("objectives", "title", NAME_MAX),
    ("objectives", "vision", TEXT_MAX),
    ("goals", "title", NAME_MAX),
    ("goals", "success_statement", TEXT_MAX),
    ("metrics", "name", NAME_MAX),
    ("metrics", "unit", NAME_MAX),
    ("actions", "title", NAME_MAX),
    ("check_ins", "note", TEXT_MAX),
    ("feedback", "text", TEXT_MAX),
    ("feedback", "response", TEXT_MAX),
    ("notes", "title", NAME_MAX),
    ("notes", "body", TEXT_MAX),
    ("notes", "tags", NAME_MAX),
)


# An even run of backslashes (none included) leaves the next character unescaped.
_UNESCAPED = r"(?<!\\)(?:\\\\)*"
_MARKUP = re.compile(_UNESCAPED + r"(?:<[a-zA-Z/!]|!\[|\]\(|\]\[)")
# GFM autolinks bare URLs, www. names and e-mail addresses in the text *after* escapes.
_AUTOLINK = re.compile(r"(?i)https?:|www\.|[\w.+-]@[\w-]")


def renders_markup(value: str) -> bool:
    """True when markdown would render a tag, link, image or autolink from `value`."""
    resolved = re.sub(r"\\(.)", r"\1", value)
    return bool(_MARKUP.search(value) or _AUTOLINK.search(resolved))


def hostile_text(label: str, limit: int, index: int = 0) -> str:
    """Exactly `limit` characters: a formula, the label, payloads, an open RLO, filler.

    `label` keeps values apart (and tells a reader which field a value came from);
    `index` rotates the formula and the payloads so fields differ in what they lead with.
    """
    formula = FORMULAS[index % len(FORMULAS)]
    payloads = PAYLOADS[index % len(PAYLOADS) :] + PAYLOADS[: index % len(PAYLOADS)]
    head = f"{formula} {label} {RLO}"
    for payload in payloads:  # as many as fit, leaving room to close with the filler
        if len(head) + 1 + len(payload) <= limit - 8:
            head += " " + payload
    if limit >= TEXT_MAX:
        head += BLOCK
    value = head + FILLER * ((limit - len(head)) // len(FILLER) + 1)
    return value[:limit]


def bundle(today: dt.date | None = None) -> dict[str, list[dict[str, Any]]]:
    """The sample organisation as `{file: rows}`, hostile in every free-text field.

    Dates are moved around `today` so there is overdue work, unanswered feedback and an
    answered one, and the goals are in their period.
    """
    today = today or dt.date.today()
    rows = copy.deepcopy(sample.bundle())
    for goal in rows["goals"]:
        goal["start_date"] = today - dt.timedelta(days=300)
        goal["end_date"] = today + dt.timedelta(days=60)
    for action in rows["actions"]:
        action["created_on"] = today - dt.timedelta(days=90)
    rows["actions"].append(
        {
            "id": "a_late",
            "goal_id": "g_bill",
            "title": "",
            "owner_id": "p_member",
            "team_id": "t_billing",
            "created_on": today - dt.timedelta(days=60),
            "due_date": today - dt.timedelta(days=24),
            "status": "open",
        }
    )
    rows["metric_readings"] = [
        {"metric_id": "m_bill", "as_of": today - dt.timedelta(days=40), "value": 60}
    ]
    rows["check_ins"][0]["checked_on"] = today - dt.timedelta(days=30)
    rows["check_ins"][0]["note"] = ""
    rows["feedback"] = [
        _feedback("fb_open", today - dt.timedelta(days=5)),
        _feedback("fb_answered", today - dt.timedelta(days=9))
        | {"response": "", "closed_on": today - dt.timedelta(days=2)},
    ]
    rows["notes"] = [
        {
            "id": "n1",
            "author_id": "p_champ",
            "business_unit_id": "bu_retail",
            "stage_id": "s2",
            "created_on": today - dt.timedelta(days=3),
            "title": "",
            "body": "",
            "tags": "",
        }
    ]
    for number, (file, column, limit) in enumerate(FIELDS):
        for i, row in enumerate(rows[file]):
            row[column] = hostile_text(f"{file}.{column}#{i}", limit, number + i)
    return rows


def _feedback(feedback_id: str, received: dt.date) -> dict[str, Any]:
    return {
        "id": feedback_id,
        "received_on": received,
        "stage_id": "s2",
        "touchpoint_id": "tp2",
        "team_id": "t_billing",
        "sentiment": "negative",
        "text": "",
    }


def load_hostile(db: Database, today: dt.date | None = None) -> Database:
    """Import the hostile bundle, mark it as the demo company (`?as=` signs in), and add
    a closed review meeting and an open one with hostile titles and decisions."""
    from cxos.bundle.importer import import_rows

    today = today or dt.date.today()
    import_rows(db, bundle(today), label="hostile")
    sample.mark_demo(db)
    add_meetings(db, today)
    return db


def add_meetings(db: Database, today: dt.date) -> None:
    """A closed review a week ago (the Overview's "movement") and an open one today."""
    steering = sample.PERSONAS["steering"]
    attendees = list(sample.PERSONAS.values())
    earlier = meetings.start_meeting(
        db, steering, today - dt.timedelta(days=7), hostile_text("meeting#0", NAME_MAX), attendees
    )
    meetings.record_decision(db, steering, earlier.id, hostile_text("decision#0", TEXT_MAX, 1))
    meetings.close_meeting(db, steering, earlier.id)
    current = meetings.start_meeting(
        db, steering, today, hostile_text("meeting#1", NAME_MAX, 2), attendees
    )
    meetings.record_decision(db, steering, current.id, hostile_text("decision#1", TEXT_MAX, 3))


def write_csv(folder: Path, today: dt.date | None = None) -> Path:
    """The hostile bundle as a folder of CSV files (what `python -m cxos import` reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    for file, rows in bundle(today).items():
        header = list(dict.fromkeys(k for row in rows for k in row))
        with (folder / f"{file}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, header)
            writer.writeheader()
            writer.writerows(rows)
    return folder


if __name__ == "__main__":
    print(write_csv(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-bundle")))
