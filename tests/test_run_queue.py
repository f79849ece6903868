"""Script runs take turns (`ui.run_queue`): a few at once, in arrival order, never stuck.

With fifty sessions rerunning at once the server's runs used to share the interpreter all
together, and the slowest took twice the median (bench/load_ws.py). These tests pin the
queue's promises with real threads; the load benchmark measures what they buy.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxos.model.errors import CxosError
from cxos.scoring.config import ServingLimits
from cxos.storage import Database
from tests.sample import PERSONAS, load_sample
from ui import navigation, run_queue
from ui.run_queue import RunQueue

WAIT = 10.0  # seconds any step of these tests may take before it counts as stuck


def _start_run(queue: RunQueue, name: str, order: list[str], release: threading.Event):
    """A thread that takes its turn, notes that it got in, and works until `release`."""

    def work() -> None:
        with queue.turn():
            order.append(name)
            release.wait(WAIT)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def _wait_until(condition, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)


def test_runs_beyond_the_limit_wait_and_go_in_the_order_they_came() -> None:
    queue = RunQueue(runs_at_once=2, slow_run_seconds=60)
    order: list[str] = []
    releases = {name: threading.Event() for name in "abcdef"}
    threads = []
    for name in "abcdef":
        threads.append(_start_run(queue, name, order, releases[name]))
        if name in "ab":
            _wait_until(lambda n=name: n in order, f"{name} got in")
        else:
            queued = len(threads) - 2
            _wait_until(lambda n=queued: queue.waiting() == n, f"{name} is queued")
    assert order == ["a", "b"], "only two runs may work at once"

    releases["b"].set()
    _wait_until(lambda: len(order) == 3, "a third run got in")
    releases["a"].set()
    _wait_until(lambda: len(order) == 4, "a fourth run got in")
    assert order == ["a", "b", "c", "d"], "the first to wait is the first let in"
    releases["c"].set()
    _wait_until(lambda: len(order) == 5, "a fifth run got in")
    # Released one at a time: two let in together may note it in either order.
    releases["d"].set()
    _wait_until(lambda: len(order) == 6, "the last run got in")
    for release in releases.values():
        release.set()
    for thread in threads:
        thread.join(WAIT)
    assert order == list("abcdef")
    assert queue.waiting() == 0


def test_a_slow_run_stops_holding_the_queue_up() -> None:
    queue = RunQueue(runs_at_once=1, slow_run_seconds=0.2)
    order: list[str] = []
    slow, quick = threading.Event(), threading.Event()
    _start_run(queue, "pack", order, slow)
    _wait_until(lambda: order == ["pack"], "the slow run got in")
    started = time.monotonic()
    waiter = _start_run(queue, "overview", order, quick)
    _wait_until(lambda: "overview" in order, "the next run got in while the slow one works")
    assert time.monotonic() - started >= 0.15, "it waited until the first run turned slow"
    assert not slow.is_set()
    quick.set()
    slow.set()
    waiter.join(WAIT)


def test_a_run_that_fails_hands_its_turn_on() -> None:
    queue = RunQueue(runs_at_once=1, slow_run_seconds=60)
    with pytest.raises(RuntimeError), queue.turn():
        raise RuntimeError("the page failed")
    order: list[str] = []
    done = threading.Event()
    done.set()
    _start_run(queue, "next", order, done).join(WAIT)
    assert order == ["next"]


def test_limits_come_from_the_app_table_and_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "cxos.toml"
    config.write_text("[scoring]\naligned_threshold = 60\n")
    assert ServingLimits.load(config) == ServingLimits(2, 1.0)
    config.write_text("[app]\nruns_at_once = 3\nslow_run_seconds = 0.5\n")
    assert ServingLimits.load(config) == ServingLimits(3, 0.5)
    config.write_text("[app]\nruns_at_once = 0\n")
    with pytest.raises(CxosError, match="runs_at_once"):
        ServingLimits.load(config)


def test_the_app_waits_for_its_turn_then_draws_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "cxos.duckdb"
    load_sample(Database(db), demo=True)
    monkeypatch.setenv("CXOS_DB", str(db))
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    queue = RunQueue(runs_at_once=1, slow_run_seconds=60)
    monkeypatch.setattr(run_queue, "_QUEUE", queue)
    held, order = threading.Event(), []
    other = _start_run(queue, "another session", order, held)
    _wait_until(lambda: order, "another session's run works")

    at = AppTest.from_file(str(navigation.ROOT / "app.py"), default_timeout=60)
    at.query_params["as"] = PERSONAS["steering"]
    page = threading.Thread(target=at.run, daemon=True)
    page.start()
    _wait_until(lambda: queue.waiting() == 1, "the page's run waits for its turn")
    assert page.is_alive()
    held.set()
    page.join(60)
    assert not page.is_alive(), "the page's run got its turn once the other left"
    assert not at.exception, [e.value for e in at.exception]
    assert at.title
    other.join(WAIT)
