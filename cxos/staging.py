"""Bring a bundle's rows into temporary staging tables, as text, with their row numbers.

A bundle can be a folder of CSV files, an .xlsx workbook (one sheet per file), a .zip of
CSV files, or rows in memory (forms, the demo generator). Whatever the source, each file
lands in `stg_<name>`: a `_row` column holding the row number a person sees in a
spreadsheet (the header is row 1) and one text column per bundle column, blank cells as
NULL. The checks in `cxos.validation` then judge all sources the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxos.bundle import BY_NAME, FileSpec
from cxos.errors import Problem
from cxos.storage import Connection


@dataclass
class Staged:
    """What was staged: row counts per file, and problems found while reading."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return list(self.counts)


def staging_table(spec: FileSpec) -> str:
    return f"stg_{spec.name}"


def stage_source(con: Connection, source: str | Path, workdir: Path) -> Staged:
    """Stage a bundle folder, .xlsx or .zip file into `stg_*` tables on `con`."""
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.is_dir():
        return stage_folder(con, path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return stage_folder(con, xlsx_to_folder(path, workdir))
    if suffix == ".zip":
        return stage_folder(con, unzip_bundle(path, workdir))
    if suffix == ".csv":
        raise ValueError(f"{path} is one file; give the folder that holds the bundle's files")
    raise ValueError(f"{path} is not a bundle: give a folder of CSV files, an .xlsx or a .zip")


def stage_folder(con: Connection, folder: Path) -> Staged:
    """Stage every known CSV file of a folder; unknown CSV files are problems."""
    staged = Staged()
    present = {p.name: p for p in sorted(folder.glob("*.csv"))}
    for name in present:
        if name.removesuffix(".csv") not in BY_NAME:
            staged.problems.append(
                Problem(name, None, None, "is not a bundle file name; " + _known_files())
            )
    for spec in BY_NAME.values():
        path = present.get(spec.filename)
        if path is not None:
            _stage_csv(con, spec, path, staged)
    return staged


def stage_rows(con: Connection, bundle: Mapping[str, Iterable[Mapping[str, Any]]]) -> Staged:
    """Stage rows held in memory (`{file name: rows}`) through the same CSV path."""
    with tempfile.TemporaryDirectory(prefix="cxos-rows-") as tmp:
        write_rows_folder(Path(tmp), bundle)
        return stage_folder(con, Path(tmp))


def write_rows_folder(folder: Path, bundle: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
    """Write `{file name: rows}` as bundle CSV files with the spec's column order."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in bundle.items():
        spec = BY_NAME[name.removesuffix(".csv")]
        with open(folder / spec.filename, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(spec.column_names)
            for row in rows:
                writer.writerow([format_cell(row.get(c)) for c in spec.column_names])


def format_cell(value: Any) -> str:
    """The bundle's text for a value: ISO dates, shortest exact numbers, blank for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _known_files() -> str:
    return "expected one of " + ", ".join(s.filename for s in BY_NAME.values())


def _read_header(path: Path) -> list[str] | None:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), None)


def _stage_csv(con: Connection, spec: FileSpec, path: Path, staged: Staged) -> None:
    try:
        header = _read_header(path)
    except UnicodeDecodeError:
        staged.problems.append(Problem(spec.filename, None, None, "is not UTF-8 text"))
        return
    except csv.Error as error:
        staged.problems.append(Problem(spec.filename, 1, None, f"unreadable header ({error})"))
        return
    if not header_ok(spec, header, staged):
        return
    assert header is not None
    _create_staging(con, spec, path, header, staged)


def header_ok(spec: FileSpec, header: list[str] | None, staged: Staged) -> bool:
    """Check the header row names each required column once and nothing unknown."""
    if not header:
        staged.problems.append(Problem(spec.filename, 1, None, "has no header row"))
        return False
    names = [h.strip() for h in header]
    ok = True
    for name in sorted({n for n in names if names.count(n) > 1}):
        staged.problems.append(Problem(spec.filename, 1, name, "appears twice in the header"))
        ok = False
    for name in names:
        if name not in spec.column_names:
            expected = ", ".join(spec.column_names)
            message = f"unknown column (expected {expected})"
            staged.problems.append(Problem(spec.filename, 1, name or "(blank)", message))
            ok = False
    for column in spec.columns:
        if column.required and column.name not in names:
            staged.problems.append(
                Problem(spec.filename, 1, column.name, "required column is missing")
            )
            ok = False
    return ok


def _create_staging(
    con: Connection, spec: FileSpec, path: Path, header: list[str], staged: Staged
) -> None:
    names = [h.strip() for h in header]
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
    selected = ", ".join(
        f"NULLIF(trim(c{names.index(c)}), '') AS {c}" if c in names else f"NULL::VARCHAR AS {c}"
        for c in spec.column_names
    )
    table = staging_table(spec)
    try:
        con.execute(f"DROP VIEW IF EXISTS {table}")
        con.execute(f"DROP TABLE IF EXISTS {table}_rows")
        con.execute(
            f"CREATE TEMP TABLE {table}_rows AS SELECT {selected} FROM read_csv(?, header = true, "
            f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            "auto_detect = false, null_padding = false, encoding = 'utf-8')",
            [str(path)],
        )
    except Exception as error:  # the CSV reader's message names the line at fault
        staged.problems.append(Problem(spec.filename, None, None, _csv_reason(error)))
        return
    # Rows keep the file's order (insertion order is preserved), so a row's id is its
    # position: numbering them with a window instead cost a third of staging a big file.
    # Inside a transaction DuckDB numbers new rows from a large base, not from 0.
    first = con.execute(f"SELECT coalesce(min(rowid), 0) FROM {table}_rows").fetchone()[0]  # type: ignore[index]
    con.execute(
        f"CREATE TEMP VIEW {table} AS SELECT (rowid - {int(first)} + 2)::INTEGER AS _row, * "
        f"FROM {table}_rows"
    )
    staged.counts[spec.name] = con.execute(f"SELECT count(*) FROM {table}_rows").fetchone()[0]  # type: ignore[index]


def _csv_reason(error: Exception) -> str:
    """The useful part of DuckDB's CSV error: the line, and what was expected there."""
    lines = str(error).split("\n")
    reason = lines[0].removeprefix("Invalid Input Error: ")
    detail = [ln for ln in lines[1:4] if ln.startswith(("Expected", "Original Line"))]
    return "is not valid CSV: " + "; ".join([reason, *detail])


def xlsx_to_folder(path: Path, workdir: Path) -> Path:
    """Write each sheet of a workbook as `<sheet>.csv` in a folder under `workdir`."""
    from openpyxl import load_workbook

    folder = workdir / "xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise ValueError(f"{path.name} is not a readable .xlsx workbook ({error})") from error
    with ExitStack() as stack:
        stack.callback(book.close)
        for sheet in book.worksheets:
            name = sheet.title.strip().removesuffix(".csv")
            with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
                _write_sheet(csv.writer(handle, lineterminator="\n"), sheet)
    return folder


def _write_sheet(writer: Any, sheet: Any) -> None:
    """Copy a sheet as CSV: rows cut or padded to the header's width, blank rows skipped."""
    width = 0
    for values in sheet.iter_rows(values_only=True):
        cells = [format_cell(v) for v in values]
        while cells and cells[-1] == "":
            cells.pop()
        if not width:
            width = len(cells)
        elif not cells:
            continue
        # A cell right of the header stays, so the row is reported as malformed.
        writer.writerow(cells + [""] * (width - len(cells)))


def unzip_bundle(path: Path, workdir: Path) -> Path:
    """Extract the CSV files of a zipped bundle (in its root or one folder) safely."""
    folder = workdir / "zip"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = Path(info.filename).name
                if info.is_dir() or not name.lower().endswith(".csv") or name.startswith("."):
                    continue
                with archive.open(info) as src:
                    (folder / name).write_bytes(src.read())
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path.name} is not a readable .zip file") from error
    return folder


def csv_text(spec: FileSpec, rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV file as text: header then rows, formatted as the bundle wants."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spec.column_names)
    for row in rows:
        writer.writerow([format_cell(v) for v in row])
    return out.getvalue()
