"""Charts of the champions' comparison, as pure functions returning Plotly figures.

Each function takes values computed by `cxos.champions.compare` and returns a `go.Figure`, so the
charts are unit-tested without a browser and the page only places them. The visual
language is `cxos.palette`: a business unit keeps one category colour on every chart, goal
health always has its palette colour, and every coloured mark also carries a word or a
number (bar labels, heat-map cell text), so colour is never the only carrier of meaning.

Names of units, stages and metrics come from people: each goes through `cxos.text.plotly`,
and a hover names its unit through `customdata`, never by putting the name into the
`hovertemplate` (where `%{…}` would be interpolated).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from cxos import palette, text
from cxos.champions.compare import COMPONENT_LABELS, Comparison, StageCell, UnitComparison
from cxos.scoring.config import COMPONENTS

# Heat-map categories, in the order of their z value.
HEALTH_KEYS: tuple[str, ...] = tuple(palette.HEALTH)
EMPTY_TEXT = "—"


def _layout(figure: go.Figure, title: str, height: int, top: int = 90) -> go.Figure:
    figure.update_layout(
        title={
            "text": title,
            "x": 0,
            "y": 0.98,
            "yanchor": "top",
            "font": {"size": 16, "color": palette.INK},
        },
        font={"family": palette.FONT, "color": palette.INK},
        height=height,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    figure.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0}
        | figure.layout.legend.to_plotly_json()
    )
    return figure


def unit_colours(units: Sequence[UnitComparison]) -> dict[str, str]:
    """A stable category colour per unit, by its position in the list."""
    return {unit.id: palette.category_colour(i) for i, unit in enumerate(units)}


def _label(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def scores_figure(
    units: Sequence[UnitComparison], aligned: float = 60.0, accountable: float = 60.0
) -> go.Figure:
    """Alignment and accountability per unit (grouped bars), with the quadrant thresholds."""
    figure = go.Figure()
    colours = unit_colours(units)
    for unit in units:
        # A unit's headline is its teams' mix of quadrants, never a quadrant of the means.
        mix = palette.mix_text(unit.mix, words=False)
        values = [unit.alignment, unit.accountability]
        figure.add_bar(
            name=f"{text.plotly(unit.name)} · {mix}",
            x=["Alignment", "Accountability"],
            y=values,
            marker_color=colours[unit.id],
            text=[_label(v, 1) for v in values],
            textposition="outside",
            cliponaxis=False,
            customdata=[text.plotly(unit.name)] * len(values),
            hovertemplate=(
                f"%{{customdata}}<br>%{{x}}: %{{y:.1f}}<extra>{palette.mix_text(unit.mix)}</extra>"
            ),
        )
    for x, threshold in ((0, aligned), (1, accountable)):
        figure.add_shape(
            type="line",
            x0=x - 0.45,
            x1=x + 0.45,
            y0=threshold,
            y1=threshold,
            line={"color": palette.MUTED, "dash": "dash", "width": 1},
        )
    figure.update_yaxes(range=[0, 105], title="score (0–100)", gridcolor=palette.GRID)
    figure.update_layout(barmode="group", legend={"orientation": "v", "y": 1.02})
    return _layout(figure, "Mean scores (dashed: a team's quadrant threshold)", 460, top=140)


def components_figure(units: Sequence[UnitComparison]) -> go.Figure:
    """The eight components per unit as grouped bars (0–100 %); undefined shows as n/a."""
    figure = go.Figure()
    colours = unit_colours(units)
    labels = [COMPONENT_LABELS[name] for name in COMPONENTS]
    for unit in units:
        values = [unit.components[name] for name in COMPONENTS]
        percents = [None if v is None else 100 * v for v in values]
        figure.add_bar(
            name=text.plotly(unit.name),
            x=labels,
            y=[0 if p is None else p for p in percents],
            marker_color=colours[unit.id],
            text=[_label(p) for p in percents],
            textposition="outside",
            cliponaxis=False,
            customdata=[text.plotly(unit.name)] * len(labels),
            hovertemplate="%{customdata}<br>%{x}: %{text} %<extra></extra>",
        )
    figure.update_yaxes(range=[0, 110], title="component (%)", gridcolor=palette.GRID)
    figure.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    return _layout(figure, "The eight components by business unit", 420)


def cell_text(cell: StageCell | None, best: bool = False) -> str:
    """What a heat-map cell says: symbol, health, goal count, and whether it is the best."""
    if cell is None:
        return EMPTY_TEXT
    look = palette.health_look(cell.health)
    goals = "1 goal" if cell.goals == 1 else f"{cell.goals} goals"
    return f"{look.badge()} · {goals}" + (" · best" if best else "")


def _discrete_scale() -> list[list[object]]:
    n = len(HEALTH_KEYS)
    scale: list[list[object]] = []
    for i, key in enumerate(HEALTH_KEYS):
        colour = palette.health_look(key).colour
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    return scale


def stage_label(comparison: Comparison, index: int) -> str:
    """A stage's row label; the journey is named only when several journeys are shown."""
    stage = comparison.stages[index]
    journeys = {s.journey_id for s in comparison.stages}
    name = f"{stage.position}. {stage.name}"
    return text.plotly(f"{stage.journey} · {name}" if len(journeys) > 1 else name)


def text_colour(health: str) -> str:
    """Ink or white, whichever reads better on the health colour."""
    return "white" if health == "achieved" else palette.INK


# Beyond this many cells the words would not be legible anyway: colour and hover tell.
_ANNOTATED_CELLS = 2_000


def health_heatmap(comparison: Comparison) -> go.Figure:
    """Stage × business unit: the worst goal health of the unit's goals on each stage.

    Cell words are annotations rather than heat-map text so each can take the ink that
    reads best on its colour; past `_ANNOTATED_CELLS` only hover carries them.
    """
    units = comparison.units
    stages = comparison.stages
    rows = [stage_label(comparison, i) for i in range(len(stages))]
    columns = [text.plotly(unit.name) for unit in units]
    cells = [[comparison.cell(s.id, u.id) for u in units] for s in stages]
    figure = go.Figure()
    if len(rows) * len(columns) <= _ANNOTATED_CELLS:
        # One layout update: `add_annotation` one at a time re-validates every annotation
        # already there, quadratic in the cells.
        figure.update_layout(annotations=_cell_annotations(comparison, rows, columns, cells))
    # Arrays, not nested lists: Plotly validates a list element by element, which took
    # seconds for a thousand stages × hundreds of units.
    figure.add_heatmap(
        z=np.array(
            [[np.nan if c is None else HEALTH_KEYS.index(c.health) for c in row] for row in cells],
            dtype=float,
        ),
        x=columns,
        y=rows,
        text=np.array([[cell_text(c) for c in row] for row in cells], dtype=object),
        colorscale=_discrete_scale(),
        zmin=-0.5,
        zmax=len(HEALTH_KEYS) - 0.5,
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
    )
    figure.update_yaxes(autorange="reversed", automargin=True, type="category")
    figure.update_xaxes(side="top", automargin=True, type="category")
    height = 120 + 30 * max(1, len(rows))
    return _layout(figure, "Goal health by stage and business unit", height)


def _cell_annotations(
    comparison: Comparison,
    rows: list[str],
    columns: list[str],
    cells: list[list[StageCell | None]],
) -> list[dict]:
    annotations = []
    for row, stage, row_cells in zip(rows, comparison.stages, cells, strict=True):
        best = comparison.best.get(stage.id)
        for column, cell, unit in zip(columns, row_cells, comparison.units, strict=True):
            is_best = best is not None and best.business_unit_id == unit.id
            annotations.append(
                {
                    "x": column,
                    "y": row,
                    "text": cell_text(cell, is_best),
                    "showarrow": False,
                    "font": {
                        "size": 12,
                        "color": text_colour(cell.health) if cell else palette.MUTED,
                    },
                }
            )
    return annotations


def progress_figure(
    progress: dict[str, dict[str, float | None]], units: Sequence[UnitComparison]
) -> go.Figure:
    """Metrics of one stage as progress toward target (0–100 %), one bar per unit."""
    figure = go.Figure()
    colours = unit_colours(units)
    names = sorted(progress)
    labels = [text.plotly(name) for name in names]
    for unit in units:
        values = [progress[name].get(unit.id) for name in names]
        if all(unit.id not in progress[name] for name in names):
            continue
        percents = [None if v is None else 100 * v for v in values]
        figure.add_bar(
            name=text.plotly(unit.name),
            y=labels,
            x=[0 if p is None else p for p in percents],
            orientation="h",
            marker_color=colours[unit.id],
            text=[
                "" if unit.id not in progress[n] else _label(p)
                for n, p in zip(names, percents, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            customdata=[text.plotly(unit.name)] * len(names),
            hovertemplate="%{customdata}<br>%{y}: %{text} %<extra></extra>",
        )
    figure.update_xaxes(range=[0, 110], title="progress toward target (%)", gridcolor=palette.GRID)
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_layout(barmode="group")
    height = 140 + 48 * max(1, len(names))
    return _layout(figure, "Metrics on this stage: progress from baseline to target", height)
