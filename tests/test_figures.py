"""The figure builders: what a user would see — traces, palette colours, labels, thresholds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from cxos.champions import figures as figures_compare
from cxos.champions.compare import UnitComparison
from cxos.palette import HEALTH, INK, QUADRANTS, SIGNALS, category_colour
from cxos.review import figures, journey_map
from cxos.review.journey_map import JourneyMap, MapStage, MapTouchpoint, stage_health
from cxos.scoring import TeamScore, UnitScore
from cxos.scoring.config import COMPONENTS, ScoringConfig

CONFIG = ScoringConfig(aligned_threshold=55, accountable_threshold=65)


def _score(team: str, unit: str, alignment: float, accountability: float, goals: int = 2):
    from cxos.scoring import quadrant

    return TeamScore(
        team_id=f"t-{team}",
        team=team.title(),
        business_unit_id=f"bu-{unit}",
        business_unit=unit.title(),
        alignment=alignment,
        accountability=accountability,
        quadrant=quadrant(alignment, accountability, CONFIG),
        components=dict.fromkeys(COMPONENTS, 0.5) | {"a4_pace": None},
        goals=goals,
    )


SCORES = [
    _score("care", "home", 80, 90, 4),
    _score("sales", "home", 20, 30, 1),
    _score("billing", "mobile", 70, 10, 2),
]


def _shapes(fig, prefix: str) -> list:
    return [s for s in fig.layout.shapes if (s.name or "").startswith(prefix)]


def _annotations(fig, prefix: str) -> list:
    return [a for a in fig.layout.annotations if (a.name or "").startswith(prefix)]


def test_quadrant_chart_has_named_tinted_quadrants_and_threshold_lines() -> None:
    fig = figures.quadrant_chart(SCORES, CONFIG)
    tints = {s.name.split(":")[1]: s.fillcolor for s in _shapes(fig, "quadrant:")}
    assert tints == {name: look.tint for name, look in QUADRANTS.items()}
    names = _annotations(fig, "quadrant:")
    assert {a.text for a in names} == {
        f'<b><span style="color:{look.colour}">{look.symbol}</span> {look.label}</b>'
        for look in QUADRANTS.values()
    }
    assert {a.font.color for a in names} == {INK}  # the words in ink (WCAG AA), not in colour
    (vertical,) = _shapes(fig, "threshold:alignment")
    (horizontal,) = _shapes(fig, "threshold:accountability")
    assert vertical.x0 == vertical.x1 == 55
    assert horizontal.y0 == horizontal.y1 == 65
    assert fig.layout.xaxis.title.text == "Alignment"
    assert fig.layout.yaxis.title.text == "Accountability"


def test_quadrant_chart_has_one_bubble_per_team_coloured_by_unit_sized_by_goals() -> None:
    fig = figures.quadrant_chart(SCORES, CONFIG)
    home, mobile = _bubbles(fig)
    assert [home.name, mobile.name] == ["Home", "Mobile"]
    # Review: the legend showed each unit with its first team's quadrant shape.
    keys = [t for t in fig.data if t.showlegend is not False]
    assert [(k.name, k.marker.symbol, k.marker.color) for k in keys] == [
        ("Home", "circle", home.marker.color),
        ("Mobile", "circle", mobile.marker.color),
    ]
    assert {a.text for a in _annotations(fig, "label:")} == {"Care", "Sales", "Billing"}
    assert home.marker.color == category_colour(0) and mobile.marker.color == category_colour(1)
    assert home.marker.size[0] > home.marker.size[1]  # four goals against one
    assert list(home.marker.symbol) == [QUADRANTS["performing"].marker, QUADRANTS["siloed"].marker]
    assert mobile.marker.symbol[0] == QUADRANTS["aspirational"].marker
    hover = home.hovertext[0]
    assert "Performing" in hover and "A1 ownership: 0.50" in hover and "A4 pace: —" in hover
    assert all(label in hover for label in figures.COMPONENT_LABELS.values())


def _bubbles(fig) -> list:  # noqa: ANN001
    """The quadrant chart's traces of teams (a unit's legend entry is a trace of its own)."""
    return [t for t in fig.data if t.showlegend is False]


def _label_boxes(fig) -> dict[str, tuple[float, float, float, float]]:
    """Each name's box in the pixels the chart places names by (plotly's ay points down)."""
    boxes = {}
    for a in _annotations(fig, "label:"):
        x, y = figures.to_px(a.x, a.y)
        cx, cy = x + a.ax, y - a.ay
        chars = len(re.sub("<[^>]+>", "", a.text))
        half_w, half_h = chars * figures.CHAR_PX / 2, figures.LINE_PX / 2
        boxes[a.name.removeprefix("label:")] = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    return boxes


def _overlapping(boxes: dict) -> list[tuple[str, str]]:
    found = list(boxes.items())
    return [
        (a, b)
        for i, (a, p) in enumerate(found)
        for b, q in found[i + 1 :]
        if p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]
    ]


def test_clustered_teams_are_all_named_and_no_names_overlap() -> None:
    # Issue 20: four teams near one spot printed their names over each other.
    centres = [(8, 85), (20, 22), (92, 88), (93, 22)]
    scores = [
        _score(f"team number {c}{n}", f"unit {n}", x + n * 0.8, y - n * 0.6, goals=1 + n)
        for c, (x, y) in enumerate(centres)
        for n in range(4)
    ]
    fig = figures.quadrant_chart(scores, CONFIG)
    boxes = _label_boxes(fig)
    assert set(boxes) == {s.team_id for s in scores}
    assert _overlapping(boxes) == []
    for box in boxes.values():  # inside the plot area
        assert box[0] >= 0 and box[1] >= 0
        assert box[2] <= figures.PLOT_PX[0] and box[3] <= figures.PLOT_PX[1]


def test_names_keep_clear_of_the_quadrants_own_names() -> None:
    """Review: "IT Platforms" printed over "Compliant", "Digital Sales" over "Performing"."""
    scores = [
        _score("IT Platforms", "unit a", 4, 97),
        _score("Mobile Billing", "unit a", 7, 95),
        _score("Digital Sales", "unit b", 96, 97),
        _score("Mobile Care", "unit b", 93, 96),
        _score("Business Support", "unit c", 3, 2),
        _score("Retail Stores", "unit c", 97, 3),
    ]
    boxes = _label_boxes(figures.quadrant_chart(scores, CONFIG))
    corners = figures.corner_boxes()
    width, height = figures.PLOT_PX
    # One box in each corner of the plot area (y upwards).
    assert sorted((b[0] < width / 2, b[1] > height / 2) for b in corners) == [
        (False, False), (False, True), (True, False), (True, True)
    ]  # fmt: skip
    assert set(boxes) == {s.team_id for s in scores}
    for team, box in boxes.items():
        assert _overlapping({team: box, **dict(enumerate(corners))}) == [], team


def test_a_thousand_teams_get_a_budget_of_names_that_matter_without_overlap() -> None:
    import random

    rng = random.Random(20)
    scores = [
        _score(f"team {i:04d}", f"unit {i % 12}", rng.uniform(0, 100), rng.uniform(0, 100))
        for i in range(1000)
    ]
    moved = scores[500].team_id
    fig = figures.quadrant_chart(scores, CONFIG, highlight=[moved])
    boxes = _label_boxes(fig)
    assert 10 <= len(boxes) <= figures.LABEL_BUDGET
    assert _overlapping(boxes) == []
    assert moved in boxes  # what was highlighted (e.g. moved quadrant) is named first
    bold = [a for a in _annotations(fig, "label:") if a.text.startswith("<b>")]
    assert [a.name for a in bold] == [f"label:{moved}"]
    assert sum(len(t.x) for t in _bubbles(fig)) == 1000  # every team still a bubble, with hover


def test_movement_chart_draws_an_arrow_from_the_frozen_position() -> None:
    previous = [
        {"team_id": "t-care", "alignment": 40.0, "accountability": 50.0, "quadrant": "siloed"},
        {"team_id": "t-sales", "alignment": 20.0, "accountability": 30.0, "quadrant": "siloed"},
    ]
    fig = figures.movement_chart(SCORES, previous, CONFIG)
    (arrow,) = _annotations(fig, "move:t-care")
    assert (arrow.ax, arrow.ay, arrow.x, arrow.y) == (40.0, 50.0, 80, 90)
    assert arrow.arrowcolor == QUADRANTS["performing"].colour
    names = [t.name for t in fig.data]
    assert names[0] == "At the last review"
    assert "Now performing" in names and "Now siloed" in names
    assert "Siloed → Performing" in fig.data[names.index("Now performing")].hovertext[0]
    # Names placed as on the quadrant chart; the team that changed quadrant in bold.
    labels = {a.name: a.text for a in _annotations(fig, "label:")}
    assert labels == {"label:t-care": "<b>Care</b>", "label:t-sales": "Sales"}
    assert _overlapping(_label_boxes(fig)) == []


def test_movement_chart_without_a_previous_review_says_so() -> None:
    fig = figures.movement_chart(SCORES, None, CONFIG)
    assert _annotations(fig, "empty")[0].text == "No closed review before this date"
    assert not fig.data


def _journey() -> JourneyMap:
    stages = [
        MapStage("s1", "Compare offers", "Buy", 1, "off_track", 2, unbridged=True),
        MapStage("s2", "Place the order", "Buy", 2, "on_track", 1),
        MapStage("s3", "Delivery", "Get started", 3, None, 0),
    ]
    touchpoints = [
        MapTouchpoint("tp1", "s1", "Website", "front_stage", "t-web", "Digital", "bu1"),
        MapTouchpoint("tp2", "s1", "Billing run", "back_stage", "t-bill", "Billing", "bu1", True),
        MapTouchpoint("tp3", "s2", "Checkout", "front_stage", "t-web", "Digital", "bu1"),
        MapTouchpoint("tp4", "s3", "Courier", "on_stage", "t-log", "Logistics", "bu2"),
    ]
    return JourneyMap(
        "j1",
        "Consumer",
        dt.date(2026, 6, 1),
        stages,
        touchpoints,
        handoff_gaps=[("s2", "s3")],
        details={"s1": "stage 'Compare offers' is unbridged", "s2>s3": "hand-off gap"},
    )


def test_journey_figure_lays_out_phases_stages_and_layers() -> None:
    fig = figures.journey_figure(_journey())
    assert [s.name for s in _shapes(fig, "phase:")] == ["phase:Buy", "phase:Get started"]
    assert list(fig.layout.xaxis.ticktext) == ["Compare offers", "Place the order", "Delivery"]
    assert list(fig.layout.yaxis.ticktext) == ["Back-stage", "On-stage", "Front-stage"]


def test_journey_cells_are_tinted_by_stage_health_and_empty_cells_are_not() -> None:
    fig = figures.journey_figure(_journey())
    cells = {s.name: s for s in _shapes(fig, "cell:")}
    assert cells["cell:s1:front_stage:off_track"].fillcolor == HEALTH["off_track"].tint
    assert cells["cell:s2:front_stage:on_track"].fillcolor == HEALTH["on_track"].tint
    assert "cell:s1:on_stage:empty" in cells  # no touchpoint there
    assert "cell:s3:on_stage:empty" in cells  # a stage without linked goals is not coloured
    legend = [t.name for t in fig.data if t.legendgroup == "health"]
    assert legend == [look.badge() for look in HEALTH.values()]


def test_journey_figure_draws_silo_signals_and_owners() -> None:
    fig = figures.journey_figure(_journey())
    by_name = {t.name: t for t in fig.data}
    # Review: "✖ ✖ Unbridged stage": the legend's marker is the symbol, the name the words.
    unbridged = by_name[SIGNALS["unbridged_stage"]]
    assert list(unbridged.x) == [0] and "unbridged" in unbridged.hovertext[0]
    assert [s.name for s in _shapes(fig, "handoff_gap:")] == ["handoff_gap:s2>s3"]
    assert _shapes(fig, "handoff_gap:")[0].x0 == 1.5
    orphans = by_name[SIGNALS["orphan_touchpoint"]]
    assert len(orphans.x) == 1 and "Billing run" in orphans.hovertext[0]
    cells = fig.data[0]
    assert list(cells.customdata) == ["s1", "s1", "s2", "s3"]  # clicking a cell picks its stage
    assert any("Digital" in text for text in cells.text)
    assert any("⚠ Billing run" in text for text in cells.text)


def test_no_mark_on_the_journey_map_reads_as_a_goals_health_or_a_quadrant() -> None:
    """Review: ✖ meant siloed, off track and unbridged; an orphan's ▲ looked "at risk"."""
    fig = figures.journey_figure(_journey())
    marks = [t.marker.symbol for t in fig.data if t.name in SIGNALS.values()]
    states = {look.marker for look in (*HEALTH.values(), *QUADRANTS.values())}
    assert len(marks) == len(set(marks)) == 3 and not set(marks) & states
    symbols = [look.symbol for look in (*HEALTH.values(), *QUADRANTS.values())]
    bad = {HEALTH["off_track"].symbol, QUADRANTS["siloed"].symbol}
    assert len(bad) == 2 and all(symbols.count(s) == 1 for s in bad)


def _long_journey(stages: int, phase_size: int, per_cell: int = 1) -> JourneyMap:
    """A journey of `stages` stages in phases of `phase_size`, touchpoints with long names."""
    map_stages = [
        MapStage(f"s{i}", f"Stage number {i}", f"Phase {i // phase_size}", i, "on_track", 1)
        for i in range(stages)
    ]
    touchpoints = [
        MapTouchpoint(
            f"tp{i}-{n}",
            f"s{i}",
            f"Business invoicing {n}",
            "front_stage",
            "t1",
            "IT Platforms",
            None,
        )
        for i in range(stages)
        for n in range(per_cell)
    ]
    gaps = [(f"s{i}", f"s{i + 1}") for i in range(stages - 1)]
    return JourneyMap("j", "Long", dt.date(2026, 6, 1), map_stages, touchpoints, gaps)


def _shown_words(cell_text: str) -> str:
    return cell_text.replace("<br>", " ").replace("<i>", "").replace("</i>", "")


def test_touchpoint_names_are_whole_at_the_demos_size() -> None:
    """Issue 20: names were cut to a few characters in a tiny font at 14 stages."""
    fig = figures.journey_figure(_long_journey(14, 3))
    cells = fig.data[0]
    assert cells.textfont.size >= 11
    for n, cell in enumerate(cells.text):
        assert "Business invoicing 0" in _shown_words(cell), (n, cell)
        assert "IT Platforms" in _shown_words(cell)


def test_a_crowded_cell_names_two_touchpoints_and_counts_the_rest() -> None:
    fig = figures.journey_figure(_long_journey(5, 5, per_cell=5))
    cell = _shown_words(fig.data[0].text[0])
    assert "Business invoicing 0" in cell and "Business invoicing 1" in cell
    assert "Business invoicing 2" not in cell and "+3 more" in cell
    assert "Business invoicing 4" in fig.data[0].hovertext[0]  # every name in the hover
    assert fig.layout.height >= 600  # tall enough for two touchpoints and the count


def test_forty_stages_are_shown_a_few_whole_phases_at_a_time() -> None:
    jmap = _long_journey(40, 4)
    windows = journey_map.stage_windows(jmap)
    assert [(w.first, w.last) for w in windows] == [(0, 11), (12, 23), (24, 35), (36, 39)]
    for window in windows:
        assert window.last - window.first + 1 <= journey_map.MOST_STAGES_SHOWN
        part = journey_map.window_of(jmap, window)
        phases = {s.phase for s in part.stages}
        assert all(sum(s.phase == p for s in jmap.stages) == 4 for p in phases)  # whole
        assert {tp.stage_id for tp in part.touchpoints} == {s.id for s in part.stages}
        assert all(a in {s.id for s in part.stages} for a, _ in part.handoff_gaps)
        fig = figures.journey_figure(part)
        assert all("Business invoicing 0" in _shown_words(c) for c in fig.data[0].text)
    assert windows[0].label == "Phase 0 – Phase 2 (stages 1–12)"


def test_a_map_that_fits_is_one_window_and_a_long_phase_is_cut() -> None:
    assert len(journey_map.stage_windows(_long_journey(14, 3))) == 1
    long_phase = journey_map.stage_windows(_long_journey(30, 30))
    assert [(w.first, w.last) for w in long_phase] == [(0, 13), (14, 27), (28, 29)]


def test_stage_health_is_the_worst_of_its_goals() -> None:
    assert stage_health(["on_track", "at_risk", "achieved"]) == "at_risk"
    # Review: "Identify a need — No data" above one of its goals "On track". As on the
    # compare page, a goal without data does not hide what the others show.
    assert stage_health(["on_track", "no_data"]) == "on_track"
    assert stage_health(["no_data"]) == "no_data"
    assert stage_health([]) is None


def test_metric_chart_shows_readings_baseline_target_and_expected_pace() -> None:
    metric = {"name": "NPS", "unit": "pts", "direction": "higher", "baseline": 10, "target": 30}
    readings = [(dt.date(2026, 2, 1), 12.0), (dt.date(2026, 4, 1), 18.0)]
    fig = figures.metric_chart(
        metric, readings, dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 5, 1)
    )
    pace, line = fig.data
    assert pace.name == "Expected pace" and list(pace.y) == [10, 30] and pace.line.dash == "dash"
    assert line.name == "Readings" and list(line.y) == [12.0, 18.0]
    texts = [a.text for a in fig.layout.annotations]
    assert "Baseline 10" in texts and "Target 30" in texts
    assert "higher is better" in fig.layout.title.text


def test_metric_chart_without_target_has_no_pace_line() -> None:
    metric = {"name": "Calls", "unit": None, "direction": "lower", "baseline": 5, "target": None}
    fig = figures.metric_chart(
        metric, [], dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 1, 5)
    )
    assert [t.name for t in fig.data] == ["Readings"]


def test_trend_chart_has_both_scores_and_the_thresholds() -> None:
    points = [(dt.date(2026, 1, 1), 40.0, 70.0), (dt.date(2026, 2, 1), 60.0, 72.0)]
    fig = figures.trend_chart(points, CONFIG)
    assert [t.name for t in fig.data] == ["Alignment", "Accountability"]
    assert fig.data[0].line.color == QUADRANTS["aspirational"].colour
    texts = [a.text for a in fig.layout.annotations]
    assert "aligned ≥ 55" in texts and "accountable ≥ 65" in texts
    assert list(fig.layout.yaxis.range) == [0, 100]


def test_units_chart_groups_both_scores_per_unit() -> None:
    units = [UnitScore("*", "Company", "company", 50.0, 60.0, 3)]
    fig = figures.units_chart(units)
    assert [t.name for t in fig.data] == ["Alignment", "Accountability"]
    assert list(fig.data[1].text) == ["60"]


# -- names from people stay text --------------------------------------------------------

DAY = dt.date(2026, 6, 1)
HOSTILE = '<a href="http://127.0.0.1:9/">Verify</a> <b>pwn</b> <img src=x> %{x} \u202e'
# The tags CXOS itself writes into figures; anything else came from a name.
# The tags CXOS's own labels use (a quadrant's symbol is coloured by a span of its own).
_OWN_TAG = re.compile(r'<(?:b|/b|i|/i|br|extra|/extra|/span|span style="color:#[0-9A-F]{6}")>')


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif hasattr(value, "tolist"):
        yield from _strings(value.tolist())


def _assert_inert(fig) -> None:  # noqa: ANN001
    layout = fig.to_plotly_json()["layout"]
    for kind in ("shapes", "annotations"):  # their `name` is an id, never shown
        layout[kind] = [{k: v for k, v in x.items() if k != "name"} for x in layout.get(kind, [])]
    shown = [*_strings(fig.to_plotly_json()["data"]), *_strings(layout)]
    assert any("&lt;a href" in s for s in shown), "the hostile name is not shown at all"
    for value in shown:
        assert "<" not in _OWN_TAG.sub("", value), value  # no tag a name brought in
        if value.count("\u2068"):  # bidi isolated: every FSI closed again
            assert value.count("\u2068") <= value.count("\u2069"), value
    for trace in fig.data:
        assert "pwn" not in str(getattr(trace, "hovertemplate", "") or "")


def test_names_with_plotly_tags_stay_text_in_every_figure() -> None:
    bad = HOSTILE
    scores = [_score("care", "home", 80, 90)._replace(team=bad, business_unit=bad)]
    _assert_inert(figures.quadrant_chart(scores, CONFIG))
    previous = [{"team_id": "t-care", "alignment": 10, "accountability": 10, "quadrant": "siloed"}]
    _assert_inert(figures.movement_chart(scores, previous, CONFIG))
    _assert_inert(figures.units_chart([UnitScore("u", bad, "business_unit", 50, 50, 1)]))
    metric = {"name": bad, "unit": bad, "direction": "higher", "baseline": 1, "target": 2}
    _assert_inert(figures.metric_chart(metric, [], dt.date(2026, 1, 1), dt.date(2026, 12, 31), DAY))
    stage = MapStage("s1", bad, bad, 1, "off_track", 1, unbridged=True)
    touchpoint = MapTouchpoint("tp1", "s1", bad, "front_stage", "t1", bad, "bu1", True)
    jmap = JourneyMap("j1", bad, DAY, [stage], [touchpoint], details={"s1": bad, "tp1": bad})
    _assert_inert(figures.journey_figure(jmap))
    unit = UnitComparison("u", bad, "business_unit", 50, 50, 1, dict.fromkeys(COMPONENTS))
    _assert_inert(figures_compare.scores_figure([unit]))
    _assert_inert(figures_compare.components_figure([unit]))
    _assert_inert(figures_compare.progress_figure({bad: {"u": 0.5}}, [unit]))
