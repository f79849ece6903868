"""Fuzzing the bundle importer: every input imports or is refused with a message.

Inputs are mutations of the committed demo bundle's files (flipped bytes, cut files,
duplicated or dropped lines, swapped columns, stray quotes, NULs, BOMs, huge fields,
nasty cell values), hypothesis-made rows and bytes, and hypothesis-mutated workbooks and
zips (sheet titles that are paths or near-misses, damaged XML, flipped archive bytes,
entries in folders, twice, under odd names or compression). Each one is imported, alone, into
one database that already holds the demo company, so references resolve and the merge
path runs. The rule: the import either succeeds or raises a `CxosError` whose message
says something; any other exception is a bug, and a refused import must leave every
table exactly as it was (a cheap per-table hash, checked on every case).

An archive's import must also write nothing outside its own temporary folder: imports
unpack under a private temporary root that is checked empty after every case.

`CXOS_FUZZ_CASES` sets the number of mutation cases (default 1000, about 25-40 s, the
whole file under a minute; more for a longer hunt);
`CXOS_FUZZ_EXAMPLES` the hypothesis examples per property (default 60).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxos.bundle.importer import import_bundle
from cxos.bundle.spec import BY_NAME, FILES
from cxos.model.errors import CxosError
from cxos.storage import Database

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
CASES = int(os.environ.get("CXOS_FUZZ_CASES", "1000"))
EXAMPLES = int(os.environ.get("CXOS_FUZZ_EXAMPLES", "60"))
# Small files of every kind of merge: ids, a composite key, no key (check-ins), dates.
TARGETS = ["teams", "people", "goals", "metrics", "metric_readings", "check_ins", "feedback"]
LINES_KEPT = 40  # the big files are cut to their first lines: mutations stay cheap


# -- the database under fuzz -------------------------------------------------------------


def table_hashes(db: Database) -> dict[str, tuple[int, int]]:
    """Row count and an order-free hash of every table: equal means nothing changed."""

    def run(con: object) -> dict[str, tuple[int, int]]:
        out = {}
        for spec in FILES:
            row = con.execute(  # type: ignore[attr-defined]
                f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {spec.table} t"
            ).fetchone()
            out[spec.name] = (int(row[0]), int(row[1]))
        row = con.execute("SELECT count(*), coalesce(max(id), 0) FROM audit_log").fetchone()  # type: ignore[attr-defined]
        out["audit_log"] = (int(row[0]), int(row[1]))
        return out

    return db.read(run)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = Database(tmp_path_factory.mktemp("fuzz") / "cxos.duckdb")
    import_bundle(db, DEMO)
    return db


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    """The demo files the mutations start from (big ones cut to their first lines)."""
    out = {}
    for name in TARGETS:
        lines = (DEMO / f"{name}.csv").read_bytes().splitlines(keepends=True)
        out[name] = b"".join(lines[: LINES_KEPT + 1])
    return out


class Checker:
    """Imports one file and checks the outcome; counts what happened for the report."""

    def __init__(self, db: Database):
        self.db = db
        self.before = table_hashes(db)
        self.outcomes = {"imported": 0, "refused": 0}
        self.work = Path(tempfile.mkdtemp(prefix="cxos-fuzz-"))

    def check(self, name: str, content: bytes, label: str) -> None:
        folder = self.work / "bundle"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        (folder / f"{name}.csv").write_bytes(content)
        rows = self.check_source(folder, content, label)
        if rows is not None:  # imported: every record of the file is a row, none lost
            assert rows == _records(content), f"{label}: {rows} rows imported\n{content!r}"

    def check_archive(self, suffix: str, content: bytes, label: str) -> None:
        """Import an .xlsx or .zip; it may unpack only inside its own temporary folder."""
        source = self.work / f"bundle{suffix}"
        source.write_bytes(content)
        scratch = self.work / "scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        saved, tempfile.tempdir = tempfile.tempdir, str(scratch)
        try:
            self.check_source(source, content, label)
        finally:
            tempfile.tempdir = saved
            source.unlink()
        left = sorted(p.name for p in scratch.iterdir())
        assert not left, f"{label}: left {left} behind"
        expected = {"bundle", "scratch"}
        assert {p.name for p in self.work.iterdir()} <= expected, f"{label}: wrote outside"

    def check_source(self, source: Path, content: bytes, label: str) -> int | None:
        """Rows imported, or None when refused (with a message, nothing changed)."""
        try:
            report = import_bundle(self.db, source)
        except CxosError as error:
            assert str(error).strip(), f"{label}: refused without a message"
            after = table_hashes(self.db)
            assert after == self.before, f"{label}: refused but the database changed"
            self.outcomes["refused"] += 1
            return None
        except Exception as error:  # noqa: BLE001 - this is what the fuzzer hunts
            pytest.fail(f"{label}: {type(error).__name__}: {error}\n--- input ---\n{content!r}")
        self.before = table_hashes(self.db)
        self.outcomes["imported"] += 1
        return report.rows


def _records(content: bytes) -> int:
    """Data records of a CSV file as Python's csv module reads it (blank lines hold none)."""
    text = content.decode("utf-8-sig")
    return sum(1 for record in csv.reader(io.StringIO(text, newline="")) if record) - 1


# -- mutations -----------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "NULL",
    "null",
    "-1",
    "0",
    "101",
    "1e309",
    "nan",
    "inf",
    "-inf",
    "1e-400",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "99999-01-01",
    "2026-1-1",
    "9999999999",
    "-2147483649",
    "3.5",
    "'; DROP TABLE teams; --",
    '"',
    '""',
    "a,b",
    "\\",
    "\t",
    "é",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u202e",
    "x" * 5000,
    "t-" + "9" * 300,
    "\r",
    "=cmd|' /C calc'!A0",
]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def duplicate_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines) + 1), lines[i])
    return b"".join(lines)


def delete_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def _rows(data: bytes) -> list[list[str]] | None:
    try:
        return list(csv.reader(data.decode("utf-8").splitlines()))
    except (UnicodeDecodeError, csv.Error):
        return None


def _write(rows: list[list[str]], terminator: str = "\n") -> bytes:
    out = []
    for row in rows:
        out.append(",".join(_quote(c) for c in row))
    return (terminator.join(out) + terminator).encode("utf-8", "surrogatepass")


def _quote(cell: str) -> str:
    if any(ch in cell for ch in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def swap_columns(rng: random.Random, data: bytes) -> bytes:
    rows = _rows(data)
    if not rows or len(rows[0]) < 2:
        return flip_bytes(rng, data)
    i, j = rng.sample(range(len(rows[0])), 2)
    header_only = rng.random() < 0.5
    for n, row in enumerate(rows):
        if len(row) > max(i, j) and (n == 0 or not header_only):
            row[i], row[j] = row[j], row[i]
    return _write(rows)


def nasty_cell(rng: random.Random, data: bytes) -> bytes:
    rows = _rows(data)
    if not rows or len(rows) < 2:
        return flip_bytes(rng, data)
    for _ in range(rng.randint(1, 3)):
        row = rows[rng.randrange(1, len(rows))]
        if row:
            row[rng.randrange(len(row))] = rng.choice(NASTY)
    return _write(rows)


def copy_cell_down(rng: random.Random, data: bytes) -> bytes:
    """A value copied from another row: duplicate ids and keys, clashing positions."""
    rows = _rows(data)
    if not rows or len(rows) < 3:
        return duplicate_line(rng, data)
    a, b = rng.sample(range(1, len(rows)), 2)
    col = rng.randrange(len(rows[0]))
    if len(rows[a]) > col and len(rows[b]) > col:
        rows[b][col] = rows[a][col]
    return _write(rows)


def inject(rng: random.Random, data: bytes) -> bytes:
    piece = rng.choice(
        [b'"', b'""', b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b",", b"\n", b"\r", b"\r\n",
         b"\\", b"\xc3", b"x" * 100_000, b'"' + b"y" * 70_000 + b'"', b"\t", b";"]
    )  # fmt: skip
    at = 0 if rng.random() < 0.15 else rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def extra_column(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = lines[i].rstrip(b"\r\n") + b",extra\n"
    return b"".join(lines)


def line_endings(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n"]))


def header_case(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    lines[0] = rng.choice([lines[0].upper(), b" " + lines[0], lines[0].replace(b",", b";")])
    return b"".join(lines)


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    flip_bytes, truncate, duplicate_line, delete_line, swap_columns, nasty_cell,
    copy_cell_down, inject, extra_column, line_endings, header_case,
]  # fmt: skip


def cases(count: int, seed: int = 20260601) -> Iterator[tuple[str, str, int]]:
    rng = random.Random(seed)
    for n in range(count):
        yield rng.choice(TARGETS), rng.choice(MUTATIONS).__name__, n


# -- the tests -------------------------------------------------------------------------------


@pytest.mark.slow
def test_mutated_demo_files_import_or_are_refused(
    demo_db: Database, seeds: dict[str, bytes]
) -> None:
    checker = Checker(demo_db)
    by_name = {m.__name__: m for m in MUTATIONS}
    for name, mutation, n in cases(CASES):
        rng = random.Random(n)
        content = seeds[name]
        for _ in range(rng.choice([1, 1, 1, 2, 3])):  # sometimes stack mutations
            content = by_name[mutation](rng, content)
        checker.check(name, content, f"case {n}: {mutation} of {name}.csv")
    assert checker.outcomes["refused"] > CASES // 4
    assert checker.outcomes["imported"] > 0


@pytest.fixture(scope="module")
def checker(demo_db: Database) -> Checker:
    return Checker(demo_db)


def _cell() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY[:30]),
        st.text(max_size=20),
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
        st.integers(-(2**40), 2**40).map(str),
        st.floats(allow_nan=True).map(repr),
        st.sampled_from(["t-care", "p-0001", "g-0001", "m-0001", "a-0001", "bu-consumer"]),
    )


@st.composite
def file_rows(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(TARGETS))
    spec = BY_NAME[name]
    columns = draw(st.permutations(spec.column_names))
    columns = columns[: draw(st.integers(1, len(columns)))]
    rows = draw(st.lists(st.lists(_cell(), min_size=len(columns), max_size=len(columns)),
                         max_size=6))  # fmt: skip
    return name, _write([list(columns), *rows]).replace(b"\x00", b"")


settings.register_profile(
    "cxos-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.mark.slow
@settings(settings.get_profile("cxos-fuzz"))
@given(file_rows())
def test_generated_rows_import_or_are_refused(checker: Checker, case: tuple[str, bytes]) -> None:
    name, content = case
    checker.check(name, content, f"hypothesis rows of {name}.csv")


@pytest.mark.slow
@settings(settings.get_profile("cxos-fuzz"))
@given(st.sampled_from(TARGETS), st.binary(max_size=300))
def test_generated_bytes_import_or_are_refused(checker: Checker, name: str, raw: bytes) -> None:
    header = ",".join(BY_NAME[name].column_names).encode() + b"\n"
    checker.check(name, header + raw, f"hypothesis bytes of {name}.csv")


# -- workbooks and zips ----------------------------------------------------------------------

WORKBOOK_FILES = ["teams", "people", "goals", "feedback"]
TITLES = [
    "../../../../x/escaped", "/tmp/cxos-fuzz-absolute", "..", "TEAMS", "teams.CSV",
    " people ", "goal", "Sheet1", "teams/../people", "con", "a" * 31, "t\u00e9ams", "",
]  # fmt: skip


@pytest.fixture(scope="module")
def seed_workbook(seeds: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The first rows of some demo files as one workbook, written as CXOS exports one."""
    from cxos.bundle.exporter import write_workbook

    path = tmp_path_factory.mktemp("wb") / "seed.xlsx"
    sheets = []
    for name in WORKBOOK_FILES:
        rows = list(csv.reader(seeds[name].decode().splitlines()))
        sheets.append((name, rows[0], [tuple(c or None for c in r) for r in rows[1:12]]))
    write_workbook(path, iter(sheets))
    return path.read_bytes()


def _entries(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as src:
        return {info.filename: src.read(info) for info in src.infolist()}


def _zip(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as out:
        for name, data in entries:
            out.writestr(name, data)
    return buffer.getvalue()


def _flip(data: bytes, positions: list[int], value: int) -> bytes:
    buf = bytearray(data)
    for p in positions:
        if buf:
            buf[p % len(buf)] = value
    return bytes(buf)


@st.composite
def mutated_workbook(draw: st.DrawFn, seed: bytes) -> bytes:
    entries = _entries(seed)
    kind = draw(st.sampled_from(["retitle", "xml", "flip", "drop", "cut"]))
    if kind == "retitle":
        xml = entries["xl/workbook.xml"].decode()
        for name in draw(st.lists(st.sampled_from(WORKBOOK_FILES), min_size=1, unique=True)):
            title = draw(st.sampled_from(TITLES) | st.text(max_size=40))
            quoted = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            xml = xml.replace(f'name="{name}"', f'name="{quoted}"')
        entries["xl/workbook.xml"] = xml.encode("utf-8", "surrogatepass")
    elif kind in ("xml", "cut"):
        target = draw(st.sampled_from(sorted(entries)))
        data = entries[target]
        if kind == "cut":
            entries[target] = data[: draw(st.integers(0, len(data)))]
        else:
            positions = draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=6))
            entries[target] = _flip(data, positions, draw(st.integers(0, 255)))
    elif kind == "drop":
        del entries[draw(st.sampled_from(sorted(entries)))]
    archive = _zip(list(entries.items()))
    if kind == "flip":
        positions = draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=4))
        archive = _flip(archive, positions, draw(st.integers(0, 255)))
    return archive


ENTRY_NAMES = [
    "teams.csv", "TEAMS.CSV", "a/teams.csv", "b/teams.csv", "../teams.csv", "/abs/people.csv",
    "people.csv", "__MACOSX/._people.csv", ".hidden.csv", "goal.csv", "dir/", "x/y/z/goals.csv",
    "feedback.csv", "Feedback.Csv", "notes.txt",
]  # fmt: skip


@st.composite
def mutated_zip(draw: st.DrawFn, seeds: dict[str, bytes]) -> bytes:
    names = draw(st.lists(st.sampled_from(ENTRY_NAMES), min_size=1, max_size=5))
    entries = []
    for name in names:
        base = name.rsplit("/", 1)[-1].lower().removesuffix(".csv")
        data = seeds.get(base, b"id,name\n")
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=40))
        entries.append((name, b"" if name.endswith("/") else data))
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]))
    archive = _zip(entries, method)
    if draw(st.booleans()):
        positions = draw(st.lists(st.integers(0, 10**5), min_size=1, max_size=4))
        archive = _flip(archive, positions, draw(st.integers(0, 255)))
    return archive


@pytest.mark.slow
@settings(settings.get_profile("cxos-fuzz"))
@given(data=st.data())
def test_mutated_workbooks_import_or_are_refused(
    checker: Checker, seed_workbook: bytes, data: st.DataObject
) -> None:
    archive = data.draw(mutated_workbook(seed_workbook))
    checker.check_archive(".xlsx", archive, "mutated workbook")


@pytest.mark.slow
@settings(settings.get_profile("cxos-fuzz"))
@given(data=st.data())
def test_mutated_zips_import_or_are_refused(
    checker: Checker, seeds: dict[str, bytes], data: st.DataObject
) -> None:
    archive = data.draw(mutated_zip(seeds))
    checker.check_archive(".zip", archive, "mutated zip")
