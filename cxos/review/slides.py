"""The review pack as slides: a PowerPoint deck a committee presents from.

Built from the same content model as the PDF and the workbook (`pack.content`), so the
three say the same thing: a title slide (the meeting, its date, who attended, the counts
it opens with), the quadrant chart, every team's scores, the business units, then one
slide per agenda section (`meetings.SECTIONS`, in the committee's order) and the
decisions. Charts are native PowerPoint charts whose data can be edited (the quadrant as
an XY scatter, scores and counts as bars); the movement since the last review has arrows
PowerPoint charts cannot draw, so it is the Plotly figure the pages show, as a picture.

People's text goes through `cxos.text.pptx` (one line, no control or bidi characters, cut
to a length). A native chart carries its data in an embedded workbook that PowerPoint opens to
edit it; that workbook is written with XlsxWriter told to keep every string a string
(python-pptx's default would turn a team named `=HYPERLINK(…)` into a formula and a URL
into a link) and dated like the deck. The deck's document properties and zip entries carry
the pack's fixed creation time (`pack.created_at`), so the same frozen meeting gives the
same bytes when its pictures render the same.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.chart.xlsx import CategoryWorkbookWriter, XyWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Emu, Inches, Pt

from cxos import text
from cxos.palette import INK, MUTED, QUADRANTS, category_colour
from cxos.review import figures
from cxos.review.meetings import SECTIONS, MeetingView
from cxos.review.pack import (
    AGENDA_COLUMNS,
    DECISION_COLUMNS,
    SCORE_HEADER,
    UNIT_HEADER,
    UNIT_NOTE,
    Progress,
    column_widths,
    content,
    created_at,
    fixed_package,
    more_line,
    movement_figure,
    no_progress,
    render_png,
    state_line,
)
from cxos.scoring.config import ScoringConfig

WIDE, TALL = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
BODY_TOP = Inches(1.35)
BODY_HEIGHT = TALL - BODY_TOP - Inches(0.45)
# A slide shows this many rows of a section ("… and N more"); the workbook holds all.
SLIDE_ROWS = 8
# A table cell holds about two lines of its column at 10 pt (some 12 characters an inch),
# at most `CELL_MAX` characters, so eight rows stay on the slide; the workbook holds every
# text in full.
CELL_MAX = 90
CELL_MIN = 16
_CHARS_PER_INCH, _CELL_LINES = 12, 2
TITLE_MAX = 100  # a slide's title: the meeting's title (200 at most) cut to two lines
TITLE_SHORT = 50  # a title longer than this is set smaller, so it keeps to two lines
NAMES_MAX = 300  # the attendees' names, together (three lines)
LINE_MAX = 240  # a line of the summary (it may quote the last review's title)
LABEL_MAX = 40  # a team's name as a chart's category or a point's label
COUNT_BARS = 10  # a count chart's bars: the most frequent
TEAMS_PER_SLIDE = 30  # teams on one slide of scores: each name still legible
LABEL_BUDGET = figures.LABEL_BUDGET  # teams named on the quadrant chart, as on the page
_QUADRANT_MARKERS = {
    "performing": XL_MARKER_STYLE.CIRCLE,
    "aspirational": XL_MARKER_STYLE.DIAMOND,
    "compliant": XL_MARKER_STYLE.SQUARE,
    "siloed": XL_MARKER_STYLE.X,
}
_MOVEMENT_SIZE = (1300, 900)
_TITLE_ONLY = 5  # the default template's "Title Only" layout: every slide has a real title


def build_pptx(
    view: MeetingView,
    config: ScoringConfig | None = None,
    progress: Progress = no_progress,
    charts: bool = True,
) -> bytes:
    """The review pack as .pptx bytes; `charts=False` leaves out the one picture (faster)."""
    config = config or ScoringConfig.load()
    data = content(view)
    when = created_at(view).replace(tzinfo=None)
    movement = None
    if charts and view.previous:
        progress(0.1, "rendering the movement chart")
        figure = movement_figure(view, config)
        figure.update_layout(title_text="")  # the slide's title names it
        movement = render_png([figure], _MOVEMENT_SIZE)[0]
    progress(0.5, "writing the slides")
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDE, TALL
    _title_slide(deck, data)
    _quadrant_slide(deck, data, config, when)
    _scores_slides(deck, data, when)
    _units_slide(deck, data, when)
    for key, title in SECTIONS.items():
        _agenda_slide(deck, key, title, data["agenda"][key], when, movement)
    header, rows = data["decisions"]
    slide = _slide(deck, f"Decisions of this review ({len(rows):,})")
    at = (MARGIN, BODY_TOP, WIDE - 2 * MARGIN)
    _table(slide, header, rows, at, column_widths(DECISION_COLUMNS))
    _properties(deck, data, when)
    out = io.BytesIO()
    deck.save(out)
    progress(1.0, "done")
    return fixed_package(out.getvalue(), when)


def _properties(deck: Any, data: dict[str, Any], when: dt.datetime) -> None:
    """Fixed document properties: the template's own (its author, 2013) would show."""
    props = deck.core_properties
    props.title = text.pptx(data["title"], 255)
    props.author = props.last_modified_by = "CXOS"
    props.subject = "CX review pack"
    props.created = props.modified = props.last_printed = when
    props.revision = 1


# -- slides ------------------------------------------------------------------------------


def _slide(deck: Any, title: str) -> Any:
    """A new slide with its title (a real title placeholder: outlines and screen readers
    name the slide by it), placed for the wide format."""
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
    heading = slide.shapes.title
    heading.left, heading.top = MARGIN, Inches(0.3)
    heading.width, heading.height = WIDE - 2 * MARGIN, Inches(0.95)
    frame = heading.text_frame
    frame.text = text.pptx(title, TITLE_MAX)
    frame.word_wrap = True
    size = Pt(28) if len(frame.text) <= TITLE_SHORT else Pt(22)
    for paragraph in frame.paragraphs:
        paragraph.alignment = 1  # left
        for run in paragraph.runs:
            run.font.size, run.font.bold = size, True
            run.font.color.rgb = _rgb(INK)
    return slide


def _lines(
    slide: Any,
    lines: Sequence[str],
    box: tuple[int, int, int, int],
    size: float = 16,
    colour: str = INK,
    bullet: bool = False,
) -> None:
    """Lines of text in a box, one paragraph each (their text already made safe)."""
    frame = slide.shapes.add_textbox(*(Emu(v) for v in box)).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = f"•  {line}" if bullet else line
        run.font.size = Pt(size)
        run.font.color.rgb = _rgb(colour)
        paragraph.space_after = Pt(6)


def _title_slide(deck: Any, data: dict[str, Any]) -> None:
    slide = _slide(deck, data["title"])
    about = [state_line(data)]
    if data["attendees"]:
        about.append("Attendees: " + _names(data["attendees"]))
    width = WIDE - 2 * MARGIN
    _lines(slide, about, (MARGIN, BODY_TOP, width, Inches(1.3)), size=14, colour=MUTED)
    _lines(slide, ["At a glance"], (MARGIN, Inches(2.75), width, Inches(0.5)), size=20)
    summary = [text.pptx(line, LINE_MAX) for line in data["summary"]]
    _lines(slide, summary, (MARGIN, Inches(3.3), width, Inches(3.7)), size=18, bullet=True)


def _names(names: Sequence[str]) -> str:
    """People's names, each made safe and cut on its own, as many as fit in `NAMES_MAX`
    characters, then how many more."""
    shown: list[str] = []
    for i, name in enumerate(names):
        safe = text.pptx(name, LABEL_MAX * 2)
        if shown and sum(len(n) + 2 for n in shown) + len(safe) > NAMES_MAX:
            return ", ".join(shown) + f" and {len(names) - i:,} more"
        shown.append(safe)
    return ", ".join(shown)


def _quadrant_slide(
    deck: Any, data: dict[str, Any], config: ScoringConfig, when: dt.datetime
) -> None:
    """Each team at its alignment and accountability: one series per quadrant (colour and
    marker as on the pages), the thresholds as dashed lines, names when few enough."""
    slide = _slide(deck, "Alignment × accountability")
    chart_data = _XyData(when)
    rows = data["scores"]
    by_quadrant = {look.label: name for name, look in QUADRANTS.items()}
    members: dict[str, list[tuple[Any, ...]]] = {name: [] for name in QUADRANTS}
    for row in rows:
        members[by_quadrant[row[4]]].append(row)
    shown = [name for name in QUADRANTS if members[name]]
    for name in shown:
        series = chart_data.add_series(QUADRANTS[name].label, number_format="0.0")
        for row in members[name]:
            series.add_data_point(row[2], row[3])
    x, y = config.aligned_threshold, config.accountable_threshold
    for label, points in (
        (f"Alignment threshold ({x:g})", ((x, 0), (x, 100))),
        (f"Accountability threshold ({y:g})", ((0, y), (100, y))),
    ):
        line = chart_data.add_series(label, number_format="0.0")
        for px, py in points:
            line.add_data_point(px, py)
    box = (MARGIN, BODY_TOP, WIDE - 2 * MARGIN, BODY_HEIGHT)
    chart = _chart(slide, XL_CHART_TYPE.XY_SCATTER, chart_data, box)
    for axis, title in ((chart.category_axis, "Alignment"), (chart.value_axis, "Accountability")):
        axis.minimum_scale, axis.maximum_scale, axis.major_unit = 0, 100, 20
        axis.has_major_gridlines = False  # a gridline would hide a threshold on it (60)
        axis.has_title = True
        axis.axis_title.text_frame.text = title
    plot_series = list(chart.plots[0].series)
    for name, series in zip(shown, plot_series, strict=False):
        look = QUADRANTS[name]
        series.marker.style = _QUADRANT_MARKERS[name]
        series.marker.size = 9
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = _rgb(look.colour)
        series.marker.format.line.color.rgb = _rgb(look.colour)
        if len(rows) <= LABEL_BUDGET:
            _name_points(series, [text.pptx(r[0], LABEL_MAX) for r in members[name]])
    for series in plot_series[len(shown) :]:
        series.marker.style = XL_MARKER_STYLE.NONE
        series.format.line.color.rgb = _rgb(MUTED)
        series.format.line.width = Pt(1.25)
        series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH


def _name_points(series: Any, names: list[str]) -> None:
    for point, name in zip(series.points, names, strict=True):
        label = point.data_label
        label.text_frame.text = name
        label.position = XL_LABEL_POSITION.RIGHT
        label.font.size = Pt(9)


def _scores_slides(deck: Any, data: dict[str, Any], when: dt.datetime) -> None:
    """Every team's alignment and accountability, side by side, `TEAMS_PER_SLIDE` teams a
    slide so each name can be read (a thousand teams on one chart are a smear)."""
    rows = data["scores"]
    if not rows:
        slide = _slide(deck, "Scores by team")
        _lines(slide, ["No team was scored."], (MARGIN, BODY_TOP, Inches(8), Inches(1)))
        return
    for start in range(0, len(rows), TEAMS_PER_SLIDE):
        part = rows[start : start + TEAMS_PER_SLIDE]
        title = "Scores by team"
        if len(rows) > TEAMS_PER_SLIDE:
            title += f" ({start + 1:,}–{start + len(part):,} of {len(rows):,})"
        slide = _slide(deck, title)
        names = [text.pptx(r[0], LABEL_MAX) for r in part]
        series = {SCORE_HEADER[2]: [r[2] for r in part], SCORE_HEADER[3]: [r[3] for r in part]}
        box = (MARGIN, BODY_TOP, WIDE - 2 * MARGIN, BODY_HEIGHT)
        _score_axis(_bars(slide, names, series, box, when, horizontal=len(part) > 12))


def _units_slide(deck: Any, data: dict[str, Any], when: dt.datetime) -> None:
    """Each unit's mix of quadrants (stacked bars) and its averages (a table)."""
    slide = _slide(deck, "Business units: quadrant mix and average scores")
    rows = data["units"]
    left = Inches(9.0)
    _lines(
        slide,
        [UNIT_NOTE],
        (MARGIN, BODY_TOP - Inches(0.1), left - MARGIN - Inches(0.2), Inches(0.6)),
        size=11,
        colour=MUTED,
    )
    at = (MARGIN, BODY_TOP + Inches(0.6), left - MARGIN - Inches(0.2))
    _table(slide, UNIT_HEADER, rows, at, (1.9, 0.8, 1.05, 1.05, 1.05, 1.05, 1.2, 1.4))
    if rows:
        part = rows[:TEAMS_PER_SLIDE]
        names = [text.pptx(r[0], LABEL_MAX) for r in part]
        mix = {look.label: [r[2 + i] for r in part] for i, look in enumerate(QUADRANTS.values())}
        box = (left, BODY_TOP, WIDE - left - MARGIN, BODY_HEIGHT)
        chart = _bars(slide, names, mix, box, when, horizontal=True, stacked=True)
        for series, look in zip(chart.plots[0].series, QUADRANTS.values(), strict=True):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(look.colour)
        _first_of(chart, len(part), len(rows), "units")


# A section's chart: the column counted (by header) for count charts, or the team scores.
_COUNTED = {"signals": "Signal", "overdue_actions": "Team", "previous_decisions": "Status"}
_COUNT_TITLES = {
    "signals": "Signals by kind",
    "overdue_actions": "Overdue actions by team",
    "previous_decisions": "Their actions by status",
}


def _agenda_slide(
    deck: Any,
    key: str,
    title: str,
    section: tuple[tuple[str, ...], list[tuple[Any, ...]]],
    when: dt.datetime,
    movement: bytes | None,
) -> None:
    """One agenda section: its rows (the first `SLIDE_ROWS`) and its figure beside them."""
    header, rows = section
    assert header == tuple(h for _, h in AGENDA_COLUMNS[key])
    slide = _slide(deck, f"{title} ({len(rows):,})")
    picture = key == "moves" and movement is not None
    has_figure = bool(rows) and (key != "moves" or picture)
    # The movement chart needs room to be read; a section's own chart less.
    split = WIDE - MARGIN if not has_figure else Inches(6.2) if picture else Inches(8.6)
    at = (MARGIN, BODY_TOP, split - MARGIN - Inches(0.2))
    _table(slide, header, rows, at, column_widths(AGENDA_COLUMNS[key]))
    if not has_figure:
        return
    width = WIDE - split - MARGIN
    if picture:
        shown = slide.shapes.add_picture(io.BytesIO(movement or b""), split, BODY_TOP, width=width)
        shown.name = "Movement since the last review"
    elif key in ("siloed", "aspirational"):
        part = rows[:TEAMS_PER_SLIDE]
        names = [text.pptx(r[0], LABEL_MAX) for r in part]
        scores = {header[2]: [r[2] for r in part], header[3]: [r[3] for r in part]}
        box = (split, BODY_TOP, width, _bars_height(2 * len(part)))
        chart = _bars(slide, names, scores, box, when, horizontal=True)
        _score_axis(chart)
        _first_of(chart, len(part), len(rows), "teams")
    else:
        column = header.index(_COUNTED[key])
        counts = Counter(str(r[column]) for r in rows).most_common(COUNT_BARS)
        names = [text.pptx(name, LABEL_MAX) for name, _ in counts]
        box = (split, BODY_TOP, width, _bars_height(len(counts)))
        chart = _bars(slide, names, {"Count": [n for _, n in counts]}, box, when, True, fmt="0")
        chart.has_title = True
        chart.chart_title.text_frame.text = _COUNT_TITLES[key]
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(13)
        chart.has_legend = False
        axis = chart.value_axis
        axis.minimum_scale, axis.major_unit = 0, max(1, math.ceil(counts[0][1] / 5))
        axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = "0", False


def _first_of(chart: Any, shown: int, total: int, noun: str) -> None:
    """A chart cut to its first bars says so in its title (the workbook has them all)."""
    if shown < total:
        chart.has_title = True
        chart.chart_title.text_frame.text = f"The first {shown:,} of {total:,} {noun}"
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(13)


def _score_axis(chart: Any) -> None:
    """Scores' axis: 0 to 100 in steps of 20, as on the quadrant chart."""
    axis = chart.value_axis
    axis.minimum_scale, axis.maximum_scale, axis.major_unit = 0, 100, 20


def _bars_height(bars: int) -> int:
    """A bar chart's height for so many bars: a few bars are not drawn slide-high."""
    return int(min(BODY_HEIGHT, Inches(1.6) + Inches(0.4) * bars))


# -- tables and charts -------------------------------------------------------------------


def _table(
    slide: Any,
    header: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
    at: tuple[int, int, int],
    weights: Sequence[float] | None = None,
) -> None:
    """A table of the first `SLIDE_ROWS` rows, each cell one safe line cut to what about two
    lines of its column hold, then how many rows more."""
    left, top, width = at
    if not rows:
        _lines(slide, ["None."], (left, top, width, Inches(0.6)))
        return
    shown = rows[:SLIDE_ROWS]
    row_height = Inches(0.4)
    shape = slide.shapes.add_table(len(shown) + 1, len(header), left, top, width, row_height)
    table = shape.table
    weights = weights or [1.0] * len(header)
    limits = []
    for column, weight in zip(table.columns, weights, strict=True):
        column.width = Emu(int(width * weight / sum(weights)))
        chars = int(Emu(column.width).inches * _CHARS_PER_INCH * _CELL_LINES)
        limits.append(min(CELL_MAX, max(CELL_MIN, chars)))
    for c, name in enumerate(header):
        _cell(table.cell(0, c), name, CELL_MAX, bold=True)
    for r, row in enumerate(shown, start=1):
        for c, value in enumerate(row):
            _cell(table.cell(r, c), value, limits[c])
    more = len(rows) - len(shown)
    if more:  # at the slide's foot: rows grow with their text, the foot stays clear
        _lines(
            slide,
            [more_line(more)],
            (left, TALL - Inches(0.75), width, Inches(0.4)),
            size=11,
            colour=MUTED,
        )


def _cell(cell: Any, value: Any, limit: int, bold: bool = False) -> None:
    cell.margin_left = cell.margin_right = Inches(0.05)  # narrow columns keep their words
    frame = cell.text_frame
    frame.text = text.pptx(_shown(value), limit)
    frame.word_wrap = True
    for run in frame.paragraphs[0].runs:
        run.font.size, run.font.bold = Pt(10), bold


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _bars(
    slide: Any,
    categories: list[str],
    series: dict[str, list[Any]],
    box: tuple[int, int, int, int],
    when: dt.datetime,
    horizontal: bool = False,
    stacked: bool = False,
    fmt: str = "0.0",
) -> Any:
    """A native bar chart: one bar per category and series, values labelled."""
    chart_data = _CategoryData(when, fmt)
    chart_data.categories = categories
    for name, values in series.items():
        chart_data.add_series(name, values)
    if horizontal:
        kind = XL_CHART_TYPE.BAR_STACKED if stacked else XL_CHART_TYPE.BAR_CLUSTERED
    else:
        kind = XL_CHART_TYPE.COLUMN_STACKED if stacked else XL_CHART_TYPE.COLUMN_CLUSTERED
    chart = _chart(slide, kind, chart_data, box)
    if horizontal:
        chart.category_axis.reverse_order = True  # the first row on top, as in the table
    chart.category_axis.tick_labels.font.size = Pt(10)
    if len(categories) <= 20 and not stacked:
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format, plot.data_labels.number_format_is_linked = fmt, False
        plot.data_labels.font.size = Pt(9)
    if len(series) > 1:
        for i, drawn in enumerate(chart.plots[0].series):
            if not stacked:
                drawn.format.fill.solid()
                drawn.format.fill.fore_color.rgb = _rgb(category_colour(i))
    return chart


def _chart(slide: Any, kind: Any, chart_data: Any, box: tuple[int, int, int, int]) -> Any:
    chart = slide.shapes.add_chart(kind, *(Emu(v) for v in box), chart_data).chart
    chart.font.size = Pt(11)
    chart.has_legend = len(chart.plots[0].series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    return chart


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#"))


# -- the charts' embedded workbooks --------------------------------------------------------


class _InertWorkbook:
    """Writes a chart's data workbook with strings kept strings, dated like the deck.

    python-pptx opens XlsxWriter with its defaults, which write a string starting with '='
    as a formula and one that looks like a URL as a link, and date it with the clock.
    """

    when: dt.datetime

    @contextmanager
    def _open_worksheet(self, xlsx_file: Any) -> Iterator[tuple[Any, Any]]:
        from xlsxwriter import Workbook

        options = {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        workbook = Workbook(xlsx_file, options)
        workbook.set_properties({"created": self.when, "author": "CXOS"})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _CategoryWriter(_InertWorkbook, CategoryWorkbookWriter):
    def __init__(self, chart_data: Any, when: dt.datetime):
        super().__init__(chart_data)
        self.when = when


class _XyWriter(_InertWorkbook, XyWorkbookWriter):
    def __init__(self, chart_data: Any, when: dt.datetime):
        super().__init__(chart_data)
        self.when = when


class _CategoryData(CategoryChartData):
    def __init__(self, when: dt.datetime, number_format: str = "0.0"):
        super().__init__(number_format)
        self._when = when

    @cached_property
    def _workbook_writer(self) -> Any:
        return _CategoryWriter(self, self._when)


class _XyData(XyChartData):
    def __init__(self, when: dt.datetime):
        super().__init__(number_format="0.0")
        self._when = when

    @cached_property
    def _workbook_writer(self) -> Any:
        return _XyWriter(self, self._when)
