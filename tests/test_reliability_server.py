"""The real app and the command line on one database file at the same time.

A real `streamlit run app.py` serves a session over its websocket (the protocol a browser
speaks, so no browser is needed and this runs everywhere CI runs). While the session is
open and rerunning as fast as it can, `python -m cxos import`, `check-in` and `reading`
run as separate processes: DuckDB lets one process hold the file at a time, so they only
succeed if both sides wait their turn. The session's next interaction must then show what
the command line wrote (its caches are keyed by the data version, never stale).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from cxos.storage import Database
from tests.bundles import write_bundle
from tests.sample import load_sample

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log: Path


def _start(tmp: Path, db_path: Path) -> Server:
    """`streamlit run app.py` on a free port over `db_path`, demo sign-in by `?as=`."""
    port = _free_port()
    env = {**os.environ, "CXOS_DB": str(db_path), "CXOS_AUTH": "demo"}
    log = tmp / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    server = Server(f"http://127.0.0.1:{port}", port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"streamlit did not start:\n{log.read_text()}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    db_path = tmp_path / "cxos.duckdb"
    db = load_sample(Database(db_path), demo=True)
    db.close()  # the server must be able to open the file
    started = _start(tmp_path, db_path)
    yield started
    started.process.terminate()
    try:
        started.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        started.process.kill()


@dataclass
class Screen:
    """What one script run of the session showed."""

    metrics: dict[str, str] = field(default_factory=dict)
    tables: list[pa.Table] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    def rows_of(self, file: str) -> int:
        table = self.tables[0].to_pylist()
        return next(int(r["rows"]) for r in table if r["file"] == file)


class Session:
    """One browser-like session: a websocket that asks the server to run pages."""

    def __init__(self, ws: object):
        self.ws = ws

    async def run(self, page: str = "home", query: str = "as=p_admin") -> Screen:
        from streamlit.proto import BackMsg_pb2

        msg = BackMsg_pb2.BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        await self.ws.send(msg.SerializeToString())  # type: ignore[attr-defined]
        return await self._collect()

    async def _collect(self) -> Screen:
        from streamlit.proto import ForwardMsg_pb2

        screen = Screen()
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), 60)  # type: ignore[attr-defined]
            msg = ForwardMsg_pb2.ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                return screen
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                _read_element(msg.delta.new_element, screen)


def _read_element(element: object, screen: Screen) -> None:
    kind = element.WhichOneof("type")  # type: ignore[attr-defined]
    if kind == "metric":
        screen.metrics[element.metric.label] = element.metric.body  # type: ignore[attr-defined]
    elif kind == "dataframe":
        data = element.dataframe.arrow_data.data  # type: ignore[attr-defined]
        screen.tables.append(pa.ipc.open_stream(data).read_all())
    elif kind == "exception":
        screen.exceptions.append(str(element.exception))  # type: ignore[attr-defined]
    elif kind in ("markdown", "alert", "heading"):
        screen.texts.append(str(getattr(element, kind).body))


def _new_team_bundle(folder: Path) -> Path:
    return write_bundle(
        folder, {"teams": [{"id": "t_cli", "name": "From the CLI", "business_unit_id": "bu_biz"}]}
    )


async def _cli(db_path: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "CXOS_DB": str(db_path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cxos", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def _keep_busy(session: Session, stop: asyncio.Event, screens: list[Screen]) -> None:
    """Rerun the page as fast as the server answers, like a person clicking around."""
    while not stop.is_set():
        screens.append(await session.run())


async def _scenario(server: Server, db_path: Path, bundle: Path) -> None:
    import websockets

    today = dt.date.today().isoformat()
    url = f"ws://127.0.0.1:{server.port}/_stcore/stream"
    async with websockets.connect(url, max_size=None) as ws:
        session = Session(ws)
        before = await session.run()
        assert before.metrics["Teams"] == "3", before
        stop, screens = asyncio.Event(), []
        busy = asyncio.create_task(_keep_busy(session, stop, screens))
        results = [
            await _cli(db_path, "import", str(bundle)),
            await _cli(db_path, "check-in", "a_bill", "--as", "p_member",
                       "--status", "in_progress", "--progress", "40", "--on", today),
            await _cli(db_path, "reading", "m_bill", "71.5", "--as", "p_head", "--on", today),
        ]  # fmt: skip
        stop.set()
        await busy
        for code, output in results:
            assert code == 0, output
            assert "Traceback" not in output
        assert len(screens) >= 3, "the session was not serving while the commands ran"
        assert not [s.exceptions for s in screens if s.exceptions]
        after = await session.run()
    assert after.metrics["Teams"] == "4"
    assert after.rows_of("check_ins.csv") == before.rows_of("check_ins.csv") + 1
    assert after.rows_of("metric_readings.csv") == before.rows_of("metric_readings.csv") + 1


@pytest.mark.slow
def test_the_command_line_writes_while_a_session_is_served(server: Server, tmp_path: Path) -> None:
    bundle = _new_team_bundle(tmp_path / "bundle")
    _run_in_own_loop(_scenario(server, tmp_path / "cxos.duckdb", bundle), 240)
    log = server.log.read_text()
    assert "Traceback" not in log, log


def _run_in_own_loop(scenario: Any, timeout: float) -> None:
    """Run the scenario on a fresh event loop in its own thread.

    Browser tests earlier in the session keep Playwright's loop running on the main
    thread, where `asyncio.run` would refuse to start.
    """
    failure: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(asyncio.wait_for(scenario, timeout))
        except BaseException as error:  # re-raised in the test's thread
            failure.append(error)

    thread = threading.Thread(target=work, name="ws-scenario")
    thread.start()
    thread.join(timeout + 30)
    if failure:
        raise failure[0]
    assert not thread.is_alive(), "the websocket scenario did not finish"
