"""The review pack: a PDF and an Excel workbook of what a meeting (or any date) reviewed.

Both are built from one `MeetingView`, so for a closed meeting they come from its frozen
JSON and regenerating them after new data arrives gives the same content. The PDF's
creation date is the meeting's close time (or the date reviewed), so its bytes are stable
too as long as the charts render the same. Charts are the very figures the pages show
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
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from cxos import text
from cxos.bundle.exporter import write_workbook
from cxos.palette import INK, MUTED, QUADRANTS, SIGNALS
from cxos.review import figures
from cxos.review.meetings import SECTIONS, MeetingView
from cxos.scoring import rollup
from cxos.scoring.config import COMPONENTS, ScoringConfig

Progress = Callable[[float, str], None]
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_CHART_SIZE = (1300, 760)
# Long enough for any name (200) and the gist of a note; short enough that a row of the
# narrowest table (ten columns) stays well within a page.
CELL_MAX = 240


def _quiet(_fraction: float, _message: str) -> None:
    return None


# -- the content both files share --------------------------------------------------------


def title_of(view: MeetingView) -> str:
    """The pack's title."""
    if view.meeting is not None:
        return f"{view.meeting.title} — {view.as_of.isoformat()}"
    return f"CX review as of {view.as_of.isoformat()}"


def created_at(view: MeetingView) -> dt.datetime:
    """A fixed creation time: when the meeting closed, else midnight of the date reviewed."""
    if view.meeting is not None and view.meeting.closed_at is not None:
        return view.meeting.closed_at.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(view.as_of, dt.time(), tzinfo=dt.UTC)


def score_rows(view: MeetingView) -> list[tuple[Any, ...]]:
    """One row per team: names, both scores (one decimal), quadrant and the 8 components."""
    return [
        (
            s.team,
            s.business_unit,
            round(s.alignment, 1),
            round(s.accountability, 1),
            QUADRANTS[s.quadrant].label,
            s.goals,
            *(None if (v := s.components[c]) is None else round(v, 3) for c in COMPONENTS),
        )
        for s in view.scores
    ]


SCORE_HEADER = (
    "team",
    "business unit",
    "alignment",
    "accountability",
    "quadrant",
    "goals",
    *COMPONENTS,
)


def content(view: MeetingView) -> dict[str, Any]:
    """Everything the pack states, as plain data (what 'the same content' means)."""
    units = rollup(view.scores, ScoringConfig()) if view.scores else []
    return {
        "title": title_of(view),
        "as_of": view.as_of.isoformat(),
        "attendees": list(view.meeting.attendees) if view.meeting else [],
        "frozen": view.frozen,
        "units": [(u.name, round(u.alignment, 1), round(u.accountability, 1)) for u in units],
        "scores": score_rows(view),
        "signals": [(SIGNALS[s.signal], s.subject_id, s.detail) for s in view.signals],
        "agenda": {k: view.agenda.get(k, []) for k in SECTIONS},
        "decisions": view.decisions,
    }


# -- charts ------------------------------------------------------------------------------


def chart_figures(view: MeetingView, config: ScoringConfig) -> dict[str, go.Figure]:
    """The pack's charts, in order."""
    previous = view.previous["scores"] if view.previous else None
    return {
        "Alignment × accountability": figures.quadrant_chart(view.scores, config),
        "Movement since the last review": figures.movement_chart(view.scores, previous, config),
    }


def browser_path() -> str | None:
    """The chromium kaleido should drive."""
    chosen = os.environ.get("CXOS_CHROMIUM")
    if chosen:
        return chosen
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def render_png(figs: list[go.Figure], size: tuple[int, int] = _CHART_SIZE) -> list[bytes]:
    """PNG bytes of each figure, from one browser session (run in its own thread and loop)."""
    import kaleido

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
    progress: Progress = _quiet,
    charts: bool = True,
) -> bytes:
    """The review pack as PDF bytes; `charts=False` leaves the images out (faster)."""
    from fpdf import FPDF

    config = config or ScoringConfig.load()
    data = content(view)
    progress(0.05, "rendering charts")
    figs = chart_figures(view, config) if charts else {}
    images = render_png(list(figs.values())) if figs else []
    progress(0.6, "writing the PDF")
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_creation_date(created_at(view))
    pdf.set_title(text.pdf(data["title"]))
    pdf.set_author("CXOS")
    pdf.set_auto_page_break(True, margin=12)
    family = _fonts(pdf)
    _cover(pdf, family, data)
    for (name, _fig), image in zip(figs.items(), images, strict=True):
        pdf.add_page()
        _heading(pdf, family, name)
        pdf.image(io.BytesIO(image), w=pdf.epw)
    progress(0.75, "writing tables")
    pdf.add_page()
    _heading(pdf, family, "Scores by team")
    _table(pdf, family, SCORE_HEADER[:6], [r[:6] for r in data["scores"]], (3, 3, 1.3, 1.6, 1.6, 1))
    _agenda(pdf, family, data["agenda"])
    _heading(pdf, family, "Decisions")
    _table(
        pdf,
        family,
        ("decision", "action owner", "team", "due", "status"),
        [(d["text"], d["owner"], d["team"], d["due_date"], d["status"]) for d in data["decisions"]],
        (5, 2, 2, 1.3, 1.3),
    )
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
    shown = "" if value is None else str(value)
    if len(shown) > CELL_MAX:
        shown = shown[: CELL_MAX - 1] + ("…" if family == "DejaVu" else "...")
    return _safe(family, shown)


def _cover(pdf: Any, family: str, data: dict[str, Any]) -> None:
    pdf.add_page()
    pdf.set_font(family, "B", 22)
    pdf.set_text_color(INK)
    pdf.multi_cell(0, 11, _safe(family, data["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 11)
    pdf.set_text_color(MUTED)
    state = "closed — frozen as reviewed" if data["frozen"] else "open — computed live"
    pdf.multi_cell(
        0,
        7,
        _safe(family, f"Scores as of {data['as_of']} · {state}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if data["attendees"]:
        pdf.multi_cell(
            0,
            7,
            _safe(family, "Attendees: " + ", ".join(data["attendees"])),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)
    pdf.set_text_color(INK)
    _heading(pdf, family, "Company and business units")
    _table(pdf, family, ("unit", "alignment", "accountability"), data["units"], (4, 1.5, 1.5))


def _heading(pdf: Any, family: str, text: str) -> None:
    pdf.set_font(family, "B", 14)
    pdf.set_text_color(INK)
    pdf.ln(2)
    pdf.cell(0, 9, _safe(family, text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)


def _table(
    pdf: Any,
    family: str,
    header: tuple[str, ...],
    rows: list[tuple[Any, ...]] | list[list[Any]],
    widths: tuple[float, ...],
) -> None:
    if not rows:
        pdf.set_font(family, "", 10)
        pdf.cell(0, 7, "None.", new_x="LMARGIN", new_y="NEXT")
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


def _agenda(pdf: Any, family: str, agenda: dict[str, list[dict[str, Any]]]) -> None:
    pdf.add_page()
    _heading(pdf, family, "Agenda")
    for key, title in SECTIONS.items():
        rows = agenda.get(key, [])
        pdf.set_font(family, "B", 11)
        pdf.cell(0, 8, _safe(family, f"{title} ({len(rows)})"), new_x="LMARGIN", new_y="NEXT")
        header = tuple(rows[0]) if rows else ("",)
        shown = rows[:40]
        _table(pdf, family, header, [tuple(r.values()) for r in shown], tuple(1 for _ in header))
        if len(rows) > len(shown):
            pdf.cell(0, 6, f"… and {len(rows) - len(shown)} more (see the workbook)")
            pdf.ln(6)


# -- Excel -------------------------------------------------------------------------------


def build_xlsx(view: MeetingView, progress: Progress = _quiet) -> bytes:
    """The review pack as an .xlsx workbook: scores, components, signals, actions, decisions."""
    data = content(view)
    progress(0.2, "writing the workbook")
    sheets = [
        ("scores", SCORE_HEADER, data["scores"]),
        ("units", ("unit", "alignment", "accountability"), data["units"]),
        ("signals", ("signal", "subject", "detail"), data["signals"]),
        _rows_sheet("overdue_actions", data["agenda"]["overdue_actions"]),
        _rows_sheet("moves", data["agenda"]["moves"]),
        _rows_sheet("previous_decisions", data["agenda"]["previous_decisions"]),
        _rows_sheet("decisions", data["decisions"]),
    ]
    out = io.BytesIO()
    write_workbook(out, iter(sheets))  # type: ignore[arg-type]
    progress(1.0, "done")
    return out.getvalue()


def _rows_sheet(name: str, rows: list[dict[str, Any]]) -> tuple[str, list[str], list[tuple]]:
    header = list(rows[0]) if rows else ["(none)"]
    return name, header, [tuple(r.get(h) for h in header) for r in rows]
