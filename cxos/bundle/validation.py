"""Set-based checks of staged bundle rows, generated from the bundle specs.

Each check is one SQL query over a staging table that returns the offending rows, so a
bundle of a million rows is checked as fast as DuckDB scans it. Checks run in order —
text to types, ranges, row rules, uniqueness, references — and stop collecting once
`limit` problems are found, while still counting how many there are in all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cxos.bundle.spec import BY_NAME, FILES, Column, FileSpec
from cxos.bundle.staging import staging_table
from cxos.model.entities import control_message, length_message, reserved_message
from cxos.model.errors import Problem
from cxos.storage import Connection
from cxos.text import CONTROL_CHARACTERS

MAX_PROBLEMS = 50
_SHOWN = 40


@dataclass(frozen=True)
class Check:
    """A query returning (_row, shown value) of rows at fault, and the message for each."""

    spec: FileSpec
    column: str | None
    sql: str
    message: str  # may use {value}
    # Or the message made from the value, when the value is figures rather than a cell.
    describe: Callable[[str], str] | None = None


def typed_table(spec: FileSpec) -> str:
    return f"typ_{spec.name}"


def _cast(column: Column) -> str:
    value = column.name
    if column.default is not None:
        value = f"coalesce({value}, '{column.default}')"
    if column.sql_type == "VARCHAR":
        return f"{value} AS {column.name}"
    return f"TRY_CAST({value} AS {column.sql_type}) AS {column.name}"


def create_typed(con: Connection, spec: FileSpec) -> None:
    """The staging table with typed columns; cells that do not parse become NULL.

    A view, not a copy: each check and the merge cast only the columns they read, which
    cost less than writing a million typed rows once (0.15 s of the enterprise import).
    """
    casts = ", ".join(_cast(c) for c in spec.read_columns)
    con.execute(f"DROP VIEW IF EXISTS {typed_table(spec)}")
    con.execute(
        f"CREATE TEMP VIEW {typed_table(spec)} AS SELECT _row, {casts} FROM {staging_table(spec)}"
    )


def _type_checks(spec: FileSpec) -> Iterator[Check]:
    stg = staging_table(spec)
    for c in spec.read_columns:
        if c.required:
            yield Check(
                spec,
                c.name,
                f"SELECT _row, NULL FROM {stg} WHERE {c.name} IS NULL",
                "is required but empty",
            )
        bad = _bad_text(c)
        if bad:
            yield Check(
                spec,
                c.name,
                f"SELECT _row, {c.name} FROM {stg} WHERE {bad}",
                "'{value}' is not " + _type_word(c),
            )
        if c.choices:
            listed = ", ".join(f"'{v}'" for v in c.choices)
            yield Check(
                spec,
                c.name,
                f"SELECT _row, {c.name} FROM {stg} WHERE {c.name} NOT IN ({listed})",
                "'{value}' is not one of " + ", ".join(c.choices),
            )
        if c.name not in _references(spec):
            yield from _text_checks(spec, c)


_NOT_CONTROL = "[^" + CONTROL_CHARACTERS[1:]


def _references(spec: FileSpec) -> set[str]:
    return {ref.column for ref in spec.references}


def _text_checks(spec: FileSpec, c: Column) -> Iterator[Check]:
    """The models' text rules: length, control characters, reserved ids.

    Not for columns referring to other files: a reference must equal an id that passed
    these rules on its way in (else the reference check reports it), and skipping them
    spares the biggest files most of the cost (a million readings refer to metrics).
    """
    stg, name = staging_table(spec), c.name
    limit = c.max_chars
    if limit is not None:
        yield Check(
            spec,
            name,
            f"SELECT _row, length({name}) FROM {stg} WHERE length({name}) > {limit}",
            "",
            lambda value: length_message(int(value), limit),
        )
    if c.no_control:
        # The position of the first control character is the length of what precedes it.
        at = f"length(regexp_extract({name}, '^{_NOT_CONTROL}*'))"
        yield Check(
            spec,
            name,
            f"SELECT _row, {at} || ' ' || unicode(substr({name}, {at} + 1, 1)) FROM {stg} "
            f"WHERE regexp_matches({name}, '{CONTROL_CHARACTERS}')",
            "",
            _describe_control,
        )
    if c.reserved_prefix is not None:
        yield Check(
            spec,
            name,
            f"SELECT _row, {name} FROM {stg} WHERE starts_with({name}, '{c.reserved_prefix}')",
            "'{value}' " + reserved_message(),
        )


def _describe_control(value: str) -> str:
    at, code = value.split()
    return control_message(int(code), int(at))


def _bad_text(c: Column) -> str | None:
    name = c.name
    if c.sql_type == "DATE":
        return (
            f"{name} IS NOT NULL AND (NOT regexp_full_match({name}, '\\d{{4}}-\\d{{2}}-\\d{{2}}')"
            f" OR TRY_CAST({name} AS DATE) IS NULL)"
        )
    if c.sql_type == "INTEGER":
        return (
            f"{name} IS NOT NULL AND (NOT regexp_full_match({name}, '[+-]?\\d{{1,9}}')"
            f" OR TRY_CAST({name} AS INTEGER) IS NULL)"
        )
    if c.sql_type == "DOUBLE":
        return (
            f"{name} IS NOT NULL AND (TRY_CAST({name} AS DOUBLE) IS NULL"
            f" OR NOT isfinite(TRY_CAST({name} AS DOUBLE)))"
        )
    return None


def _type_word(c: Column) -> str:
    return {"DATE": "a date (YYYY-MM-DD)", "INTEGER": "a whole number", "DOUBLE": "a number"}[
        c.sql_type
    ]


def _range_checks(spec: FileSpec) -> Iterator[Check]:
    typ = typed_table(spec)
    for c in spec.read_columns:
        bounds = []
        if c.minimum is not None:
            op = "<=" if c.exclusive_minimum else "<"
            bounds.append(f"{c.name} {op} {c.minimum}")
        if c.maximum is not None:
            bounds.append(f"{c.name} > {c.maximum}")
        if bounds:
            yield Check(
                spec,
                c.name,
                f"SELECT _row, {c.name} FROM {typ} WHERE " + " OR ".join(bounds),
                "{value} is " + _range_word(c),
            )


def _range_word(c: Column) -> str:
    low = _num(c.minimum) if c.minimum is not None else None
    if low is not None and c.maximum is not None:
        return f"outside {low}–{_num(c.maximum)}"
    if c.exclusive_minimum:
        return f"not greater than {low}"
    return f"less than {low}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _rule_checks(spec: FileSpec) -> Iterator[Check]:
    for rule in spec.rules:
        yield Check(
            spec,
            rule.column,
            f"SELECT _row, {rule.column} FROM {typed_table(spec)} WHERE {rule.violated}",
            rule.message,
        )


def _unique_checks(spec: FileSpec) -> Iterator[Check]:
    if not spec.key_is_unique:
        return
    keys = ", ".join(spec.key)
    shown = " || ' / ' || ".join(f"coalesce(CAST(t.{k} AS VARCHAR), '')" for k in spec.key)
    label = " + ".join(spec.key)
    same = " AND ".join(f"t.{k} IS NOT DISTINCT FROM d.{k}" for k in spec.key)
    # Duplicated keys first (a hash aggregate), then only their rows: a window over every
    # row sorted a million readings to find none.
    yield Check(
        spec,
        spec.key[-1] if len(spec.key) > 1 else spec.key[0],
        f"SELECT t._row, {shown} || ' (first at row ' || "
        f"d.first_row || ')' FROM {typed_table(spec)} t JOIN ("
        f"SELECT {keys}, min(_row) AS first_row FROM {typed_table(spec)} GROUP BY {keys} "
        f"HAVING count(*) > 1) d ON {same} WHERE t._row > d.first_row",
        f"duplicate {label} " + "{value}",
    )


def _reference_checks(spec: FileSpec, staged: set[str]) -> Iterator[Check]:
    for ref in spec.references:
        target = BY_NAME[ref.target]
        known = f"SELECT id FROM {target.table}"
        if ref.target in staged:
            known += f" UNION ALL SELECT id FROM {staging_table(target)}"
        yield Check(
            spec,
            ref.column,
            f"SELECT _row, {ref.column} FROM {staging_table(spec)} WHERE {ref.column} IS NOT NULL "
            f"AND {ref.column} NOT IN ({known})",
            f"'{{value}}' is not an id in {target.filename} or the database",
        )


def _routing_checks(spec: FileSpec, staged: set[str]) -> Iterator[Check]:
    """Feedback goes to the team that owns its touchpoint or, without one, to a team owning
    a touchpoint on its stage (SPEC: routed to the team that owns the stage or touchpoint),
    and its touchpoint is on its stage."""
    if spec.name != "feedback":
        return
    tps = _as_merged(BY_NAME["touchpoints"], ("id", "stage_id", "owner_team_id"), staged)
    fb = typed_table(spec)
    on_touchpoint = f"FROM {fb} f JOIN ({tps}) tp ON tp.id = f.touchpoint_id"
    yield Check(
        spec,
        "team_id",
        "SELECT f._row, format('team {} does not own touchpoint {} (team {} does)', "
        f"f.team_id, tp.id, tp.owner_team_id) {on_touchpoint} WHERE tp.owner_team_id <> f.team_id",
        "",
        lambda value: f"{value}: feedback is routed to the team that owns its touchpoint",
    )
    yield Check(
        spec,
        "touchpoint_id",
        "SELECT f._row, format('touchpoint {} is on stage {}, not on {}', tp.id, tp.stage_id, "
        f"f.stage_id) {on_touchpoint} WHERE tp.stage_id <> f.stage_id",
        "",
        lambda value: f"{value}: a touchpoint belongs to the feedback's stage",
    )
    yield Check(
        spec,
        "team_id",
        "SELECT f._row, format('team {} owns no touchpoint on stage {}', f.team_id, f.stage_id) "
        f"FROM {fb} f WHERE f.touchpoint_id IS NULL AND NOT EXISTS (SELECT 1 FROM ({tps}) tp "
        "WHERE tp.stage_id = f.stage_id AND tp.owner_team_id = f.team_id)",
        "",
        lambda value: f"{value}: feedback is routed to a team that owns its stage",
    )


def _as_merged(target: FileSpec, columns: tuple[str, ...], staged: set[str]) -> str:
    """`target`'s rows as they will be once the bundle is merged (staged rows win)."""
    cols = ", ".join(columns)
    if target.name not in staged:
        return f"SELECT {cols} FROM {target.table}"
    typ = typed_table(target)
    return (
        f"SELECT {cols} FROM {typ} UNION ALL SELECT {cols} FROM {target.table} "
        f"WHERE id NOT IN (SELECT id FROM {typ} WHERE id IS NOT NULL)"
    )


def checks_for(spec: FileSpec, staged: set[str]) -> Iterator[Check]:
    """Every check of one staged file, in the order a person would fix them."""
    yield from _type_checks(spec)
    yield from _range_checks(spec)
    yield from _rule_checks(spec)
    yield from _unique_checks(spec)
    yield from _reference_checks(spec, staged)
    yield from _routing_checks(spec, staged)


def validate_staged(
    con: Connection, staged: set[str], limit: int = MAX_PROBLEMS
) -> tuple[list[Problem], int]:
    """Run every check over the staged files: (first `limit` problems, total count)."""
    problems: list[Problem] = []
    total = 0
    for spec in FILES:
        if spec.name not in staged:
            continue
        create_typed(con, spec)
        for found, count in _run_all(con, list(checks_for(spec, staged)), limit):
            problems += found[: max(limit - len(problems), 0)]
            total += count
    return problems, total


def _run_all(con: Connection, checks: list[Check], limit: int) -> list[tuple[list[Problem], int]]:
    """Each check's first `limit` problems (by row) and count, in one query per file: a
    query per check cost more in overhead than the small files' checks themselves."""
    if not checks:
        return []
    union = " UNION ALL ".join(
        f"SELECT {i} AS k, _row, CAST(v AS VARCHAR) AS v FROM ({c.sql}) AS t{i}(_row, v)"
        for i, c in enumerate(checks)
    )
    rows = con.execute(
        f"SELECT k, _row, v, count(*) OVER (PARTITION BY k) FROM ({union}) "
        f"QUALIFY row_number() OVER (PARTITION BY k ORDER BY _row) <= {max(limit, 1)} "
        "ORDER BY k, _row"
    ).fetchall()
    results: list[tuple[list[Problem], int]] = [([], 0) for _ in checks]
    for k, row, value, count in rows:
        check = checks[k]
        if check.describe is not None:
            message = check.describe(value)
        else:
            message = check.message.format(value=_short(value))
        results[k][0].append(Problem(check.spec.filename, row, check.column, message))
        results[k] = (results[k][0], count)
    return results


def _short(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def position_clashes(con: Connection) -> list[Problem]:
    """Stages whose position is taken twice in a journey once the bundle is merged."""
    if "stages" not in _staged_names(con):
        return []
    rows = con.execute(
        "SELECT s._row, s.position, s.journey_id, other.id FROM typ_stages s "
        "JOIN stages other ON other.journey_id = s.journey_id AND other.position = s.position "
        "AND other.id <> s.id ORDER BY s._row"
    ).fetchall()
    return [
        Problem(
            "stages.csv",
            r[0],
            "position",
            f"position {r[1]} is already used by stage '{r[3]}' in journey '{r[2]}'",
        )
        for r in rows
    ]


def _staged_names(con: Connection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'typ_%'"
    ).fetchall()
    return {r[0].removeprefix("typ_") for r in rows}
