"""The PostgreSQL store: what a reader pays after a write, what the mirror costs, and
whether PostgreSQL scores as the embedded file does, on the enterprise company.

    python bench/bench_postgres.py --server postgresql://cxos@127.0.0.1:PORT/postgres
                                   [--runs 10] [--dir /tmp/cxos-bench]

`--server` is a PostgreSQL URL whose user may create databases (`python
tests/postgres_server.py start DIR` prints one). The benchmark (re)creates the database
`cxos_bench` there, then:

1. `init`s it and, while a second process holds a mirror of it, imports the enterprise
   company (bench/enterprise.py: `export` of the file, `import` of the folder, both with the
   command line); the mirror's next read fetches whole tables: its refresh cost. The file's
   demo marker is copied over, so `load_ws.py --db URL` can sign in with `?as=` there too.
2. starts a fresh process and times its first read (the whole mirror loaded), with its
   resident memory before and after and DuckDB's `duckdb_memory()` on the mirror, once with
   the default `CXOS_MIRROR_MEMORY` and once with `--small-memory` (default 512MB).
3. compares `compute_scores` and `compute_signals` on PostgreSQL and on the file at three
   dates: PASS or FAIL.
4. write -> fresh score: this process records a check-in (`record_check_in`), then tells
   the second process, which runs `compute_scores` as its next read (the mirror catches up
   inside it); `--runs` times, medians reported, next to a read and a scoring with nothing
   new (one round trip to PostgreSQL to learn that).

Loopback only; the child processes are stopped on the way out. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import enterprise  # noqa: E402

DATABASE = "cxos_bench"
REPLY = "@@reply "  # marks the child's answers among anything else it prints
MIB = 1024**2


# -- the second process ----------------------------------------------------------------------


def _status(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(url: str) -> int:
    """Answer commands (one JSON object a line on stdin) on the database at `url`."""
    from cxos.scoring import compute_scores
    from cxos.storage import Database
    from cxos.storage.stores import PostgresStore

    rss_at_start = _status("VmRSS")
    db = Database(url)
    mirror = PostgresStore(url).mirror()
    today = dt.date.today()

    def timed(fn: Any) -> tuple[float, dict[str, float]]:
        mirror.last_refresh = {}
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started, dict(mirror.last_refresh)

    for raw in sys.stdin:
        command = json.loads(raw)
        kind = command["cmd"]
        answer: dict[str, Any] = {}
        if kind == "load":
            seconds, refresh = timed(lambda: db.scalar("SELECT count(*) FROM teams"))
            cursor = mirror.con.cursor()
            memory = cursor.execute(
                "SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()"
            ).fetchone()
            limit = cursor.execute("SELECT current_setting('memory_limit')").fetchone()[0]
            cursor.close()
            answer = {
                "seconds": seconds,
                "refresh": refresh,
                "rss_start": rss_at_start,
                "rss": _status("VmRSS"),
                "hwm": _status("VmHWM"),
                "duckdb_memory": memory[0],
                "duckdb_temporary": memory[1],
                "memory_limit": limit,
            }
        elif kind == "ping":  # a read with nothing new: one round trip to PostgreSQL
            answer["seconds"], answer["refresh"] = timed(lambda: db.scalar("SELECT 1"))
        elif kind == "scores":  # compute_scores as the next read (the catch-up inside it)
            answer["seconds"], answer["refresh"] = timed(lambda: compute_scores(db, today))
            answer["done_at"] = time.time()
            action = command.get("action")
            if action:
                answer["check_ins"] = db.scalar(
                    "SELECT count(*) FROM check_ins WHERE action_id = ?", [action]
                )
        elif kind == "quit":
            break
        print(REPLY + json.dumps(answer), flush=True)
    db.close()
    return 0


class Child:
    """A second Python process, with its own mirror, driven over a pipe."""

    def __init__(self, url: str, env: dict[str, str] | None = None):
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--child", url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )

    def ask(self, cmd: str, **fields: Any) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"cmd": cmd, **fields}) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith(REPLY):
                return dict(json.loads(line[len(REPLY) :]))
        raise RuntimeError(f"the child process stopped (exit code {self.proc.wait()})")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ask("quit")
            except (RuntimeError, BrokenPipeError):
                pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


# -- the steps -------------------------------------------------------------------------------


def database_url(server: str) -> str:
    parts = urllib.parse.urlsplit(server)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{DATABASE}"))


def recreate(server: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {DATABASE}")


def cli(db: str, *args: str) -> float:
    """`python -m cxos --db DB ARGS`, its seconds; stops the benchmark on a failure."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cxos", "--db", db, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"`cxos {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def _refresh(refresh: dict[str, float]) -> str:
    if not refresh:
        return "nothing new (one round trip)"
    return (
        f"refresh {refresh['seconds']:.3f} s, {refresh['whole_tables']:.0f} whole tables, "
        f"{refresh['keyed_rows']:.0f} keyed rows"
    )


def load_company(file: Path, server: str, url: str, folder: Path) -> Child:
    """The enterprise company on a fresh database, imported while a second process holds a
    mirror of it; that process (its mirror loaded) is handed back."""
    recreate(server)
    print(f"init: {cli(url, 'init'):.1f} s", flush=True)
    holder = Child(url)
    holder.ask("load")
    if not (folder / ".exported").exists():
        print(f"export of the file: {cli(str(file), 'export', str(folder)):.1f} s", flush=True)
        (folder / ".exported").write_text(file.name)
    print(f"import into PostgreSQL: {cli(url, 'import', str(folder)):.1f} s", flush=True)
    keep_demo_sign_in(file, url)
    after = holder.ask("scores")
    print(
        f"mirror refresh after the enterprise import (in a process that held the empty "
        f"database): {_refresh(after['refresh'])}; compute_scores with it {after['seconds']:.2f} s",
        flush=True,
    )
    return holder


def keep_demo_sign_in(file: Path, url: str) -> None:
    """The file's demo marker copied to PostgreSQL. An import rightly switches demo sign-in
    off (the company could be real); the load benchmark signs in with `?as=`, so without
    the marker it would time the sign-in form instead of the page on this store."""
    import duckdb
    import psycopg

    with duckdb.connect(str(file), read_only=True) as source:
        rows = source.execute(
            "SELECT key, value FROM meta WHERE key IN ('dataset', 'demo_personas', 'demo_as_of')"
        ).fetchall()
    with psycopg.connect(url) as con:  # one transaction; the change log's triggers see it
        for key, value in rows:
            con.execute("DELETE FROM meta WHERE key = %s", [key])
            con.execute("INSERT INTO meta VALUES (%s, %s)", [key, value])


def first_loads(url: str, small: str) -> None:
    tries = [("default", {}), (f"CXOS_MIRROR_MEMORY={small}", {"CXOS_MIRROR_MEMORY": small})]
    for label, env in tries:
        fresh = Child(url, env)
        try:
            got = fresh.ask("load")
        finally:
            fresh.close()
        print(
            f"first read of a fresh process ({label}, memory_limit {got['memory_limit']}): "
            f"{got['seconds']:.1f} s ({_refresh(got['refresh'])}); RSS {got['rss_start'] / MIB:.0f}"
            f" -> {got['rss'] / MIB:.0f} MiB (VmHWM {got['hwm'] / MIB:.0f}); duckdb_memory() "
            f"{got['duckdb_memory'] / MIB:.0f} MiB in memory, "
            f"{got['duckdb_temporary'] / MIB:.0f} MiB spilled",
            flush=True,
        )


def same_scores(file: Path, url: str) -> bool:
    from cxos.scoring import compute_scores, compute_signals
    from cxos.storage import Database

    on_file, on_pg = Database(file), Database(url)
    today = dt.date.today()
    ok = True
    for day in (today - dt.timedelta(days=120), today - dt.timedelta(days=45), today):
        scores = compute_scores(on_pg, day) == compute_scores(on_file, day)
        signals = compute_signals(on_pg, day) == compute_signals(on_file, day)
        print(
            f"{day}: scores {'equal' if scores else 'DIFFER'}, "
            f"signals {'equal' if signals else 'DIFFER'}",
            flush=True,
        )
        ok = ok and scores and signals
    on_file.close()
    print(f"scores and signals on PostgreSQL = on the file: {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


def write_to_fresh_score(url: str, reader: Child, runs: int) -> None:
    from cxos.storage import Database
    from cxos.work.checkins_readings import record_check_in

    db = Database(url)
    action, owner = db.rows(
        "SELECT id, owner_id FROM actions WHERE status <> 'done' AND owner_id IS NOT NULL "
        "ORDER BY id LIMIT 1"
    )[0].values()
    idle_reads = [reader.ask("ping")["seconds"] for _ in range(runs)]
    idle_scores = [reader.ask("scores")["seconds"] for _ in range(runs)]
    writes, reads, totals, refreshes = [], [], [], []
    for n in range(runs):
        before = reader.ask("scores", action=action)["check_ins"]
        began_at = time.time()
        started = time.perf_counter()
        record_check_in(db, owner, action, status="in_progress", progress=n, note=f"bench {n}")
        writes.append(time.perf_counter() - started)
        got = reader.ask("scores", action=action)
        if got["check_ins"] != before + 1:
            raise SystemExit(f"the reader saw {got['check_ins']} check-ins, not {before + 1}")
        reads.append(got["seconds"])
        totals.append(got["done_at"] - began_at)
        refreshes.append(got["refresh"])
    med = statistics.median
    print(f"write -> fresh score on {action} ({runs} runs, medians):", flush=True)
    print(f"  record_check_in in process A: {med(writes) * 1000:.0f} ms", flush=True)
    print(
        f"  process B's compute_scores as its next read: {med(reads):.3f} s, of which the "
        f"mirror's refresh {med(r['seconds'] for r in refreshes) * 1000:.1f} ms "
        f"({med(r['keyed_rows'] for r in refreshes):.0f} keyed rows, "
        f"{max(r['whole_tables'] for r in refreshes):.0f} whole tables)",
        flush=True,
    )
    print(f"  write start -> fresh score in B: {med(totals):.3f} s", flush=True)
    print(
        f"  with nothing new: a read {med(idle_reads) * 1000:.1f} ms (one round trip), "
        f"compute_scores {med(idle_scores):.3f} s",
        flush=True,
    )
    db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=enterprise.DEFAULT_DIR)
    parser.add_argument("--small-memory", default="512MB", help="CXOS_MIRROR_MEMORY to try")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    if not args.server:
        parser.error("--server postgresql://… is needed")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    file = enterprise.database(args.dir)
    url = database_url(args.server)
    holder = load_company(file, args.server, url, args.dir / "enterprise-export")
    try:
        first_loads(url, args.small_memory)
        ok = same_scores(file, url)
        write_to_fresh_score(url, holder, args.runs)
    finally:
        holder.close()
    print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
