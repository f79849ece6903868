"""The app's script runs take turns: a few at once, first come first served.

Streamlit runs each session's script in a thread of its own. With fifty sessions rerunning
at once, fifty threads share one interpreter lock: every run is slowed by all the others,
the event loop that reads the browsers' requests and sends the pages waits behind them
(the fiftieth request was only picked up after a second), and the slowest runs take twice
the median. Letting a few runs work at a time, in the order they came, gives each the same
wait and the server more done per second (docs/performance.md, "Fifty users").

A run that has worked for longer than `slow_run_seconds` (a review pack, an import, the
first load of a big company) no longer counts against the limit, so one slow page never
holds the others up; at worst the server is back to every run at once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from cxos.scoring.config import ServingLimits


class _Ticket:
    """One run's place: in the queue until admitted, then working since `started`."""

    __slots__ = ("admitted", "started")

    def __init__(self) -> None:
        self.admitted = threading.Event()
        self.started = 0.0


class RunQueue:
    """At most `runs_at_once` quick runs work at a time; the rest wait in arrival order."""

    def __init__(
        self,
        runs_at_once: int,
        slow_run_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        if runs_at_once < 1 or slow_run_seconds <= 0:
            raise ValueError("runs_at_once must be at least 1 and slow_run_seconds above 0")
        self.runs_at_once, self.slow_run_seconds = runs_at_once, slow_run_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting: deque[_Ticket] = deque()
        self._working: set[_Ticket] = set()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this run's turn, work, then hand the turn on (also on an exception)."""
        ticket = self._wait_for_turn()
        try:
            yield
        finally:
            self._leave(ticket)

    def waiting(self) -> int:
        """How many runs wait for their turn now."""
        with self._lock:
            return len(self._waiting)

    def _wait_for_turn(self) -> _Ticket:
        ticket = _Ticket()
        with self._lock:
            self._waiting.append(ticket)
            self._admit()
        try:
            while not ticket.admitted.is_set():
                # Woken when a run leaves; the timeout notices a run that turned slow.
                ticket.admitted.wait(self._until_a_run_turns_slow())
                with self._lock:
                    self._admit()
        except BaseException:
            self._leave(ticket)
            raise
        return ticket

    def _leave(self, ticket: _Ticket) -> None:
        with self._lock:
            self._working.discard(ticket)
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            self._admit()

    def _admit(self) -> None:
        """Let the first waiting runs in while fewer than `runs_at_once` quick runs work."""
        now = self._clock()
        quick = sum(1 for t in self._working if now - t.started < self.slow_run_seconds)
        while self._waiting and quick < self.runs_at_once:
            ticket = self._waiting.popleft()
            ticket.started = now
            self._working.add(ticket)
            ticket.admitted.set()
            quick += 1

    def _until_a_run_turns_slow(self) -> float:
        with self._lock:
            now = self._clock()
            turning = [
                t.started + self.slow_run_seconds - now
                for t in self._working
                if now - t.started < self.slow_run_seconds
            ]
        return max(0.005, min(turning, default=self.slow_run_seconds))


_QUEUE: RunQueue | None = None
_CREATING = threading.Lock()


def run_queue() -> RunQueue:
    """The server process's one queue, sized by the `[app]` table of the configuration."""
    global _QUEUE
    if _QUEUE is None:
        with _CREATING:
            if _QUEUE is None:
                limits = ServingLimits.load()
                _QUEUE = RunQueue(limits.runs_at_once, limits.slow_run_seconds)
    return _QUEUE
