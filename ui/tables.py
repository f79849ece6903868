"""Tables for people: chosen columns under headers in words, codes named, no "None".

A page passes the rows its domain function returned and the columns to show; ids and
codes stay in the data (and the command line's JSON), the screen shows words. People's
text stays in dataframe cells, which never interpret it as markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import streamlit as st

from cxos import palette
from cxos.palette import ACTION_STATUS, HEALTH, QUADRANTS

EMPTY = "—"
_TYPED = ("number", "percent", "of_five", "date")

# Streamlit's own row height, and rows tall enough for three lines: Streamlit wraps text
# only in rows taller than 4rem, so long text needs them to be read without a click.
_ROW_PX = 35
_WRAPPED_ROW_PX = 70
_PX = {"small": 75, "medium": 200, "large": 400}  # Streamlit's named column widths
_CHAR_PX = 7.5  # a character's mean width in the table's font
# Up to this many rows a table is drawn whole, in the page's own scroll; a longer one
# scrolls inside a box of this many rows, so the page below it stays within reach.
WHOLE_UP_TO = 25


def _status(value: Any) -> str:
    return ACTION_STATUS.get(value, str(value))


def _quadrant(value: Any) -> str:
    look = QUADRANTS.get(value)
    return look.badge() if look else str(value)


def _health(value: Any) -> str:
    look = HEALTH.get(value)
    return look.badge() if look else str(value)


def _moment(value: Any) -> str:
    return palette.moment(value) if isinstance(value, dt.datetime) else palette.day(value)


WORDS: dict[str, Callable[[Any], str]] = {
    "moment": _moment,
    "status": _status,
    "quadrant": _quadrant,
    "health": _health,
}


@dataclass(frozen=True)
class Column:
    """One column: the row's key, its header, and how its values read (`kind`)."""

    key: str
    header: str
    # text, long (text that wraps onto up to three lines), link, status, quadrant, health,
    # moment (a time, or a date that may be missing: "—"), date, number, percent, of_five
    kind: str = "text"
    width: Literal["small", "medium", "large"] | int | None = None  # Streamlit's, or pixels
    help: str | None = None  # shown when the pointer rests on the header


def show(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], key: str, **options: Any
) -> None:
    """`rows` as a dataframe of `columns` only, in words, filling the page's width: whole
    when short, long text wrapped. `options` go to `st.dataframe` and win."""
    st.dataframe(
        _arrow_table(rows, columns),
        hide_index=True,
        width="stretch",
        key=key,
        column_config={c.header: _config(c) for c in columns},
        placeholder="",  # a typed cell left blank, not Streamlit's grey "None"
        **(layout(rows, columns) | options),
    )


def columns_of(rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]) -> list[Column]:
    """A column per key of the first row, headed by the key in words ("due" → "Due"),
    each read as `kinds` says (text unless named)."""
    keys = list(rows[0]) if rows else []
    return [Column(k, k.replace("_", " ").capitalize(), kinds.get(k, "text")) for k in keys]


def layout(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> dict[str, Any]:
    """Row height and table height: rows tall enough to wrap a long text, and every row
    shown (no box scrolling inside the page) unless there are more than `WHOLE_UP_TO`."""
    wraps = any(
        len(str(row.get(c.key) or "")) > _line_of(c)
        for c in columns
        if c.kind == "long"
        for row in rows
    )
    row_px = _WRAPPED_ROW_PX if wraps else _ROW_PX
    height: str | int = "content"
    if len(rows) > WHOLE_UP_TO:
        height = _ROW_PX + row_px * WHOLE_UP_TO  # the header, then the rows
    return {"height": height, "row_height": row_px if wraps else None}


def _arrow_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> pa.Table:
    """The shown cells as an Arrow table, each column typed by its kind.

    Built column by column: Streamlit turns a list of dicts into a pandas frame and then
    into Arrow, 30 times slower (3 ms for a team's 110 actions, on every rerun of a page
    with ten tables). Words are text; a typed column keeps its numbers or dates, and falls
    back to text if its values do not share one type, as Streamlit itself would.
    """
    return pa.table(
        {c.header: _arrow_column(c, [_cell(c, row.get(c.key)) for row in rows]) for c in columns}
    )


def _arrow_column(column: Column, cells: list[Any]) -> pa.Array:
    if column.kind in _TYPED:
        try:
            return pa.array(cells)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return pa.array([None if c is None else str(c) for c in cells], pa.string())


def _cell(column: Column, value: Any) -> Any:
    if value is None or value == "":
        # Typed columns leave the cell blank: a dash there would read as a bad value.
        return None if column.kind in _TYPED else EMPTY
    words = WORDS.get(column.kind)
    return words(value) if words else value


def _line_of(column: Column) -> int:
    """How many characters fit on one line of a long-text column."""
    width = column.width or "large"
    px = _PX[width] if isinstance(width, str) else width
    return int(px / _CHAR_PX) - 2


def _config(column: Column) -> Any:
    header, width, tip = column.header, column.width, column.help
    if column.kind == "percent":
        return st.column_config.ProgressColumn(
            header, min_value=0, max_value=100, format="%d%%", width=width, help=tip
        )
    if column.kind == "of_five":
        return st.column_config.NumberColumn(header, format="%d of 5", width=width, help=tip)
    if column.kind == "date":
        return st.column_config.DateColumn(header, format="D MMM YYYY", width=width, help=tip)
    if column.kind == "number":
        return st.column_config.NumberColumn(header, width=width, help=tip)
    if column.kind == "link":  # an address within the app, shown as the column's header
        return st.column_config.LinkColumn(header, display_text=header, width=width, help=tip)
    if column.kind == "long":
        return st.column_config.TextColumn(header, width=width or "large", help=tip)
    return st.column_config.TextColumn(header, width=width, help=tip)
