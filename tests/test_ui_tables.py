"""Tables for people (`ui.tables`): what each column shows, built as Arrow column by column."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ui.tables import EMPTY, WHOLE_UP_TO, Column, _arrow_table, columns_of, layout

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


def test_a_short_table_is_drawn_whole_and_a_long_one_scrolls_in_its_own_box() -> None:
    """Review at 1440 px: a 14-row backlog showed ten rows in a box that scrolled."""
    columns = (Column("title", "Action"),)
    short = [{"title": f"Action {n}"} for n in range(WHOLE_UP_TO)]
    assert layout(short, columns) == {"height": "content", "row_height": None}
    long = short + [{"title": "one more"}]
    boxed = layout(long, columns)["height"]
    assert isinstance(boxed, int) and boxed < 36 * len(long)


def test_long_text_gets_rows_tall_enough_to_wrap_and_short_text_does_not() -> None:
    columns = (Column("detail", "What was found", "long"), Column("team", "Team"))
    said = "Stage 'Pay the bill' has goals from Billing only, and no team owns its hand-off"
    assert layout([{"detail": said, "team": "Billing"}], columns)["row_height"] > 64
    assert layout([{"detail": "Short", "team": said}], columns)["row_height"] is None


def test_columns_of_rows_name_each_key_in_words() -> None:
    rows = [{"action": "Call back", "due": dt.date(2026, 12, 1), "days_overdue": 3}]
    columns = columns_of(rows, {"due": "date", "days_overdue": "number"})
    assert [(c.header, c.kind) for c in columns] == [
        ("Action", "text"),
        ("Due", "date"),
        ("Days overdue", "number"),
    ]


def test_a_date_or_a_time_reads_the_same_on_every_table() -> None:
    moment = Column("at", "When", "moment")
    rows = [{"at": dt.date(2026, 3, 5)}, {"at": dt.datetime(2026, 3, 5, 9, 30)}]
    assert _arrow_table(rows, (moment,)).column("When").to_pylist() == [
        "5 Mar 2026",
        "5 Mar 2026, 09:30",
    ]
