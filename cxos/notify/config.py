"""The `[notify]` settings: the escalation ladder, the mail server, the app's address.

Periods come from `cxos.toml` like the scoring values (`$CXOS_CONFIG`, else `./cxos.toml`);
the mail server, the sender and the app's address may also come from the environment
(`CXOS_SMTP_URL`, `CXOS_SMTP_FROM`, `CXOS_APP_URL`), which wins, so a password need not be
written into a file. docs/notifications.md documents every value and its default.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from cxos.scoring.config import bounded, load_table

_DAYS = {"ge": 0}
_FROM_ENVIRONMENT = {
    "smtp_url": "CXOS_SMTP_URL",
    "smtp_from": "CXOS_SMTP_FROM",
    "app_url": "CXOS_APP_URL",
}


@dataclass(frozen=True)
class NotifyConfig:
    """Everything SPEC.md's "Notices and escalation" calls configuration."""

    # An item late by more than this many days is escalated to its team's head.
    head_grace_days: int = bounded(7, _DAYS)
    # A team with neither a check-in nor a reading for more than this many days is
    # escalated to the steering committee.
    silent_team_days: int = bounded(28, _DAYS)
    # A review meeting held within this many days sends its agenda and pack ahead.
    meeting_ahead_days: int = bounded(7, _DAYS)
    # Days between two digests for a person who chose "weekly".
    weekly_days: int = bounded(7, {"ge": 1})
    smtp_url: str | None = None
    smtp_from: str | None = None
    smtp_timeout_seconds: float = bounded(20.0, {"gt": 0})
    app_url: str = "http://localhost:8501"

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> NotifyConfig:
        """The `[notify]` table of the configuration file, the environment over it."""
        loaded = load_table(cls, "notify", path)
        overrides: dict[str, Any] = {
            name: os.environ[variable]
            for name, variable in _FROM_ENVIRONMENT.items()
            if os.environ.get(variable)
        }
        return dataclasses.replace(loaded, **overrides) if overrides else loaded
