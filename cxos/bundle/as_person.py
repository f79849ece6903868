"""Bulk import and export as a signed-in person: the permission check around the importer.

`cxos.bundle.importer` moves bundles; this module decides who may. Only an administrator may
preview or import (write kind "import"); the check runs before the importer's one
transaction, and the importer's audit entries name the person. Exports are reads, so any
signed-in person may make one; the bytes are built in memory for a download button.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from cxos.bundle.exporter import export_folder, export_xlsx
from cxos.bundle.importer import ImportReport, Progress, import_bundle
from cxos.identity import permissions
from cxos.storage import Database

BUNDLE_SUFFIXES = (".xlsx", ".zip")


def _quiet(_fraction: float, _message: str) -> None:
    return None


def preview_as(db: Database, actor_id: str, source: str | Path) -> ImportReport:
    """What importing `source` would change; raises BundleError listing every problem."""
    permissions.require(db, actor_id, "import")
    return import_bundle(db, source, actor_id, dry_run=True)


def import_as(
    db: Database, actor_id: str, source: str | Path, progress: Progress = _quiet
) -> ImportReport:
    """Import `source` as `actor_id` (administrators only), all or nothing."""
    permissions.require(db, actor_id, "import")
    return import_bundle(db, source, actor_id, progress)


def export_xlsx_bytes(db: Database) -> bytes:
    """The whole database as a bundle workbook."""
    with tempfile.TemporaryDirectory(prefix="cxos-export-") as tmp:
        return export_xlsx(db, Path(tmp) / "cxos.xlsx").read_bytes()


def export_zip_bytes(db: Database) -> bytes:
    """The whole database as a zipped folder of bundle CSV files."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="cxos-export-") as tmp:
        files = export_folder(db, tmp)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.name)
    return buffer.getvalue()
