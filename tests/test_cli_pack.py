"""`python -m cxos pack`: the review pack written to a folder, as a person who may build it.

Each test runs the real command line in a subprocess on a DuckDB file holding the demo
company (its review-2 is closed and frozen): the three files of a meeting's pack, a date's
pack, a second run giving the same files, and a one-line reason (never a traceback) for
a person without the right, an unknown meeting, a folder that cannot be made and an
unknown format.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pptx import Presentation

from cxos.demo import company as demo
from cxos.review import meetings
from cxos.storage import Database

DAY = dt.date(2026, 5, 20)
STEERING, ADMIN, MEMBER = "p-mktg-1", "p-itplat-1", "p-bbcare-3"


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    file = tmp_path_factory.mktemp("pack") / "cxos.duckdb"
    db = Database(file)
    demo.load(db, as_of=DAY)
    db.close()
    return file


def cxos(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXOS_DB": str(path)}
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args], capture_output=True, text=True, env=env, timeout=300
    )


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command prints, after checking it failed without a traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_meetings_pack_is_written_in_the_three_formats(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "packs" / "new"  # made when missing
    result = cxos(path, "pack", "review-2", "--as", STEERING, "--out", str(out))
    assert result.returncode == 0, result.stderr
    written = [out / f"review-pack-review-2.{ext}" for ext in ("pdf", "xlsx", "pptx")]
    assert result.stdout.splitlines() == [f"wrote {file}" for file in written]
    assert written[0].read_bytes().startswith(b"%PDF")
    assert "Scores" in load_workbook(written[1]).sheetnames
    deck = Presentation(str(written[2]))
    assert len(deck.slides) == 4 + len(meetings.SECTIONS) + 1
    assert deck.slides[0].shapes.title.text_frame.text.endswith("— 8 Apr 2026")

    again = tmp_path / "again"
    second = cxos(path, "pack", "review-2", "--as", ADMIN, "--out", str(again), "--format", "xlsx")
    assert second.returncode == 0, second.stderr
    assert (again / "review-pack-review-2.xlsx").read_bytes() == written[1].read_bytes()


def test_a_dates_pack_in_the_formats_asked_for(path: Path, tmp_path: Path) -> None:
    result = cxos(
        path, "pack", "--as-of", DAY.isoformat(), "--as", STEERING,
        "--out", str(tmp_path), "--format", "pptx,xlsx",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "review-pack-2026-05-20.pptx",
        "review-pack-2026-05-20.xlsx",
    ]
    deck = Presentation(str(tmp_path / "review-pack-2026-05-20.pptx"))
    assert deck.slides[0].shapes.title.text_frame.text == "CX review as of 20 May 2026"
    book = load_workbook(io.BytesIO((tmp_path / "review-pack-2026-05-20.xlsx").read_bytes()))
    assert book.properties.created == dt.datetime(2026, 5, 20)


def test_a_member_may_not_build_a_pack(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    line = refused(cxos(path, "pack", "review-2", "--as", MEMBER, "--out", str(out)))
    assert line.startswith("error: ") and "may not build review packs" in line
    assert "steering committee and administrators" in line
    assert not out.exists()  # nothing written, not even the folder


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("pack", "nope", "--as", STEERING), "error: there is no meeting with id 'nope'"),
        (("pack", "--as", STEERING), "give a MEETING_ID or --as-of DATE"),
        (("pack", "review-2", "--as-of", "2026-05-20", "--as", STEERING), "one of the two"),
        (
            ("pack", "review-2", "--as", STEERING, "--format", "pptx,doc"),
            "unknown pack format 'doc'",
        ),
        (("pack", "review-2", "--as", "nobody"), "there is no person with id 'nobody'"),
    ],
    ids=["unknown meeting", "neither", "both", "unknown format", "unknown person"],
)
def test_a_clear_reason_and_nothing_written(
    path: Path, tmp_path: Path, args: tuple[str, ...], reason: str
) -> None:
    out = tmp_path / "out"
    line = refused(cxos(path, *args, "--out", str(out)))
    assert reason in line
    assert not out.exists()


def test_a_folder_that_cannot_be_made(path: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    args = ("pack", "review-2", "--as", STEERING, "--format", "xlsx")
    line = refused(cxos(path, *args, "--out", str(blocker / "packs")))
    made = blocker / "packs"
    assert line == f"error: cannot create the folder {made}: Not a directory; nothing was written"
    line = refused(cxos(path, *args, "--out", str(blocker)))
    assert line == f"error: {blocker} is a file, not a folder; nothing was written"
