"""Commands about people, accounts, writes as a person, and the audit trail."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the people and write commands to the `python -m cxos` parser."""
    _ = sub, argparse
