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

A person who clicks again while their run waits asks Streamlit for a new run; the waiting
run stops at once (`interrupt`) and the new one takes its place in the queue rather than
queueing again at the back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from cxos.scoring.config import ServingLimits

_POLL_SECONDS = 0.05  # how often a waiting run looks whether its person asked again


def _never() -> None:
    """No interruption: a run outside Streamlit waits until its turn."""


class _Ticket:
    """One run's place: in the queue until admitted, then working since `started`; kept for
    a session (`kept_for`) while that session's next run is on its way."""

    __slots__ = ("admitted", "kept_for", "started")

    def __init__(self) -> None:
        self.admitted = threading.Event()
        self.started = 0.0
        self.kept_for: str | None = None


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
        self._kept: dict[str, _Ticket] = {}

    @contextlib.contextmanager
    def turn(
        self, session: str | None = None, interrupt: Callable[[], None] = _never
    ) -> Iterator[None]:
        """Wait for this run's turn, work, then hand the turn on (also on an exception).

        While it waits, `interrupt` is called now and then and may raise to end the wait
        (the person asked for a new run); the place is then kept for `session`'s next run.
        """
        ticket = self._wait_for_turn(session, interrupt)
        try:
            yield
        finally:
            self._leave(ticket)

    def waiting(self) -> int:
        """How many runs wait for their turn now."""
        with self._lock:
            return len(self._waiting)

    def _wait_for_turn(self, session: str | None, interrupt: Callable[[], None]) -> _Ticket:
        with self._lock:
            ticket = self._claim(session)
            self._admit()
        try:
            while not ticket.admitted.is_set():
                # Woken when a run leaves; the timeout notices a run that turned slow and
                # a person who asked again.
                ticket.admitted.wait(min(self._until_a_run_turns_slow(), _POLL_SECONDS))
                if not ticket.admitted.is_set():
                    interrupt()
                with self._lock:
                    self._admit()
        except BaseException:
            self._keep_or_leave(ticket, session)
            raise
        return ticket

    def _claim(self, session: str | None) -> _Ticket:
        """The place kept for `session`, or a new one at the back."""
        ticket = self._kept.pop(session, None) if session is not None else None
        if ticket is not None:
            ticket.kept_for = None
            return ticket
        ticket = _Ticket()
        self._waiting.append(ticket)
        return ticket

    def _keep_or_leave(self, ticket: _Ticket, session: str | None) -> None:
        """A wait that ended early keeps its place for the session's next run, if any."""
        with self._lock:
            if session is not None and ticket in self._waiting:
                ticket.kept_for = session
                self._kept[session] = ticket
                return
        self._leave(ticket)

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
            if ticket.kept_for is not None:  # its session did not come back for it
                self._kept.pop(ticket.kept_for, None)
                continue
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


def streamlit_interrupt() -> None:
    """Raise Streamlit's own rerun or stop when the waiting run's person asked for one, as
    the run's first element would once it got its turn (after the whole wait)."""
    context = get_script_run_ctx(suppress_warning=True)
    requests = context.script_requests if context is not None else None
    request = requests.on_scriptrunner_yield() if requests is not None else None
    if request is None:
        return
    if request.type == ScriptRequestType.RERUN:
        raise RerunException(request.rerun_data)
    raise StopException()


def session_id() -> str | None:
    """The Streamlit session this run belongs to (None outside one)."""
    context = get_script_run_ctx(suppress_warning=True)
    return context.session_id if context is not None else None


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
