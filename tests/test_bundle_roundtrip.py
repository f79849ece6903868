"""Import merges as SPEC.md says, and export → import → export gives the same files."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cxos.bundle.exporter import export_folder, export_xlsx
from cxos.bundle.importer import import_bundle, preview_bundle
from cxos.demo import company
from cxos.storage import Database
from tests.bundles import base_bundle, fingerprint, write_bundle

pytestmark = pytest.mark.both_stores

DAY = dt.date(2026, 11, 23)


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


def test_demo_bundle_round_trips_through_csv(tmp_path: Path) -> None:
    first = Database(tmp_path / "a.duckdb")
    import_bundle(first, Path("data/demo"))
    export_folder(first, tmp_path / "one")
    second = Database(tmp_path / "b.duckdb")
    import_bundle(second, tmp_path / "one")
    export_folder(second, tmp_path / "two")
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    # what was exported is what the committed bundle says, row for row
    for name, text in _files(Path("data/demo")).items():
        assert sorted(text.splitlines()) == sorted(_files(tmp_path / "one")[name].splitlines())


def test_demo_bundle_round_trips_through_xlsx(tmp_path: Path) -> None:
    first = Database(tmp_path / "a.duckdb")
    import_bundle(first, Path("data/demo"))
    export_folder(first, tmp_path / "one")
    export_xlsx(first, tmp_path / "demo.xlsx")
    second = Database(tmp_path / "b.duckdb")
    import_bundle(second, tmp_path / "demo.xlsx")
    export_folder(second, tmp_path / "two")
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_zipped_folder_imports_like_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in Path("data/demo").glob("*.csv"):
            out.write(path, f"demo/{path.name}")
    db = Database(tmp_path / "z.duckdb")
    report = import_bundle(db, archive)
    assert report.rows == sum(
        len(p.read_text().splitlines()) - 1 for p in Path("data/demo").glob("*.csv")
    )


def test_import_replaces_by_id_adds_new_and_deletes_nothing(
    db: Database, tmp_path: Path, load: Any
) -> None:
    load(db, base_bundle())
    update = {
        "teams": [
            {"id": "t2", "name": "Billing & Payments", "business_unit_id": "bu1"},
            {"id": "t3", "name": "Stores", "business_unit_id": "bu1"},
        ]
    }
    report = import_bundle(db, write_bundle(tmp_path / "u", update))
    change = report.changes[0]
    assert (change.added, change.changed, change.unchanged) == (1, 1, 0)
    names = dict(db.read(lambda c: c.execute("SELECT id, name FROM teams").fetchall()))
    assert names == {"t1": "Care", "t2": "Billing & Payments", "t3": "Stores"}


def test_replacing_an_action_bumps_its_version(db: Database, tmp_path: Path, load: Any) -> None:
    load(db, base_bundle())
    action = dict(base_bundle()["actions"][0], title="Train everyone")
    import_bundle(db, write_bundle(tmp_path / "u", {"actions": [action]}))
    assert db.rows("SELECT title, version FROM actions") == [
        {"title": "Train everyone", "version": 2}
    ]


def test_check_ins_of_a_day_are_replaced_together(db: Database, tmp_path: Path, load: Any) -> None:
    load(db, base_bundle())
    same_day = [
        {
            "action_id": "a1",
            "checked_on": "2026-02-10",
            "status": "blocked",
            "progress": 30,
            "note": "waiting",
        },
        {"action_id": "a1", "checked_on": "2026-02-10", "status": "in_progress", "progress": 40},
    ]
    import_bundle(db, write_bundle(tmp_path / "c", {"check_ins": same_day}))
    rows = db.rows("SELECT status, progress FROM check_ins ORDER BY id")
    assert rows == [
        {"status": "blocked", "progress": 30},
        {"status": "in_progress", "progress": 40},
    ]


def test_reading_source_defaults_to_import(db: Database, load: Any) -> None:
    load(db, base_bundle())
    assert db.scalar("SELECT source FROM metric_readings") == "import"


def test_preview_reports_changes_and_writes_nothing(
    db: Database, tmp_path: Path, load: Any
) -> None:
    load(db, base_bundle())
    before = fingerprint(db)
    bundle = base_bundle()
    bundle["teams"][0]["name"] = "Customer Care"
    report = preview_bundle(db, write_bundle(tmp_path / "p", bundle))
    teams = next(c for c in report.changes if c.file == "teams.csv")
    assert (teams.added, teams.changed, teams.unchanged) == (0, 1, 1)
    assert fingerprint(db) == before


def test_xlsx_export_neutralises_formulas_but_keeps_the_text(
    db: Database, tmp_path: Path, load: Any
) -> None:
    bundle = base_bundle()
    bundle["notes"][0]["title"] = '=HYPERLINK("http://evil.example","click")'
    bundle["notes"][0]["body"] = "+1 then -2 and @sum"
    load(db, bundle)
    book = load_workbook(export_xlsx(db, tmp_path / "x.xlsx"))
    row = next(book["notes"].iter_rows(min_row=2))
    cells = {c.column_letter: c for c in row}
    title, body = cells["F"], cells["G"]
    assert title.value == '=HYPERLINK("http://evil.example","click")'
    assert title.data_type == "s" and title.quotePrefix
    assert body.data_type == "s" and body.quotePrefix


# -- random valid bundles round-trip ---------------------------------------------------

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s.strip() != "")
_ids = st.lists(
    st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True), min_size=1, max_size=6, unique=True
)


@st.composite
def random_bundle(draw: Any) -> dict[str, list[dict[str, Any]]]:
    units = draw(_ids)
    teams = draw(_ids)
    bundle: dict[str, list[dict[str, Any]]] = {
        "business_units": [{"id": u, "name": draw(_text)} for u in units],
        "teams": [
            {"id": t, "name": draw(_text), "business_unit_id": draw(st.sampled_from(units))}
            for t in teams
        ],
        "objectives": [
            {"id": o, "title": draw(_text), "vision": draw(st.none() | _text)} for o in draw(_ids)
        ],
        "goal_objectives": [],
        "metrics": [],
        "metric_readings": [],
    }
    goals = draw(_ids)
    bundle["goals"] = []
    for g in goals:
        start = draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)))
        end = start + dt.timedelta(days=draw(st.integers(0, 900)))
        bundle["goals"].append(
            {
                "id": g,
                "title": draw(_text),
                "team_id": draw(st.sampled_from(teams)),
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "status": draw(st.sampled_from(["active", "achieved", "dropped"])),
            }
        )
        objectives = [o["id"] for o in bundle["objectives"]]
        for o in draw(st.lists(st.sampled_from(objectives), max_size=3, unique=True)):
            bundle["goal_objectives"].append({"goal_id": g, "objective_id": o})
        baseline = draw(st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)))
        gap = draw(st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 3)))
        direction = draw(st.sampled_from(["higher", "lower"]))
        target = baseline + gap if direction == "higher" else baseline - gap
        mid = f"m-{g}"
        bundle["metrics"].append(
            {
                "id": mid,
                "goal_id": g,
                "name": draw(_text),
                "direction": direction,
                "baseline": baseline,
                "target": round(target, 3),
                "cadence_days": draw(st.integers(1, 365)),
            }
        )
        for day in draw(st.sets(st.dates(dt.date(2024, 1, 1), dt.date(2026, 1, 1)), max_size=4)):
            bundle["metric_readings"].append(
                {
                    "metric_id": mid,
                    "as_of": day.isoformat(),
                    "value": draw(st.floats(-1e9, 1e9, allow_nan=False)),
                }
            )
    return bundle


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(bundle=random_bundle())
def test_random_valid_bundles_round_trip(tmp_path_factory: Any, bundle: dict[str, Any]) -> None:
    work = tmp_path_factory.mktemp("rt")
    first = Database(work / "a.duckdb")
    import_bundle(first, write_bundle(work / "in", bundle))
    export_folder(first, work / "one")
    second = Database(work / "b.duckdb")
    import_bundle(second, work / "one")
    export_folder(second, work / "two")
    assert _files(work / "one") == _files(work / "two")
    assert first.scalar("SELECT count(*) FROM teams") == len(bundle["teams"])


def test_demo_generator_matches_the_committed_bundle(tmp_path: Path) -> None:
    company.write_bundle(tmp_path / "demo", as_of=DAY)
    assert _files(tmp_path / "demo") == _files(Path("data/demo"))


# -- formula-like text: inert in CSV, identical after a round trip -------------------------

HOSTILE = {
    '=HYPERLINK("http://evil.example","click")': '\'=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    "+1+1": "'+1+1",
    "@SUM(1+1)": "'@SUM(1+1)",
    "'=x": "''=x",
    "-2 then more": "'-2 then more",
    "it's fine": "it's fine",
}


def _hostile_bundle() -> dict[str, list[dict[str, Any]]]:
    bundle = base_bundle()
    titles = list(HOSTILE)
    bundle["notes"] = [
        dict(bundle["notes"][0], id=f"n{i}", title=title, body=title, tags=None)
        for i, title in enumerate(titles)
    ]
    bundle["metrics"][0].update(baseline=-5, target=-1, name="=1+1")
    return bundle


def _cells(folder: Path, name: str) -> list[list[str]]:
    import csv

    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_export_neutralises_formulas_keeps_numbers_and_round_trips(
    db: Database, tmp_path: Path, load: Any
) -> None:
    load(db, _hostile_bundle())
    export_folder(db, tmp_path / "one")
    notes = {row[0]: row for row in _cells(tmp_path / "one", "notes.csv")[1:]}
    for i, (text, written) in enumerate(HOSTILE.items()):
        assert notes[f"n{i}"][5] == written and notes[f"n{i}"][6] == written, text
    metric = _cells(tmp_path / "one", "metrics.csv")[1]
    assert metric[2] == "'=1+1" and metric[5:7] == ["-5", "-1"]  # numbers stay numbers
    second = Database(tmp_path / "b.duckdb")
    import_bundle(second, tmp_path / "one")
    stored = dict(second.read(lambda c: c.execute("SELECT id, title FROM notes").fetchall()))
    assert stored == {f"n{i}": text for i, text in enumerate(HOSTILE)}
    export_folder(second, tmp_path / "two")
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_the_admin_zip_download_is_neutralised_too(db: Database, load: Any) -> None:
    import io

    from cxos.bundle.as_person import export_zip_bytes

    load(db, _hostile_bundle())
    with zipfile.ZipFile(io.BytesIO(export_zip_bytes(db))) as archive:
        text = archive.read("notes.csv").decode()
    assert "'=cmd|' /C calc'!A0" in text and "\n=" not in text and ",=" not in text


def test_formula_text_round_trips_through_xlsx(db: Database, tmp_path: Path, load: Any) -> None:
    load(db, _hostile_bundle())
    export_folder(db, tmp_path / "one")
    export_xlsx(db, tmp_path / "x.xlsx")
    second = Database(tmp_path / "b.duckdb")
    import_bundle(second, tmp_path / "x.xlsx")
    stored = dict(second.read(lambda c: c.execute("SELECT id, body FROM notes").fetchall()))
    assert stored == {f"n{i}": text for i, text in enumerate(HOSTILE)}
    export_folder(second, tmp_path / "two")
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_a_reorganised_company_round_trips_with_its_retired_rows(tmp_path: Path) -> None:
    """Retired rows and ended goal links are exported (a `retired_on` column, `valid_from`
    on links) and come back: export → import → export gives the same files."""
    from cxos.organisation import reorganise

    first = Database(tmp_path / "a.duckdb")
    import_bundle(first, Path("data/demo"))
    on = DAY - dt.timedelta(days=10)
    reorganise.merge_teams(first, "p-itplat-1", "t-mbill", "t-mcare", on)
    reorganise.retire(first, "p-itplat-1", "stage", "s-consumer-03", on, move_to="s-consumer-04")
    export_folder(first, tmp_path / "one")
    one = _files(tmp_path / "one")
    assert one["teams.csv"].splitlines()[0] == "id,name,business_unit_id,retired_on"
    assert f"t-mbill,Mobile Billing,bu-consumer,{on}" in one["teams.csv"]
    assert "valid_from" in one["goal_stages.csv"].splitlines()[0]
    # a file with nothing retired keeps the format it always had
    demo_metrics = _files(Path("data/demo"))["metrics.csv"]
    assert sorted(one["metrics.csv"].splitlines()) == sorted(demo_metrics.splitlines())
    second = Database(tmp_path / "b.duckdb")
    import_bundle(second, tmp_path / "one")
    export_folder(second, tmp_path / "two")
    assert _files(tmp_path / "two") == one
    export_xlsx(second, tmp_path / "x.xlsx")
    third = Database(tmp_path / "c.duckdb")
    import_bundle(third, tmp_path / "x.xlsx")
    export_folder(third, tmp_path / "three")
    assert _files(tmp_path / "three") == one


def test_an_import_can_retire_rows_as_of_a_date(tmp_path: Path) -> None:
    """A bundle saying a stage is retired: scores before that date stay, after it the stage
    is gone from the scores and signals."""
    from cxos.scoring import assess
    from cxos.scoring.config import ScoringConfig

    db = Database(tmp_path / "a.duckdb")
    import_bundle(db, Path("data/demo"))
    on, config = DAY - dt.timedelta(days=30), ScoringConfig()
    earlier, later = on - dt.timedelta(days=1), DAY
    before = {day: assess(db, day, config) for day in (earlier, later)}
    stages = (Path("data/demo") / "stages.csv").read_text(encoding="utf-8").splitlines()
    retired = [stages[0] + ",retired_on"] + [
        row + (f",{on}" if row.startswith("s-consumer-03,") else ",") for row in stages[1:]
    ]
    bundle = tmp_path / "retire"
    bundle.mkdir()
    (bundle / "stages.csv").write_text("\n".join(retired) + "\n", encoding="utf-8")
    import_bundle(db, bundle)
    assert assess(db, earlier, config) == before[earlier]
    after = assess(db, later, config)
    assert after != before[later]
    assert not any("s-consumer-03" in s.subject_id.split(">") for s in after.signals)
    assert not any(s.subject_id.startswith("tp-consumer-03-") for s in after.signals)
