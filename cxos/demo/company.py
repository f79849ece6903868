"""Generate the demo company, Meridian Telecom, as a bundle dated around any day.

Deterministic (seeded) library code, reused by `python -m cxos demo`, the app's first
start, the tests and the benchmarks. Every date is an offset from the story's day, so a
demo loaded next year still shows live goals, and its story holds on the day it is
loaded: four teams in each quadrant, every silo signal present, and four teams that
changed quadrant since the last review for a reason the data shows (docs/demo.md).
`scale` repeats the company (with its own journeys) to make an enterprise of any size;
`Shape` also sets how dense each team's goals, actions and readings are.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cxos.bundle.importer import ImportReport, Progress, import_bundle
from cxos.bundle.spec import BY_NAME
from cxos.bundle.staging import format_cell
from cxos.demo import marker, story
from cxos.storage import Connection, Database

SEED = 20261123
ROLES_SHOWN = ("admin", "steering", "head", "champion", "member")

# Days relative to the story's day. The two steering reviews; teams that turned (see
# story.RECOVERING and story.SLIPPING) did so a few days after the last one; Mobile Billing
# and IT Platforms ran the pulse survey review 1 asked for between the two reviews.
REVIEWS = (-84, -42)
TURN = -38
SLIP = -72  # when a rebounding team (story.REBOUNDING) let its work lapse, after review 1
PULSE_RESTART = -35


@dataclass(frozen=True)
class Shape:
    """How big and how dense the generated company is."""

    scale: int = 1
    goal_copies: int = 1
    actions_per_goal: int = 3
    history_days: int = 560

    @classmethod
    def enterprise(cls) -> Shape:
        """A thousand teams: ≥10,000 goals, ≥100,000 actions, ≥1,000,000 readings."""
        return cls(scale=63, goal_copies=4, actions_per_goal=10, history_days=1200)


@dataclass(frozen=True)
class Behaviour:
    """How a kind of team behaves: what it records, how fresh, how fast it moves."""

    all_owned: bool
    all_targeted: bool
    objectives: bool
    own_stages: bool
    bridges: bool
    speed: float
    fresh: bool
    on_time: bool
    pulse_score: float


BEHAVIOUR = {
    story.PERFORMING: Behaviour(True, True, True, True, True, 1.08, True, True, 4.4),
    story.ASPIRATIONAL: Behaviour(False, False, True, True, True, 0.45, False, False, 4.3),
    story.COMPLIANT: Behaviour(True, True, False, False, False, 1.05, True, True, 2.2),
    story.SILOED: Behaviour(False, False, False, False, False, 0.3, False, False, 2.6),
}


@dataclass
class Bundle:
    """Rows per bundle file, each a tuple in the file's column order."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, file: str, **values: Any) -> None:
        spec = BY_NAME[file]
        unknown = set(values) - set(spec.column_names)
        assert not unknown, f"{file}: unknown columns {unknown}"
        self.rows[file].append(tuple(values.get(c) for c in spec.column_names))

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())


@dataclass
class Copy:
    """One copy of the company: id and name suffixes, and what was made so far."""

    number: int
    as_of: dt.date
    shape: Shape
    rng: random.Random
    out: Bundle
    people: dict[str, list[str]] = field(default_factory=dict)
    stage_owners: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    team_stages: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    team_actions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # (team key, stage id): the team's actions on goals linked to that stage
    stage_actions: dict[tuple[str, str], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    stage_ids: dict[str, str] = field(default_factory=dict)
    goal_ids: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    touchpoints: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    @property
    def sfx(self) -> str:
        return "" if self.number == 1 else f"-{self.number}"

    @property
    def name_sfx(self) -> str:
        return "" if self.number == 1 else f" {self.number}"

    def day(self, offset: int) -> dt.date:
        return self.as_of + dt.timedelta(days=offset)

    def team_id(self, key: str) -> str:
        return f"t-{key}{self.sfx}"


def generate(
    as_of: dt.date, scale: int = 1, seed: int = SEED, shape: Shape | None = None
) -> Bundle:
    """The demo company as bundle rows, its story told as of `as_of`."""
    shape = shape or Shape(scale=scale)
    out = Bundle()
    _objectives(out)
    for number in range(1, shape.scale + 1):
        copy = Copy(number, as_of, shape, random.Random(seed * 1000 + number), out)
        _organisation(copy)
        _journeys(copy)
        _goals(copy)
        _pulse(copy)
        _feedback(copy)
        _notes(copy)
        _insights_story(copy)  # last, and without the copy's random numbers: the rest is as before
    return out


def _objectives(out: Bundle) -> None:
    for key, (title, vision) in story.OBJECTIVES.items():
        out.add("objectives", id=f"o-{key}", title=title, vision=vision)


# -- organisation ---------------------------------------------------------------------

_SPECIAL_ROLES = {
    ("itplat", 1): "admin",
    ("mktg", 1): "steering",
    ("netops", 1): "steering",
    ("entsales", 1): "steering",
    ("dsales", 2): "champion",
    ("bbcare", 2): "champion",
    ("accmgmt", 2): "champion",
    ("collect", 2): "champion",
}


def _organisation(c: Copy) -> None:
    for key, name in story.UNITS.items():
        c.out.add("business_units", id=f"bu-{key}{c.sfx}", name=name + c.name_sfx)
    serial = (c.number - 1) * len(story.TEAMS) * 4
    for team in story.TEAMS:
        tid = c.team_id(team.key)
        c.out.add(
            "teams", id=tid, name=team.name + c.name_sfx, business_unit_id=f"bu-{team.unit}{c.sfx}"
        )
        c.people[team.key] = []
        for index in range(4):
            person = _person(c, team.key, index, serial)
            serial += 1
            c.people[team.key].append(person)


def _person(c: Copy, team_key: str, index: int, serial: int) -> str:
    first = story.FIRST_NAMES[serial % len(story.FIRST_NAMES)]
    last = story.LAST_NAMES[(serial * 7 + serial // len(story.FIRST_NAMES)) % len(story.LAST_NAMES)]
    pid = f"p-{team_key}-{index}{c.sfx}"
    role = "head" if index == 0 else _SPECIAL_ROLES.get((team_key, index), "member")
    email = f"{first}.{last}{c.sfx}@meridian.example".lower()
    c.out.add(
        "people",
        id=pid,
        name=f"{first} {last}",
        email=email,
        team_id=c.team_id(team_key),
        role=role,
    )
    return pid


def _journeys(c: Copy) -> None:
    for jkey, jname, stages in story.JOURNEYS:
        jid = f"j-{jkey}{c.sfx}"
        c.out.add("journeys", id=jid, name=jname + c.name_sfx)
        for position, (phase, stage_name, touchpoints) in enumerate(stages, start=1):
            sid = f"s-{jkey}-{position:02d}{c.sfx}"
            c.stage_ids[stage_name] = sid
            c.out.add(
                "stages", id=sid, journey_id=jid, phase=phase, name=stage_name, position=position
            )
            for n, (tp_name, layer, channel, owner) in enumerate(touchpoints, start=1):
                tp_id = f"tp-{jkey}-{position:02d}-{n}{c.sfx}"
                c.touchpoints.append((tp_id, sid, c.team_id(owner), tp_name, stage_name))
                c.out.add(
                    "touchpoints",
                    id=tp_id,
                    stage_id=sid,
                    name=tp_name,
                    layer=layer,
                    channel=channel,
                    owner_team_id=c.team_id(owner),
                )
                if owner not in c.stage_owners[sid]:
                    c.stage_owners[sid].append(owner)
                if sid not in c.team_stages[owner]:
                    c.team_stages[owner].append(sid)


# -- goals, metrics, actions -------------------------------------------------------------


def _kind(team_key: str) -> str:
    return next(t.kind for t in story.TEAMS if t.key == team_key)


def _behaviour(team: story.TeamPlan) -> Behaviour:
    b = BEHAVIOUR[team.kind]
    if team.turn in _RECOVERS:
        # Its goals had owners and targets all along; what lapsed was the follow-through.
        return replace(b, all_owned=True, all_targeted=True)
    if team.turn == story.SLIPPING:
        # Its metrics were only just on pace when the readings stopped.
        return replace(b, speed=b.speed * 0.75)
    return b


@dataclass(frozen=True)
class Rhythm:
    """When a metric gets its readings, or an action its check-ins.

    Kept up: on cadence throughout. Neglected: nothing after `lapse`, long enough before
    both reviews that a neglected item looks the same at each, so a steady team scores
    about the same at every review. A recovering team's items are all back on cadence from
    the turn; a slipping team's stop at the turn.
    """

    kept: bool
    turn: str
    turn_day: dt.date
    lapse: dt.date
    slip_day: dt.date

    def records(self, day: dt.date) -> bool:
        if self.turn == story.SLIPPING and day >= self.turn_day:
            return False
        if self.turn in _RECOVERS and day >= self.turn_day:
            return True
        if self.turn == story.REBOUNDING:  # kept everything up until it slipped
            return day < self.slip_day
        return self.kept or day < self.lapse

    def after(self, day: dt.date, gap: int) -> dt.date:
        """The next date after `day`; a recovering team's first one falls on the turn."""
        following = day + dt.timedelta(days=gap)
        if self.turn in _RECOVERS and day < self.turn_day < following:
            return self.turn_day
        return following


_RECOVERS = (story.RECOVERING, story.REBOUNDING)


def _rhythm(c: Copy, team: story.TeamPlan, kept: bool, lapse: dt.date) -> Rhythm:
    return Rhythm(kept, team.turn, c.day(TURN), lapse, c.day(SLIP))


def _goals(c: Copy) -> None:
    by_team: dict[str, list[story.GoalPlan]] = defaultdict(list)
    for plan in story.GOALS:
        by_team[plan.team].append(plan)
    serial = 0
    for team in story.TEAMS:
        plans = by_team[team.key] * c.shape.goal_copies
        for index, plan in enumerate(plans):
            serial += 1
            _goal(c, team, plan, index, len(by_team[team.key]))
    _past_goals(c)
    _decision_actions(c)


def _goal(c: Copy, team: story.TeamPlan, plan: story.GoalPlan, index: int, per_copy: int) -> None:
    b = _behaviour(team)
    gid = f"g-{team.key}-{index + 1}{c.sfx}"
    c.goal_ids[team.key].append(gid)
    first = index % per_copy == 0
    start = c.day(-c.rng.randint(300, 520))
    end = c.day(c.rng.randint(90, 330))
    owned = b.all_owned or first
    c.out.add(
        "goals",
        id=gid,
        title=plan.title + ("" if index < per_copy else f" ({index // per_copy + 1})"),
        success_statement=f"{plan.metric} moves from {_num(plan.baseline)} to "
        f"{_num(plan.target)} {plan.unit} by the end of the period.",
        team_id=c.team_id(team.key),
        owner_id=c.people[team.key][0] if owned else None,
        start_date=start,
        end_date=end,
        status="active",
    )
    if b.objectives or first:
        c.out.add("goal_objectives", goal_id=gid, objective_id=f"o-{plan.objective}")
    stages = _stages_for(c, team, index, per_copy, b)
    for sid in stages:
        c.out.add("goal_stages", goal_id=gid, stage_id=sid)
    if b.bridges:
        for other in _bridging_partners(c, team.key, stages):
            c.out.add("goal_contributors", goal_id=gid, team_id=c.team_id(other))
    targeted = b.all_targeted or first
    speed = b.speed if not (b.on_time and index % per_copy == per_copy - 1) else 0.8
    _metric(
        c,
        gid,
        f"m-{team.key}-{index + 1}-1{c.sfx}",
        plan.metric,
        plan.unit,
        plan.direction,
        plan.baseline,
        plan.target if targeted else None,
        plan.cadence,
        start,
        end,
        speed,
        _rhythm(c, team, b.fresh or first, c.day(-c.rng.randint(100, 160))),
    )
    if first:
        _metric(
            c,
            gid,
            f"m-{team.key}-{index + 1}-2{c.sfx}",
            "Customer satisfaction (CSAT)",
            "%",
            "higher",
            72,
            85,
            30,
            start,
            end,
            speed,
            _rhythm(c, team, b.fresh, c.day(-c.rng.randint(100, 160))),
        )
    for j in range(c.shape.actions_per_goal):
        aid = f"a-{team.key}-{index + 1}-{j + 1}{c.sfx}"
        _action(c, team, gid, aid, j, index, plan, b)
        for sid in stages:
            c.stage_actions[(team.key, sid)].append(aid)


def _stages_for(
    c: Copy, team: story.TeamPlan, index: int, per_copy: int, b: Behaviour
) -> list[str]:
    own = c.team_stages[team.key]
    if b.own_stages:
        return [sid for n, sid in enumerate(own) if n % per_copy == index % per_copy] or own[:1]
    if team.kind == story.SILOED and index % per_copy == 0:
        return own[:1]
    return []


def _bridging_partners(c: Copy, team_key: str, stages: list[str]) -> list[str]:
    partners: list[str] = []
    for sid in stages:
        for owner in c.stage_owners[sid]:
            kind = _kind(owner)
            if owner != team_key and kind in (story.PERFORMING, story.ASPIRATIONAL):
                if owner not in partners:
                    partners.append(owner)
    return partners[:3]


def _num(value: float) -> str:
    return format_cell(float(value))


def _metric(
    c: Copy,
    gid: str,
    mid: str,
    name: str,
    unit: str,
    direction: str,
    baseline: float,
    target: float | None,
    cadence: int,
    start: dt.date,
    end: dt.date,
    speed: float,
    rhythm: Rhythm,
) -> None:
    c.out.add(
        "metrics",
        id=mid,
        goal_id=gid,
        name=name,
        unit=unit,
        direction=direction,
        baseline=baseline,
        target=target,
        cadence_days=cadence,
    )
    goal_target = (
        target
        if target is not None
        else baseline + (baseline * 0.2 or 1) * (1 if direction == "higher" else -1)
    )
    span = max((end - start).days, 1)
    jitter = c.rng.uniform(-0.08, 0.08)
    for day in _reading_days(c, rhythm, cadence):
        elapsed = min(max((day - start).days / span, 0.0), 1.0)
        share = min(elapsed * (speed + jitter), 1.05)
        noise = c.rng.uniform(-0.03, 0.03) * abs(goal_target - baseline)
        value = baseline + (goal_target - baseline) * share + noise
        c.out.add(
            "metric_readings", metric_id=mid, as_of=day, value=round(value, 2), source="import"
        )


def _reading_days(c: Copy, rhythm: Rhythm, cadence: int) -> Iterator[dt.date]:
    """Every `cadence` days, the last at most `cadence` days old, while recorded at all."""
    day = c.day(-c.shape.history_days + c.rng.randint(0, cadence - 1))
    while day <= c.as_of:
        if rhythm.records(day):
            yield day
        day = rhythm.after(day, cadence)


def _action(
    c: Copy,
    team: story.TeamPlan,
    gid: str,
    aid: str,
    j: int,
    index: int,
    plan: story.GoalPlan,
    b: Behaviour,
) -> None:
    verb = story.ACTION_VERBS[(index * 3 + j) % len(story.ACTION_VERBS)]
    created, due = _action_window(c, j)
    status, completed = _action_outcome(c, team.turn, b, j, index, due)
    people = c.people[team.key]
    owner = people[(index + j) % len(people)] if (b.all_owned or j != 1) else None
    title = f"{verb} {plan.metric.lower()}"
    c.out.add(
        "actions",
        id=aid,
        goal_id=gid,
        title=title,
        owner_id=owner,
        team_id=c.team_id(team.key),
        created_on=created,
        due_date=due,
        status=status,
        completed_on=completed,
    )
    c.team_actions[team.key].append(aid)
    # A team that lags keeps up half its actions and lets the others lapse after a week.
    kept = b.fresh or (index + j) % 2 == 0
    rhythm = _rhythm(c, team, kept, created + dt.timedelta(days=8))
    _check_ins(c, team.key, aid, created, status, completed, b, rhythm)


def _action_window(c: Copy, j: int) -> tuple[dt.date, dt.date]:
    if j % 3 == 0:
        return c.day(-210 - c.rng.randint(0, 30)), c.day(-120 + c.rng.randint(-10, 10))
    if j % 3 == 1:
        return c.day(-100 - c.rng.randint(0, 20)), c.day(-20 + c.rng.randint(-8, 8))
    return c.day(-10 - c.rng.randint(0, 50)), c.day(45 + c.rng.randint(0, 40))


def _action_outcome(
    c: Copy, turn: str, b: Behaviour, j: int, index: int, due: dt.date
) -> tuple[str, dt.date | None]:
    """Actions due long ago (j % 3 == 0), recently (1) or later (2), by how the team works."""
    if j % 3 == 2:
        return ("in_progress" if c.rng.random() < 0.6 else "open"), None
    if turn in _RECOVERS:
        if j % 3 == 0 and turn == story.REBOUNDING and index % 3 == 0:  # before it slipped
            return "done", due - dt.timedelta(days=c.rng.randint(0, 10))
        if j % 3 == 0:  # long overdue, finished late once the team got going again
            return "done", c.day(TURN + c.rng.randint(0, 20))
        return "done", due - dt.timedelta(days=c.rng.randint(0, 5))
    if turn == story.SLIPPING and j % 3 == 1:  # fell due after the team stopped
        return "open", None
    if b.on_time:  # a few days late now and then, long ago as recently
        if (j % 3 == 1 and index % 3 == 1) or (j % 3 == 0 and index % 3 == 2):
            return "done", due + dt.timedelta(days=5)
        return "done", due - dt.timedelta(days=c.rng.randint(0, 10))
    if index % 2 == 0:  # a team that lags finishes some of its actions late, at any time
        return "done", min(due + dt.timedelta(days=c.rng.randint(15, 40)), c.day(-1))
    return ("blocked" if j % 3 else "open"), None


def _check_ins(
    c: Copy,
    team_key: str,
    aid: str,
    created: dt.date,
    status: str,
    completed: dt.date | None,
    b: Behaviour,
    rhythm: Rhythm,
) -> None:
    days = list(_check_in_days(c, created, completed, rhythm))
    why = story.TURN_NOTES.get(team_key)
    before_slip = [d for d in days if d < rhythm.slip_day and d != completed]
    rebounding = rhythm.turn == story.REBOUNDING and before_slip and days[-1] >= rhythm.slip_day
    last_before_slip = before_slip[-1] if rebounding else None
    for n, day in enumerate(days, start=1):
        final = n == len(days)
        state = status if final else "in_progress"
        progress = 100 if state == "done" else min(95, round(100 * n / (len(days) + 2)))
        confidence = c.rng.randint(4, 5) if b.on_time else c.rng.randint(1, 3)
        note = _check_in_note(state, confidence, c.rng)
        if rhythm.turn in _RECOVERS and day == rhythm.turn_day:
            note = why
        if day == last_before_slip:
            note = story.SLIP_NOTES[team_key]
        if rhythm.turn == story.SLIPPING and final and completed is None:
            note = why
        c.out.add(
            "check_ins",
            action_id=aid,
            checked_on=day,
            status=state,
            progress=progress,
            confidence=confidence,
            note=note,
        )


def _check_in_days(
    c: Copy, created: dt.date, completed: dt.date | None, rhythm: Rhythm
) -> Iterator[dt.date]:
    """Every one to two weeks from a week after its creation, while recorded at all."""
    end = completed or c.as_of
    day = created + dt.timedelta(days=7)
    while day < end:
        if rhythm.records(day):
            yield day
        day = rhythm.after(day, c.rng.randint(7, 13))
    if completed is not None:
        yield completed


_NOTES_NEEDING_HELP = (
    "Waiting on IT for a data extract; need a named contact.",
    "Two teams disagree on who owns the hand-off; need a steering decision.",
    "Budget for the pilot not approved yet.",
    "Key person on leave; need cover from another team.",
)


def _check_in_note(state: str, confidence: int, rng: random.Random) -> str | None:
    if state == "blocked" or confidence <= 2:
        return rng.choice(_NOTES_NEEDING_HELP)
    if state == "done":
        return "Done and handed over."
    return None


def _past_goals(c: Copy) -> None:
    for n, (team_key, title, objective, status) in enumerate(story.PAST_GOALS, start=1):
        gid = f"g-past-{n}{c.sfx}"
        c.out.add(
            "goals",
            id=gid,
            title=title,
            success_statement=None,
            team_id=c.team_id(team_key),
            owner_id=c.people[team_key][0],
            start_date=c.day(-720),
            end_date=c.day(-200),
            status=status,
        )
        c.out.add("goal_objectives", goal_id=gid, objective_id=f"o-{objective}")
        sid = c.team_stages[team_key][0]
        c.out.add("goal_stages", goal_id=gid, stage_id=sid)


# Decisions of the two past steering reviews and the action items they created:
# (review, text, team, goal index, created, due, status, completed), days from the story's
# day. Each outcome is what the data shows: the pulse surveys were run (PULSE_RESTART), the
# recovery plan started Broadband Care's turn (TURN); no joint delivery goal exists yet.
DECISIONS = (
    (
        1,
        "Set up a joint goal for the delivery hand-off between Retail and Logistics",
        "retail",
        1,
        REVIEWS[0],
        -30,
        "open",
        None,
    ),
    (
        1,
        "Restart pulse surveys in Mobile Billing and IT Platforms",
        "mbill",
        0,
        REVIEWS[0],
        -30,
        "done",
        PULSE_RESTART,
    ),
    (
        2,
        "Broadband Care to publish a recovery plan for first-call fixes",
        "bbcare",
        0,
        REVIEWS[1],
        14,
        "done",
        TURN,
    ),
    (2, "Logistics to join the delivery hand-off goal", "logis", 0, REVIEWS[1], -7, "open", None),
    (2, "Keep the steering review every six weeks", None, None, REVIEWS[1], None, None, None),
)


def _decision_actions(c: Copy) -> None:
    for n, (_meeting, text, team_key, goal_index, created, due, status, done) in enumerate(
        DECISIONS, start=1
    ):
        if team_key is None or goal_index is None or due is None or status is None:
            continue
        aid = f"a-decision-{n}{c.sfx}"
        c.out.add(
            "actions",
            id=aid,
            goal_id=c.goal_ids[team_key][goal_index],
            title=text,
            owner_id=c.people[team_key][0],
            team_id=c.team_id(team_key),
            created_on=c.day(created),
            due_date=c.day(due),
            status=status,
            completed_on=c.day(done) if done is not None else None,
        )
        c.team_actions[team_key].append(aid)
        last = c.day(done) if done is not None else c.day(created + 7)
        c.out.add(
            "check_ins",
            action_id=aid,
            checked_on=last,
            status=status,
            progress=100 if status == "done" else 20,
            confidence=3,
            note=None,
        )


# -- pulse, feedback, notes ------------------------------------------------------------


def _pulse(c: Copy) -> None:
    for team in story.TEAMS:
        if team.pulse == "never":
            continue
        # A restarted survey lapsed before review 1 (over 180 days old) and ran again after.
        first = 20 if team.pulse == "recent" else 280
        days = [c.day(-first - 91 * quarter - c.rng.randint(0, 5)) for quarter in range(7)]
        if team.pulse == "restarted":
            days.insert(0, c.day(PULSE_RESTART))
        for quarter, day in enumerate(days):
            _survey(c, team, day, quarter)


def _survey(c: Copy, team: story.TeamPlan, day: dt.date, quarter: int) -> None:
    mean = BEHAVIOUR[team.kind].pulse_score
    drift = 0.08 * quarter if team.kind == story.PERFORMING else 0.0
    for question in ("understand_goals", "know_my_part", "agree_why"):
        score = min(5.0, max(1.0, mean - drift + c.rng.uniform(-0.25, 0.25)))
        c.out.add(
            "pulse_responses",
            team_id=c.team_id(team.key),
            survey_date=day,
            question=question,
            score=round(score, 2),
            respondents=c.rng.randint(8, 40),
        )


_NEGATIVE_SHARE = {
    story.PERFORMING: 0.3,
    story.ASPIRATIONAL: 0.5,
    story.COMPLIANT: 0.45,
    story.SILOED: 0.6,
}


def _feedback(c: Copy) -> None:
    for n in range(1, 71):
        tp_id, stage_id, owner, tp_name, stage_name = c.touchpoints[
            c.rng.randrange(len(c.touchpoints))
        ]
        praise, remark = story.REMARKS[stage_name]
        team_key = owner.removeprefix("t-").removesuffix(c.sfx)
        kind = _kind(team_key)
        received = c.day(-c.rng.randint(1, 170))
        roll = c.rng.random()
        if roll < _NEGATIVE_SHARE[kind]:
            row = _negative(c, team_key, stage_id, received, story.COMPLAINTS[tp_name])
        elif roll < _NEGATIVE_SHARE[kind] + 0.15:
            row = {
                "sentiment": "neutral",
                "text": remark,
                "closed_on": received + dt.timedelta(days=3),
            }
        else:
            row = {
                "sentiment": "positive",
                "text": praise,
                "closed_on": received + dt.timedelta(days=1),
            }
        c.out.add(
            "feedback",
            id=f"fb-{n:03d}{c.sfx}",
            received_on=received,
            stage_id=stage_id,
            touchpoint_id=tp_id,
            team_id=owner,
            **row,
        )


def _negative(
    c: Copy, team_key: str, stage_id: str, received: dt.date, text: str
) -> dict[str, Any]:
    kind = _kind(team_key)
    answered = 0.9 if kind in (story.PERFORMING, story.COMPLIANT) else 0.35
    roll = c.rng.random()
    # Handled by an action on the same stage where the team has one, else any of its own.
    actions = c.stage_actions.get((team_key, stage_id)) or c.team_actions[team_key]
    if roll < answered * 0.65 and actions:
        return {"sentiment": "negative", "text": text, "action_id": c.rng.choice(actions)}
    if roll < answered:
        closed = min(received + dt.timedelta(days=c.rng.randint(2, 12)), c.as_of)
        return {
            "sentiment": "negative",
            "text": text,
            "closed_on": closed,
            "response": "Explained the cause to the customer; a one-off, no action needed.",
        }
    return {"sentiment": "negative", "text": text}


def _insights_story(c: Copy) -> None:
    """Issue 25's story (story.PAIN_*, story.PAST_ACTIONS): an obvious pain, and two past
    actions, one that moved its metric and one that did not. Past goals are out of scope
    and the pain's feedback is closed with a response, so no score or signal changes but
    the two actions' delivery (on time)."""
    tp_id, stage_id, owner, name, _stage = next(
        t for t in c.touchpoints if t[3] == story.PAIN_TOUCHPOINT
    )
    days = [-85 + 4 * n for n in range(story.PAIN_RECENT)]
    days += [-170 + 12 * n for n in range(story.PAIN_BEFORE)]
    for n, offset in enumerate(days, start=1):
        c.out.add(
            "feedback",
            id=f"fb-pain-{n:02d}{c.sfx}",
            received_on=c.day(offset),
            stage_id=stage_id,
            touchpoint_id=tp_id,
            team_id=owner,
            sentiment="negative",
            text=story.COMPLAINTS[name],
            response=story.PAIN_RESPONSE,
            closed_on=c.day(offset + 2),
        )
    for index, metric, unit, base, target, readings, title, made, due, done in story.PAST_ACTIONS:
        team_key = story.PAST_GOALS[index - 1][0]
        gid, mid = f"g-past-{index}{c.sfx}", f"m-past-{index}{c.sfx}"
        c.out.add(
            "metrics",
            id=mid,
            goal_id=gid,
            name=metric,
            unit=unit,
            direction="higher",
            baseline=base,
            target=target,
            cadence_days=30,
        )
        for offset, value in readings:
            c.out.add(
                "metric_readings", metric_id=mid, as_of=c.day(offset), value=value, source="import"
            )
        c.out.add(
            "actions",
            id=f"a-past-{index}{c.sfx}",
            goal_id=gid,
            title=title,
            owner_id=c.people[team_key][0],
            team_id=c.team_id(team_key),
            created_on=c.day(made),
            due_date=c.day(due),
            status="done",
            completed_on=c.day(done),
        )


def _notes(c: Copy) -> None:
    champions = [
        (key, p)
        for key, people in c.people.items()
        for p in people
        if _SPECIAL_ROLES.get((key, people.index(p))) == "champion"
    ]
    for n, (stage_name, title, body, tags) in enumerate(story.CHAMPION_NOTES, start=1):
        team_key, author = champions[(n - 1) % len(champions)]
        unit = next(t.unit for t in story.TEAMS if t.key == team_key)
        c.out.add(
            "notes",
            id=f"n-{n:02d}{c.sfx}",
            author_id=author,
            business_unit_id=f"bu-{unit}{c.sfx}",
            stage_id=c.stage_ids[stage_name],
            created_on=c.day(-7 * n - c.rng.randint(0, 5)),
            title=title,
            body=body,
            tags=tags,
        )


# -- writing and loading ---------------------------------------------------------------


def personas() -> dict[str, str]:
    """One person per role for the demo's persona picker."""
    return {
        "admin": "p-itplat-1",
        "steering": "p-mktg-1",
        "head": "p-bbcare-0",
        "champion": "p-dsales-2",
        "member": "p-bbcare-3",
    }


def write_bundle(
    folder: str | Path, as_of: dt.date, scale: int = 1, shape: Shape | None = None
) -> Path:
    """Write the demo company as a bundle folder of CSV files."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    bundle = generate(as_of, scale=scale, shape=shape)
    for name, rows in bundle.rows.items():
        spec = BY_NAME[name]
        keep = spec.written_indices(rows)
        header = tuple(spec.column_names[i] for i in keep)
        _write_csv(out / spec.filename, header, [tuple(row[i] for i in keep) for row in rows])
    return out


def _write_csv(path: Path, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([format_cell(v) for v in row] for row in rows)


def load(
    db: Database,
    as_of: dt.date | None = None,
    scale: int = 1,
    progress: Progress | None = None,
    shape: Shape | None = None,
    *,
    add_to_real_data: bool = False,
) -> ImportReport:
    """Load the demo company into `db` as of `as_of` (default today), with its meetings.

    Refused (RealDataPresent, nothing changed) when `db` already holds real data, unless
    `add_to_real_data`: then the demo rows are merged into it and the database is not
    marked as the demo company, so demo sign-in stays off (see cxos.demo.marker).
    """
    day = as_of or dt.date.today()
    found = marker.real_data(db)
    if found is not None and not add_to_real_data:
        raise marker.refusal(db.location, found)
    with tempfile.TemporaryDirectory(prefix="cxos-demo-") as tmp:
        write_bundle(tmp, day, scale=scale, shape=shape)
        report = import_bundle(
            db,
            tmp,
            progress=progress or (lambda _f, _m: None),
            label="demo company",
            # Marked with the rows it describes, in one transaction; never over real data.
            then=None if found else lambda con: marker.mark(con, personas(), day.isoformat()),
        )
    db.write(lambda con: _meetings(con, day))
    _freeze_reviews(db)
    return report


def _meetings(con: Connection, as_of: dt.date) -> None:
    steering = [p for p in ("p-mktg-1", "p-netops-1", "p-entsales-1")]
    for number, offset in enumerate(REVIEWS, start=1):
        mid = f"review-{number}"
        con.execute("DELETE FROM decisions WHERE meeting_id = ?", [mid])
        con.execute("DELETE FROM meetings WHERE id = ?", [mid])
        held = as_of + dt.timedelta(days=offset)
        con.execute(
            "INSERT INTO meetings (id, held_on, title, status, attendees, created_by, closed_at) "
            "VALUES (?, ?, ?, 'closed', ?, ?, ?)",
            [
                mid,
                held,
                f"CX steering review {number}",
                json.dumps(steering),
                steering[0],
                dt.datetime.combine(held, dt.time(11, 0)),
            ],
        )
    for n, (meeting, text, team_key, _g, created, _due, _status, _done) in enumerate(
        DECISIONS, start=1
    ):
        action = f"a-decision-{n}" if team_key is not None else None
        con.execute(
            "INSERT INTO decisions (id, meeting_id, text, action_id, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                f"decision-{n}",
                f"review-{meeting}",
                text,
                action,
                "p-mktg-1",
                dt.datetime.combine(as_of + dt.timedelta(days=created), dt.time(10, 30)),
            ],
        )


def _freeze_reviews(db: Database) -> None:
    """Frozen through the meetings module, oldest first, so review 2 sees review 1's moves."""
    from cxos.review.meetings import freeze
    from cxos.scoring.config import ScoringConfig

    for number in (1, 2):
        freeze(db, f"review-{number}", None, ScoringConfig.load())
