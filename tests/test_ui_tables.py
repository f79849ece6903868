"""Tables for people (`ui.tables`): what each column shows, built as Arrow column by column."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ui.tables import EMPTY, Column, _arrow_table

COLUMNS = (
    Column("title", "Action"),
    Column("status", "Status", "status"),
    Column("due", "Due", "date"),
    Column("progress", "Progress", "percent"),
    Column("count", "Count", "number"),
)


def test_words_for_codes_blank_typed_cells_and_a_dash_for_missing_text() -> None:
    rows = [
        {"title": "Call back", "status": "in_progress", "due": dt.date(2026, 12, 1),
         "progress": 40},
        {"title": None, "status": "done", "due": None, "progress": None, "count": 3},
    ]  # fmt: skip
    table = _arrow_table(rows, COLUMNS)
    assert table.column_names == ["Action", "Status", "Due", "Progress", "Count"]
    assert table.to_pylist() == [
        {"Action": "Call back", "Status": "In progress", "Due": dt.date(2026, 12, 1),
         "Progress": 40, "Count": None},
        {"Action": EMPTY, "Status": "Done", "Due": None, "Progress": None, "Count": 3},
    ]  # fmt: skip
    assert table.schema.field("Due").type == pa.date32()
    assert pa.types.is_integer(table.schema.field("Progress").type)


def test_a_typed_column_of_mixed_values_reads_as_text_and_text_stays_text() -> None:
    rows = [{"title": 12, "count": 1}, {"title": "twelve", "count": "a few"}]
    table = _arrow_table(rows, (Column("title", "Title"), Column("count", "Count", "number")))
    assert table.to_pylist() == [
        {"Title": "12", "Count": "1"},
        {"Title": "twelve", "Count": "a few"},
    ]


def test_no_rows_still_has_its_columns() -> None:
    assert _arrow_table([], COLUMNS).column_names == [c.header for c in COLUMNS]
