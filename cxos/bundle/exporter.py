"""Export the database as a bundle: a folder of CSV files or one .xlsx workbook.

Rows are written in key order with the same cell formatting the importer reads, so
export → import → export gives identical files. Empty files are still written (with their
header) so a bundle always shows every file it could hold. Files are written under
temporary names and renamed into place once all are complete (`faults.replacing`): a full
disk leaves the previous files, never short or empty ones. Text that an .xlsx cannot hold
(control characters already stored) is made safe by `cxos.text.spreadsheet`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cxos import text
from cxos.bundle.spec import FILES, FileSpec
from cxos.bundle.staging import csv_text
from cxos.storage import Connection, Database, faults

Sheet = tuple[str, tuple[str, ...] | list[str], list[tuple[Any, ...]]]


def _select(spec: FileSpec) -> str:
    return (
        f"SELECT {', '.join(spec.column_names)} FROM {spec.table} "
        f"ORDER BY {', '.join(spec.sort_columns)}" + (", id" if spec.name == "check_ins" else "")
    )


def table_rows(con: Connection, spec: FileSpec) -> list[tuple[Any, ...]]:
    """Every row of a bundle file's table, in export order."""
    return con.execute(_select(spec)).fetchall()


def written_sheet(spec: FileSpec, rows: list[tuple[Any, ...]]) -> Sheet:
    """A file's sheet with the columns it is written with (`FileSpec.written_indices`)."""
    keep = spec.written_indices(rows)
    header = [spec.column_names[i] for i in keep]
    return spec.name, header, [tuple(row[i] for i in keep) for row in rows]


def export_folder(db: Database, folder: str | Path) -> list[Path]:
    """Write every bundle file as CSV into `folder` (created if needed)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / spec.filename for spec in FILES]

    def write(con: Connection) -> None:
        with faults.replacing(targets, f"writing the export to {out}") as partials:
            for spec, partial in zip(FILES, partials, strict=True):
                partial.write_text(csv_text(spec, table_rows(con, spec)), encoding="utf-8")

    db.read(write)
    return targets


def export_xlsx(db: Database, path: str | Path) -> Path:
    """Write every bundle file as a sheet of one workbook, formulas neutralised."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheets = db.read(lambda con: [(spec, table_rows(con, spec)) for spec in FILES])
    write_workbook(target, (written_sheet(spec, rows) for spec, rows in sheets))
    return target


def write_workbook(path: Path | IO[bytes], sheets: Iterator[Sheet]) -> None:
    """Write named sheets of rows to an .xlsx (a file, whole or not at all, or a stream).

    Text never runs as a formula, and any text can be written.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, header, rows in sheets:
        sheet = book.create_sheet(title=name[:31])
        sheet.append([_cell(sheet, value, WriteOnlyCell) for value in header])
        for row in rows:
            sheet.append([_cell(sheet, value, WriteOnlyCell) for value in row])
    if not isinstance(path, Path):
        book.save(path)
        return
    # Built in memory first: openpyxl left half-closed by a failed write (a full disk)
    # raises again from its finalizers at exit, so only finished bytes meet the disk.
    data = io.BytesIO()
    book.save(data)
    with faults.replacing([path], f"writing {path}") as (partial,):
        partial.write_bytes(data.getvalue())


def _cell(sheet: Any, value: Any, cell_type: Any) -> Any:
    if isinstance(value, str):
        cell = cell_type(sheet, value=text.spreadsheet(value))
        # A string cell is never evaluated; quotePrefix also keeps it text when edited.
        cell.data_type = "s"
        if text.looks_like_formula(value):
            cell.quotePrefix = True
        return cell
    return value


def is_inert(value: Any) -> bool:
    """True when a spreadsheet would show `value` as text rather than run it."""
    return not (isinstance(value, str) and text.looks_like_formula(value))
