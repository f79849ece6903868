"""The scoring SQL: every formula of SPEC.md's Scores and Silo signals, written once.

Each component is the mean of the values of its *items* (a goal, an action, a metric, a
touchpoint, a shared stage or a pulse question), so the queries first list every item of
every team with its value in [0, 1], then one aggregation turns items into components and
scores. Listing items is what makes explanations cheap and exact: the explanation reads the
same items, and the what-if of fixing one item is the same aggregation over the items with
that one value replaced. Everything is set-based over the whole organisation; readings and
check-ins are scanned once each, reduced to the latest row on or before D.

The SQL is assembled from constant fragments only; every value arrives as a `$name`
parameter (see `parameters`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxos.config import ACCOUNTABILITY_COMPONENTS, COMPONENTS, ScoringConfig

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


# -- shared definitions ------------------------------------------------------------------

BASE = """
scope AS MATERIALIZED (
    SELECT * FROM goals
    WHERE start_date <= $d AND $d <= end_date AND status <> 'dropped'
),
participants AS MATERIALIZED (
    SELECT id AS goal_id, team_id FROM scope
    UNION
    SELECT c.goal_id, c.team_id FROM goal_contributors c JOIN scope s ON s.id = c.goal_id
),
linked AS MATERIALIZED (
    SELECT gs.goal_id, gs.stage_id FROM goal_stages gs JOIN scope s ON s.id = gs.goal_id
),
owners AS MATERIALIZED (
    SELECT DISTINCT stage_id, owner_team_id AS team_id FROM touchpoints
),
covered AS MATERIALIZED (
    SELECT DISTINCT l.stage_id, p.team_id
    FROM linked l JOIN participants p ON p.goal_id = l.goal_id
),
stage_owner_names AS MATERIALIZED (
    SELECT o.stage_id, list(o.team_id ORDER BY o.team_id) AS team_ids,
        string_agg(tm.name, ', ' ORDER BY tm.name) AS names
    FROM owners o JOIN teams tm ON tm.id = o.team_id GROUP BY o.stage_id
),
bridged AS MATERIALIZED (
    SELECT DISTINCT l.stage_id, p1.team_id
    FROM linked l
    JOIN participants p1 ON p1.goal_id = l.goal_id
    JOIN owners o1 ON o1.stage_id = l.stage_id AND o1.team_id = p1.team_id
    JOIN participants p2 ON p2.goal_id = l.goal_id AND p2.team_id <> p1.team_id
    JOIN owners o2 ON o2.stage_id = l.stage_id AND o2.team_id = p2.team_id
)"""

LATEST = """
latest_reading AS MATERIALIZED (
    SELECT metric_id, max(as_of) AS read_on, arg_max(value, as_of) AS value
    FROM metric_readings WHERE as_of <= $d GROUP BY metric_id
),
latest_check_in AS MATERIALIZED (
    SELECT action_id, max(checked_on) AS checked_on
    FROM check_ins WHERE checked_on <= $d GROUP BY action_id
),
metric_pace AS MATERIALIZED (
    SELECT m.id AS metric_id, m.goal_id, m.name, r.value AS latest, r.read_on,
        greatest(0.0, least(1.0, (r.value - m.baseline) / (m.target - m.baseline))) AS progress,
        CASE WHEN g.end_date = g.start_date THEN 1.0
             ELSE greatest(0.0, least(1.0, date_diff('day', g.start_date, $d)::DOUBLE
                                           / date_diff('day', g.start_date, g.end_date)))
        END AS expected
    FROM metrics m
    JOIN goals g ON g.id = m.goal_id
    JOIN latest_reading r ON r.metric_id = m.id
    WHERE m.baseline IS NOT NULL AND m.target IS NOT NULL AND m.target <> m.baseline
),
paces AS MATERIALIZED (
    SELECT *, CASE WHEN expected = 0 THEN 1.0 ELSE least(1.0, progress / expected) END AS pace
    FROM metric_pace
)"""

# -- items, one SELECT per component ---------------------------------------------------------
# Columns: team_id, component, kind, item_id, label, value, detail, fix, fixed_value.
# `fix` says what would make the item count; `fixed_value` is its value once fixed.

A1 = """
SELECT s.team_id, 'a1_ownership', 'goal', s.id, s.title,
    CASE WHEN s.owner_id IS NOT NULL AND coalesce(mm.measured, FALSE) THEN 1.0 ELSE 0.0 END,
    CASE WHEN s.owner_id IS NOT NULL AND coalesce(mm.measured, FALSE)
         THEN 'has an owner and a metric with baseline and target'
         ELSE concat_ws('; ', CASE WHEN s.owner_id IS NULL THEN 'no owner' END,
                        CASE WHEN NOT coalesce(mm.measured, FALSE)
                             THEN 'no metric with both baseline and target' END) END,
    concat_ws(' and ',
        CASE WHEN s.owner_id IS NULL THEN 'name an owner for goal ''' || s.title || '''' END,
        CASE WHEN coalesce(mm.measured, FALSE) THEN NULL
             WHEN mm.partial IS NULL
             THEN 'add a metric with baseline and target to goal ''' || s.title || ''''
             ELSE 'give metric ''' || mm.partial || ''' a ' || mm.lacking END),
    1.0
FROM scope s
LEFT JOIN (
    SELECT goal_id, bool_or(baseline IS NOT NULL AND target IS NOT NULL) AS measured,
        min(name) AS partial,
        arg_min(CASE WHEN baseline IS NULL AND target IS NULL THEN 'baseline and target'
                     WHEN baseline IS NULL THEN 'baseline' ELSE 'target' END, name) AS lacking
    FROM metrics GROUP BY goal_id
) mm ON mm.goal_id = s.id"""

A2 = """
SELECT a.team_id, 'a2_delivery', 'action', a.id, a.title,
    CASE WHEN a.completed_on <= a.due_date THEN 1.0
         WHEN a.completed_on <= $d THEN 0.5 ELSE 0.0 END,
    CASE WHEN a.completed_on <= a.due_date THEN 'done on time (due ' || a.due_date || ')'
         WHEN a.completed_on <= $d
         THEN 'done late on ' || a.completed_on || ' (due ' || a.due_date || ')'
         ELSE 'overdue since ' || a.due_date END,
    CASE WHEN a.completed_on IS NULL OR a.completed_on > $d
         THEN 'complete overdue action ''' || a.title || '''' END,
    CASE WHEN a.completed_on IS NULL OR a.completed_on > $d THEN 0.5 END
FROM actions a
WHERE a.due_date <= $d AND a.status <> 'cancelled'"""

A3 = """
SELECT a.team_id, 'a3_cadence', 'action', a.id, a.title,
    CASE WHEN date_diff('day', coalesce(c.checked_on, a.created_on), $d) <= $fresh_days
         THEN 1.0 ELSE 0.0 END,
    CASE WHEN c.checked_on IS NULL THEN 'no check-in; created ' || a.created_on
         ELSE 'last check-in ' || c.checked_on END,
    'check in on action ''' || a.title || '''',
    1.0
FROM actions a LEFT JOIN latest_check_in c ON c.action_id = a.id
WHERE a.created_on <= $d AND a.status <> 'cancelled'
    AND (a.completed_on IS NULL OR a.completed_on > $d)
UNION ALL
SELECT s.team_id, 'a3_cadence', 'metric', m.id, m.name,
    CASE WHEN date_diff('day', r.read_on, $d) <= m.cadence_days THEN 1.0 ELSE 0.0 END,
    CASE WHEN r.read_on IS NULL THEN 'no reading'
         ELSE 'last reading ' || r.read_on || ', cadence ' || m.cadence_days || ' days' END,
    'post a reading for metric ''' || m.name || '''',
    1.0
FROM metrics m JOIN scope s ON s.id = m.goal_id
LEFT JOIN latest_reading r ON r.metric_id = m.id"""

A4 = """
SELECT s.team_id, 'a4_pace', 'metric', p.metric_id, p.name, p.pace,
    'progress ' || round(p.progress, 3) || ', expected ' || round(p.expected, 3)
        || ' (latest ' || p.latest || ' on ' || p.read_on || ')',
    'bring metric ''' || p.name || ''' on pace',
    1.0
FROM paces p JOIN scope s ON s.id = p.goal_id"""

L1 = """
SELECT p.team_id, 'l1_understanding', 'pulse', p.question, p.question, (p.score - 1) / 4,
    'score ' || p.score || ' of 5 from ' || p.respondents || ' respondents on ' || p.survey_date,
    'raise the pulse answer to ''' || p.question || ''' to 5',
    1.0
FROM pulse_responses p
JOIN (
    SELECT team_id, max(survey_date) AS survey_date
    FROM pulse_responses WHERE survey_date <= $d GROUP BY team_id
) l ON l.team_id = p.team_id AND l.survey_date = p.survey_date
WHERE date_diff('day', l.survey_date, $d) <= $pulse_days"""

L2 = """
SELECT s.team_id, 'l2_line_of_sight', 'goal', s.id, s.title,
    CASE WHEN s.objective_id IS NOT NULL AND st.goal_id IS NOT NULL THEN 1.0 ELSE 0.0 END,
    CASE WHEN s.objective_id IS NOT NULL AND st.goal_id IS NOT NULL
         THEN 'ladders up to an objective and is linked to a stage'
         ELSE concat_ws('; ', CASE WHEN s.objective_id IS NULL THEN 'no objective' END,
                        CASE WHEN st.goal_id IS NULL THEN 'no stage' END) END,
    concat_ws(' and ',
        CASE WHEN s.objective_id IS NULL
             THEN 'link goal ''' || s.title || ''' to an objective' END,
        CASE WHEN st.goal_id IS NULL THEN 'link goal ''' || s.title || ''' to a stage' END),
    1.0
FROM scope s LEFT JOIN (SELECT DISTINCT goal_id FROM linked) st ON st.goal_id = s.id"""

L3 = """
SELECT t.owner_team_id, 'l3_coverage', 'touchpoint', t.id, t.name,
    CASE WHEN c.stage_id IS NOT NULL THEN 1.0 ELSE 0.0 END,
    CASE WHEN c.stage_id IS NOT NULL
         THEN 'stage ''' || st.name || ''' has an in-scope goal the team takes part in'
         ELSE 'stage ''' || st.name || ''' has no in-scope goal the team takes part in' END,
    'take part in an in-scope goal on stage ''' || st.name || ''' (touchpoint '''
        || t.name || ''')',
    1.0
FROM touchpoints t
JOIN stages st ON st.id = t.stage_id
LEFT JOIN covered c ON c.stage_id = t.stage_id AND c.team_id = t.owner_team_id"""

L4 = """
SELECT o.team_id, 'l4_bridging', 'stage', o.stage_id, st.name,
    CASE WHEN b.stage_id IS NOT NULL THEN 1.0 ELSE 0.0 END,
    CASE WHEN b.stage_id IS NOT NULL THEN 'bridged' ELSE 'not bridged' END
        || '; owners: ' || n.names,
    'share an in-scope goal on stage ''' || st.name || ''' with another of its owners ('
        || n.names || ')',
    1.0
FROM (
    SELECT stage_id, team_id, count(*) OVER (PARTITION BY stage_id) AS owner_count
    FROM owners
) o
JOIN stages st ON st.id = o.stage_id
JOIN stage_owner_names n ON n.stage_id = o.stage_id
LEFT JOIN bridged b ON b.stage_id = o.stage_id AND b.team_id = o.team_id
WHERE o.owner_count >= 2"""

ITEM_QUERIES = {
    "a1_ownership": A1,
    "a2_delivery": A2,
    "a3_cadence": A3,
    "a4_pace": A4,
    "l1_understanding": L1,
    "l2_line_of_sight": L2,
    "l3_coverage": L3,
    "l4_bridging": L4,
}

ITEM_COLUMNS = "team_id, component, kind, item_id, label, value, detail, fix, fixed_value"


def items_cte() -> str:
    """CTEs ending in `items`: every item of every team, with its value."""
    union = "\nUNION ALL\n".join(ITEM_QUERIES[c] for c in COMPONENTS)
    return f"{BASE},{LATEST},\nitems ({ITEM_COLUMNS}) AS ({union})"


# -- aggregation: items -> components -> scores ------------------------------------------


def _components_values() -> str:
    rows = []
    for name in COMPONENTS:
        score = "accountability" if name in ACCOUNTABILITY_COMPONENTS else "alignment"
        zero = "TRUE" if name in ZERO_WHEN_EMPTY else "FALSE"
        rows.append(f"('{name}', '{score}', $w_{name}::DOUBLE, {zero})")
    return ", ".join(rows)


def aggregate(scored_items: str, subjects: str) -> str:
    """Components and scores per subject, from `scored_items(subject, component, value)`.

    A component is the mean of its items; empty means undefined, or 0 for the components in
    ZERO_WHEN_EMPTY. A score is 100 × the weighted mean of its defined components.
    """
    return f"""
scored_items AS ({scored_items}),
subjects AS ({subjects}),
components (component, score, weight, zero_when_empty) AS (VALUES {_components_values()}),
totals AS (
    SELECT subject, component, sum(value) AS numerator, count(*) AS denominator
    FROM scored_items GROUP BY subject, component
),
component_values AS (
    SELECT s.subject, c.component, c.score, c.weight,
        coalesce(t.numerator, 0.0) AS numerator, coalesce(t.denominator, 0) AS denominator,
        CASE WHEN t.denominator > 0 THEN t.numerator / t.denominator
             WHEN c.zero_when_empty THEN 0.0 END AS value
    FROM subjects s CROSS JOIN components c
    LEFT JOIN totals t ON t.subject = s.subject AND t.component = c.component
),
score_values AS (
    SELECT subject,
        coalesce(100 * sum(weight * value) FILTER (WHERE score = 'accountability')
            / nullif(sum(weight) FILTER (WHERE score = 'accountability' AND value IS NOT NULL),
                     0), 0.0) AS accountability,
        coalesce(100 * sum(weight * value) FILTER (WHERE score = 'alignment')
            / nullif(sum(weight) FILTER (WHERE score = 'alignment' AND value IS NOT NULL), 0),
            0.0) AS alignment
    FROM component_values GROUP BY subject
)
SELECT c.subject, c.component, c.numerator, c.denominator, c.value,
    s.alignment, s.accountability
FROM component_values c JOIN score_values s ON s.subject = c.subject
ORDER BY c.subject, c.component"""


def scores_sql() -> str:
    """Every team's components and scores as of $d (long form: one row per component)."""
    return f"WITH {items_cte()}," + aggregate(
        "SELECT team_id AS subject, component, value FROM items",
        "SELECT id AS subject FROM teams",
    )


def team_items_sql() -> str:
    """The items of team $team as of $d, for explanations."""
    return (
        f"WITH {items_cte()}\nSELECT {ITEM_COLUMNS} FROM items WHERE team_id = $team "
        "ORDER BY component, kind, label, item_id"
    )


def scenarios_sql() -> str:
    """Components and scores of what-if scenarios given as parallel lists.

    Parameters: $subjects, $components, $values (one entry per item per scenario), plus
    the weights.
    """
    return "WITH " + aggregate(
        "SELECT unnest($subjects::VARCHAR[]) AS subject, "
        "unnest($components::VARCHAR[]) AS component, unnest($values::DOUBLE[]) AS value",
        "SELECT DISTINCT unnest($all_subjects::VARCHAR[]) AS subject",
    )


GOAL_PACES = f"""
WITH {LATEST}
SELECT g.id AS goal_id, g.status, min(p.pace) AS pace,
    list({{'metric_id': p.metric_id, 'pace': p.pace}} ORDER BY p.metric_id)
        FILTER (WHERE p.metric_id IS NOT NULL) AS metric_paces
FROM goals g LEFT JOIN paces p ON p.goal_id = g.id
GROUP BY g.id, g.status
ORDER BY g.id"""

# -- silo signals -------------------------------------------------------------------------

SIGNALS = f"""
WITH {BASE},
l3_items ({ITEM_COLUMNS}) AS ({L3}),
consecutive AS (
    SELECT id AS from_id, lead(id) OVER (PARTITION BY journey_id ORDER BY position) AS to_id
    FROM stages
),
handoffs AS (
    SELECT c.from_id, c.to_id FROM consecutive c
    WHERE c.to_id IS NOT NULL
        AND EXISTS (SELECT 1 FROM owners o WHERE o.stage_id = c.from_id)
        AND EXISTS (SELECT 1 FROM owners o WHERE o.stage_id = c.to_id)
        AND NOT EXISTS (SELECT 1 FROM owners a JOIN owners b ON a.team_id = b.team_id
                        WHERE a.stage_id = c.from_id AND b.stage_id = c.to_id)
        AND NOT EXISTS (
            SELECT 1 FROM linked l
            JOIN participants pa ON pa.goal_id = l.goal_id
            JOIN owners oa ON oa.stage_id = c.from_id AND oa.team_id = pa.team_id
            JOIN participants pb ON pb.goal_id = l.goal_id
            JOIN owners ob ON ob.stage_id = c.to_id AND ob.team_id = pb.team_id
            WHERE l.stage_id IN (c.from_id, c.to_id))
),
recently_active_goals AS (
    SELECT m.goal_id FROM metric_readings r JOIN metrics m ON m.id = r.metric_id
    WHERE r.as_of BETWEEN $d::DATE - $stale_days::INTEGER AND $d
    UNION
    SELECT a.goal_id FROM check_ins c JOIN actions a ON a.id = c.action_id
    WHERE c.checked_on BETWEEN $d::DATE - $stale_days::INTEGER AND $d
),
signals (rank, signal, subject_id, detail, team_ids) AS (
    SELECT 1, 'unbridged_stage', s.id,
        'stage ''' || s.name || ''' is owned by ' || o.names
            || ' but no in-scope goal brings two of them together',
        o.team_ids
    FROM stages s JOIN stage_owner_names o ON o.stage_id = s.id
    WHERE len(o.team_ids) >= 2 AND s.id NOT IN (SELECT stage_id FROM bridged)
    UNION ALL
    SELECT 2, 'handoff_gap', h.from_id || '>' || h.to_id,
        'hand-off from ''' || sf.name || ''' (' || ofr.names || ') to ''' || st.name
            || ''' (' || ot.names || ') has no shared in-scope goal',
        list_sort(list_concat(ofr.team_ids, ot.team_ids))
    FROM handoffs h
    JOIN stages sf ON sf.id = h.from_id JOIN stages st ON st.id = h.to_id
    JOIN stage_owner_names ofr ON ofr.stage_id = h.from_id
    JOIN stage_owner_names ot ON ot.stage_id = h.to_id
    UNION ALL
    SELECT 3, 'orphan_touchpoint', i.item_id,
        'touchpoint ''' || i.label || ''': ' || i.detail, [i.team_id]
    FROM l3_items i WHERE i.value = 0
    UNION ALL
    SELECT 4, 'unanswered_feedback', f.id,
        'negative feedback of ' || f.received_on || ' has no action and is not closed',
        [f.team_id]
    FROM feedback f
    WHERE f.sentiment = 'negative'
        AND date_diff('day', f.received_on, $d) >= $feedback_days
        AND NOT EXISTS (SELECT 1 FROM actions a
                        WHERE a.id = f.action_id AND a.created_on <= $d)
        AND NOT coalesce(f.closed_on <= $d, FALSE)
    UNION ALL
    SELECT 5, 'stale_goal', s.id,
        'goal ''' || s.title || ''' has no reading or check-in in the last '
            || $stale_days || ' days',
        [s.team_id]
    FROM scope s WHERE s.id NOT IN (SELECT goal_id FROM recently_active_goals)
    UNION ALL
    SELECT 6, 'no_pulse', t.id,
        'team ''' || t.name || ''' has no pulse survey in the last ' || $pulse_days || ' days',
        [t.id]
    FROM teams t
    WHERE t.id NOT IN (
        SELECT team_id FROM pulse_responses
        WHERE survey_date BETWEEN $d::DATE - $pulse_days::INTEGER AND $d)
)
SELECT signal, subject_id, detail, team_ids FROM signals ORDER BY rank, subject_id"""
