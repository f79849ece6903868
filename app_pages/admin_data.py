"""Bulk import and export (administrators): preview, confirm, then import all or nothing."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cxos import palette, text
from cxos.bundle.as_person import export_xlsx_bytes, export_zip_bytes, import_as, preview_as
from cxos.bundle.importer import ImportReport
from cxos.bundle.uploads import UploadSlot
from cxos.model.errors import BundleError, CxosError
from ui import tables
from ui.admin import require_admin
from ui.database import database
from ui.session import after_write, require_person

person = require_person()
require_admin(person)
# The upload is held privately (cxos.bundle.uploads) and deleted when the import ends or the
# upload is replaced or removed.
slot: UploadSlot = st.session_state.setdefault("admin_data_slot", UploadSlot())


def _show_changes(report: ImportReport) -> None:
    rows = [vars(change) for change in report.changes]
    numbers = {"rows": "number", "added": "number", "changed": "number", "unchanged": "number"}
    tables.show(rows, tables.columns_of(rows, numbers), "admin_data_preview")


def _preview(path: Path) -> ImportReport | None:
    try:
        report = preview_as(database(), person.id, path)
    except BundleError as error:
        st.error(
            f"This bundle cannot be imported: {palette.counted(error.total, 'problem')}. "
            "Nothing was changed."
        )
        tables.show(
            [{"problem": str(p)} for p in error.problems],
            [tables.Column("problem", "Problem", "long", "large")],
            "admin_data_problems",
        )
        return None
    except CxosError as error:
        st.error(text.markdown(str(error)))
        return None
    st.write(f"Importing would change the database like this — {report.summary()}:")
    _show_changes(report)
    return report


def _import(path: Path) -> None:
    bar = st.progress(0.0, text="starting")
    try:
        report = import_as(database(), person.id, path, lambda f, msg: bar.progress(f, text=msg))
    except CxosError as error:
        slot.clear()
        st.error(text.markdown(str(error)))
        return
    slot.done()
    after_write(f"Imported {report.summary()}.")


st.title("Import & export")
st.subheader("Import a bundle")
st.caption(
    "An Excel workbook (one sheet per file) or a .zip of the CSV files. "
    "Nothing is written until you confirm; one bad row rejects the whole bundle."
)
upload = st.file_uploader("Bundle", type=["xlsx", "zip"], key="admin_data_upload")
data, name = (upload.getvalue(), upload.name) if upload is not None else (None, "")
try:
    path = slot.offer(data, name)
except CxosError as error:
    st.error(text.markdown(str(error)))
    path = None
if slot.imported:
    st.caption("This file has been imported. Choose another file to import again.")
if path is not None:
    report = _preview(path)
    if report is not None and st.button(
        f"Import {report.rows} rows", type="primary", key="admin_data_confirm"
    ):
        _import(path)

st.subheader("Export")
st.caption("The whole database in the bundle format; importing it again changes nothing.")
left, right = st.columns(2)
left.download_button(
    "Download Excel workbook",
    data=lambda: export_xlsx_bytes(database()),
    file_name="cxos-export.xlsx",
    key="admin_data_export_xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
right.download_button(
    "Download zipped CSV folder",
    data=lambda: export_zip_bytes(database()),
    file_name="cxos-export.zip",
    key="admin_data_export_zip",
    mime="application/zip",
)
