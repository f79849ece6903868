"""The DuckDB file: opening it, sharing it within this process (the lease), reading its errors.

DuckDB lets only one process hold a database file, and a connection object must not be
shared between threads. Opening the file costs 30-60 ms (measured: it builds a whole
database instance), a cursor on an open instance 0.3 ms. So a `Database` keeps one
*lease* per file: the first unit of work (a read or one write transaction) opens the
file, concurrent units of work each get their own cursor on it, and the file is closed
again once no unit has used it for `CXOS_LEASE_SECONDS` (default 0.5; 0 closes after
every unit). Another process therefore finds the file free between bursts of work, and
one that is waiting says so by touching `<file>.waiting`: a holder sees that between
units of work and gives the file up for a moment, so a busy app cannot starve the
command line. A finished scoring read hands its cursor on to the next one, with the
statements prepared on it (prepared.py).

DuckDB's errors are read here: a lock held by another process is waited out (then
`DatabaseBusy`, retry.py says for how long), a write-write conflict is `is_conflict` (which
`retry.retry_transaction` retries), a file that does not open is refused with a message;
damage and a full disk are named by faults.py.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from cxos.model.errors import CxosError, DatabaseBusy
from cxos.storage import faults, prepared, retry

Connection = duckdb.DuckDBPyConnection

# Nothing may be fetched at run time: extensions are neither installed nor loaded on demand.
OPEN_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
_LEASE_SECONDS = float(os.environ.get("CXOS_LEASE_SECONDS", "0.5"))
# A `.waiting` marker older than this was left by a process that gave up or died.
_WAITING_FRESH = 2.0
# The longest a holder stands aside for a waiting process before taking the file back.
_GIVE_WAY_SECONDS = 1.0
# A waiting process polls at least this often, so it finds the gap a holder leaves.
_WAIT_POLL = 0.05
# Read cursors kept for the next reads (at most this many): half a megabyte each with the
# scoring statements prepared on them, the most a steering review's fifty users need at once.
_SPARE_CURSORS = 16


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def is_conflict(error: Exception) -> bool:
    """Whether `error` is a write-write conflict, which trying again may get past."""
    return isinstance(error, duckdb.TransactionException) and "conflict" in str(error).lower()


def waiting_marker(path: Path) -> Path:
    """The file a process touches while it waits for `path` to be free."""
    return path.with_name(path.name + ".waiting")


def _someone_waiting(path: Path) -> bool:
    try:
        return time.time() - waiting_marker(path).stat().st_mtime < _WAITING_FRESH
    except OSError:
        return False


def open_file(path: Path) -> Connection:
    """Open the database file, waiting (with backoff) while another process holds it.

    While it waits it keeps `<file>.waiting` fresh, so a CXOS process holding the file
    gives it up between units of work. Any other failure means the file is not a
    database this version can open: a `CxosError` that says so.
    """
    deadline = time.monotonic() + retry.BUSY_SECONDS
    marker = waiting_marker(path)
    attempt = 0
    try:
        while True:
            try:
                return duckdb.connect(str(path), config=OPEN_CONFIG)
            except duckdb.IOException as error:
                if not _is_lock_error(error):
                    raise _unreadable(path, error) from error
                if time.monotonic() > deadline:
                    raise DatabaseBusy(
                        f"the database {path} is in use by another program; try again in a moment"
                    ) from error
                _touch(marker)
                time.sleep(retry.backoff(attempt, _WAIT_POLL))
                attempt += 1
            except duckdb.Error as error:
                raise _unreadable(path, error) from error
    finally:
        if attempt:
            marker.unlink(missing_ok=True)


def _touch(marker: Path) -> None:
    try:
        marker.touch()
    except OSError:
        pass  # a read-only folder: the holder still lets go when idle


class _Lease:
    """This process's open instance of one database file, shared by units of work.

    Each unit gets its own cursor (DuckDB forbids sharing one connection object between
    threads). The instance is closed when idle for `idle` seconds, and given up early
    when another process is waiting for the file and this lease has served at least one
    unit since it opened (so two processes always both make progress).
    """

    def __init__(self, path: Path, idle: float):
        self.path = path
        self.idle = idle
        self.cond = threading.Condition()
        self.con: Connection | None = None
        self.users = 0
        self.served = 0
        self.last_used = 0.0
        self.giving_way = False
        self.stopped = False
        # One idle timer at a time, re-armed when it fires early: starting a timer thread
        # per unit of work cost more than the small queries a page makes.
        self.timer: threading.Timer | None = None
        self.local = threading.local()  # units this thread holds (nested units never wait)
        # Cursors of finished reads, for the next reads: a cursor keeps the statements
        # prepared on it (prepared.py), which are then not parsed again.
        self.spare: list[Connection] = []

    def acquire(self, reuse: bool = False) -> Connection:
        """A cursor for one unit of work; opens the file if this process has it closed.

        With `reuse`, a cursor a finished read handed back, if there is one.
        """
        with self.cond:
            nested = getattr(self.local, "depth", 0) > 0
            while self.giving_way and not nested:
                self.cond.wait()
            if self.con is not None and self.served and not nested:
                if _someone_waiting(self.path):
                    self._give_way()
            if self.con is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.con = open_file(self.path)
                self.served = 0
            self.users += 1
            try:
                cursor = self._spare_or_new(reuse)
            except BaseException:
                self._done()
                raise
            self.local.depth = getattr(self.local, "depth", 0) + 1
            return cursor

    def _spare_or_new(self, reuse: bool) -> Connection:
        assert self.con is not None
        if reuse and self.spare:
            return self.spare.pop()
        cursor = self.con.cursor()
        if reuse:
            prepared.adopt(cursor)
        return cursor

    def release(self, cursor: Connection, keep: bool = False) -> None:
        """End a unit of work; the file closes when no unit used it for `idle` seconds.

        With `keep`, the cursor goes to the next read that asks for one (see `acquire`).
        """
        try:
            if not keep:
                cursor.close()
        finally:
            self.local.depth -= 1
            with self.cond:
                if keep:
                    self._keep(cursor)
                self._done()

    def _keep(self, cursor: Connection) -> None:
        if self.con is not None and len(self.spare) < _SPARE_CURSORS:
            self.spare.append(cursor)
        else:
            cursor.close()

    def close(self) -> None:
        """Close the file now, once the units of work in flight are done."""
        with self.cond:
            while self.users:
                self.cond.wait()
            self._close()

    def _done(self) -> None:
        self.users -= 1
        self.served += 1
        self.cond.notify_all()
        if self.users or self.giving_way:
            return
        if self.idle <= 0:
            self._close()
            return
        self.last_used = time.monotonic()
        if self.timer is None:
            self._arm(self.idle)

    def _arm(self, delay: float) -> None:
        if self.stopped:
            return
        self.timer = threading.Timer(delay, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def shutdown(self) -> None:
        """At exit: stop the idle timer (a live thread spoils interpreter exit), close."""
        with self.cond:
            self.stopped = True
            timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()
            timer.join()
        with self.cond:
            if not self.users:
                self._close()

    def _expire(self) -> None:
        """The idle timer: close when idle long enough, else wait out the rest."""
        with self.cond:
            if self.timer is None or self.timer is not threading.current_thread():
                return  # shut down meanwhile
            self.timer = None
            if self.users or self.con is None:
                return  # in use: the last unit to finish arms the timer again
            left = self.last_used + self.idle - time.monotonic()
            if left > 0:
                self._arm(left)
            else:
                self._close()

    def _give_way(self) -> None:
        """Close the file and wait (bounded) until the waiting process has taken its turn."""
        self.giving_way = True
        try:
            while self.users:
                self.cond.wait()
            self._close()
            until = time.monotonic() + _GIVE_WAY_SECONDS
            while _someone_waiting(self.path) and time.monotonic() < until:
                self.cond.wait(_WAIT_POLL)
        finally:
            self.giving_way = False
            self.cond.notify_all()

    def _close(self) -> None:
        spare, self.spare = self.spare, []
        for cursor in spare:
            cursor.close()
        if self.con is not None:
            con, self.con = self.con, None
            con.close()


_LEASES: weakref.WeakValueDictionary[str, _Lease] = weakref.WeakValueDictionary()
_LEASES_GUARD = threading.Lock()


def lease_for(path: Path) -> _Lease:
    """The one lease of a file in this process, shared by every `Database` on it."""
    key = str(path.absolute())
    with _LEASES_GUARD:
        lease = _LEASES.get(key)
        if lease is None:
            lease = _LEASES[key] = _Lease(path, _LEASE_SECONDS)
        return lease


@atexit.register
def _close_leases() -> None:
    """Close idle files at exit, so a command leaves a checkpointed file behind."""
    for lease in list(_LEASES.values()):
        lease.shutdown()


def _unreadable(path: Path, error: Exception) -> Exception:
    fault = faults.named_database_fault(error, path, "opening")
    if fault is not None:
        return fault
    return CxosError(
        f"{path} cannot be opened as a CXOS database ({str(error).splitlines()[0]}); "
        "nothing was changed"
    )


# DuckDB's file starts with a main header and two database headers of 4 KiB each.
_HEADER_BYTES = 3 * 4096


def check_complete(con: Connection, path: Path) -> None:
    """Refuse a file shorter than the blocks its header lists (a cut copy, a full disk).

    DuckDB opens such a file and only fails when a query reaches a missing block, which
    may be much later, half-way through a page. When a `.wal` file is next to it the
    blocks may not be written yet, so the check is left to the queries.
    """
    if path.with_name(path.name + ".wal").exists():
        return
    # Used blocks, not total: free blocks at the end may legitimately be cut off the file,
    # and a valid database must never be refused.
    row = con.execute(
        "SELECT block_size, used_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchone()
    if row is None:
        return
    needed = _HEADER_BYTES + int(row[0]) * int(row[1])
    size = path.stat().st_size
    if size < needed:
        raise CxosError(
            f"{path} is cut short ({size:,} of {needed:,} bytes); it is damaged and was not "
            "changed: restore a backup with `python -m cxos restore`"
        )


@contextmanager
def uncompressed_scratch(con: Connection) -> Iterator[None]:
    """Work on large temporary tables without DuckDB checkpointing them.

    Past `checkpoint_threshold` of changes, a commit checkpoints the temporary database
    too, compressing every temporary table: a quarter of a second in the middle of an
    import's checks, for tables thrown away minutes later. The threshold is the
    database's, so it is raised only for this stretch (no write to the main file happens
    in it) and restored after.
    """
    con.execute("SET checkpoint_threshold = '1TB'")
    try:
        yield
    finally:
        con.execute("RESET checkpoint_threshold")
