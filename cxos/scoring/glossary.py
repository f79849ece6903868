"""The words CXOS shows, defined once: quadrants, the eight components, goal health and the
six silo signals, in plain words (the exact rules are in docs/scoring.md).

The glossary page lists them; pages where the terms appear link to it. The numbers in
them (thresholds, windows, health marks) come from the scoring configuration, so a
company's cxos.toml changes the words with the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxos.palette import HEALTH, QUADRANTS, SIGNALS
from cxos.scoring.config import ScoringConfig


@dataclass(frozen=True)
class Term:
    """One word on the screens and what it means."""

    group: str
    term: str
    meaning: str
    mark: str = ""  # the symbol that stands for it on the screens, if one does


# How each silo signal is marked on the journey map (cxos.review.figures.SIGNAL_MARKERS).
SIGNAL_MARKS = {"unbridged_stage": "⋈", "handoff_gap": "┊", "orphan_touchpoint": "✳"}


_SCORES = "Scores"
_ACCOUNTABILITY = "Accountability components"
_ALIGNMENT = "Alignment components"
_HEALTH = "Goal health"
_SIGNALS = "Silo signals"


def _mark(quadrant: str) -> str:
    return QUADRANTS[quadrant].symbol


def _number(value: float) -> str:
    """60.0 as '60', 62.5 as '62.5'."""
    return f"{value:g}"


def _percent(fraction: float) -> str:
    """0.9 as '90%'."""
    return f"{_number(round(100 * fraction, 1))}%"


def terms(config: ScoringConfig) -> tuple[Term, ...]:
    """Every term, in the order shown, with `config`'s numbers."""
    c = config
    if c.aligned_threshold == c.accountable_threshold:
        thresholds = f"each against a threshold of {_number(c.aligned_threshold)}"
    else:
        thresholds = (
            f"each against its threshold (alignment {_number(c.aligned_threshold)}, "
            f"accountability {_number(c.accountable_threshold)})"
        )
    on_track, at_risk = _percent(c.on_track_pace), _percent(c.at_risk_pace)
    return (
        Term(
            _SCORES,
            "Alignment",
            "0–100: does the team understand the CX goals, see how its "
            "goals serve the company's objectives, cover the journey stages it owns and work "
            "with the other teams on them? The weighted mean of L1–L4.",
        ),
        Term(
            _SCORES,
            "Accountability",
            "0–100: do the team's goals have owners and measures, "
            "is its work done on time, does it check in and post readings, do its metrics move? "
            "The weighted mean of A1–A4.",
        ),
        Term(
            _SCORES,
            "Quadrant",
            f"Where a team's two scores put it, {thresholds}.",
        ),
        Term(
            _SCORES, QUADRANTS["performing"].label, "Aligned and accountable.", _mark("performing")
        ),
        Term(
            _SCORES,
            QUADRANTS["aspirational"].label,
            "Aligned but not accountable: excitement "
            "about the goals that dissolves when no progress is made.",
            _mark("aspirational"),
        ),
        Term(
            _SCORES,
            QUADRANTS["compliant"].label,
            "Accountable but not aligned: people know how they are measured, not why.",
            _mark("compliant"),
        ),
        Term(
            _SCORES, QUADRANTS["siloed"].label, "Neither aligned nor accountable.", _mark("siloed")
        ),
        Term(
            _SCORES,
            "Business unit averages",
            "A unit's and the company's scores are the plain "
            "mean of their teams' scores. They get no quadrant: two teams in opposite corners "
            "average into a third one; the teams' quadrants are counted instead.",
        ),
        Term(
            _ACCOUNTABILITY,
            "A1 ownership",
            "The share of the team's goals that have a named "
            "owner and a metric with a baseline and a target. No goals counts as 0.",
        ),
        Term(
            _ACCOUNTABILITY,
            "A2 delivery",
            "Over the team's actions due by the date: done on "
            "time counts 1, done late counts ½, not done 0.",
        ),
        Term(
            _ACCOUNTABILITY,
            "A3 cadence",
            "The share of the team's open actions checked in on "
            f"within {c.check_in_fresh_days} days and of its metrics with a reading within their "
            "cadence.",
        ),
        Term(
            _ACCOUNTABILITY,
            "A4 pace",
            "For each metric with a reading: how far it has moved "
            "from baseline to target, against how far through its goal's period the date is "
            "(at most 1); the mean.",
        ),
        Term(
            _ALIGNMENT,
            "L1 understanding",
            f"The team's latest pulse survey (within {c.pulse_window_days} days): "
            "do people understand the CX goals, know their part, agree why they matter.",
        ),
        Term(
            _ALIGNMENT,
            "L2 line of sight",
            "The share of the team's goals linked to a company "
            "objective (one or more) and to at least one journey stage.",
        ),
        Term(
            _ALIGNMENT,
            "L3 coverage",
            "The share of the touchpoints the team owns whose stage has a goal the team takes "
            "part in.",
        ),
        Term(
            _ALIGNMENT,
            "L4 bridging",
            "Of the stages the team shares with other teams, the "
            "share with a joint goal that brings it together with another owner of the stage.",
        ),
        *(
            Term(_HEALTH, look.label, meaning, look.symbol)
            for look, meaning in (
                (
                    HEALTH["on_track"],
                    f"Its slowest metric is at least {on_track} of the way it should be.",
                ),
                (
                    HEALTH["at_risk"],
                    f"Its slowest metric is {at_risk[:-1]}–{on_track} of the way it should be.",
                ),
                (
                    HEALTH["off_track"],
                    f"Its slowest metric is under {at_risk} of the way it should be.",
                ),
                (
                    HEALTH["no_data"],
                    "No metric of the goal has a reading, a baseline and a target.",
                ),
                (HEALTH["achieved"], "The goal is marked achieved."),
            )
        ),
        Term(
            _SIGNALS,
            SIGNALS["unbridged_stage"],
            "A stage two or more teams own, with no goal that brings two of them together.",
            SIGNAL_MARKS["unbridged_stage"],
        ),
        Term(
            _SIGNALS,
            SIGNALS["handoff_gap"],
            "Two consecutive stages owned by different teams, "
            "with no goal on either that includes an owner of each: the customer is handed "
            "over with no one responsible for the hand-off.",
            SIGNAL_MARKS["handoff_gap"],
        ),
        Term(
            _SIGNALS,
            SIGNALS["orphan_touchpoint"],
            "A touchpoint whose stage has no goal its owning team takes part in.",
            SIGNAL_MARKS["orphan_touchpoint"],
        ),
        Term(
            _SIGNALS,
            SIGNALS["unanswered_feedback"],
            f"Negative feedback {c.unanswered_feedback_days} days old or more, with no action "
            "linked and not closed.",
        ),
        Term(
            _SIGNALS,
            SIGNALS["stale_goal"],
            f"A goal with no reading and no check-in in the last {c.stale_goal_days} days.",
        ),
        Term(
            _SIGNALS,
            SIGNALS["no_pulse"],
            f"A team with no pulse survey in the last {c.pulse_window_days} days.",
        ),
    )


def groups(config: ScoringConfig) -> dict[str, list[Term]]:
    """The terms by group, in the order shown."""
    grouped: dict[str, list[Term]] = {}
    for term in terms(config):
        grouped.setdefault(term.group, []).append(term)
    return grouped


def meanings(config: ScoringConfig) -> dict[str, str]:
    """What each term means, by the term."""
    return {term.term: term.meaning for term in terms(config)}
