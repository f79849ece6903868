"""What stands before the routes: the body size limit and each token's rate limit.

The rate limit is a token bucket per API token, in this process's memory: `burst`
requests at once, refilled at `requests_per_minute`. Several API processes would each
allow that much (docs/api.md says so); the limit is against a runaway connector, not an
attacker, who cannot get a token without an administrator.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cxos.scoring.config import ApiLimits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RateLimiter:
    """One token bucket per API token name."""

    def __init__(self, limits: ApiLimits, clock: Callable[[], float] = time.monotonic):
        self.rate = limits.requests_per_minute / 60.0
        self.burst = float(limits.burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, when)
        self._lock = threading.Lock()

    def wait_for(self, name: str) -> float:
        """0 when `name` may make a request now (and takes it), else seconds until it may."""
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(name, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[name] = (tokens - 1, now)
                return 0.0
            self._buckets[name] = (tokens, now)
            return (1 - tokens) / self.rate


class BodyLimit:
    """Refuse a request whose body is larger than `max_bytes` with 413, before any route.

    The declared Content-Length is checked first; a body sent without one (chunked) is
    read up to the limit and refused as soon as it passes it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        body, more, parts = 0, True, []
        while more:
            message = await receive()
            if message["type"] != "http.request":
                parts.append(message)
                break
            body += len(message.get("body", b""))
            if body > self.max_bytes:
                await self._refuse(send)
                return
            parts.append(message)
            more = message.get("more_body", False)
        queue = iter(parts)

        async def replay() -> Message:
            return next(queue, None) or await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        payload = {
            "error": f"the request body is larger than {self.max_bytes:,} bytes; "
            "send the batch in smaller parts"
        }
        await send_json(send, 413, payload)


async def send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    """A whole JSON response, straight on the ASGI channel."""
    body = json.dumps(payload).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def retry_after(seconds: float) -> str:
    """A Retry-After header's value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
