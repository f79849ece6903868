"""The review pack: a PDF, an Excel workbook and slides of what a meeting (or any date) reviewed.

All three are built from one `MeetingView` through one content model (`content`), so for a
closed meeting they come from its frozen JSON and regenerating them after new data arrives
gives the same content. Their creation date is the meeting's close time (or the date
reviewed): the PDF's bytes are stable as long as the charts render the same, and the
workbook's and the slides' packages are written with that date in their document
properties and their zip entries (`fixed_package`), so a regenerated workbook is the same
bytes. The slides live in `cxos.review.slides`. Charts are the very figures the pages show
(`cxos.review.figures`), rendered to PNG by kaleido in Debian's chromium (`CXOS_CHROMIUM`, else
/usr/bin/chromium when present, else kaleido's own search).

Text from people goes into the PDF through `cxos.text.pdf` (no control or bidi characters)
and a table cell is cut at `CELL_MAX` characters with an ellipsis: fpdf2 refuses a row
taller than a page, and the workbook holds every text in full.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
import re
import threading
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from cxos import text
from cxos.bundle.exporter import write_workbook
from cxos.identity import permissions
from cxos.model.errors import PermissionDenied
from cxos.palette import ACTION_STATUS, INK, MUTED, QUADRANTS, SIGNALS, counted, day
from cxos.review import figures
from cxos.review.meetings import SECTIONS, MeetingView
from cxos.scoring import rollup
from cxos.scoring.config import COMPONENTS, ScoringConfig
from cxos.storage import Database

Progress = Callable[[float, str], None]
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_CHART_SIZE = (1300, 760)
# Long enough for any name (200) and the gist of a note; short enough that a row of the
# narrowest table (ten columns) stays well within a page.
CELL_MAX = 240


# The pack's files: what each is, its file extension and its media type.
FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def no_progress(_fraction: float, _message: str) -> None:
    """A progress callback that shows nothing."""
    return None


# -- who builds it, and the files --------------------------------------------------------


def require_builder(db: Database, person_id: str) -> None:
    """Refuse anyone but those who run reviews: a pack is what the steering committee
    circulates, so building one needs the right to hold review meetings (steering and
    administrators), from the page and the command line alike."""
    permissions.require_right(
        db,
        person_id,
        "meeting",
        "build review packs (the steering committee and administrators build them)",
    )


def may_build(db: Database, person_id: str) -> bool:
    """True when `require_builder` would let the person build a pack (to show the buttons)."""
    try:
        require_builder(db, person_id)
    except PermissionDenied:
        return False
    return True


def file_stem(as_of: dt.date, meeting_id: str | None = None) -> str:
    """The pack's file name without extension: the meeting's id, or the date reviewed.

    A meeting id may come from an imported bundle, so anything but letters, digits, '.',
    '_' and '-' becomes '-': no separator, and the fixed start is no dot, so the name
    stays inside the folder it is written to.
    """
    if meeting_id is None:
        return f"review-pack-{as_of.isoformat()}"
    return "review-pack-" + re.sub(r"[^A-Za-z0-9._-]", "-", meeting_id)


def stem_of(view: MeetingView) -> str:
    """`file_stem` of a view."""
    return file_stem(view.as_of, view.meeting.id if view.meeting else None)


def build(
    view: MeetingView,
    fmt: str,
    config: ScoringConfig | None = None,
    progress: Progress = no_progress,
) -> bytes:
    """One of the pack's files (`fmt` a key of `FORMATS`) as bytes."""
    if fmt == "pdf":
        return build_pdf(view, config, progress)
    if fmt == "xlsx":
        return build_xlsx(view, progress)
    if fmt == "pptx":
        from cxos.review import slides

        return slides.build_pptx(view, config, progress)
    raise ValueError(f"unknown pack format {fmt!r}")


# -- the content every file shares --------------------------------------------------------


def title_of(view: MeetingView) -> str:
    """The pack's title (the meeting's own title isolated: it cannot reorder the date)."""
    if view.meeting is not None:
        return f"{text.isolate(view.meeting.title)} — {day(view.as_of)}"
    return f"CX review as of {day(view.as_of)}"


def created_at(view: MeetingView) -> dt.datetime:
    """A fixed creation time: when the meeting closed, else midnight of the date reviewed."""
    if view.meeting is not None and view.meeting.closed_at is not None:
        return view.meeting.closed_at.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(view.as_of, dt.time(), tzinfo=dt.UTC)


def score_rows(view: MeetingView) -> list[tuple[Any, ...]]:
    """One row per team, in words and 0–100 numbers: names, both scores, quadrant, goals and
    the eight components (each on the same 0–100 scale as the scores, one decimal)."""
    return [
        (
            s.team,
            s.business_unit,
            round(s.alignment, 1),
            round(s.accountability, 1),
            QUADRANTS[s.quadrant].label,
            s.goals,
            *(None if (v := s.components[c]) is None else round(100 * v, 1) for c in COMPONENTS),
        )
        for s in view.scores
    ]


SCORE_HEADER = (
    "Team",
    "Business unit",
    "Alignment",
    "Accountability",
    "Quadrant",
    "Goals",
    *(figures.COMPONENT_LABELS[c] for c in COMPONENTS),
)
UNIT_HEADER = (
    "Business unit",
    "Teams",
    *(look.label for look in QUADRANTS.values()),
    "Average alignment",
    "Average accountability",
)

# Each agenda section's columns, (key in the agenda's rows, header in words): ids and codes
# stay in the data (and the CLI's JSON); the pack shows what a committee reads.
Column = tuple[str, str]
_TEAM_COLUMNS: tuple[Column, ...] = (
    ("team", "Team"),
    ("business_unit", "Business unit"),
    ("alignment", "Alignment"),
    ("accountability", "Accountability"),
)
AGENDA_COLUMNS: dict[str, tuple[Column, ...]] = {
    "moves": (
        ("team", "Team"),
        ("from", "From"),
        ("to", "To"),
        ("alignment", "Alignment change"),
        ("accountability", "Accountability change"),
    ),
    "siloed": _TEAM_COLUMNS,
    "aspirational": _TEAM_COLUMNS,
    "signals": (("signal", "Signal"), ("detail", "What was found")),
    "overdue_actions": (
        ("title", "Action"),
        ("team", "Team"),
        ("owner", "Owner"),
        ("due_date", "Due"),
        ("days_overdue", "Days overdue"),
    ),
    "previous_decisions": (
        ("decision", "Decision"),
        ("owner", "Action owner"),
        ("team", "Team"),
        ("due_date", "Due"),
        ("status", "Status"),
    ),
}
DECISION_COLUMNS: tuple[Column, ...] = (
    ("text", "Decision"),
    ("owner", "Action owner"),
    ("team", "Team"),
    ("due_date", "Due"),
    ("status", "Status"),
)
# Relative PDF column widths: free text gets the room.
_WIDTHS: dict[str, float] = {"title": 5, "decision": 5, "text": 5, "detail": 7, "signal": 1.6}
_CHANGES = ("alignment", "accountability")
_DATES = ("due_date",)  # a frozen review keeps them as ISO text; every file shows a date


def _word(section: str, key: str, value: Any) -> Any:
    """A cell in words: quadrant, signal and status codes named, changes signed."""
    if value is None or value == "":
        return "—"
    if key in ("from", "to"):
        return QUADRANTS[value].label if value in QUADRANTS else value
    if key == "signal":
        return SIGNALS.get(value, value)
    if key == "status":
        return ACTION_STATUS.get(value, value)
    if section == "moves" and key in _CHANGES:
        return f"{value:+.1f}"
    if key in _DATES and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def table_of(
    section: str, rows: list[dict[str, Any]], columns: tuple[Column, ...]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """A section's header and rows, in words."""
    header = tuple(title for _, title in columns)
    return header, [tuple(_word(section, k, r.get(k)) for k, _ in columns) for r in rows]


def unit_rows(view: MeetingView) -> list[tuple[Any, ...]]:
    """Each business unit, then the company: its teams' quadrant mix and average scores.

    The averages are numbers only: two teams at 95/25 and 0/87 average into the siloed
    corner though neither is siloed, so a unit is never given a quadrant of its own.
    """
    units = rollup(view.scores, ScoringConfig()) if view.scores else []
    return [
        (
            unit.name,
            unit.teams,
            *(unit.count(q) for q in QUADRANTS),
            round(unit.alignment, 1),
            round(unit.accountability, 1),
        )
        for unit in units
    ]


def summary_lines(view: MeetingView) -> list[str]:
    """The first page's 'at a glance': the counts a committee opens with."""
    scores, agenda = view.scores, view.agenda
    mix = ", ".join(
        f"{sum(1 for s in scores if s.quadrant == q)} {look.label.lower()}"
        for q, look in QUADRANTS.items()
    )
    lines = [f"{counted(len(scores), 'team')}: {mix}."]
    if view.previous:
        held = dt.date.fromisoformat(str(view.previous["held_on"]))
        since = f"{text.isolate(view.previous['title'])} ({day(held)})"
        lines.append(f"{counted(len(agenda['moves']), 'team')} changed quadrant since {since}.")
    else:
        lines.append("No earlier closed review to compare with.")
    kinds = Counter(SIGNALS.get(s.signal, s.signal).lower() for s in view.signals)
    found = ", ".join(f"{kind} ({n})" for kind, n in kinds.most_common())
    lines.append(f"{counted(len(view.signals), 'silo signal')}" + (f": {found}." if found else "."))
    lines.append(f"{counted(len(agenda['overdue_actions']), 'overdue action')}.")
    earlier = agenda["previous_decisions"]
    if earlier:
        done = sum(1 for d in earlier if d.get("status") == "done")
        lines.append(f"Decisions of the last review: {done} of {len(earlier)} done.")
    lines.append(f"{counted(len(view.decisions), 'decision')} recorded in this review.")
    return lines


UNIT_NOTE = (
    "A unit's averages are not a quadrant: teams in opposite corners average into a "
    "third one. Its teams' quadrants are counted instead."
)


def state_line(data: dict[str, Any]) -> str:
    """The line under a pack's title: the date scored, and whether it is frozen."""
    state = "closed — frozen as reviewed" if data["frozen"] else "open — computed live"
    return f"Scores as of {day(dt.date.fromisoformat(data['as_of']))} · {state}"


def more_line(more: int) -> str:
    """What a section left out, and where to find it."""
    return f"… and {more:,} more (see the workbook)"


def content(view: MeetingView) -> dict[str, Any]:
    """Everything the pack states, as plain data (what 'the same content' means)."""
    return {
        "title": title_of(view),
        "as_of": view.as_of.isoformat(),
        "attendees": list(view.attendee_names),
        "frozen": view.frozen,
        "summary": summary_lines(view),
        "units": unit_rows(view),
        "scores": score_rows(view),
        "agenda": {
            key: table_of(key, view.agenda.get(key, []), columns)
            for key, columns in AGENDA_COLUMNS.items()
        },
        "decisions": table_of("decisions", view.decisions, DECISION_COLUMNS),
    }


# -- charts ------------------------------------------------------------------------------


def chart_figures(view: MeetingView, config: ScoringConfig) -> dict[str, go.Figure]:
    """The pack's charts, in order."""
    return {
        "Alignment × accountability": figures.quadrant_chart(view.scores, config),
        "Movement since the last review": movement_figure(view, config),
    }


def movement_figure(view: MeetingView, config: ScoringConfig) -> go.Figure:
    """Each team's move from its place at the last closed review to its place now."""
    previous = view.previous["scores"] if view.previous else None
    return figures.movement_chart(view.scores, previous, config)


def browser_path() -> str | None:
    """The chromium kaleido should drive."""
    chosen = os.environ.get("CXOS_CHROMIUM")
    if chosen:
        return chosen
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def render_png(figs: list[go.Figure], size: tuple[int, int] = _CHART_SIZE) -> list[bytes]:
    """PNG bytes of each figure, from one browser session (run in its own thread and loop)."""
    import kaleido

    # choreographer (kaleido's browser driver) logs a stack trace for a browser message it
    # could not decode and then ignores; the command line must not print tracebacks, and a
    # real failure still raises below.
    logging.getLogger("choreographer").setLevel(logging.CRITICAL)

    async def render() -> list[bytes]:
        options: dict[str, Any] = {"n": 1}
        if browser_path():
            options["path"] = browser_path()
        async with kaleido.Kaleido(**options) as k:
            opts = {"format": "png", "width": size[0], "height": size[1]}
            return [await k.calc_fig(f, opts=opts) for f in figs]

    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["images"] = asyncio.run(render())
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = error

    # A thread of its own: Streamlit or a test may already run an event loop in this one.
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["images"]


# -- PDF ---------------------------------------------------------------------------------


def build_pdf(
    view: MeetingView,
    config: ScoringConfig | None = None,
    progress: Progress = no_progress,
    charts: bool = True,
) -> bytes:
    """The review pack as PDF bytes; `charts=False` leaves the images out (faster)."""
    from fpdf import FPDF

    config = config or ScoringConfig.load()
    data = content(view)
    progress(0.05, "rendering charts")
    figs = chart_figures(view, config) if charts else {}
    for fig in figs.values():
        fig.update_layout(title_text="")  # the page's heading names the chart once
    images = render_png(list(figs.values())) if figs else []
    progress(0.6, "writing the PDF")
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_creation_date(created_at(view))
    pdf.set_title(text.pdf(data["title"]))
    pdf.set_author("CXOS")
    pdf.set_auto_page_break(True, margin=12)
    family = _fonts(pdf)
    _summary(pdf, family, data)
    for (name, _fig), image in zip(figs.items(), images, strict=True):
        pdf.add_page()
        _heading(pdf, family, name)
        pdf.image(io.BytesIO(image), h=pdf.eph - 14, keep_aspect_ratio=True, w=pdf.epw)
    progress(0.75, "writing tables")
    pdf.add_page()
    _heading(pdf, family, "Scores by team")
    _table(pdf, family, SCORE_HEADER[:6], [r[:6] for r in data["scores"]], (3, 3, 1.3, 1.6, 1.6, 1))
    _agenda(pdf, family, data["agenda"])
    header, rows = data["decisions"]
    widths = column_widths(DECISION_COLUMNS)
    _section(pdf, family, "Decisions of this review", header, rows, widths, 14)
    progress(1.0, "done")
    return bytes(pdf.output())


def _fonts(pdf: Any) -> str:
    """DejaVu when installed (it has the palette's symbols), else the core Helvetica."""
    regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu"
    return "Helvetica"


def _safe(family: str, value: Any) -> str:
    shown = "" if value is None else text.pdf(value)
    if family == "DejaVu":
        return shown
    return shown.encode("latin-1", "replace").decode("latin-1")


def _cell(family: str, value: Any) -> str:
    """A table cell's text, cut at `CELL_MAX` characters with an ellipsis."""
    shown = "" if value is None else day(value) if isinstance(value, dt.date) else str(value)
    if len(shown) > CELL_MAX:
        shown = shown[: CELL_MAX - 1] + ("…" if family == "DejaVu" else "...")
    return _safe(family, shown)


def _line(pdf: Any, family: str, words: str, size: float = 11, height: float = 7) -> None:
    pdf.set_font(family, "", size)
    pdf.multi_cell(0, height, _safe(family, words), new_x="LMARGIN", new_y="NEXT")


def _summary(pdf: Any, family: str, data: dict[str, Any]) -> None:
    """The first page: what was reviewed, who was there, the counts, the units' mix."""
    pdf.add_page()
    pdf.set_font(family, "B", 22)
    pdf.set_text_color(INK)
    pdf.multi_cell(0, 11, _safe(family, data["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(MUTED)
    _line(pdf, family, state_line(data))
    if data["attendees"]:
        _line(pdf, family, "Attendees: " + ", ".join(data["attendees"]))
    pdf.set_text_color(INK)
    _heading(pdf, family, "At a glance")
    for line in data["summary"]:
        _line(pdf, family, f"•  {line}", size=12, height=7.5)
    _section(
        pdf,
        family,
        "Business units: their teams' quadrants and average scores",
        UNIT_HEADER,
        data["units"],
        (3, *(1.2 for _ in UNIT_HEADER[1:])),
        14,
    )
    _line(
        pdf,
        family,
        UNIT_NOTE,
        size=9,
        height=5,
    )


def _heading(pdf: Any, family: str, words: str, size: float = 14) -> None:
    pdf.set_font(family, "B", size)
    pdf.set_text_color(INK)
    pdf.ln(2)
    pdf.cell(0, size * 0.65, _safe(family, words), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)


# Room a heading needs below it (its own line, a table's header and first rows) before a
# page's foot; less, and the heading starts the next page instead of standing alone.
_KEEP_WITH_HEADING = 32


def _section(
    pdf: Any,
    family: str,
    title: str,
    header: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    widths: tuple[float, ...],
    size: float = 11,
    more: int = 0,
) -> None:
    if pdf.get_y() + _KEEP_WITH_HEADING > pdf.page_break_trigger:
        pdf.add_page()
    _heading(pdf, family, title, size)
    _table(pdf, family, header, rows, widths)
    if more:
        _line(pdf, family, more_line(more), size=9, height=6)


def column_widths(columns: tuple[Column, ...]) -> tuple[float, ...]:
    """Relative widths of a table's columns (PDF and slides): free text gets the room."""
    return tuple(_WIDTHS.get(key, 1.4) for key, _ in columns)


def _table(
    pdf: Any,
    family: str,
    header: tuple[str, ...],
    rows: list[tuple[Any, ...]] | list[list[Any]],
    widths: tuple[float, ...],
) -> None:
    if not rows:
        _line(pdf, family, "None.", size=10)
        return
    pdf.set_font(family, "", 9)
    with pdf.table(col_widths=widths, line_height=5.5, first_row_as_headings=True) as table:
        head = table.row()
        for name in header:
            head.cell(_safe(family, name))
        for row in rows:
            cells = table.row()
            for value in row:
                cells.cell(_cell(family, value))
    pdf.ln(3)


# At most this many rows of a section in the PDF; the workbook holds them all.
_PDF_ROWS = 40


def _agenda(pdf: Any, family: str, agenda: dict[str, Any]) -> None:
    pdf.add_page()
    _heading(pdf, family, "Agenda")
    for key, title in SECTIONS.items():
        header, rows = agenda[key]
        shown = rows[:_PDF_ROWS]
        widths = column_widths(AGENDA_COLUMNS[key])
        more = len(rows) - len(shown)
        _section(pdf, family, f"{title} ({len(rows)})", header, shown, widths, more=more)


# -- Excel -------------------------------------------------------------------------------


def build_xlsx(view: MeetingView, progress: Progress = no_progress) -> bytes:
    """The review pack as an .xlsx workbook: a summary, then scores, units, every agenda
    section and the decisions, with headers in words and every row (no cut)."""
    data = content(view)
    progress(0.2, "writing the workbook")
    sheets = [
        ("Summary", ("At a glance",), [(line,) for line in data["summary"]]),
        ("Scores", SCORE_HEADER, data["scores"]),
        ("Business units", UNIT_HEADER, data["units"]),
        *((SECTIONS[key], *data["agenda"][key]) for key in AGENDA_COLUMNS),
        ("Decisions", *data["decisions"]),
    ]
    out = io.BytesIO()
    write_workbook(out, ((_sheet_title(t), h, r) for t, h, r in sheets))  # type: ignore[arg-type]
    progress(1.0, "done")
    return fixed_package(out.getvalue(), created_at(view), _core_properties(view))


def _core_properties(view: MeetingView) -> bytes:
    """The workbook's docProps/core.xml, dated `created_at` (openpyxl stamps the clock
    into `modified` as it saves, so the part is replaced afterwards)."""
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.xml.functions import tostring

    when = created_at(view).replace(tzinfo=None)
    properties = DocumentProperties(
        creator="CXOS",
        title=text.spreadsheet(title_of(view)),
        created=when,
        modified=when,
        lastModifiedBy="CXOS",
    )
    return bytes(tostring(properties.to_tree()))


_ZIP_EPOCH = dt.datetime(1980, 1, 1)  # the earliest time a zip entry can carry


def fixed_package(data: bytes, when: dt.datetime, core: bytes | None = None) -> bytes:
    """An Office package (a zip) whose bytes do not depend on the clock.

    zipfile dates each entry with the time it was written; every entry gets `when`
    instead, in the same order, compression and attributes. `core`, when given, replaces
    docProps/core.xml (the document's created and modified dates).
    """
    stamp = max(when.replace(tzinfo=None), _ZIP_EPOCH).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            entry.create_system = info.create_system
            body = source.read(info)
            if core is not None and info.filename == "docProps/core.xml":
                body = core
            target.writestr(entry, body)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel allows 31 characters and no ':' or '/' in a sheet's title.
    return title.replace("/", " ").replace(":", " ")[:31]
