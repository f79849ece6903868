"""Feedback themes: what customers write about, per stage, touchpoint and team, as of D.

Computed offline and deterministically with scikit-learn: TF-IDF over the words of the
feedback received in the period, then non-negative matrix factorisation (NMF) into a few
themes, each named by its top words. One model for the whole company, not one per stage,
so "billed twice" is the same theme on every stage and team it appears on, and the
journey map, the inbox and the backlog speak of the same themes. Each item belongs to its
strongest theme (none when it has no word the model knows).

Periods (docs/opportunities.md): the *period* is the 90 days ending on D (received_on in
D − 89 … D) and the *previous period* the 90 days before it; the model is fitted on the
period's feedback, and the previous period's items are placed in the same themes, so a
theme's trend compares like with like.

Stable across reruns: inputs sorted by feedback id, the vocabulary sorted, NMF started
from an SVD (`nndsvda`) with a fixed random_state, ties broken by word and by number.
scikit-learn is imported when themes are computed, never when this module is imported.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cxos.storage import Connection, Database

PERIOD_DAYS = 90
MOST_THEMES = 10
TOP_WORDS = 5
LEVELS = ("stage", "touchpoint", "team")
# Words of three letters or more, no digits: order numbers and dates are not themes.
_TOKENS = r"(?u)\b[^\W\d_]{3,}\b"
_VOCABULARY = 5000
_SEED = 0
# NMF asked for more themes than the text holds splits one theme into fragments that share
# their words; fragments whose word weights are this similar (cosine) are one theme.
MERGE_SIMILARITY = 0.3
FIT_SAMPLE = 20_000


@dataclass(frozen=True)
class Theme:
    """One theme of the company's feedback: its number and its top words, strongest first."""

    number: int
    words: tuple[str, ...]

    @property
    def label(self) -> str:
        return ", ".join(self.words)


@dataclass(frozen=True)
class SubjectTheme:
    """A theme as it shows on one stage, touchpoint or team in the period."""

    level: str
    subject_id: str
    subject: str
    theme: Theme
    volume: int  # items in the period
    negative: int  # of which negative
    previous: int  # items in the previous period

    @property
    def negative_share(self) -> float:
        return self.negative / self.volume if self.volume else 0.0

    @property
    def trend(self) -> str:
        """new, rising, falling or steady against the previous period."""
        if self.previous == 0:
            return "new"
        if self.volume == self.previous:
            return "steady"
        return "rising" if self.volume > self.previous else "falling"

    def as_row(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "subject_id": self.subject_id,
            "subject": self.subject,
            "theme": self.theme.number,
            "top_words": self.theme.label,
            "volume": self.volume,
            "negative": self.negative,
            "negative_share": round(self.negative_share, 3),
            "previous_volume": self.previous,
            "trend": self.trend,
        }


COLUMNS = (
    "level",
    "subject_id",
    "subject",
    "theme",
    "top_words",
    "volume",
    "negative",
    "negative_share",
    "previous_volume",
    "trend",
)


@dataclass(frozen=True)
class ThemeReport:
    """The themes as of a date: the company's themes and how each shows per subject."""

    as_of: dt.date
    period_start: dt.date
    previous_start: dt.date
    themes: tuple[Theme, ...]
    rows: tuple[SubjectTheme, ...]
    items: int  # feedback items in the period
    unthemed: int  # of which in no theme (no known word)

    def of(self, level: str, subject_id: str) -> list[SubjectTheme]:
        """The themes of one stage, touchpoint or team, biggest first."""
        return list(self._by_subject.get((level, subject_id), ()))

    @cached_property
    def _by_subject(self) -> dict[tuple[str, str], list[SubjectTheme]]:
        # Built once: the backlog asks for the themes of every stage of a big company.
        index: dict[tuple[str, str], list[SubjectTheme]] = {}
        for row in self.rows:
            index.setdefault((row.level, row.subject_id), []).append(row)
        return index


@dataclass(frozen=True)
class _Item:
    id: str
    received_on: dt.date
    negative: bool
    text: str
    subjects: tuple[tuple[str, str | None, str | None], ...]  # (level, id, name)


def compute_themes(db: Database, as_of: dt.date) -> ThemeReport:
    """The feedback themes as of `as_of` (see the module's docstring for the periods)."""
    return db.read(lambda con: themes_on(con, as_of))


def inputs_key(db: Database, as_of: dt.date) -> tuple[int, int]:
    """What the themes as of `as_of` are computed from, summed up: the number of feedback
    items in the two periods and a hash of everything read of them. It changes only when
    their feedback (or its stage's, touchpoint's or team's name) does, so a page can keep
    the themes across every other write (fitting them is the slow part)."""
    _, previous_start = periods(as_of)
    row = db.read(lambda con: con.execute(_INPUTS, [previous_start, as_of]).fetchone())
    return (int(row[0]), int(row[1])) if row else (0, 0)


def periods(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of the period and of the previous period ending on `as_of`."""
    start = as_of - dt.timedelta(days=PERIOD_DAYS - 1)
    return start, start - dt.timedelta(days=PERIOD_DAYS)


def themes_on(con: Connection, as_of: dt.date) -> ThemeReport:
    """`compute_themes` on an open connection."""
    start, previous_start = periods(as_of)
    items = _items(con, previous_start, as_of)
    current = [i for i in items if i.received_on >= start]
    earlier = [i for i in items if i.received_on < start]
    found = _fit(current, earlier)
    if found is None:
        return ThemeReport(as_of, start, previous_start, (), (), len(current), len(current))
    themes, now, before = found
    rows = _subject_rows(current, earlier, themes, now, before)
    unthemed = sum(1 for t in now if t is None)
    return ThemeReport(as_of, start, previous_start, themes, rows, len(current), unthemed)


_FEEDBACK = """
SELECT f.id, f.received_on, f.sentiment = 'negative' AS negative, f.text,
    f.stage_id, s.name AS stage, f.touchpoint_id, tp.name AS touchpoint,
    f.team_id, t.name AS team
FROM feedback f
LEFT JOIN stages s ON s.id = f.stage_id
LEFT JOIN touchpoints tp ON tp.id = f.touchpoint_id
LEFT JOIN teams t ON t.id = f.team_id
WHERE f.received_on >= ? AND f.received_on <= ?
ORDER BY f.id"""


_INPUTS = f"""
SELECT count(*), coalesce(sum(hash(id, received_on, negative, text, stage_id, stage,
    touchpoint_id, touchpoint, team_id, team)) % 9223372036854775783, 0)
FROM ({_FEEDBACK}) AS read"""


def _items(con: Connection, since: dt.date, until: dt.date) -> list[_Item]:
    rows = con.execute(_FEEDBACK, [since, until]).fetchall()
    return [
        _Item(
            fid,
            received,
            bool(negative),
            body,
            (("stage", stage_id, stage), ("touchpoint", tp_id, tp), ("team", team_id, team)),
        )
        for fid, received, negative, body, stage_id, stage, tp_id, tp, team_id, team in rows
    ]


def number_of_themes(documents: int, words: int) -> int:
    """How many themes to look for: about √n, at least 1, at most MOST_THEMES."""
    return max(1, min(MOST_THEMES, round(documents**0.5), words, documents))


def _fit(
    current: Sequence[_Item], earlier: Sequence[_Item]
) -> tuple[tuple[Theme, ...], list[int | None], list[int | None]] | None:
    """The themes of the period's items and each item's theme (None: none), or None when
    the period has no words to find themes in."""
    if not current:
        return None
    import numpy as np
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [i.text for i in current]
    # Fitted on an even sample of a big period (every k-th item by id: deterministic), then
    # every item placed: the themes of 100,000 items in half the time, hardly different.
    step = -(-len(texts) // FIT_SAMPLE)
    vectorizer = TfidfVectorizer(
        stop_words="english",
        token_pattern=_TOKENS,
        max_features=_VOCABULARY,
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        sample = vectorizer.fit_transform(texts[::step])
    except ValueError:  # no word left (every item empty, digits or stop words)
        return None
    words = vectorizer.get_feature_names_out()
    count = number_of_themes(sample.shape[0], len(words))
    model = NMF(n_components=count, init="nndsvda", random_state=_SEED, max_iter=400)
    with warnings.catch_warnings():
        # Odd text (a few items, many rare words) may not converge in 400 rounds: the
        # themes are still the same on every run, and nobody can act on the warning.
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = model.fit_transform(sample)
        if step > 1:
            weights = model.transform(vectorizer.transform(texts))
        previous = (
            model.transform(vectorizer.transform([i.text for i in earlier])) if earlier else None
        )
    merged, components = _merged(model.components_)
    raw_now = [None if t is None else merged[t] for t in _strongest(weights)]
    raw_before: list[int | None] = []
    if previous is not None:
        raw_before = [None if t is None else merged[t] for t in _strongest(previous)]
    themes, renumber = _named(components, words, raw_now)
    now = [None if t is None else renumber.get(t) for t in raw_now]
    before = [None if t is None else renumber.get(t) for t in raw_before]
    return themes, now, before


def _strongest(weights: Any) -> list[int | None]:
    """Each row's strongest component (the first on a tie), None for a row of zeros."""
    if weights.shape[0] == 0:
        return []
    best = weights.argmax(axis=1)
    return [int(b) if row[b] > 0 else None for b, row in zip(best, weights, strict=True)]


def _merged(components: Any) -> tuple[list[int], dict[int, Any]]:
    """Each component's theme (the lowest index of its group of similar components) and
    each theme's word weights (its components' added up)."""
    import numpy as np

    norms = np.linalg.norm(components, axis=1)
    unit = components / np.where(norms > 0, norms, 1)[:, None]
    similar = unit @ unit.T
    group = list(range(len(components)))
    for a in range(len(components)):  # single linkage, in index order: deterministic
        for b in range(a + 1, len(components)):
            if similar[a, b] >= MERGE_SIMILARITY:
                old, new = max(group[a], group[b]), min(group[a], group[b])
                group = [new if g == old else g for g in group]
    weights = {
        g: components[[i for i, h in enumerate(group) if h == g]].sum(axis=0) for g in set(group)
    }
    return group, weights


def _named(
    components: Any, words: Sequence[str], assigned: list[int | None]
) -> tuple[tuple[Theme, ...], dict[int, int]]:
    """The themes that hold items, numbered by size (then words), with their top words."""
    sizes = Counter(t for t in assigned if t is not None)
    top = {c: _top_words(components[c], words) for c in sizes}
    order = sorted(sizes, key=lambda c: (-sizes[c], top[c]))
    renumber = {c: n for n, c in enumerate(order, start=1)}
    return tuple(Theme(renumber[c], top[c]) for c in order), renumber


def _top_words(weights: Any, words: Sequence[str]) -> tuple[str, ...]:
    ranked = sorted(
        ((float(w), str(words[i])) for i, w in enumerate(weights) if w > 0),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return tuple(word for _w, word in ranked[:TOP_WORDS])


def _subject_rows(
    current: Sequence[_Item],
    earlier: Sequence[_Item],
    themes: tuple[Theme, ...],
    now: list[int | None],
    before: list[int | None],
) -> tuple[SubjectTheme, ...]:
    volume: Counter[tuple[str, str, int]] = Counter()
    negative: Counter[tuple[str, str, int]] = Counter()
    previous: Counter[tuple[str, str, int]] = Counter()
    names: dict[tuple[str, str], str] = {}
    for item, theme in zip(current, now, strict=True):
        for level, sid, name in item.subjects:
            if theme is None or sid is None:
                continue
            names[(level, sid)] = name or sid
            volume[(level, sid, theme)] += 1
            negative[(level, sid, theme)] += item.negative
    for item, theme in zip(earlier, before, strict=True):
        for level, sid, _name in item.subjects:
            if theme is not None and sid is not None:
                previous[(level, sid, theme)] += 1
    by_number = {t.number: t for t in themes}
    rows = []
    for key, count in volume.items():
        level, sid, number = key
        name, found = names[(level, sid)], by_number[number]
        rows.append(SubjectTheme(level, sid, name, found, count, negative[key], previous[key]))
    rows.sort(
        key=lambda r: (LEVELS.index(r.level), r.subject, r.subject_id, -r.volume, r.theme.number)
    )
    return tuple(rows)
