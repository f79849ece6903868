"""Uploaded bundles, held between the preview and the import: private, and deleted.

An administrator's upload is a whole company's data. It is written to a folder only this
process's user can open (`tempfile.mkdtemp`, mode 0700; the file itself 0600), under a
fixed name — the uploaded file's name gives only its suffix, so it never builds a path —
and deleted as soon as the import ends, the upload is replaced or removed, or the process
exits. An `UploadSlot` is what a page keeps in its session: one held upload at a time.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

from cxos.model.errors import InvalidInput

SUFFIXES = (".xlsx", ".zip")
_HELD: set[Path] = set()
_GUARD = threading.Lock()


def hold(data: bytes, name: str) -> Path:
    """Write an upload where only this process's user can read it; `release` deletes it."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(f"{name!r} is not a bundle: upload an .xlsx or a .zip")
    folder = Path(tempfile.mkdtemp(prefix="cxos-upload-"))
    with _GUARD:
        _HELD.add(folder)
    path = folder / f"bundle{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def release(path: Path | None) -> None:
    """Delete an upload `hold` wrote (and its folder); anything else is left alone."""
    if path is None:
        return
    with _GUARD:
        if path.parent not in _HELD:
            return
        _HELD.discard(path.parent)
    shutil.rmtree(path.parent, ignore_errors=True)


@atexit.register
def _release_all() -> None:
    for folder in list(_HELD):
        shutil.rmtree(folder, ignore_errors=True)
    _HELD.clear()


class UploadSlot:
    """One session's upload: held while it is previewed, deleted when it is done with.

    `offer` is called on every rerun with the uploader's current file (or None): the same
    bytes keep the same held file, new bytes replace it, no file deletes it. After `done`
    (the import ran) the same bytes are not held again, so the page can say so instead
    of previewing an import that has already happened.
    """

    def __init__(self) -> None:
        self.path: Path | None = None
        self._digest: str | None = None
        self._imported: str | None = None

    def offer(self, data: bytes | None, name: str = "") -> Path | None:
        """The held path for the uploader's current file, or None (none, or imported)."""
        if data is None:
            self.clear()
            self._imported = None
            return None
        digest = hashlib.sha256(data).hexdigest()
        if digest == self._imported:
            self.clear()
            return None
        if digest != self._digest or self.path is None or not self.path.exists():
            self.clear()
            self.path, self._digest = hold(data, name), digest
        return self.path

    @property
    def imported(self) -> bool:
        """True when the uploader still holds the file that was just imported."""
        return self._imported is not None and self.path is None

    def done(self) -> None:
        """The import succeeded: delete the file, and do not take the same bytes again
        until another file is chosen. (After a failed import, `clear` deletes it; the next
        rerun holds it again, so the person can retry.)"""
        self._imported = self._digest
        self.clear()

    def clear(self) -> None:
        release(self.path)
        self.path, self._digest = None, None
