"""Hostile bundles for tests and the hostile-import benchmark: zip bombs, workbooks whose
sheet titles are paths, archives with ambiguous names."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from tests.bundles import Rows, write_bundle

MiB = 1024 * 1024


def write_zip_bomb(
    path: Path, size: int, name: str = "people.csv", prefix: bytes = b"", declared: int = 0
) -> Path:
    """A .zip holding one entry `name` of `prefix` then NUL bytes, `size` bytes in all
    (its directory says `declared` bytes instead, if given: a lying archive).

    Deflate resets its state at each full flush, so every MiB of NULs compresses to the
    same few bytes: the archive is written from one compressed block repeated, in about
    the time its CRC takes, and 3 GiB pack into about 3 MB as in the issue's report.
    """
    assert size < 2**32 and size % MiB == 0 and len(prefix) < MiB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix + b"\0" * (MiB - len(prefix)))
    head += compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(b"\0" * MiB) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    blocks = size // MiB
    crc = zlib.crc32(prefix + b"\0" * (MiB - len(prefix)))
    zeros = b"\0" * MiB
    for _ in range(blocks - 1):
        crc = zlib.crc32(zeros, crc)
    packed = len(head) + len(block) * (blocks - 1) + len(tail)
    encoded = name.encode()
    fields = (20, 0, 8, 0, 0x21, crc, packed, declared or size, len(encoded), 0)
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded)
        out.write(head)
        for _ in range(blocks - 1):
            out.write(block)
        out.write(tail)
        directory = out.tell()
        central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0)
        out.write(central + encoded)
        length = out.tell() - directory
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, length, directory, 0))
    return path


def zip_of(files: dict[str, bytes | str]) -> bytes:
    """A .zip holding `files` (entry name → content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def workbook(path: Path, bundle: Rows) -> Path:
    """A bundle workbook (one sheet per file), written the way CXOS exports one."""
    from cxos.bundle.exporter import write_workbook
    from cxos.bundle.spec import BY_NAME
    from cxos.bundle.staging import format_cell

    sheets = (
        (
            name,
            BY_NAME[name].column_names,
            [
                tuple(format_cell(row.get(c)) or None for c in BY_NAME[name].column_names)
                for row in rows
            ],
        )
        for name, rows in bundle.items()
    )
    write_workbook(path, sheets)
    return path


def retitle_sheets(path: Path, titles: dict[str, str]) -> Path:
    """Rename sheets inside `xl/workbook.xml` (no checks: as a crafted file would)."""
    with zipfile.ZipFile(path) as src:
        entries = {info.filename: src.read(info) for info in src.infolist()}
    xml = entries["xl/workbook.xml"].decode()
    for old, new in titles.items():
        assert f'name="{old}"' in xml, old
        xml = xml.replace(f'name="{old}"', f'name="{new}"')
    entries["xl/workbook.xml"] = xml.encode()
    path.write_bytes(zip_of(entries))  # type: ignore[arg-type]
    return path


__all__ = ["MiB", "retitle_sheets", "workbook", "write_bundle", "write_zip_bomb", "zip_of"]
