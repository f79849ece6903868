"""The scoring SQL: every formula of SPEC.md's Scores and Silo signals, written once.

Each component is the mean of the values of its *items* (a goal, an action, a metric, a
pulse question, a touchpoint or a shared stage). Items of one kind are listed once, in a
*facts* CTE with a row per item and a column per component it counts in (NULL where it is
not an item of that component): `goal_facts` holds A1 and L2, `action_facts` A2 and A3,
`metric_facts` A3 and A4, `pulse_facts` L1, `touchpoint_facts` L3 and `owner_facts` L4.
Those value columns are the formulas; everything else reads them:

- scores sum and count each column per team (`team_totals`), one aggregation per kind;
- explanations list the rows of one team as items, with their words (label, detail, the
  fix and the value once fixed; `ItemWords`), and score what-ifs with the same aggregation;
- the silo signals and the work lists read the same facts.

Everything is set-based over the whole organisation, and shaped for a thousand teams (see
docs/performance.md): the organisation's shape and the latest reading and check-in of every
metric and action are kept derived (cxos/storage/structure.py) and only filtered by D here,
each kind of item is one pass, and the words, which only explanations need, are never
planned by the queries that aggregate.

The SQL is assembled from constant fragments only; every value arrives as a `$name`
parameter (see `parameters`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from cxos.scoring.config import (
    ACCOUNTABILITY_COMPONENTS,
    ALIGNMENT_COMPONENTS,
    COMPONENTS,
    ScoringConfig,
)
from cxos.text import BIDI_CONTROLS

# Components that are 0, not undefined, when they have no items (SPEC: "A1 = 0", "L1 = 0",
# "L2 = 0").
ZERO_WHEN_EMPTY = ("a1_ownership", "l1_understanding", "l2_line_of_sight")


def parameters(as_of: dt.date, config: ScoringConfig) -> dict[str, Any]:
    """The `$name` parameters every scoring query takes."""
    params: dict[str, Any] = {
        "d": as_of,
        "fresh_days": config.check_in_fresh_days,
        "pulse_days": config.pulse_window_days,
        "stale_days": config.stale_goal_days,
        "feedback_days": config.unanswered_feedback_days,
    }
    for name in COMPONENTS:
        params[f"w_{name}"] = float(getattr(config.weights, name))
    return params


# -- the organisation as of D ------------------------------------------------------------

# A row derived from the organisation holds as of D within its span (cxos/storage/
# structure.py: the organisation between two retirements or reassignments).
HOLDS = "coalesce(valid_from <= $d, TRUE) AND coalesce($d < valid_until, TRUE)"

# A goal counts as of D from its start to its end date (the derived tables hold only goals
# that are not dropped); so do the rows derived from it, which carry its dates.
IN_SCOPE = f"start_date <= $d AND $d <= end_date AND {HOLDS}"


# A team, stage, touchpoint, goal or metric row (as `alias`) not retired as of D.
def not_retired(alias: str) -> str:
    return f"({alias}.retired_on IS NULL OR $d < {alias}.retired_on)"


# The organisation's shape comes from the derived `score_*` tables (cxos/storage/
# structure.py), which are kept up to date by every write and hold each goal's dates.
BASE = f"""
scope AS MATERIALIZED (
    SELECT * FROM score_goals WHERE {IN_SCOPE}
),
linked AS (
    SELECT gs.goal_id, gs.stage_id FROM goal_stages gs SEMI JOIN scope s ON s.id = gs.goal_id
    JOIN stages st ON st.id = gs.stage_id
    WHERE {not_retired("gs")} AND {not_retired("st")} AND coalesce(gs.valid_from <= $d, TRUE)
),
owners AS (
    SELECT stage_id, team_id, shared FROM score_stage_owners WHERE {HOLDS}
),
stage_names AS (
    SELECT stage_id, team_ids, names FROM score_stage_names WHERE {HOLDS}
),
owner_links AS MATERIALIZED (
    SELECT stage_id, team_id, bool_or(bridged) AS bridged
    FROM score_owner_goals WHERE {IN_SCOPE}
    GROUP BY stage_id, team_id
)"""
# owner_links: the (stage, owner) pairs that meet in an in-scope goal linked to the stage
# are *covered* (L3); *bridged* (L4) when in one of those goals another owner of the stage
# takes part too.


def metric_paces(metrics: str) -> str:
    """A row per metric of `metrics` (as `m`: id, goal_id, team_id, cadence_days, baseline,
    target and its goal's start_date and end_date), with its latest reading, its freshness
    (A3) and its pace (A4 and goal health).

    A pace needs baseline and target, target <> baseline (so both non-null) and a reading
    on or before D: progress = clamp((latest - baseline) / (target - baseline), 0, 1),
    expected = clamp((D - start) / (end - start), 0, 1) (1 when end = start), pace = 1 when
    expected = 0, else min(1, progress / expected).
    """
    progress = (
        "CASE WHEN m.target <> m.baseline AND r.read_on IS NOT NULL THEN greatest(0.0, "
        "least(1.0, (r.value - m.baseline) / (m.target - m.baseline))) END"
    )
    expected = (
        "CASE WHEN m.end_date = m.start_date THEN 1.0 ELSE greatest(0.0, least(1.0, "
        "date_diff('day', m.start_date, $d)::DOUBLE "
        "/ date_diff('day', m.start_date, m.end_date))) END"
    )
    return f"""SELECT m.id AS item_id, m.goal_id, m.cadence_days, m.team_id,
        r.value AS latest, r.read_on, {progress} AS progress, {expected} AS expected,
        CASE WHEN progress IS NULL THEN NULL WHEN expected = 0 THEN 1.0
             ELSE least(1.0, progress / expected) END AS pace,
        CASE WHEN date_diff('day', r.read_on, $d) <= m.cadence_days THEN 1.0 ELSE 0.0 END
            AS a3_cadence,
        pace AS a4_pace
    FROM {metrics} m
    LEFT JOIN latest_reading r ON r.metric_id = m.id"""


# The latest reading of each metric and check-in of each action as of D: the latest of all
# (kept in score_latest_readings and score_actions, cxos/storage/structure.py) when it is
# on or before D; else the latest on or before D of the few later ones (none as of today).
LATEST_READING = """
later_read_metrics AS (SELECT metric_id FROM score_latest_readings WHERE read_on > $d),
latest_reading AS MATERIALIZED (
    SELECT metric_id, read_on, value FROM score_latest_readings WHERE read_on <= $d
    UNION ALL
    SELECT metric_id, max(as_of), arg_max(value, as_of) FROM metric_readings
    SEMI JOIN later_read_metrics USING (metric_id)
    WHERE as_of <= $d GROUP BY metric_id
)"""

LATEST = f"""{LATEST_READING},
earlier_check_in AS (
    SELECT c.action_id, max(c.checked_on) AS checked_on FROM check_ins c
    SEMI JOIN (SELECT id FROM score_actions WHERE last_checked_on > $d) later
        ON later.id = c.action_id
    WHERE c.checked_on <= $d GROUP BY c.action_id
),
actions_at_d AS (SELECT * FROM score_actions WHERE {HOLDS}),
action_checks AS (
    SELECT *, last_checked_on AS checked_on FROM actions_at_d
    WHERE last_checked_on <= $d OR last_checked_on IS NULL
    UNION ALL
    SELECT a.*, e.checked_on FROM actions_at_d a
    LEFT JOIN earlier_check_in e ON e.action_id = a.id
    WHERE a.last_checked_on > $d
),
latest_check_in AS (
    SELECT id AS action_id, checked_on FROM action_checks WHERE checked_on IS NOT NULL
),
metric_facts AS MATERIALIZED (
    {metric_paces(f"(SELECT * FROM score_metrics WHERE {IN_SCOPE})")}
),
paces AS (
    SELECT item_id AS metric_id, * FROM metric_facts WHERE pace IS NOT NULL
)"""


# -- the items of each kind, with a column per component they count in -------------------

_OPEN_AT_D = (
    "a.created_on <= $d AND a.status <> 'cancelled' "
    "AND (a.completed_on IS NULL OR a.completed_on > $d)"
)

FACTS = f"""
goal_facts AS (
    SELECT id AS item_id, team_id, owner_id, objective_id, measured, staged,
        CASE WHEN owner_id IS NOT NULL AND measured THEN 1.0 ELSE 0.0 END AS a1_ownership,
        CASE WHEN objective_id IS NOT NULL AND staged THEN 1.0 ELSE 0.0 END AS l2_line_of_sight
    FROM scope
),
action_facts AS (
    SELECT a.id AS item_id, a.team_id, a.goal_id, a.created_on, a.due_date, a.completed_on,
        a.checked_on,
        CASE WHEN a.due_date <= $d AND a.status <> 'cancelled'
             THEN CASE WHEN a.completed_on <= a.due_date THEN 1.0
                       WHEN a.completed_on <= $d THEN 0.5 ELSE 0.0 END END AS a2_delivery,
        CASE WHEN {_OPEN_AT_D}
             THEN CASE WHEN date_diff('day', coalesce(a.checked_on, a.created_on), $d)
                            <= $fresh_days THEN 1.0 ELSE 0.0 END END AS a3_cadence
    FROM action_checks a
),
pulse_facts AS (
    SELECT p.question AS item_id, p.team_id, p.score, p.respondents, p.survey_date,
        (p.score - 1) / 4 AS l1_understanding
    FROM pulse_responses p
    JOIN (
        SELECT team_id, max(survey_date) AS survey_date
        FROM pulse_responses WHERE survey_date <= $d GROUP BY team_id
    ) l ON l.team_id = p.team_id AND l.survey_date = p.survey_date
    WHERE date_diff('day', l.survey_date, $d) <= $pulse_days
),
touchpoint_facts AS (
    SELECT t.id AS item_id, t.team_id, t.name, t.stage_id,
        CASE WHEN c.stage_id IS NOT NULL THEN 1.0 ELSE 0.0 END AS l3_coverage
    FROM (SELECT * FROM score_touchpoints WHERE {HOLDS}) t
    LEFT JOIN owner_links c ON c.stage_id = t.stage_id AND c.team_id = t.team_id
),
owner_facts AS (
    SELECT o.stage_id AS item_id, o.team_id,
        CASE WHEN b.bridged THEN 1.0 ELSE 0.0 END AS l4_bridging
    FROM owners o LEFT JOIN owner_links b ON b.stage_id = o.stage_id AND b.team_id = o.team_id
    WHERE o.shared
)"""

# The facts CTE of each kind of item, and the components its rows count in.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "goal": ("goal_facts", ("a1_ownership", "l2_line_of_sight")),
    "action": ("action_facts", ("a2_delivery", "a3_cadence")),
    "metric": ("metric_facts", ("a3_cadence", "a4_pace")),
    "pulse": ("pulse_facts", ("l1_understanding",)),
    "touchpoint": ("touchpoint_facts", ("l3_coverage",)),
    "stage": ("owner_facts", ("l4_bridging",)),
}


# The components whose items are worth any fraction (a pace, a pulse answer); the others'
# items are worth 0, 1/2 or 1 (FACTS above), which `items_sum` relies on.
FRACTIONAL = frozenset({"a4_pace", "l1_understanding"})


def facts_cte() -> str:
    """The CTEs up to and including every kind's facts."""
    return f"{BASE},{LATEST},{FACTS}"


# -- the words of the items, for explanations and work lists ------------------------------


@dataclass(frozen=True)
class ItemWords:
    """How an item of one component and kind is shown: over its facts row `f`.

    `fix` says what would make the item count and `fixed_value` is its value once fixed;
    `joins` are what only the words need (names of stages and their owners).
    """

    label: str
    detail: str
    fix: str
    fixed_value: str = "1.0"
    joins: str = ""


# The words name goals, actions and metrics; their facts carry only what the values need.
_GOAL_TITLE = "JOIN goals gl ON gl.id = f.item_id"
_ACTION_TITLE = "JOIN actions ac ON ac.id = f.item_id"
_METRIC_NAME = "JOIN metrics mt ON mt.id = f.item_id"
_A1_OK = "f.owner_id IS NOT NULL AND f.measured"
_L2_OK = "f.objective_id IS NOT NULL AND f.staged"
_UNDONE_AT_D = "f.completed_on IS NULL OR f.completed_on > $d"
_NO_GOAL_TAKEN_PART_IN = "has no in-scope goal the team takes part in"


def day_in_words(expr: str) -> str:
    """A date in a sentence for people, "5 Dec 2026" (cxos.palette.day's form)."""
    return f"strftime({expr}, '%-d %b %Y')"


def _share(expr: str) -> str:
    """A 0–1 share in a sentence for people, "17%" (the exact value is the item's)."""
    return f"CAST(round(100 * ({expr})) AS INTEGER) || '%'"


WORDS: dict[tuple[str, str], ItemWords] = {
    ("a1_ownership", "goal"): ItemWords(
        label="gl.title",
        detail=f"""CASE WHEN {_A1_OK}
         THEN 'has an owner and a metric with baseline and target'
         ELSE concat_ws('; ', CASE WHEN f.owner_id IS NULL THEN 'no owner' END,
                        CASE WHEN NOT f.measured
                             THEN 'no metric with both baseline and target' END) END""",
        fix="""concat_ws(' and ',
        CASE WHEN f.owner_id IS NULL THEN 'name an owner for goal ''' || gl.title || '''' END,
        CASE WHEN f.measured THEN NULL
             WHEN mm.partial IS NULL
             THEN 'add a metric with baseline and target to goal ''' || gl.title || ''''
             ELSE 'give metric ''' || mm.partial || ''' a ' || mm.lacking END)""",
        # The first metric by name, and what it lacks: the one to complete.
        joins=f"""{_GOAL_TITLE}
LEFT JOIN (
    SELECT goal_id, min(name) AS partial,
        arg_min(CASE WHEN baseline IS NULL AND target IS NULL THEN 'baseline and target'
                     WHEN baseline IS NULL THEN 'baseline' ELSE 'target' END, name) AS lacking
    FROM metrics GROUP BY goal_id
) mm ON mm.goal_id = f.item_id""",
    ),
    ("a2_delivery", "action"): ItemWords(
        label="ac.title",
        detail=f"""CASE WHEN f.completed_on <= f.due_date
         THEN 'done on time (due ' || {day_in_words("f.due_date")} || ')'
         WHEN f.completed_on <= $d
         THEN 'done late on ' || {day_in_words("f.completed_on")}
         || ' (due ' || {day_in_words("f.due_date")} || ')'
         ELSE 'overdue since ' || {day_in_words("f.due_date")} END""",
        fix=f"CASE WHEN {_UNDONE_AT_D} THEN 'complete overdue action ''' || ac.title || '''' END",
        fixed_value=f"CASE WHEN {_UNDONE_AT_D} THEN 0.5 END",
        joins=_ACTION_TITLE,
    ),
    ("a3_cadence", "action"): ItemWords(
        label="ac.title",
        detail=f"""CASE WHEN f.checked_on IS NULL
         THEN 'no check-in; created ' || {day_in_words("f.created_on")}
         ELSE 'last check-in ' || {day_in_words("f.checked_on")} END""",
        fix="'check in on action ''' || ac.title || ''''",
        joins=_ACTION_TITLE,
    ),
    ("a3_cadence", "metric"): ItemWords(
        label="mt.name",
        detail=f"""CASE WHEN f.read_on IS NULL THEN 'no reading'
         ELSE 'last reading ' || {day_in_words("f.read_on")} || ', due every ' || f.cadence_days
         || ' days' END""",
        fix="'post a reading for metric ''' || mt.name || ''''",
        joins=_METRIC_NAME,
    ),
    ("a4_pace", "metric"): ItemWords(
        label="mt.name",
        detail=f"""{_share("f.progress")} || ' of the way to target, '
        || {_share("f.expected")} || ' expected by now (latest ' || f.latest || ' on '
        || {day_in_words("f.read_on")} || ')'""",
        fix="'bring metric ''' || mt.name || ''' on pace'",
        joins=_METRIC_NAME,
    ),
    ("l1_understanding", "pulse"): ItemWords(
        label="f.item_id",
        detail=f"""'score ' || round(f.score, 1) || ' of 5 from ' || f.respondents
        || ' respondents on ' || {day_in_words("f.survey_date")}""",
        fix="'raise the pulse answer to ''' || f.item_id || ''' to 5'",
    ),
    ("l2_line_of_sight", "goal"): ItemWords(
        label="gl.title",
        detail=f"""CASE WHEN {_L2_OK}
         THEN 'ladders up to an objective and is linked to a stage'
         ELSE concat_ws('; ', CASE WHEN f.objective_id IS NULL THEN 'no objective' END,
                        CASE WHEN NOT f.staged THEN 'no stage' END) END""",
        fix=f"""CASE WHEN {_L2_OK} THEN '' ELSE 'link goal ''' || gl.title || ''' to '
        || concat_ws(' and ', CASE WHEN f.objective_id IS NULL THEN 'an objective' END,
                     CASE WHEN NOT f.staged THEN 'a stage' END) END""",
        joins=_GOAL_TITLE,
    ),
    ("l3_coverage", "touchpoint"): ItemWords(
        label="f.name",
        detail=f"""'stage ''' || st.name || ''' ' || CASE WHEN f.l3_coverage = 1
         THEN 'has an in-scope goal the team takes part in'
         ELSE '{_NO_GOAL_TAKEN_PART_IN}' END""",
        fix="""'take part in an in-scope goal on stage ''' || st.name || ''' (touchpoint '''
        || f.name || ''')'""",
        joins="JOIN stages st ON st.id = f.stage_id",
    ),
    ("l4_bridging", "stage"): ItemWords(
        label="st.name",
        detail="""CASE WHEN f.l4_bridging = 1 THEN 'bridged' ELSE 'not bridged' END
        || '; owners: ' || n.names""",
        fix="""'share an in-scope goal on stage ''' || st.name
        || ''' with another team that owns it (owners: ' || n.names || ')'""",
        joins="""JOIN stages st ON st.id = f.item_id
LEFT JOIN stage_names n ON n.stage_id = f.item_id""",
    ),
}

ITEM_COLUMNS = "team_id, component, kind, item_id, label, value, detail, fix, fixed_value"


# A name inside CXOS's own sentence (a fix, a detail, a signal) that holds bidi controls
# is wrapped in FSI … PDI, its own isolates dropped, so an open U+202E in it cannot
# reverse the words after it (`cxos.text.isolate` does this for whole values).
_NAME_IN_WORDS = re.compile(r"(?<![\w.])([a-z]{1,3}\.(?:title|name|names|partial))\b")
_ISOLATES = "\u2066\u2067\u2068\u2069"


def _isolated(expr: str) -> str:
    return (
        f"CASE WHEN translate({expr}, '{BIDI_CONTROLS}', '') = {expr} THEN {expr} "
        f"ELSE '\u2068' || translate({expr}, '{_ISOLATES}', '') || '\u2069' END"
    )


def isolate_names(words: str) -> str:
    """The SQL of `words` with every name it quotes isolated (see `_isolated`)."""
    return _NAME_IN_WORDS.sub(lambda found: _isolated(found.group(1)), words)


def item_union(components: tuple[str, ...] = COMPONENTS, where: str = "TRUE") -> str:
    """The items of `components`, with their words, as one UNION ALL (ITEM_COLUMNS).

    `where` filters the facts rows (e.g. to one team) before the words are made.
    """
    selects = []
    for kind, (facts, counted) in KINDS.items():
        for name in counted:
            if name not in components:
                continue
            words = WORDS[(name, kind)]
            selects.append(
                f"SELECT f.team_id, '{name}', '{kind}', f.item_id, {words.label},\n"
                f"    f.{name}::DOUBLE, {isolate_names(words.detail)},\n"
                f"    {isolate_names(words.fix)},\n"
                f"    ({words.fixed_value})::DOUBLE\n"
                f"FROM {facts} f {words.joins}\nWHERE f.{name} IS NOT NULL AND ({where})"
            )
    return "\nUNION ALL\n".join(selects) or _NO_ITEMS


# No items, in the item columns' types.
_NO_ITEMS = (
    "SELECT NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, "
    "NULL::DOUBLE, NULL::VARCHAR, NULL::VARCHAR, NULL::DOUBLE WHERE FALSE"
)


# -- aggregation: items -> components -> scores ------------------------------------------


def items_sum(component: str, value: str, where: str | None = None) -> str:
    """The sum of the items' `value`s of `component` (of the rows `where` holds for, if
    given), the same whatever order the rows come in.

    A sum of doubles depends on the order it adds them in, which a parallel aggregation
    does not fix: the same data scored twice differed in the last digit (a pace of
    0.8711478941091464 or ...463 after importing the same rows in another order). Fractions
    are summed as decimals (30 places, an item being worth at most 1), exactly, so every
    order, and an explanation's what-ifs, give the same double; a sum of halves is exact
    as it is (and costs less: decimals on every component made the scores 13 % slower).
    """
    summed = f"({value})::DECIMAL(38, 30)" if component in FRACTIONAL else value
    rows = f" FILTER (WHERE {where})" if where else ""
    return f"(sum({summed}){rows})::DOUBLE"


def team_totals() -> str:
    """CTEs ending in `component_totals`: a row per team with each component's numerator
    and denominator, summed over the kinds of item it counts (one aggregation per kind)."""
    per_kind = []
    joins = []
    parts: dict[str, list[str]] = {name: [] for name in COMPONENTS}
    for kind, (facts, counted) in KINDS.items():
        sums = ", ".join(
            f"{items_sum(n, n)} AS {n}_numerator, count({n}) AS {n}_denominator" for n in counted
        )
        per_kind.append(f"{kind}_totals AS (SELECT team_id, {sums} FROM {facts} GROUP BY team_id)")
        joins.append(f"LEFT JOIN {kind}_totals {kind} ON {kind}.team_id = s.subject")
        for n in counted:
            parts[n].append(kind)
    columns = ", ".join(
        f"{' + '.join(f'coalesce({k}.{n}_{part}, 0)' for k in kinds)} AS {n}_{part}"
        for n, kinds in parts.items()
        for part in ("numerator", "denominator")
    )
    return (
        ",\n".join(per_kind)
        + f""",
component_totals AS (
    SELECT s.subject, {columns}
    FROM subjects s {" ".join(joins)}
)"""
    )


def _score(names: tuple[str, ...]) -> str:
    """100 × the weighted mean of the defined components among `names` (0 with none)."""
    weighted = " + ".join(f"coalesce($w_{n}::DOUBLE * {n}, 0.0)" for n in names)
    weights = " + ".join(f"CASE WHEN {n} IS NULL THEN 0.0 ELSE $w_{n}::DOUBLE END" for n in names)
    return f"coalesce(100 * ({weighted}) / nullif({weights}, 0.0), 0.0)"


def aggregate(subjects: str, totals: str) -> str:
    """CTEs ending in `score_values`: components and scores, a row per subject.

    `totals` are CTEs ending in `component_totals`: a row per subject of `subjects` with
    each component's numerator and denominator (<component>_numerator, ..._denominator).
    A component is numerator / denominator, the mean of its items; without items it is
    undefined, or 0 for the components in ZERO_WHEN_EMPTY. A score is 100 × the weighted
    mean of its defined components.
    """
    values = ", ".join(
        f"CASE WHEN {n}_denominator > 0 THEN {n}_numerator / {n}_denominator "
        f"ELSE {'0.0' if n in ZERO_WHEN_EMPTY else 'NULL'} END AS {n}"
        for n in COMPONENTS
    )
    return f"""
subjects AS ({subjects}),
{totals},
component_values AS (SELECT *, {values} FROM component_totals),
score_values AS (
    SELECT *, {_score(ALIGNMENT_COMPONENTS)} AS alignment,
        {_score(ACCOUNTABILITY_COMPONENTS)} AS accountability
    FROM component_values
)"""


TEAM_SUBJECTS = f"SELECT id AS subject FROM teams t WHERE {not_retired('t')}"

# What a team's score row carries (`scores.team_score_from`): A1's denominator is its number
# of in-scope goals.
TEAM_SCORES = f"""
SELECT v.subject, v.alignment, v.accountability, {", ".join(f"v.{n}" for n in COMPONENTS)},
    v.a1_ownership_denominator, t.name AS team, t.business_unit_id,
    coalesce(b.name, '') AS business_unit
FROM score_values v JOIN teams t ON t.id = v.subject
LEFT JOIN business_units b ON b.id = t.business_unit_id"""


@cache
def scores_sql() -> str:
    """Every team's components and scores as of $d, one row per team, by team id."""
    return (
        f"WITH {facts_cte()},"
        + aggregate(TEAM_SUBJECTS, team_totals())
        + f"\n{TEAM_SCORES}\nORDER BY v.subject"
    )


@cache
def team_items_sql() -> str:
    """The items of team $team as of $d, with their words, for explanations."""
    return (
        f"WITH {facts_cte()},\nitems ({ITEM_COLUMNS}) AS ("
        f"{item_union(where='f.team_id = $team')})\n"
        f"SELECT {ITEM_COLUMNS} FROM items ORDER BY component, kind, label, item_id"
    )


@cache
def scenarios_sql() -> str:
    """Components and scores of what-if scenarios given as parallel lists.

    Parameters: $subjects, $components, $values (one entry per item per scenario), plus
    the weights.
    """

    def component(n: str) -> str:
        return f"i.component = '{n}'"

    sums = ", ".join(
        f"coalesce({items_sum(n, 'i.value', component(n))}, 0.0) AS {n}_numerator, "
        f"count(i.value) FILTER (WHERE {component(n)}) AS {n}_denominator"
        for n in COMPONENTS
    )
    totals = f"""scenario_items AS (
    SELECT unnest($subjects::VARCHAR[]) AS subject, unnest($components::VARCHAR[]) AS component,
        unnest($values::DOUBLE[]) AS value
),
component_totals AS (
    SELECT s.subject, {sums}
    FROM subjects s LEFT JOIN scenario_items i ON i.subject = s.subject
    GROUP BY s.subject
)"""
    subjects = "SELECT DISTINCT unnest($all_subjects::VARCHAR[]) AS subject"
    return "WITH " + aggregate(subjects, totals) + "\nSELECT * FROM score_values"


# Goal health reads the paces of every goal's metrics, in scope or not: a row per goal and
# paced metric (metric and pace NULL for a goal without one), by goal then metric.
GOAL_PACES = f"""
WITH {LATEST_READING},
every_pace AS ({
    metric_paces(
        "(SELECT m.id, m.goal_id, g.team_id, m.cadence_days, m.baseline, m.target, "
        "g.start_date, g.end_date FROM metrics m JOIN goals g ON g.id = m.goal_id "
        f"WHERE {not_retired('m')})"
    )
})
SELECT g.id AS goal_id, g.status, p.item_id AS metric_id, p.pace
FROM goals g LEFT JOIN every_pace p ON p.goal_id = g.id AND p.pace IS NOT NULL
ORDER BY g.id, p.item_id"""

# -- silo signals -------------------------------------------------------------------------

# A hand-off (two consecutive stages, both owned, no owner in common: score_handoffs) is
# bridged by an in-scope goal linked to either stage in which an owner of each takes part
# (score_handoff_goals lists those goals with their dates).
_HANDOFFS = f"""
handoffs AS MATERIALIZED (
    SELECT h.from_id, h.to_id FROM score_handoffs h
    ANTI JOIN (SELECT from_id, to_id FROM score_handoff_goals WHERE {IN_SCOPE}) b
        USING (from_id, to_id)
    WHERE {HOLDS}
)"""

# Negative feedback received on or before D that has no action (created on or before D) and
# is not closed on or before D: a signal after 30 days, and on the work lists at once. The
# answering action's creation date is kept derived (score_feedback): no scan of the actions.
UNANSWERED_FEEDBACK = f"""
unanswered_feedback AS (
    SELECT * FROM score_feedback
    WHERE {HOLDS} AND received_on <= $d AND NOT coalesce(closed_on <= $d, FALSE)
        AND NOT coalesce(answered_on <= $d, FALSE)
)"""

# The six silo signals of SPEC.md, in the order they are listed in.
SIGNAL_KINDS = (
    "unbridged_stage",
    "handoff_gap",
    "orphan_touchpoint",
    "unanswered_feedback",
    "stale_goal",
    "no_pulse",
)


def _kind(name: str) -> int:
    """A signal kind as the statement gives it: its place in SIGNAL_KINDS (a number is
    cheaper to fetch than a name, for each of a big company's thousands of signals)."""
    return SIGNAL_KINDS.index(name)


_SIGNAL_CTES = f"""{_HANDOFFS},{UNANSWERED_FEEDBACK},
unbridged AS (
    SELECT DISTINCT stage_id FROM owners
    WHERE shared AND stage_id NOT IN (SELECT stage_id FROM owner_links WHERE bridged)
),
active_goals AS (
    SELECT goal_id FROM metric_facts
    WHERE read_on >= $d::DATE - $stale_days::INTEGER
    UNION ALL
    SELECT goal_id FROM action_facts
    WHERE checked_on >= $d::DATE - $stale_days::INTEGER
),
signals (kind, subject_id, detail, team_ids, team_id) AS (
    SELECT {_kind("unbridged_stage")}, s.id,
        'stage ''' || s.name || ''' is owned by ' || o.names
            || ' but no in-scope goal brings two of them together',
        o.team_ids, NULL
    FROM unbridged u JOIN stages s ON s.id = u.stage_id
    JOIN stage_names o ON o.stage_id = u.stage_id
    UNION ALL
    SELECT {_kind("handoff_gap")}, h.from_id || '>' || h.to_id,
        'hand-off from ''' || sf.name || ''' (' || ofr.names || ') to ''' || st.name
            || ''' (' || ot.names || ') has no shared in-scope goal',
        list_sort(list_concat(ofr.team_ids, ot.team_ids)), NULL
    FROM handoffs h
    JOIN stages sf ON sf.id = h.from_id JOIN stages st ON st.id = h.to_id
    JOIN stage_names ofr ON ofr.stage_id = h.from_id
    JOIN stage_names ot ON ot.stage_id = h.to_id
    UNION ALL
    SELECT {_kind("orphan_touchpoint")}, f.item_id,
        'touchpoint ''' || f.name || ''': stage ''' || st.name || ''' {_NO_GOAL_TAKEN_PART_IN}',
        NULL, f.team_id
    FROM touchpoint_facts f JOIN stages st ON st.id = f.stage_id
    WHERE f.l3_coverage = 0
    UNION ALL
    SELECT {_kind("unanswered_feedback")}, f.id,
        'negative feedback of ' || {day_in_words("f.received_on")}
            || ' has no action and is not closed',
        NULL, f.team_id
    FROM unanswered_feedback f
    WHERE date_diff('day', f.received_on, $d) >= $feedback_days
    UNION ALL
    SELECT {_kind("stale_goal")}, s.id,
        'goal ''' || g.title || ''' has no reading or check-in in the last '
            || $stale_days || ' days',
        NULL, s.team_id
    FROM scope s ANTI JOIN active_goals a ON a.goal_id = s.id JOIN goals g ON g.id = s.id
    UNION ALL
    SELECT {_kind("no_pulse")}, t.id,
        'team ''' || t.name || ''' has no pulse survey in the last ' || $pulse_days || ' days',
        NULL, t.id
    FROM teams t ANTI JOIN pulse_facts p ON p.team_id = t.id
    WHERE {not_retired("t")}
)"""
# A signal about one team names it in team_id, one about a stage or a hand-off lists its
# owners in team_ids (lists cost more to fetch: thousands of signals are about one team).
# no_pulse: a survey dated from D - 180 days to D exists exactly when the latest survey on
# or before D is at most 180 days old, i.e. when L1 has items (pulse_facts).

SIGNALS = f"""
WITH {facts_cte()},{isolate_names(_SIGNAL_CTES)}
SELECT kind, subject_id, detail, team_ids, team_id FROM signals ORDER BY kind, subject_id"""
