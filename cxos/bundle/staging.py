"""Bring a bundle's rows into temporary staging tables, as text, with their row numbers.

A bundle can be a folder of CSV files, an .xlsx workbook (one sheet per file), a .zip of
CSV files, or rows in memory (forms, the demo generator). Whatever the source, each file
lands in `stg_<name>`: a `_row` column holding the row number a person sees in a
spreadsheet (the header is row 1) and one text column per bundle column, blank cells as
NULL. The checks in `cxos.bundle.validation` then judge all sources the same way.

Every byte is accounted for: a file's every line becomes a row or a listed problem that
names the file and line. File names follow one rule for folders, zips and workbooks
(`match_files`): a name is a bundle file's name ignoring case (and, for a sheet, with or
without `.csv`); two names that differ only by case or folder are refused as ambiguous.
Sheet titles and zip entry names are only ever compared, never used to build a path. A
.zip or .xlsx is unpacked under `ImportLimits`: sizes and compression ratios are checked
before anything is read, and unpacking streams in chunks that stop at the limit.

Text cells pass through `cxos.text.csv_cell` when a bundle CSV is written (formula-like
text gets a leading apostrophe) and back through its inverse when staged, so a CSV never
runs in a spreadsheet and export → import → export is byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cxos.bundle.spec import BY_NAME, Column, FileSpec
from cxos.model.errors import Problem
from cxos.scoring.config import ImportLimits
from cxos.storage import Connection
from cxos.text import FORMULA_STARTS, csv_cell


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


def stage_source(
    con: Connection, source: str | Path, workdir: Path, limits: ImportLimits | None = None
) -> Staged:
    """Stage a bundle folder, .xlsx or .zip file into `stg_*` tables on `con`."""
    path = Path(source)
    limits = limits or ImportLimits.load()
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.is_dir():
        return stage_folder(con, path, limits)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".zip"):
        if suffix == ".csv":
            raise ValueError(f"{path} is one file; give the folder that holds the bundle's files")
        raise ValueError(f"{path} is not a bundle: give a folder of CSV files, an .xlsx or a .zip")
    unpack = xlsx_to_folder if suffix == ".xlsx" else unzip_bundle
    folder, problems = unpack(path, workdir, limits)
    if problems:
        return Staged(problems=problems)
    return stage_folder(con, folder, limits)


# -- which files: one rule for folders, zips and workbooks ------------------------------------


def bundle_name(name: str, *, sheet: bool = False) -> str | None:
    """The bundle file a file, entry or sheet name stands for ("" if none), or None when
    the name is not a candidate at all (a folder's or zip's file not ending in .csv).

    Names are compared ignoring case and surrounding spaces; a sheet's name may leave out
    the `.csv`.
    """
    folded = name.strip().lower()
    if folded.endswith(".csv"):
        folded = folded.removesuffix(".csv")
    elif not sheet:
        return None
    return folded if folded in BY_NAME else ""


def match_files(
    names: Iterable[tuple[str, str]], *, sheets: bool = False
) -> tuple[dict[str, str], list[Problem]]:
    """Match `(label, name)` pairs to bundle files: `({file name: label}, problems)`.

    A name no bundle file has is a problem; two names for the same file (`Teams.csv` and
    `teams.csv`, or `a/teams.csv` and `b/teams.csv` in a zip) are both refused.
    """
    found: dict[str, list[str]] = {}
    problems = []
    for label, name in names:
        file = bundle_name(name, sheet=sheets)
        if file is None:
            continue
        if not file:
            word = "sheet name" if sheets else "file name"
            problems.append(Problem(label, None, None, f"is not a bundle {word}; {_known_files()}"))
            continue
        found.setdefault(file, []).append(label)
    matched = {}
    for file, labels in found.items():
        if len(labels) > 1:
            others = ", ".join(labels)
            message = (
                f"is given {len(labels)} times ({others}): names are matched ignoring case "
                "and folders, so keep exactly one"
            )
            problems.append(Problem(BY_NAME[file].filename, None, None, message))
        else:
            matched[file] = labels[0]
    return matched, problems


def stage_folder(con: Connection, folder: Path, limits: ImportLimits | None = None) -> Staged:
    """Stage every bundle file of a folder; unknown or ambiguous CSV files are problems."""
    limits = limits or ImportLimits.load()
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    matched, problems = match_files((name, name) for name in files)
    staged = Staged(problems=problems)
    for spec in BY_NAME.values():
        if spec.name in matched:
            _stage_csv(con, spec, folder / matched[spec.name], staged, limits)
    return staged


def stage_rows(con: Connection, bundle: Mapping[str, Iterable[Mapping[str, Any]]]) -> Staged:
    """Stage rows held in memory (`{file name: rows}`) through the same CSV path."""
    with tempfile.TemporaryDirectory(prefix="cxos-rows-") as tmp:
        write_rows_folder(Path(tmp), bundle)
        return stage_folder(con, Path(tmp), ImportLimits())


def write_rows_folder(folder: Path, bundle: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
    """Write `{file name: rows}` as bundle CSV files with the spec's column order (legacy
    columns too, so rows in memory may still use them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in bundle.items():
        spec = BY_NAME[name.removesuffix(".csv")]
        columns = spec.read_columns
        cells = ([row.get(c.name) for c in columns] for row in rows)
        with open(folder / spec.filename, "w", newline="", encoding="utf-8") as handle:
            handle.write(csv_text(spec, cells, columns))


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


def bundle_cells(
    spec: FileSpec, values: Iterable[Any], columns: tuple[Column, ...] | None = None
) -> list[str]:
    """A row's cells as a bundle CSV writes them: text columns through `csv_cell`, so no
    spreadsheet runs them (staging undoes it); numbers and dates as `format_cell` has them.
    The values are of `columns` (default the file's stored columns)."""
    return [
        csv_cell(format_cell(v)) if text else format_cell(v)
        for v, text in zip(values, _text_columns(columns or spec.columns), strict=False)
    ]


@functools.cache
def _text_columns(columns: tuple[Column, ...]) -> tuple[bool, ...]:
    return tuple(c.sql_type == "VARCHAR" for c in columns)


def _known_files() -> str:
    return "expected one of " + ", ".join(s.filename for s in BY_NAME.values())


def _read_header(path: Path) -> list[str] | None:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), None)


def _stage_csv(
    con: Connection, spec: FileSpec, path: Path, staged: Staged, limits: ImportLimits
) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        staged.problems.append(_too_big(spec.filename, size, limits))
        return
    long_line = first_long_line(path, limits.max_line_bytes)
    if long_line is not None:
        line, _seen = long_line
        message = (
            f"line {line:,} is longer than {limits.max_line_bytes:,} bytes, the most one "
            "line may hold (imports.max_line_bytes)"
        )
        staged.problems.append(Problem(spec.filename, None, None, message))
        return
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
    _create_staging(con, spec, path, header, staged, limits)


_CHUNK = 8 * 1024 * 1024


def first_long_line(path: Path, limit: int) -> tuple[int, int] | None:
    """The first line longer than `limit` bytes, as (line number, bytes seen), or None.

    DuckDB's CSV reader silently drops a last line longer than its buffer (a 40 MB row,
    64 MB of junk or NULs after the rows), so no such line may reach it. The file is read
    in chunks; within one, the search jumps a whole `limit` ahead and looks back for a line
    break, so it costs little more than reading the bytes (lines are counted only when
    one is too long).
    """
    run, offset = 0, 0  # `run`: bytes of the current line seen in earlier chunks
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            start, end = 0, len(chunk)
            while start < end:
                stop = min(start + limit - run + 1, end)
                brk = max(chunk.rfind(b"\n", start, stop), chunk.rfind(b"\r", start, stop))
                if brk < 0:
                    if stop - start + run > limit:
                        return _line_at(path, offset + start - run), stop - start + run
                    run += end - start
                    break
                run, start = 0, brk + 1
            offset += end
    return None


def _line_at(path: Path, position: int) -> int:
    """The number of the line starting at byte `position` (CR, LF and CRLF end a line)."""
    line, last = 1, b""
    with open(path, "rb") as handle:
        while position > 0 and (chunk := handle.read(min(_CHUNK, position))):
            position -= len(chunk)
            line += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            line -= last == b"\r" and chunk[:1] == b"\n"  # a CRLF split between chunks
            last = chunk[-1:]
    return line


def _too_big(label: str, size: int, limits: ImportLimits) -> Problem:
    message = (
        f"is {size:,} bytes; at most {limits.max_file_bytes:,} allowed per file "
        "(imports.max_file_bytes)"
    )
    return Problem(label, None, None, message)


def header_ok(spec: FileSpec, header: list[str] | None, staged: Staged) -> bool:
    """Check the header row names each required column once and nothing unknown."""
    if not header:
        staged.problems.append(Problem(spec.filename, 1, None, "has no header row"))
        return False
    names = [h.strip() for h in header]
    known = [c.name for c in spec.read_columns]
    ok = True
    for name in sorted({n for n in names if names.count(n) > 1}):
        staged.problems.append(Problem(spec.filename, 1, name, "appears twice in the header"))
        ok = False
    for name in names:
        if name not in known:
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
    con: Connection,
    spec: FileSpec,
    path: Path,
    header: list[str],
    staged: Staged,
    limits: ImportLimits,
) -> None:
    names = [h.strip() for h in header]
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
    trimmed = ", ".join(
        f"NULLIF(trim(c{names.index(c.name)}), '') AS {c.name}"
        if c.name in names
        else f"NULL::VARCHAR AS {c.name}"
        for c in spec.read_columns
    )
    selected = ", ".join(_cell_sql(c) for c in spec.read_columns)
    table = staging_table(spec)
    # No line longer than max_line_bytes reaches the reader (`first_long_line`); a row
    # spanning lines is refused past the same size, well inside the reader's buffer.
    line_max = limits.max_line_bytes
    buffer = f", buffer_size = {4 * line_max}" if 4 * line_max > _DUCKDB_BUFFER else ""
    try:
        con.execute(f"DROP VIEW IF EXISTS {table}")
        con.execute(f"DROP TABLE IF EXISTS {table}_rows")
        con.execute(
            f"CREATE TEMP TABLE {table}_rows AS SELECT {selected} FROM (SELECT {trimmed} "
            f"FROM read_csv(?, header = false, columns = {columns}, delim = ',', quote = '\"', "
            "escape = '\"', strict_mode = true, auto_detect = false, null_padding = false, "
            f"encoding = 'utf-8', max_line_size = {line_max}{buffer}))",
            [str(path)],
        )
    except Exception as error:  # the CSV reader's message names the line at fault
        staged.problems.append(Problem(spec.filename, None, None, _csv_reason(error)))
        return
    # Rows keep the file's order (insertion order is preserved), so a row's id is its
    # position: numbering them with a window instead cost a third of staging a big file.
    # Inside a transaction DuckDB numbers new rows from a large base, not from 0.
    # The header is read as the first record and dropped here: with `header = true`,
    # DuckDB returned no rows and no error for a file whose header opens a stray quote.
    first = con.execute(f"SELECT coalesce(min(rowid), 0) FROM {table}_rows").fetchone()[0]  # type: ignore[index]
    con.execute(f"DELETE FROM {table}_rows WHERE rowid = {int(first)}")
    con.execute(
        f"CREATE TEMP VIEW {table} AS SELECT (rowid - {int(first)} + 1)::INTEGER AS _row, * "
        f"FROM {table}_rows"
    )
    staged.counts[spec.name] = con.execute(f"SELECT count(*) FROM {table}_rows").fetchone()[0]  # type: ignore[index]


_DUCKDB_BUFFER = 32 * 1024 * 1024  # read_csv's default buffer_size
# `csv_uncell` as SQL: one leading apostrophe goes when apostrophes precede a formula start.
_FORMULA_CLASS = "".join("\\" + c if c in "-]\\^" else c for c in FORMULA_STARTS)
_QUOTED_FORMULA = "^''+[" + _FORMULA_CLASS + "]"  # quotes doubled for an SQL literal


def _cell_sql(column: Column) -> str:
    """A staged cell (already trimmed, blank as NULL): for free text and ids what
    `csv_cell` was given; a choice column's values never start with an apostrophe."""
    name = column.name
    if column.sql_type != "VARCHAR" or column.choices:
        return name
    return (
        f"CASE WHEN starts_with({name}, '''') AND regexp_matches({name}, '{_QUOTED_FORMULA}') "
        f"THEN substr({name}, 2) ELSE {name} END AS {name}"
    )


def _csv_reason(error: Exception) -> str:
    """The useful part of DuckDB's CSV error: the line, and what was expected there."""
    lines = str(error).split("\n")
    reason = lines[0].removeprefix("Invalid Input Error: ")
    detail = [ln for ln in lines[1:4] if ln.startswith(("Expected", "Original Line"))]
    return "is not valid CSV: " + "; ".join([reason, *detail])


# -- archives: .xlsx and .zip, unpacked within limits -----------------------------------------


def archive_problems(
    entries: Iterable[zipfile.ZipInfo], label: str, limits: ImportLimits
) -> list[Problem]:
    """What makes an archive too big to unpack, judged from its directory alone: an entry
    over the size limit or compressed suspiciously well, or all entries over the total."""
    problems, total = [], 0
    for info in entries:
        if info.is_dir():
            continue
        where = f"{label}: {info.filename}"
        total += info.file_size
        if info.file_size > limits.max_file_bytes:
            problems.append(_too_big(where, info.file_size, limits))
        elif info.file_size > limits.small_file_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            message = (
                f"unpacks {ratio:,.0f} times larger than it is packed ({info.file_size:,} "
                f"bytes); at most {limits.max_ratio:,.0f} times allowed (imports.max_ratio)"
            )
            problems.append(Problem(where, None, None, message))
    if total > limits.max_total_bytes:
        message = (
            f"unpacks to {total:,} bytes; at most {limits.max_total_bytes:,} allowed "
            "(imports.max_total_bytes)"
        )
        problems.append(Problem(label, None, None, message))
    return problems


def _open_archive(path: Path, kind: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except Exception as error:  # a damaged directory fails in many ways
        raise ValueError(f"{path.name} is not a readable {kind} ({error})") from error


def xlsx_to_folder(
    path: Path, workdir: Path, limits: ImportLimits | None = None
) -> tuple[Path, list[Problem]]:
    """Write each bundle sheet of a workbook as its bundle CSV file in a folder under
    `workdir`: (folder, problems). Sheet titles are matched to bundle file names, never
    used as paths; a sheet with another name, or two for one file, is a problem."""
    from openpyxl import load_workbook

    limits = limits or ImportLimits.load()
    folder = workdir / "xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    with _open_archive(path, ".xlsx workbook") as archive:
        problems = archive_problems(archive.infolist(), path.name, limits)
    if problems:
        return folder, problems
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise ValueError(f"{path.name} is not a readable .xlsx workbook ({error})") from error
    with ExitStack() as stack:
        stack.callback(book.close)
        sheets = {f"sheet '{s.title}'": s for s in book.worksheets}
        matched, problems = match_files(((k, s.title) for k, s in sheets.items()), sheets=True)
        if problems:
            return folder, problems
        for name, label in matched.items():
            spec = BY_NAME[name]
            try:
                with open(folder / spec.filename, "w", newline="", encoding="utf-8") as handle:
                    _write_sheet(csv.writer(handle, lineterminator="\n"), sheets[label], spec)
            except Exception as error:  # openpyxl's errors on malformed sheet XML vary
                raise ValueError(f"{path.name}: {label} cannot be read ({error})") from error
    return folder, []


def _write_sheet(writer: Any, sheet: Any, spec: FileSpec) -> None:
    """Copy a sheet as bundle CSV: rows cut or padded to the header's width, blank rows
    skipped, text columns encoded as `bundle_cells` does, so staging decodes them alike."""
    width = 0
    text: list[bool] = []
    for values in sheet.iter_rows(values_only=True):
        cells = [format_cell(v) for v in values]
        while cells and cells[-1] == "":
            cells.pop()
        if not width:
            width = len(cells)
            known = {c.name: c.sql_type == "VARCHAR" for c in spec.read_columns}
            text = [known.get(h.strip(), False) for h in cells]
        elif not cells:
            continue
        else:
            cells = [csv_cell(c) if i < width and text[i] else c for i, c in enumerate(cells)]
        # A cell right of the header stays, so the row is reported as malformed.
        writer.writerow(cells + [""] * (width - len(cells)))


def unzip_bundle(
    path: Path, workdir: Path, limits: ImportLimits | None = None
) -> tuple[Path, list[Problem]]:
    """Unpack the bundle CSV files of a .zip (at any depth) into a folder under `workdir`:
    (folder, problems). Entries are matched by the file-name rule and written under their
    bundle file name, streamed in chunks that stop at the size limits."""
    limits = limits or ImportLimits.load()
    folder = workdir / "zip"
    folder.mkdir(parents=True, exist_ok=True)
    with _open_archive(path, ".zip file") as archive:
        entries = [
            (info.filename, info)
            for info in archive.infolist()
            if not info.is_dir() and not _hidden(info.filename)
        ]
        matched, problems = match_files((name, PurePosixPath(name).name) for name, _ in entries)
        by_name = dict(entries)
        wanted = [by_name[label] for label in matched.values()]
        problems += archive_problems(wanted, path.name, limits)
        if problems:
            return folder, problems
        budget = limits.max_total_bytes
        for name, label in matched.items():
            target = folder / BY_NAME[name].filename
            try:
                budget -= _extract(archive, by_name[label], target, limits, budget)
            except _TooBig as error:
                return folder, [Problem(f"{path.name}: {label}", None, None, str(error))]
            except Exception as error:  # damaged data, CRC, encryption, unknown methods…
                raise ValueError(f"{path.name}: {label} cannot be unpacked ({error})") from error
    return folder, []


def _hidden(name: str) -> bool:
    """Files a zip tool adds beside the bundle (macOS's `__MACOSX/`, `._x`, `.DS_Store`)."""
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


class _TooBig(Exception):
    pass


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: ImportLimits, budget: int
) -> int:
    """Copy one entry in chunks, stopping once it passes a limit; returns bytes written.

    The archive's declared size was checked already, and Python's zip reader stops at it;
    counting here keeps the bound even if that changed.
    """
    cap = min(limits.max_file_bytes, budget)
    written = 0
    with archive.open(info) as src, open(target, "wb") as out:
        while chunk := src.read(1024 * 1024):
            written += len(chunk)
            if written > cap:
                raise _TooBig(f"unpacks to more than {cap:,} bytes (imports.max_file_bytes)")
            out.write(chunk)
    return written


def csv_text(
    spec: FileSpec, rows: Iterable[Iterable[Any]], columns: tuple[Column, ...] | None = None
) -> str:
    """A whole CSV file as text: header then rows, formatted as the bundle wants (text
    cells through `csv_cell`, so formula-like text never runs in a spreadsheet): the rows
    of `columns` when given, else of the file's stored columns that
    `FileSpec.written_indices` keeps."""
    listed = [tuple(row) for row in rows]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if columns is not None:
        writer.writerow(c.name for c in columns)
        for row in listed:
            writer.writerow(bundle_cells(spec, row, columns))
        return out.getvalue()
    keep = spec.written_indices(listed)
    writer.writerow([spec.column_names[i] for i in keep])
    for row in listed:
        cells = bundle_cells(spec, row)
        writer.writerow([cells[i] for i in keep])
    return out.getvalue()
