"""Hostile bundles: imports are bounded and account for every byte.

Each test is a reproduction from issue 19: a workbook whose sheet titles are paths, a zip
bomb, lines too long for the CSV reader, junk and NULs after the rows, ambiguous names in
a zip or folder. Every one must be refused with a message naming the file (and line),
write nothing outside the import's own folder, and leave the database unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from cxos.bundle.importer import import_bundle
from cxos.bundle.spec import BY_NAME
from cxos.bundle.staging import first_long_line
from cxos.model.errors import BundleError, CxosError
from cxos.storage import Database
from tests.bundles import base_bundle, fingerprint, write_bundle
from tests.hostile_files import MiB, retitle_sheets, workbook, write_zip_bomb, zip_of

ROOT = Path(__file__).resolve().parents[1]
NOTE = "n1,p1,bu1,s1,2026-02-03,Huddles,Daily huddles help,huddle\n"
NOTES_HEADER = ",".join(BY_NAME["notes"].column_names) + "\n"


def _problems(db: Database, source: Path) -> list[str]:
    before = fingerprint(db)
    with pytest.raises(BundleError) as caught:
        import_bundle(db, source)
    assert fingerprint(db) == before
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def org(db: Database, tmp_path: Path) -> Database:
    """The base organisation, so a file of notes alone has people and units to refer to."""
    import_bundle(db, write_bundle(tmp_path / "base", base_bundle()))
    return db


# -- workbooks: sheet titles are names, never paths -------------------------------------------


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Imports unpack under tmp_path/work, so a path escaping it lands in tmp_path."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    return tmp_path


def test_sheet_titles_that_are_paths_write_nothing_and_are_listed(
    db: Database, private_tmp: Path
) -> None:
    bundle = base_bundle()
    book = workbook(private_tmp / "bundle.xlsx", {"teams": bundle["teams"], "people": []})
    outside = private_tmp / "abs" / "escaped"
    outside.parent.mkdir()
    retitle_sheets(book, {"teams": "../../../escaped", "people": str(outside)})
    before = fingerprint(db)
    with pytest.raises(BundleError) as caught:
        import_bundle(db, book, dry_run=True)
    problems = [str(p) for p in caught.value.problems]
    assert problems[0].startswith("sheet '../../../escaped': is not a bundle sheet name")
    assert problems[1].startswith(f"sheet '{outside}': is not a bundle sheet name")
    assert not list(private_tmp.glob("*.csv")) and not list(outside.parent.iterdir())
    assert not (private_tmp.parent / "x").exists()
    assert fingerprint(db) == before


def test_sheet_names_follow_the_file_name_rule(db: Database, tmp_path: Path) -> None:
    bundle = base_bundle()
    book = workbook(tmp_path / "b.xlsx", {"business_units": bundle["business_units"]})
    retitle_sheets(book, {"business_units": "Business_Units.CSV"})
    report = import_bundle(db, book)
    assert report.rows == 1
    twice = workbook(tmp_path / "twice.xlsx", {"teams": [], "people": []})
    retitle_sheets(twice, {"people": "TEAMS"})
    assert _problems(db, twice)[0].startswith("teams.csv: is given 2 times (sheet 'teams'")


# -- zips: bounded unpacking --------------------------------------------------------------------


BOMB_SCRIPT = textwrap.dedent(
    """
    import resource, sys, time
    from cxos.model.errors import BundleError
    from cxos.bundle.importer import import_bundle
    from cxos.storage import Database
    db = Database(sys.argv[2])
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        import_bundle(db, sys.argv[1], dry_run=True)
        print("accepted")
    except BundleError as error:
        print(error)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak_over_baseline_kib={peak - base} seconds={took:.2f}")
    """
)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's bomb: 3 GiB of NULs in a 3 MB zip."""
    return write_zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.zip", 3 * 1024 * MiB)


def test_a_zip_bomb_is_refused_quickly_in_little_memory(bomb: Path, tmp_path: Path) -> None:
    assert bomb.stat().st_size < 4 * MiB
    done = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT, str(bomb), str(tmp_path / "cxos.duckdb")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "bomb.zip: people.csv: is 3,221,225,472 bytes; at most 209,715,200 allowed" in out
    figures = dict(kv.split("=") for kv in out.split()[-2:])
    print(f"zip bomb: peak RSS over baseline {int(figures['peak_over_baseline_kib']) / 1024:.1f} "
          f"MiB, refused in {figures['seconds']} s")  # fmt: skip
    assert int(figures["peak_over_baseline_kib"]) < 300 * 1024
    assert float(figures["seconds"]) < 10


def test_the_command_line_refuses_the_bomb_and_exits_non_zero(bomb: Path, tmp_path: Path) -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cxos", "--db", str(tmp_path / "x.duckdb"), "import", str(bomb),
         "--dry-run"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0
    assert "at most 209,715,200 allowed per file (imports.max_file_bytes)" in done.stderr
    assert "Traceback" not in done.stderr
    assert time.perf_counter() - started < 30


def test_a_small_bomb_is_refused_by_its_ratio(db: Database, tmp_path: Path) -> None:
    header = ",".join(BY_NAME["people"].column_names).encode() + b"\n"
    small = write_zip_bomb(tmp_path / "small.zip", 100 * MiB, prefix=header)
    problems = _problems(db, small)
    assert problems == [
        "small.zip: people.csv: unpacks 1,0"
        + problems[0].removeprefix("small.zip: people.csv: unpacks 1,0")
    ]
    assert "times allowed (imports.max_ratio)" in problems[0]


def test_limits_come_from_the_configuration(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "cxos.toml"
    config.write_text("[imports]\nmax_file_bytes = 50\n")
    monkeypatch.setenv("CXOS_CONFIG", str(config))
    bundle = base_bundle()
    source = write_bundle(tmp_path / "b", {"people": bundle["people"]})
    assert "at most 50 allowed per file" in _problems(db, source)[0]
    archive = tmp_path / "b.zip"
    archive.write_bytes(zip_of({"people.csv": (source / "people.csv").read_bytes()}))
    assert "b.zip: people.csv: is " in _problems(db, archive)[0]


def test_entries_with_the_same_name_in_two_folders_are_ambiguous(
    db: Database, tmp_path: Path
) -> None:
    rows = "id,name\nbu1,Consumer\n"
    archive = tmp_path / "two.zip"
    archive.write_bytes(zip_of({"a/business_units.csv": rows, "b/business_units.csv": rows}))
    assert _problems(db, archive) == [
        "business_units.csv: is given 2 times (a/business_units.csv, b/business_units.csv): "
        "names are matched ignoring case and folders, so keep exactly one"
    ]


@pytest.mark.parametrize("name", ["TEAMS.CSV", "teams.CSV", "Teams.csv", " teams.csv"])
def test_file_names_match_ignoring_case_in_folders_and_zips(
    db: Database, tmp_path: Path, name: str
) -> None:
    bundle = base_bundle()
    folder = write_bundle(tmp_path / "f", {"business_units": bundle["business_units"]})
    teams = "id,name,business_unit_id\nt1,Care,bu1\n"
    (folder / name).write_text(teams)
    assert import_bundle(db, folder, dry_run=True).rows == 2
    archive = tmp_path / "z.zip"
    archive.write_bytes(zip_of({"x/" + name: teams, "business_units.csv": "id,name\nbu1,C\n"}))
    assert import_bundle(db, archive, dry_run=True).rows == 2


def test_names_equal_but_for_case_are_ambiguous(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    for name in ("teams.csv", "Teams.csv"):
        (folder / name).write_text("id,name,business_unit_id\n")
    assert _problems(db, folder)[0].startswith("teams.csv: is given 2 times (Teams.csv, teams.csv)")


def test_an_unknown_csv_in_a_zip_is_listed(db: Database, tmp_path: Path) -> None:
    archive = tmp_path / "z.zip"
    archive.write_bytes(zip_of({"goal.csv": "id\n", "__MACOSX/._goal.csv": "x", "README": "x"}))
    problems = _problems(db, archive)
    assert len(problems) == 1 and problems[0].startswith("goal.csv: is not a bundle file name")


# -- every line is a row or a listed problem ---------------------------------------------------


def test_a_forty_megabyte_row_is_a_problem_not_dropped(org: Database, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    big = "n2,p1,bu1,s1,2026-02-03,Huge," + "x" * (40 * MiB) + ",\n"
    (folder / "notes.csv").write_text(NOTES_HEADER + NOTE + big)
    assert _problems(org, folder) == [
        "notes.csv: line 3 is longer than 1,048,576 bytes, the most one line may hold "
        "(imports.max_line_bytes)"
    ]


def test_junk_after_the_header_is_a_problem(org: Database, tmp_path: Path) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "notes.csv").write_bytes(NOTES_HEADER.encode() + b"junk" * (16 * MiB))
    assert _problems(org, folder)[0].startswith("notes.csv: line 2 is longer than 1,048,576")


def test_nul_bytes_after_valid_rows_are_a_problem(org: Database, tmp_path: Path) -> None:
    folder = tmp_path / "nuls"
    folder.mkdir()
    rows = NOTE + NOTE.replace("n1,", "n2,")
    (folder / "notes.csv").write_bytes((NOTES_HEADER + rows).encode() + b"\0" * (64 * MiB))
    assert _problems(org, folder)[0].startswith("notes.csv: line 4 is longer than 1,048,576")


def test_a_short_run_of_nul_bytes_is_a_problem(org: Database, tmp_path: Path) -> None:
    folder = tmp_path / "nuls"
    folder.mkdir()
    (folder / "notes.csv").write_bytes((NOTES_HEADER + NOTE).encode() + b"\0" * 100)
    problems = _problems(org, folder)
    assert problems[0].startswith("notes.csv: is not valid CSV: CSV Error on Line: 3")


def test_a_long_row_spanning_lines_is_a_problem(org: Database, tmp_path: Path) -> None:
    folder = tmp_path / "multi"
    folder.mkdir()
    body = "short line\n" * 200_000  # 2.2 MB in one quoted cell of short lines
    (folder / "notes.csv").write_text(
        NOTES_HEADER + NOTE + f'n2,p1,bu1,s1,2026-02-03,T,"{body}",\n'
    )
    problems = _problems(org, folder)
    assert problems[0].startswith("notes.csv: is not valid CSV")


def test_every_line_of_an_accepted_file_is_a_row(org: Database, tmp_path: Path) -> None:
    folder = tmp_path / "ok"
    folder.mkdir()
    rows = [NOTE.replace("n1,", f"n{i},") for i in range(2, 2000)]
    (folder / "notes.csv").write_text(NOTES_HEADER + "".join(rows))
    assert import_bundle(org, folder).rows == len(rows)


@pytest.mark.parametrize(
    ("data", "limit", "found"),
    [
        (b"ab\ncd\n", 2, None),
        (b"ab\ncde\n", 2, (2, 3)),
        (b"abc", 2, (1, 3)),
        (b"a\r\nbb\rccc\n", 2, (3, 3)),
        (b"\n" * 10 + b"x" * 5, 4, (11, 5)),
    ],
)
def test_first_long_line(tmp_path: Path, data: bytes, limit: int, found: object) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert first_long_line(path, limit) == found


def test_first_long_line_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cxos.bundle.staging

    monkeypatch.setattr(cxos.bundle.staging, "_CHUNK", 7)
    path = tmp_path / "f.csv"
    path.write_bytes(b"abcd\nabcdefgh\nabcdefghijk\nab\n")
    assert first_long_line(path, 8) == (3, 9)
    assert first_long_line(path, 11) is None


def test_uploads_bigger_than_the_limit_are_refused_before_reading(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    with open(folder / "notes.csv", "wb") as out:
        out.truncate(201 * MiB)  # sparse: costs no disk
    assert _problems(db, folder)[0].startswith("notes.csv: is 210,763,776 bytes; at most")
    assert os.path.getsize(folder / "notes.csv") == 201 * MiB


def test_a_header_opening_a_stray_quote_is_a_problem_not_zero_rows(
    org: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "quote"
    folder.mkdir()
    (folder / "notes.csv").write_text('""' + NOTES_HEADER + NOTE)
    assert _problems(org, folder)[0].startswith("notes.csv: is not valid CSV: CSV Error on Line: 1")


def test_a_zip_lying_about_its_size_unpacks_no_more_than_it_declares(
    db: Database, tmp_path: Path
) -> None:
    header = ",".join(BY_NAME["people"].column_names).encode() + b"\n"
    liar = write_zip_bomb(tmp_path / "liar.zip", 512 * MiB, prefix=header, declared=MiB)
    before = fingerprint(db)
    with pytest.raises(CxosError, match="liar.zip: people.csv cannot be unpacked"):
        import_bundle(db, liar)
    assert fingerprint(db) == before
