"""Real damage and a real full disk for tests: a flipped bit in a table's block, a small tmpfs.

No fault is simulated: the bit is flipped in the file on disk, and the disk is a real
file system that runs out of space.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

# DuckDB's file starts with a main header and two database headers of 4 KiB each; each
# block then starts with its 8-byte checksum.
_HEADER_BYTES = 3 * 4096
_CHECKSUM_BYTES = 8


def table_block(path: Path, table: str) -> int:
    """The byte offset of the first data block holding `table`'s rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        size = con.execute(
            "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()"
        ).fetchone()
        block = con.execute(
            "SELECT min(block_id) FROM pragma_storage_info(?) WHERE block_id >= 0", [table]
        ).fetchone()
    finally:
        con.close()
    assert size is not None and block is not None and block[0] is not None, table
    return _HEADER_BYTES + int(block[0]) * int(size[0])


def flip_bit(path: Path, table: str, bit: int = 4) -> int:
    """Flip one bit inside the first data block of `table` (not a header); returns its offset."""
    offset = table_block(path, table) + _CHECKSUM_BYTES + 64
    flip_bit_at(path, offset, bit)
    return offset


def can_mount_tmpfs(folder: Path) -> str | None:
    """None when a tmpfs can be mounted here (as root in CI), else why not."""
    if shutil.which("mount") is None:
        return "no mount command on this machine"
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        return f"cannot mount a tmpfs to fill: {done.stderr.strip() or done.returncode}"
    subprocess.run(["umount", str(folder)], check=True)
    return None


@contextlib.contextmanager
def small_disk(folder: Path, size_bytes: int) -> Iterator[Path]:
    """A real file system of `size_bytes` mounted at `folder` (tmpfs), unmounted after."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)], check=True
    )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int = 0) -> None:
    """Write a filler file until the file system holding `folder` has `leave` bytes free."""
    filler = folder / f"filler-{uuid.uuid4().hex[:6]}"
    chunk = b"\0" * 4096
    with filler.open("wb") as out:
        with contextlib.suppress(OSError):
            while shutil.disk_usage(folder).free > leave:
                out.write(chunk)
                out.flush()


def unread_block(path: Path) -> int:
    """The offset of a used block that no table's rows live in (an index or catalog block).

    A full read of every table never meets such a block, so only a checksum of the whole
    file sees a bit flipped in it.
    """
    con = duckdb.connect(str(path), read_only=True)
    try:
        size, used = con.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size() "
            "WHERE database_name = current_database()"
        ).fetchone() or (0, 0)
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        data = {
            r[0]
            for t in tables
            for r in con.execute(
                "SELECT DISTINCT block_id FROM pragma_storage_info(?) WHERE block_id >= 0", [t]
            ).fetchall()
        }
    finally:
        con.close()
    # Block 0 holds the catalog, read at open: any other block outside the tables' own.
    others = [b for b in range(1, int(used)) if b not in data]
    assert others, "every block holds table rows"
    return _HEADER_BYTES + others[0] * int(size)


def flip_bit_at(path: Path, offset: int, bit: int = 4) -> None:
    """Flip one bit of the file at `offset`."""
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ (1 << bit)]))
