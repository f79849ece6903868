"""Commands about scores and signals (filled in with the scoring issue)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the score commands to the `python -m cxos` parser."""
    _ = sub, argparse
