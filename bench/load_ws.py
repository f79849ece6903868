"""Many users: sessions speaking Streamlit's websocket protocol to a real `streamlit run`.

    python bench/load_ws.py [--sessions 20] [--reruns 5] [--page overview] [--as p-mktg-1]
                            [--db FILE|postgresql://...] [--replicas 1]

Starts `streamlit run app.py` on 127.0.0.1 (a free port) with the enterprise database
(bench/enterprise.py), then opens `--sessions` websocket sessions on `/_stcore/stream`
at once. Each sends `BackMsg.rerun_script` (query `as=PERSON`, the page by name) and
waits for `ForwardMsg.script_finished`, first once to load the page, then `--reruns`
times in a row, reporting the hashes of cacheable messages it already holds as a
browser does. Prints the reruns' throughput and p50/p95 latency, the first loads'
latencies, and the server's peak resident memory (VmHWM, sampled VmRSS too), then stops
the server. Browsers are not used: on a 2-core machine they would measure the browser.
`--db` takes a DuckDB file or a `postgresql://` URL (the PostgreSQL store); `--replicas N`
starts N servers on the same database and spreads the sessions over them round-robin,
as a reverse proxy with sticky sessions would, and reports each server's peak memory.
Targets: >= 20 reruns/s, p95 <= 1.5 s, peak server memory <= 1 GB.

Loopback only; every loop is bounded (`--timeout` per run) and the server is stopped
on the way out. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench import enterprise  # noqa: E402
from cxos.storage import postgres  # noqa: E402

FINISHED = ForwardMsg.ScriptFinishedStatus
TARGET_RATE, TARGET_P95, TARGET_RSS = 20.0, 1.5, 1024**3


@dataclass
class Session:
    """One simulated browser tab: its message cache and its timings."""

    person: str
    page: str
    timeout: float
    cached: set[str] = field(default_factory=set)
    first: float = 0.0
    reruns: list[tuple[float, float]] = field(default_factory=list)  # (start, seconds)
    bytes_in: int = 0

    def rerun_message(self) -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = f"as={self.person}"
        state.page_name = self.page
        state.cached_message_hashes.extend(sorted(self.cached))
        return msg.SerializeToString()

    async def run_once(self, ws, again: float = 0.0) -> float:  # noqa: ANN001 - websockets
        """Send one rerun and wait for its script_finished; the seconds it took. With
        `again`, the person clicks once more that many seconds after the first click (the
        first run then ends early; the time runs until the second finishes)."""
        started = time.perf_counter()
        await ws.send(self.rerun_message())
        if again > 0:
            await asyncio.sleep(again)
            await ws.send(self.rerun_message())
        deadline = started + self.timeout
        while True:
            raw = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.perf_counter()))
            self.bytes_in += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.metadata.cacheable and msg.hash:
                self.cached.add(msg.hash)
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                if msg.script_finished == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    continue
                if msg.script_finished != FINISHED.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"script finished with status {msg.script_finished}")
                return time.perf_counter() - started
            if kind == "delta" and msg.delta.new_element.WhichOneof("type") == "exception":
                raise RuntimeError(msg.delta.new_element.exception.message)

    async def run(self, url: str, reruns: int, start: asyncio.Event, again: float = 0.0) -> None:
        async with connect(url, subprotocols=["streamlit"], max_size=None) as ws:
            self.first = await self.run_once(ws)
            await start.wait()
            for _ in range(reruns):
                began = time.perf_counter()
                self.reruns.append((began, await self.run_once(ws, again)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(db: str, port: int, log: Path):  # noqa: ANN201
    """`streamlit run app.py` on 127.0.0.1:port, stopped (by its pid) on the way out."""
    env = {**os.environ, "CXOS_DB": db}
    env.pop("CXOS_AUTH", None)
    launcher = os.environ.get("CXOS_BENCH_LAUNCHER")  # e.g. a profiling wrapper
    command = [
        sys.executable, *([launcher] if launcher else ["-m", "streamlit"]), "run",
        str(ROOT / "app.py"),
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start; see {log}") from None
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class MemoryWatch:
    """Samples the server's resident memory; `peak` also reads the kernel's high-water mark."""

    def __init__(self, pid: int):
        self.pid, self.samples, self._stop = pid, [0], threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _status(self, field_name: str) -> int:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            self.samples.append(self._status("VmRSS"))

    def stop(self) -> tuple[int, int]:
        """(peak sampled RSS, kernel high-water mark VmHWM) in bytes."""
        hwm = self._status("VmHWM")
        self._stop.set()
        self._thread.join()
        return max(self.samples), hwm


async def load(urls: list[str], args: argparse.Namespace) -> tuple[list[Session], float]:
    """Warm each server with one session, then run all sessions, spread round-robin over
    the servers; (sessions, rerun wall time)."""
    for n, url in enumerate(urls):
        warm = Session(args.person, args.page, args.timeout)
        await warm.run(url, 0, _set(asyncio.Event()))
        which = f" on server {n + 1}" if len(urls) > 1 else ""
        print(f"cold first load (one session, empty caches){which}: {warm.first:.2f} s", flush=True)
    sessions = [Session(args.person, args.page, args.timeout) for _ in range(args.sessions)]
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(s.run(urls[n % len(urls)], args.reruns, start, args.click_again))
        for n, s in enumerate(sessions)
    ]
    while not all(s.first for s in sessions):
        if any(t.done() for t in tasks):
            await asyncio.gather(*tasks)  # raises the failure
        await asyncio.sleep(0.01)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return sessions, time.perf_counter() - began


def _set(event: asyncio.Event) -> asyncio.Event:
    event.set()
    return event


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--page", default="overview", help="url path of the page")
    parser.add_argument("--as", dest="person", default="p-mktg-1", help="person id")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run at most")
    parser.add_argument(
        "--db", help="database file or postgresql:// URL (default: the enterprise file)"
    )
    parser.add_argument("--replicas", type=int, default=1, help="servers on the same database")
    parser.add_argument(
        "--click-again",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="each person clicks a second time this long after the first (an impatient user)",
    )
    args = parser.parse_args()
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    db = args.db or str(enterprise.database())
    ports = [free_port() for _ in range(args.replicas)]
    with contextlib.ExitStack() as stack:
        procs = [
            stack.enter_context(server(db, port, Path(f"/tmp/cxos-bench-server-{port}.log")))
            for port in ports
        ]
        watches = [MemoryWatch(proc.pid) for proc in procs]
        try:
            urls = [f"ws://127.0.0.1:{port}/_stcore/stream" for port in ports]
            sessions, wall = asyncio.run(load(urls, args))
        finally:
            memory = [watch.stop() for watch in watches]
    runs = [seconds for s in sessions for _, seconds in s.reruns]
    firsts = [s.first for s in sessions]
    rate = len(runs) / wall
    p50, p95 = statistics.median(runs), percentile(runs, 0.95)
    shown = postgres.shown(db)  # never a password in the output
    where = ", ".join(f"127.0.0.1:{port}" for port in ports)
    print(f"server: streamlit run app.py on {where}, database {shown}")
    print(
        f"{args.sessions} sessions x {args.reruns} reruns of {args.page} as {args.person}"
        + (f", each clicked again after {args.click_again} s" if args.click_again else "")
        + ": "
        f"{len(runs)} reruns in {wall:.2f} s = {rate:.1f} reruns/s (target >= {TARGET_RATE:.0f})"
    )
    print(
        f"rerun latency p50 {p50:.3f} s, p95 {p95:.3f} s, max {max(runs):.3f} s "
        "(target p95 <= 1.5 s)"
    )
    first_p50 = statistics.median(firsts)
    print(f"first loads of the sessions: p50 {first_p50:.2f} s, max {max(firsts):.2f} s")
    per_run = statistics.median(s.bytes_in for s in sessions) / (args.reruns + 1)
    print(f"bytes received per run (median session): {per_run / 1024:.0f} KiB")
    mib = 1024**2
    for n, (peak, hwm) in enumerate(memory):
        which = f" {n + 1} of {len(memory)}" if len(memory) > 1 else ""
        print(
            f"peak server{which} RSS {max(peak, hwm) / mib:.0f} MiB (VmHWM {hwm / mib:.0f}, "
            f"sampled {peak / mib:.0f}; target <= 1024 MiB)"
        )
    mem = max(max(pair) for pair in memory)
    holds = rate >= TARGET_RATE and p95 <= TARGET_P95 and mem <= TARGET_RSS
    print(f"targets {'hold' if holds else 'do not hold'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
