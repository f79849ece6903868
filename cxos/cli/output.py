"""How commands print rows and lines: people's text never acts on the terminal or a spreadsheet.

Three formats for rows: an aligned table (or tab-separated lines) for a person at a
terminal, where every cell goes through `cxos.text.terminal` (escape sequences and line
breaks are shown, not obeyed, so a note cannot recolour the screen or forge an audit
line); CSV, where text cells go through `cxos.text.csv_cell` (formula-like text cannot
run when the file is opened in a spreadsheet) and numbers stay numbers; and JSON, exact,
since `json.dumps` already escapes every control character.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any

from cxos import text

FORMATS = ("table", "csv", "json")


def line(message: str) -> None:
    """Print one line that may quote people's text."""
    print(text.terminal(message))


def lines(messages: Sequence[str]) -> None:
    """Print lines that may quote people's text, each kept to its own line."""
    print("\n".join(text.terminal(message) for message in messages))


def emit(
    rows: list[dict[str, Any]], columns: Sequence[str], fmt: str, *, aligned: bool = True
) -> None:
    """Print rows as a table (aligned, or tab-separated), CSV or JSON, with exactly `columns`."""
    if fmt == "json":
        print(json.dumps([{c: _json(row[c]) for c in columns} for row in rows], indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_csv(row[c]) for c in columns] for row in rows])
    elif aligned:
        print(_aligned(rows, columns))
    else:
        print("\t".join(columns))
        for row in rows:
            print("\t".join(_shown(row[c]) for c in columns))


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return text.csv_cell(value)
    return _json(value) if isinstance(value, dt.date) else str(value)


def _shown(value: Any) -> str:
    """A cell for the terminal: one line, control characters visible."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return text.terminal(value)


def _aligned(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    cells = [list(columns)] + [[_shown(row[c]) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )
