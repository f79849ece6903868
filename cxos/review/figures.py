"""The charts of CXOS as pure functions: typed results in, `plotly.graph_objects.Figure` out.

Pages show these figures, the review pack renders the same figures to PNG, and the unit
tests read what a user would see (traces, colours, labels, threshold lines) straight from
the figure, without a browser. Every colour, symbol and state word comes from
`cxos.palette`, so a quadrant or a health state looks the same on every page and in the
pack; each state also carries a symbol and a word, never colour alone.

Names, titles and signal details come from people, and Plotly renders its pseudo-HTML
(`<a href>`, `<b>`, `<br>`) in every text property: each goes through `cxos.text.plotly`
before it reaches a figure, and never into a `hovertemplate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxos import text
from cxos.palette import FONT, GRID, HEALTH, INK, MUTED, QUADRANTS, SIGNALS, category_colour
from cxos.review.journey_map import JourneyMap
from cxos.scoring import TeamScore, UnitTrend
from cxos.scoring.config import COMPONENTS, ScoringConfig

LAYERS = {"front_stage": "Front-stage", "on_stage": "On-stage", "back_stage": "Back-stage"}
COMPONENT_LABELS = {
    "a1_ownership": "A1 ownership",
    "a2_delivery": "A2 delivery",
    "a3_cadence": "A3 cadence",
    "a4_pace": "A4 pace",
    "l1_understanding": "L1 understanding",
    "l2_line_of_sight": "L2 line of sight",
    "l3_coverage": "L3 coverage",
    "l4_bridging": "L4 bridging",
}
# 'A1', 'L4': eight component columns fit a 1440-pixel screen when the header's help
# names them.
COMPONENT_CODES = {name: label.split()[0] for name, label in COMPONENT_LABELS.items()}
COMPONENT_HELP = {
    name: f"{label} (0–100). See 'What the words mean'." for name, label in COMPONENT_LABELS.items()
}
SIGNAL_COLOUR = QUADRANTS["siloed"].colour  # silo marks share the siloed quadrant's colour
# The journey map's signal marks: shapes no quadrant or health state uses, so a mark on a
# stage never reads as a goal's health (an orphan's ▲ read as "at risk", a ✖ as off track).
SIGNAL_MARKERS = {
    "unbridged_stage": "bowtie",
    "handoff_gap": "line-ns-open",
    "orphan_touchpoint": "asterisk-open",  # a filled hexagon read as a dot: "on track"
}
THRESHOLD_DASH = "dash"


def _layout(fig: go.Figure, title: str, height: int = 520) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17, "color": INK}},
        font={"family": FONT, "color": INK, "size": 12},
        plot_bgcolor="white",
        paper_bgcolor="white",
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.14, "x": 0},
    )
    return fig


def _component_text(components: dict[str, float | None]) -> str:
    parts = []
    for name in COMPONENTS:
        value = components.get(name)
        shown = "—" if value is None else f"{value:.2f}"
        parts.append(f"{COMPONENT_LABELS[name]}: {shown}")
    return "<br>".join(parts)


# -- quadrant --------------------------------------------------------------------------


def _quadrant_backdrop(fig: go.Figure, config: ScoringConfig) -> None:
    """Four tinted quadrants, their names, and the two threshold lines."""
    x, y = config.aligned_threshold, config.accountable_threshold
    areas = {
        "performing": (x, 100, y, 100),
        "aspirational": (x, 100, 0, y),
        "compliant": (0, x, y, 100),
        "siloed": (0, x, 0, y),
    }
    for name, (x0, x1, y0, y1) in areas.items():
        look = QUADRANTS[name]
        fig.add_shape(
            type="rect",
            x0=x0,
            x1=x1,
            y0=y0,
            y1=y1,
            fillcolor=look.tint,
            line={"width": 0},
            layer="below",
            name=f"quadrant:{name}",
        )
        # Names sit in the band just outside 0–100, where no team can be.
        fig.add_annotation(
            x=x1 if x0 >= x else x0,
            y=100.5 if y0 >= y else -0.5,
            xanchor="right" if x0 >= x else "left",
            yanchor="bottom" if y0 >= y else "top",
            # The symbol in the quadrant's colour, the word in ink: the colours alone are
            # under WCAG AA's 4.5:1 on white (compliant's amber is 2.3:1).
            text=f'<b><span style="color:{look.colour}">{look.symbol}</span> {look.label}</b>',
            showarrow=False,
            font={"color": INK, "size": 14},
            name=f"quadrant:{name}",
        )
    line = {"color": MUTED, "width": 1.5, "dash": THRESHOLD_DASH}
    fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=100, line=line, name="threshold:alignment")
    fig.add_shape(type="line", x0=0, x1=100, y0=y, y1=y, line=line, name="threshold:accountability")
    # A little room beyond 0 and 100 so bubbles on the edge are not cut in half.
    fig.update_xaxes(title="Alignment", range=[-6, 106], gridcolor=GRID, zeroline=False)
    fig.update_yaxes(title="Accountability", range=[-6, 106], gridcolor=GRID, zeroline=False)


def unit_colours(scores: Iterable[TeamScore]) -> dict[str, str]:
    """A stable colour per business unit, by unit name."""
    units = sorted({(s.business_unit, s.business_unit_id) for s in scores})
    return {unit_id: category_colour(i) for i, (_name, unit_id) in enumerate(units)}


def quadrant_chart(
    scores: Sequence[TeamScore],
    config: ScoringConfig,
    title: str = "Alignment × accountability",
    highlight: Collection[str] = (),
) -> go.Figure:
    """One bubble per team (sized by goals, coloured by unit, shaped by quadrant).

    Names are placed so that none overlaps another or a bubble, up to `LABEL_BUDGET` of
    them: the `highlight`ed teams first (e.g. those that changed quadrant since the last
    review), then the most extreme (furthest from where the thresholds cross). A team
    whose name finds no free place is named on hover, as every team is.
    """
    fig = go.Figure()
    _quadrant_backdrop(fig, config)
    colours = unit_colours(scores)
    biggest = max([s.goals for s in scores] + [1])
    by_unit: dict[str, list[TeamScore]] = {}
    for score in scores:
        by_unit.setdefault(score.business_unit_id, []).append(score)
    traces = []
    for unit_id, colour in colours.items():
        members = by_unit[unit_id]
        # Plain dicts: `add_traces` validates them once (a `go.Scatter` is validated twice).
        traces.append(
            dict(
                type="scatter",
                x=[s.alignment for s in members],
                y=[s.accountability for s in members],
                mode="markers",
                name=text.plotly(members[0].business_unit or unit_id),
                customdata=[s.team_id for s in members],
                marker={
                    "size": [_bubble(s, biggest) for s in members],
                    "color": colour,
                    "symbol": [QUADRANTS[s.quadrant].marker for s in members],
                    "line": {"color": "white", "width": 1.5},
                    "opacity": 0.9,
                },
                hovertext=[_hover(s) for s in members],
                hoverinfo="text",
                legendgroup=unit_id,
                showlegend=False,
            )
        )
        traces.append(_unit_key(text.plotly(members[0].business_unit or unit_id), unit_id, colour))
    fig.add_traces(traces)
    radius = lambda s: _bubble(s, biggest) / 2  # noqa: E731
    _add_annotations(fig, _labels(scores, config, radius, set(highlight)))
    return _layout(fig, title, height=600)


def _unit_key(name: str, unit_id: str, colour: str) -> dict[str, Any]:
    """A unit's legend entry: its colour as a plain dot. The bubbles' shapes are their
    quadrants', and a legend drawn from them showed the first team's quadrant as the unit's."""
    return dict(
        type="scatter",
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        legendgroup=unit_id,  # a click on the entry still hides the unit's bubbles
        marker={"size": 10, "color": colour, "symbol": "circle"},
        hoverinfo="skip",
    )


def _add_annotations(fig: go.Figure, annotations: list[dict[str, Any]]) -> None:
    """Append annotations in one assignment (a third of `update_layout`'s time, which
    validates the ones already there again)."""
    added = (go.layout.Annotation(a) for a in annotations)
    fig.layout.annotations = (*fig.layout.annotations, *added)


def _bubble(score: TeamScore, biggest: int) -> float:
    """A bubble's diameter in pixels, by the team's number of goals."""
    return 12 + 18 * (score.goals / biggest)


# At most this many names on the chart; hover names every team.
LABEL_BUDGET = 30
# A name beside a bubble is cut to this many characters; the hover shows it whole.
_LABEL_WIDTH = 24
# Where names are placed, the plot area is taken to be this many pixels (the overview's
# on a 1440-pixel screen) for the axes' range; a name's box is CHAR_PX per character
# and LINE_PX high, at the 11-pixel font. A narrower screen squeezes the plot, not the
# text, so names may then touch: the hover stays exact.
PLOT_PX = (820.0, 490.0)
AXIS_RANGE = (-6.0, 106.0)
CHAR_PX, LINE_PX = 6.2, 15.0
_CLEAR_OF_BUBBLES = 100
# Candidate places: gaps from the bubble's edge (pixels), then directions (right first).
_GAPS = (3.0, 12.0, 24.0, 40.0)
_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))


def to_px(x: float, y: float) -> tuple[float, float]:
    """A point's place in the plot area, in the pixels names are placed by (y upwards)."""
    span = AXIS_RANGE[1] - AXIS_RANGE[0]
    return (
        (x - AXIS_RANGE[0]) / span * PLOT_PX[0],
        (y - AXIS_RANGE[0]) / span * PLOT_PX[1],
    )


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


def _labels(
    scores: Sequence[TeamScore],
    config: ScoringConfig,
    radius: Callable[[TeamScore], float],
    highlight: set[str],
    others: Sequence[tuple[float, float, float]] = (),
) -> list[dict[str, Any]]:
    """Annotations naming the teams that matter, none overlapping a name or a bubble.

    `radius` is a team's bubble radius in pixels; `others` are more marks to keep clear
    of, as (alignment, accountability, radius in pixels).
    """
    # Among a few teams names keep clear of every bubble; in a crowd no place is clear,
    # so a name (on its white ground) may cover other bubbles, still never another name.
    crowd = len(scores) > _CLEAR_OF_BUBBLES
    circles = [] if crowd else [(s.alignment, s.accountability, radius(s)) for s in scores]
    circles += [] if crowd else list(others)
    bubbles = _BubbleGrid([(*to_px(x, y), r) for x, y, r in circles])
    cross = (config.aligned_threshold, config.accountable_threshold)

    def priority(s: TeamScore) -> tuple[bool, float, str]:
        far = (s.alignment - cross[0]) ** 2 + (s.accountability - cross[1]) ** 2
        return (s.team_id not in highlight, -far, s.team_id)

    placed: list[Box] = corner_boxes()  # the quadrants' own names stay readable
    labels: list[dict[str, Any]] = []
    for score in sorted(scores, key=priority):
        if len(labels) >= LABEL_BUDGET:
            break
        name = _short(score.team, _LABEL_WIDTH)
        centre = to_px(score.alignment, score.accountability)
        spot = _free_spot(centre, radius(score), len(name), placed, bubbles)
        if spot is None:
            continue
        placed.append(spot)
        labels.append(_label(score, name, centre, spot, score.team_id in highlight))
    return labels


# The corner names are 14-pixel bold: about this wide per character, and this high.
_CORNER_CHAR_PX, _CORNER_LINE_PX = 9.0, 20.0
# Which corner each quadrant's name sits in: (on the right, at the top).
_CORNERS = {
    "performing": (True, True),
    "aspirational": (True, False),
    "compliant": (False, True),
    "siloed": (False, False),
}


def corner_boxes() -> list[Box]:
    """The four quadrant names' boxes, in the pixels names are placed by (y upwards)."""
    boxes = []
    for name, (right, top) in _CORNERS.items():
        width = (len(QUADRANTS[name].label) + 2) * _CORNER_CHAR_PX  # with its symbol
        x, y = to_px(100.0 if right else 0.0, 100.5 if top else -0.5)
        x0 = x - width if right else x
        y0 = y if top else y - _CORNER_LINE_PX
        boxes.append((x0, y0, x0 + width, y0 + _CORNER_LINE_PX))
    return boxes


def _free_spot(
    centre: tuple[float, float], radius: float, chars: int, placed: list[Box], bubbles: Any
) -> Box | None:
    """The first candidate box beside a bubble that stays in the plot and clear of the
    names already placed and of every bubble."""
    half_w, half_h = chars * CHAR_PX / 2 + 2, LINE_PX / 2
    for gap in _GAPS:
        for dx, dy in _DIRECTIONS:
            cx = centre[0] + dx * (radius + gap + half_w)
            cy = centre[1] + dy * (radius + gap + half_h)
            box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= PLOT_PX[0] and box[3] <= PLOT_PX[1]
            if inside and not any(_overlap(box, other) for other in placed):
                if not bubbles.hits(box):
                    return box
    return None


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _BubbleGrid:
    """Bubbles (pixel circles) bucketed by area, so a box only meets its neighbours."""

    CELL = 40.0

    def __init__(self, circles: list[tuple[float, float, float]]) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
        for circle in circles:
            x, y, r = circle
            for i in range(int((x - r) // self.CELL), int((x + r) // self.CELL) + 1):
                for j in range(int((y - r) // self.CELL), int((y + r) // self.CELL) + 1):
                    self.cells.setdefault((i, j), []).append(circle)

    def hits(self, box: Box) -> bool:
        for i in range(int(box[0] // self.CELL), int(box[2] // self.CELL) + 1):
            for j in range(int(box[1] // self.CELL), int(box[3] // self.CELL) + 1):
                for x, y, r in self.cells.get((i, j), ()):
                    nearest_x, nearest_y = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
                    if (nearest_x - x) ** 2 + (nearest_y - y) ** 2 < r * r:
                        return True
        return False


def _label(
    score: TeamScore, name: str, centre: tuple[float, float], box: Box, bold: bool
) -> dict[str, Any]:
    """A name in its box, with a hairline to its bubble (plotly's arrow offsets are pixels,
    y downwards)."""
    shown = text.plotly(name)
    return {
        "x": score.alignment,
        "y": score.accountability,
        "xref": "x",
        "yref": "y",
        "ax": (box[0] + box[2]) / 2 - centre[0],
        "ay": centre[1] - (box[1] + box[3]) / 2,
        "text": f"<b>{shown}</b>" if bold else shown,
        "showarrow": True,
        "arrowhead": 0,
        "arrowwidth": 1,
        "arrowcolor": MUTED,
        "font": {"size": 11, "color": INK},
        "bgcolor": "rgba(255, 255, 255, 0.85)",
        "name": f"label:{score.team_id}",
    }


def _hover(score: TeamScore) -> str:
    look = QUADRANTS[score.quadrant]
    return (
        f"<b>{text.plotly(score.team)}</b> · {text.plotly(score.business_unit)}<br>"
        f"{look.symbol} {look.label}<br>"
        f"Alignment {score.alignment:.1f} · Accountability {score.accountability:.1f}<br>"
        f"Goals: {score.goals}<br>{_component_text(score.components)}"
    )


# -- movement since the last review ----------------------------------------------------


def movement_chart(
    current: Sequence[TeamScore],
    previous: Sequence[dict[str, Any]] | None,
    config: ScoringConfig,
    title: str = "Movement since the last review",
) -> go.Figure:
    """An arrow per team from its frozen position at the last review to where it is now."""
    fig = go.Figure()
    _quadrant_backdrop(fig, config)
    if not previous:
        fig.add_annotation(
            x=50, y=50, text="No closed review before this date", showarrow=False, name="empty"
        )
        return _layout(fig, title, height=600)
    before = {p["team_id"]: p for p in previous}
    pairs = [(before[s.team_id], s) for s in current if s.team_id in before]
    # All arrows in one layout update: `add_annotation` one by one re-validates every
    # annotation already there, quadratic in the teams (minutes for a thousand).
    arrows = [
        {
            "x": new.alignment,
            "y": new.accountability,
            "ax": old["alignment"],
            "ay": old["accountability"],
            "xref": "x",
            "yref": "y",
            "axref": "x",
            "ayref": "y",
            "showarrow": True,
            "arrowhead": 2,
            "arrowwidth": 1.5,
            "arrowcolor": QUADRANTS[new.quadrant].colour,
            "text": "",
            "name": f"move:{new.team_id}",
        }
        for old, new in pairs
    ]
    fig.update_layout(annotations=[*fig.layout.annotations, *arrows])
    traces = [
        go.Scatter(
            x=[o["alignment"] for o, _ in pairs],
            y=[o["accountability"] for o, _ in pairs],
            mode="markers",
            name="At the last review",
            marker={"size": 9, "color": "white", "line": {"color": MUTED, "width": 1.5}},
            hovertext=[
                f"{text.plotly(n.team)}: {QUADRANTS[o['quadrant']].label} then" for o, n in pairs
            ],
            hoverinfo="text",
        )
    ]
    for name, look in QUADRANTS.items():
        now = [n for _, n in pairs if n.quadrant == name]
        if not now:
            continue
        traces.append(
            go.Scatter(
                x=[n.alignment for n in now],
                y=[n.accountability for n in now],
                mode="markers",
                name=f"Now {look.label.lower()}",
                marker={"size": 12, "color": look.colour, "symbol": look.marker},
                hovertext=[_move_text(before[n.team_id], n) for n in now],
                hoverinfo="text",
            )
        )
    fig.add_traces(traces)
    # Names as on the quadrant chart: those that changed quadrant first, none overlapping.
    movers = {n.team_id for o, n in pairs if o["quadrant"] != n.quadrant}
    then = [(o["alignment"], o["accountability"], 4.5) for o, _ in pairs]
    _add_annotations(fig, _labels([n for _, n in pairs], config, lambda _: 6.0, movers, then))
    return _layout(fig, title, height=600)


def _move_text(old: dict[str, Any], new: TeamScore) -> str:
    was, now = QUADRANTS[old["quadrant"]], QUADRANTS[new.quadrant]
    return (
        f"<b>{text.plotly(new.team)}</b>: {was.label} → {now.label}<br>"
        f"Alignment {old['alignment']:.1f} → {new.alignment:.1f}<br>"
        f"Accountability {old['accountability']:.1f} → {new.accountability:.1f}"
    )


# -- journey map -----------------------------------------------------------------------


# What a cell can hold in a readable font (11 px, about 5.6 px a character) over the
# ~825 px a 1440-pixel screen gives the map: names wrap at word boundaries, on up to three
# lines, their team on up to two; at most two touchpoints a cell, the rest counted (every
# name is in the hover and the stage's panel).
_PLOT_PIXELS = 825
_CHAR_PIXELS = 5.6
_CELL_TOUCHPOINTS = 2
_NAME_LINES, _TEAM_LINES = 3, 2
_LINE_PIXELS = 15


def journey_figure(jmap: JourneyMap) -> go.Figure:
    """Stages as columns grouped by phase, layers as rows, cells tinted by stage health."""
    fig = go.Figure()
    column = {s.id: i for i, s in enumerate(jmap.stages)}
    rows = {layer: i for i, layer in enumerate(reversed(list(LAYERS)))}  # front on top
    by_cell: dict[tuple[str, str], list] = {}
    for tp in jmap.touchpoints:
        by_cell.setdefault((tp.stage_id, tp.layer), []).append(tp)
    width = _cell_chars(len(jmap.stages))
    for stage in jmap.stages:
        _stage_cells(fig, stage, column[stage.id], rows, by_cell)
    _phase_bands(fig, jmap, len(LAYERS))
    _cell_targets(fig, jmap, column, rows, by_cell, width)
    _silo_marks(fig, jmap, column, rows, by_cell)
    _health_legend(fig)
    fig.update_xaxes(
        range=[-0.5, max(len(jmap.stages), 1) - 0.5],
        tickvals=list(range(len(jmap.stages))),
        ticktext=[_wrap(s.name, max(width, 10)) for s in jmap.stages],
        tickfont={"size": 12},
        side="bottom",
        showgrid=False,
        zeroline=False,
        fixedrange=True,
    )
    fig.update_yaxes(
        range=[-0.5, len(LAYERS) + 0.2],
        tickvals=list(rows.values()),
        ticktext=[LAYERS[layer] for layer in rows],
        showgrid=False,
        zeroline=False,
        fixedrange=True,
    )
    height = _map_height(by_cell, width)
    fig = _layout(fig, f"Journey map — {text.plotly(jmap.journey)}", height=height)
    fig.update_layout(margin={"l": 100, "r": 20, "t": 60, "b": 90}, clickmode="event+select")
    return fig


def _cell_chars(stages: int) -> int:
    """Characters on a line of a cell, for a map of `stages` columns."""
    return max(8, min(30, int(_PLOT_PIXELS / max(stages, 1) / _CHAR_PIXELS)))


def _map_height(by_cell: dict, width: int) -> int:
    """Tall enough that the fullest cell's lines fit inside it (a cell is 0.9 of a row),
    plus the margins, the stage names below and the legend."""
    texts = [_cell_text(tps, width) for tps in by_cell.values()]
    lines = max((t.count("<br>") + 1 for t in texts), default=1)
    row_pixels = max(110, (lines + 1) * _LINE_PIXELS / 0.9)
    return int(240 + (len(LAYERS) + 0.7) * row_pixels)


def _wrap(name: str, width: int = 14, most: int = 0) -> str:
    """`name` on lines of about `width` characters (at most `most`, the last cut with an
    ellipsis, when given), each line made inert for Plotly."""
    words, lines, line = name.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if most and len(lines) > most:
        lines = [*lines[: most - 1], _short(" ".join(lines[most - 1 :]), width)]
    return "<br>".join(text.plotly(_short(shown, width)) for shown in lines)


def _stage_cells(fig: go.Figure, stage: Any, x: int, rows: dict, by_cell: dict) -> None:
    look = HEALTH.get(stage.health or "")
    for layer, y in rows.items():
        touchpoints = by_cell.get((stage.id, layer), [])
        filled = look if touchpoints else None
        fig.add_shape(
            type="rect",
            x0=x - 0.46,
            x1=x + 0.46,
            y0=y - 0.45,
            y1=y + 0.45,
            fillcolor=filled.tint if filled else "#FAFAFA",
            line={"color": filled.colour if filled else GRID, "width": 1.5 if filled else 1},
            layer="below",
            name=f"cell:{stage.id}:{layer}:{stage.health if filled else 'empty'}",
        )


def _phase_bands(fig: go.Figure, jmap: JourneyMap, top: int) -> None:
    phases: list[tuple[str, int, int]] = []
    for i, stage in enumerate(jmap.stages):
        if phases and phases[-1][0] == stage.phase:
            phases[-1] = (stage.phase, phases[-1][1], i)
        else:
            phases.append((stage.phase, i, i))
    for n, (phase, first, last) in enumerate(phases):
        fig.add_shape(
            type="rect",
            x0=first - 0.48,
            x1=last + 0.48,
            y0=top - 0.45,
            y1=top + 0.15,
            fillcolor=INK if n % 2 == 0 else MUTED,
            line={"width": 0},
            name=f"phase:{text.plotly(phase)}",
        )
        fig.add_annotation(
            x=(first + last) / 2,
            y=top - 0.15,
            text=f"<b>{text.plotly(phase)}</b>",
            showarrow=False,
            font={"color": "white", "size": 12},
            name=f"phase:{text.plotly(phase)}",
        )


def _cell_targets(
    fig: go.Figure, jmap: JourneyMap, column: dict, rows: dict, by_cell: dict, width: int
) -> None:
    """One point per cell carrying the stage id: clicking a cell selects its stage."""
    xs, ys, texts, hovers, ids = [], [], [], [], []
    stages = {s.id: s for s in jmap.stages}
    for (stage_id, layer), touchpoints in sorted(by_cell.items()):
        if stage_id not in column:
            continue
        stage = stages[stage_id]
        xs.append(column[stage_id])
        ys.append(rows[layer])
        texts.append(_cell_text(touchpoints, width))
        look = HEALTH.get(stage.health or "")
        state = look.badge() if look else "no linked goal"
        hovers.append(
            f"<b>{text.plotly(stage.name)}</b> ({text.plotly(stage.phase)}) · {LAYERS[layer]}<br>"
            f"Goals: {stage.goals} · {state}<br>"
            + "<br>".join(f"{text.plotly(tp.name)} — {text.plotly(tp.team)}" for tp in touchpoints)
        )
        ids.append(stage_id)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="text+markers",
            text=texts,
            textfont={"size": 11, "color": INK},
            marker={"size": 40, "color": "rgba(0,0,0,0)", "symbol": "square"},
            customdata=ids,
            hovertext=hovers,
            hoverinfo="text",
            name="Touchpoints",
            showlegend=False,
        )
    )


def _cell_text(touchpoints: list, width: int) -> str:
    """The first touchpoints of a cell, named in full where they fit; the rest counted."""
    shown = [_tp_label(tp, width) for tp in touchpoints[:_CELL_TOUCHPOINTS]]
    hidden = len(touchpoints) - _CELL_TOUCHPOINTS
    if hidden > 0:
        shown.append(f"<i>+{hidden} more</i>")
    return "<br>".join(shown)


def _tp_label(tp: Any, width: int) -> str:
    name = ("⚠ " if tp.orphan else "") + tp.name
    team = _wrap(tp.team, width, most=_TEAM_LINES).replace("<br>", "</i><br><i>")
    return f"{_wrap(name, width, most=_NAME_LINES)}<br><i>{team}</i>"


def _short(value: str | None, width: int) -> str:
    value = value or ""
    return value if len(value) <= width else value[: width - 1] + "…"


def _silo_marks(fig: go.Figure, jmap: JourneyMap, column: dict, rows: dict, by_cell: dict) -> None:
    top = len(LAYERS)
    unbridged = [s for s in jmap.stages if s.unbridged]
    fig.add_trace(
        go.Scatter(
            x=[column[s.id] for s in unbridged],
            y=[top - 0.62] * len(unbridged),
            mode="markers",
            marker={
                "symbol": SIGNAL_MARKERS["unbridged_stage"],
                "size": 12,
                "color": SIGNAL_COLOUR,
            },
            name=SIGNALS["unbridged_stage"],  # the marker is the symbol: not twice in the legend
            hovertext=[text.plotly(jmap.details.get(s.id, s.name)) for s in unbridged],
            hoverinfo="text",
        )
    )
    gaps = [(a, b) for a, b in jmap.handoff_gaps if a in column and b in column]
    for a, b in gaps:
        fig.add_shape(
            type="line",
            x0=(column[a] + column[b]) / 2,
            x1=(column[a] + column[b]) / 2,
            y0=-0.45,
            y1=top - 0.5,
            line={"color": SIGNAL_COLOUR, "width": 3, "dash": "dot"},
            name=f"handoff_gap:{a}>{b}",
        )
    fig.add_trace(
        go.Scatter(
            x=[(column[a] + column[b]) / 2 for a, b in gaps],
            y=[-0.5] * len(gaps),
            mode="markers",
            marker={"symbol": SIGNAL_MARKERS["handoff_gap"], "size": 14, "color": SIGNAL_COLOUR},
            name=SIGNALS["handoff_gap"],
            hovertext=[text.plotly(jmap.details.get(f"{a}>{b}", f"{a} → {b}")) for a, b in gaps],
            hoverinfo="text",
        )
    )
    orphans = [tp for tp in jmap.touchpoints if tp.orphan and tp.stage_id in column]
    fig.add_trace(
        go.Scatter(
            x=[column[tp.stage_id] + 0.38 for tp in orphans],
            y=[rows[tp.layer] + 0.33 for tp in orphans],
            mode="markers",
            marker={
                "symbol": SIGNAL_MARKERS["orphan_touchpoint"],
                "size": 11,
                "color": SIGNAL_COLOUR,
                "line": {"width": 2, "color": SIGNAL_COLOUR},  # an open mark is its line
            },
            name=SIGNALS["orphan_touchpoint"],
            hovertext=[
                text.plotly(f"{tp.name} ({tp.team}): {jmap.details.get(tp.id, '')}")
                for tp in orphans
            ],
            hoverinfo="text",
        )
    )


def _health_legend(fig: go.Figure) -> None:
    """Legend entries for the cell colours (the cells are shapes, which have none)."""
    for look in HEALTH.values():
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={
                    "symbol": "square",
                    "size": 12,
                    "color": look.tint,
                    "line": {"color": look.colour, "width": 2},
                },
                name=f"{look.symbol} {look.label}",
                legendgroup="health",
            )
        )


# -- metric against baseline, target and expected pace ---------------------------------


def metric_chart(
    metric: dict[str, Any],
    readings: Sequence[tuple[dt.date, float]],
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
) -> go.Figure:
    """Readings over the goal's period with baseline, target and the expected-pace line."""
    fig = go.Figure()
    baseline, target = metric.get("baseline"), metric.get("target")
    if baseline is not None and target is not None:
        fig.add_trace(
            go.Scatter(
                x=[start, end],
                y=[baseline, target],
                mode="lines",
                name="Expected pace",
                line={"color": MUTED, "dash": "dash", "width": 1.5},
            )
        )
    for label, value, colour in (
        ("Baseline", baseline, MUTED),
        ("Target", target, HEALTH["on_track"].colour),
    ):
        if value is None:
            continue
        fig.add_hline(
            y=value,
            line={"color": colour, "width": 1, "dash": "dot"},
            annotation_text=f"{label} {value:g}",
            annotation_position="top left",
            name=label.lower(),
        )
    fig.add_trace(
        go.Scatter(
            x=[d for d, _ in readings],
            y=[v for _, v in readings],
            mode="lines+markers",
            name="Readings",
            line={"color": category_colour(0), "width": 2.5},
            marker={"size": 6},
        )
    )
    fig.add_vline(x=as_of, line={"color": GRID, "width": 1}, name="as_of")
    name = text.plotly(metric["name"])
    unit = f" ({text.plotly(metric['unit'])})" if metric.get("unit") else ""
    direction = "higher is better" if metric.get("direction") == "higher" else "lower is better"
    fig.update_yaxes(title=f"{name}{unit}", gridcolor=GRID)
    fig.update_xaxes(gridcolor=GRID)
    return _layout(fig, f"{name} — {direction}", height=320)


# -- score trend -----------------------------------------------------------------------


def trend_chart(
    points: Sequence[tuple[dt.date, float, float]],
    config: ScoringConfig,
    title: str = "Alignment and accountability over time",
) -> go.Figure:
    """Both scores over time, with the two threshold lines."""
    fig = go.Figure()
    series = (
        ("Alignment", 1, QUADRANTS["aspirational"].colour),
        ("Accountability", 2, QUADRANTS["compliant"].colour),
    )
    for name, index, colour in series:
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[p[index] for p in points],
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 2.5},
                marker={"symbol": "diamond" if index == 1 else "square", "size": 7},
            )
        )
    for label, value in (
        ("aligned", config.aligned_threshold),
        ("accountable", config.accountable_threshold),
    ):
        fig.add_hline(
            y=value,
            line={"color": MUTED, "dash": THRESHOLD_DASH, "width": 1},
            annotation_text=f"{label} ≥ {value:g}",
            annotation_position="bottom right",
            name=f"threshold:{label}",
        )
    fig.update_yaxes(range=[0, 100], title="Score", gridcolor=GRID)
    fig.update_xaxes(gridcolor=GRID)
    return _layout(fig, title, height=340)


def unit_trend_chart(
    trends: Sequence[UnitTrend],
    config: ScoringConfig,
    title: str = "Company and units over the last quarters",
) -> go.Figure:
    """Mean alignment (top) and accountability (bottom) over time: a line per unit, the
    company in bold ink; each panel with its quadrant threshold."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
        subplot_titles=("Mean alignment", "Mean accountability"),
    )  # fmt: skip
    units = [t for t in trends if t.kind != "company"]
    looks = {t.id: (category_colour(i), 2, "circle") for i, t in enumerate(units)}
    for trend in trends:
        colour, width, marker = looks.get(trend.id, (INK, 4, "square"))
        for row, index in ((1, 1), (2, 2)):
            fig.add_trace(
                go.Scatter(
                    x=[p[0] for p in trend.points],
                    y=[p[index] for p in trend.points],
                    mode="lines+markers",
                    name=text.plotly(trend.name),
                    legendgroup=trend.id,
                    showlegend=row == 1,
                    line={"color": colour, "width": width},
                    marker={"symbol": marker, "size": 7},
                    hovertemplate="%{x|%d %b %Y}: %{y:.1f}<extra>%{fullData.name}</extra>",
                ),
                row=row,
                col=1,
            )
    for row, value in ((1, config.aligned_threshold), (2, config.accountable_threshold)):
        fig.add_hline(
            y=value, row=row, col=1,
            line={"color": MUTED, "dash": THRESHOLD_DASH, "width": 1},
            name=f"threshold:{'alignment' if row == 1 else 'accountability'}",
        )  # fmt: skip
    fig.update_yaxes(range=[0, 100], gridcolor=GRID)
    fig.update_xaxes(gridcolor=GRID)
    return _layout(fig, title, height=560)


def units_chart(units: Sequence[Any], title: str = "Company and business units") -> go.Figure:
    """Alignment and accountability of the company and each unit, side by side."""
    names = [text.plotly(u.name) for u in units]
    fig = go.Figure()
    for label, attr, colour in (
        ("Alignment", "alignment", QUADRANTS["aspirational"].colour),
        ("Accountability", "accountability", QUADRANTS["compliant"].colour),
    ):
        values = [getattr(u, attr) for u in units]
        fig.add_trace(
            go.Bar(
                x=names,
                y=values,
                name=label,
                marker_color=colour,
                text=[f"{v:.0f}" for v in values],
                textposition="outside",
            )
        )
    fig.update_yaxes(range=[0, 110], gridcolor=GRID, title="Score")
    fig.update_layout(barmode="group")
    return _layout(fig, title, height=340)
