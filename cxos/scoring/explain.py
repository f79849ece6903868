"""Why a team scores as it does, and what each fix would add — computed, not estimated.

The explanation reads the team's items from the very SQL that scores everyone, then
scores what-if scenarios with the same aggregation: scenario 0 is the items as they are,
each further scenario replaces one item by its fixed value (or, for a component that is 0
because it has no items at all, adds the item that would be there). The points a fix adds
are the difference between its scenario's score and scenario 0. A fix is scored within the
component its item belongs to; see docs/scoring.md for what that leaves out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cxos.model.errors import NotFound
from cxos.model.vocabulary import PULSE_QUESTIONS
from cxos.scoring import sql
from cxos.scoring.config import COMPONENTS, ScoringConfig
from cxos.scoring.query import run
from cxos.scoring.results import ComponentExplanation, Fix, Item, TeamExplanation
from cxos.scoring.scores import team_score_from
from cxos.storage import Connection, Database

BASE = "0"
_EPSILON = 1e-9

# What a team without items in a zero-when-empty component would need, as extra items.
_MISSING = {
    "a1_ownership": (
        "own an in-scope goal with an owner, a metric with baseline and target, "
        "an objective and a stage",
        {"a1_ownership": 1.0, "l2_line_of_sight": 1.0},
    ),
    "l1_understanding": (
        "run a pulse survey (the points shown if every answer were 5)",
        {"l1_understanding": 1.0},
    ),
}

_TEAM = """
SELECT t.name AS team, t.business_unit_id, coalesce(b.name, '') AS business_unit
FROM teams t LEFT JOIN business_units b ON b.id = t.business_unit_id
WHERE t.id = $team"""


@dataclass
class _Scenario:
    """One what-if: items replaced (by position) and items added."""

    name: str
    component: str
    text: str
    replaced: dict[int, float] = field(default_factory=dict)
    added: dict[str, float] = field(default_factory=dict)


def explain_team(
    db: Database, team_id: str, as_of: dt.date, config: ScoringConfig | None = None
) -> TeamExplanation:
    """Each component's value, numerator, denominator and items, and the fixes' worth."""
    config = config or ScoringConfig.load()
    return db.read(lambda con: explain_on(con, team_id, as_of, config), reuse=True)


def top_fixes(explanation: TeamExplanation, n: int = 3) -> list[Fix]:
    """The `n` fixes that would add the most points (alignment plus accountability)."""
    return list(explanation.fixes[:n])


def explain_on(
    con: Connection, team_id: str, as_of: dt.date, config: ScoringConfig
) -> TeamExplanation:
    """`explain_team` on an open connection."""
    params = {**sql.parameters(as_of, config), "team": team_id}
    team = run(con, _TEAM, params)
    if not team:
        raise NotFound(f"there is no team with id {team_id!r}")
    items = run(con, sql.team_items_sql(), params)
    scenarios = _scenarios(items)
    results = _score_scenarios(con, items, scenarios, params)
    base = results[BASE]
    fixes = _fixes(scenarios, results)
    return TeamExplanation(
        as_of=as_of,
        score=team_score_from({**base, **team[0], "subject": team_id}, config),
        components=_components(items, base, fixes, config),
        fixes=tuple(sorted(fixes.values(), key=lambda f: (-f.total, f.text))),
    )


def _scenarios(items: list[dict[str, Any]]) -> list[_Scenario]:
    scenarios = [_Scenario(BASE, "", "as is")]
    for index, item in enumerate(items):
        if item["fix"] and item["fixed_value"] is not None and item["fixed_value"] > item["value"]:
            scenarios.append(
                _Scenario(
                    str(index + 1), item["component"], item["fix"], {index: item["fixed_value"]}
                )
            )
    present = {item["component"] for item in items}
    for component, (text, added) in _MISSING.items():
        if component not in present:
            scenarios.append(_Scenario(f"missing:{component}", component, text, added=added))
    return scenarios


def _score_scenarios(
    con: Connection,
    items: list[dict[str, Any]],
    scenarios: list[_Scenario],
    params: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    subjects: list[str] = []
    components: list[str] = []
    values: list[float] = []
    for scenario in scenarios:
        for index, item in enumerate(items):
            subjects.append(scenario.name)
            components.append(item["component"])
            values.append(scenario.replaced.get(index, item["value"]))
        for component, value in scenario.added.items():
            subjects.append(scenario.name)
            components.append(component)
            values.append(value)
    rows = run(
        con,
        sql.scenarios_sql(),
        {
            **params,
            "subjects": subjects,
            "components": components,
            "values": values,
            "all_subjects": [s.name for s in scenarios],
        },
    )
    return {row["subject"]: row for row in rows}


def _fixes(scenarios: list[_Scenario], results: dict[str, dict[str, Any]]) -> dict[str, Fix]:
    base = results[BASE]
    fixes = {}
    for scenario in scenarios[1:]:
        outcome = results[scenario.name]
        fix = Fix(
            component=scenario.component,
            text=scenario.text,
            adds_alignment=outcome["alignment"] - base["alignment"],
            adds_accountability=outcome["accountability"] - base["accountability"],
        )
        if fix.total > _EPSILON:
            fixes[scenario.name] = fix
    return fixes


def _components(
    items: list[dict[str, Any]],
    base: dict[str, Any],
    fixes: dict[str, Fix],
    config: ScoringConfig,
) -> dict[str, ComponentExplanation]:
    explained = {}
    for name in COMPONENTS:
        row = {
            "value": base[name],
            "numerator": base[f"{name}_numerator"],
            "denominator": base[f"{name}_denominator"],
        }
        mine = [
            _item(item, fixes.get(str(index + 1)))
            for index, item in enumerate(items)
            if item["component"] == name
        ]
        missing = fixes.get(f"missing:{name}")
        explained[name] = ComponentExplanation(
            component=name,
            value=row["value"],
            numerator=float(row["numerator"]),
            denominator=int(row["denominator"]),
            defined=row["value"] is not None,
            weight=float(getattr(config.weights, name)),
            items=tuple(mine),
            note=_note(name, row, missing),
        )
    return explained


def _note(name: str, row: dict[str, Any], missing: Fix | None) -> str:
    if row["denominator"]:
        return ""
    if row["value"] is None:
        return "undefined: nothing to count, so it is left out of the score"
    reason = "no in-scope goals" if name != "l1_understanding" else "no recent pulse survey"
    return f"0 by rule ({reason})" + (f"; {missing}" if missing else "")


def _item(row: dict[str, Any], fix: Fix | None) -> Item:
    label = row["label"]
    if row["kind"] == "pulse":
        label = PULSE_QUESTIONS.get(label, label)
    return Item(
        kind=row["kind"],
        item_id=row["item_id"],
        label=label,
        value=float(row["value"]),
        ok=row["value"] >= 1.0,
        detail=row["detail"] or "",
        fix=str(fix) if fix else None,
        adds_alignment=fix.adds_alignment if fix else 0.0,
        adds_accountability=fix.adds_accountability if fix else 0.0,
    )
