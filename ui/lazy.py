"""Expanders whose bodies are drawn only while open.

At enterprise size a closed list can hold thousands of rows or a hundred charts; drawing
them on every rerun costs seconds. An expander with a key and `on_change="rerun"` tells the
script whether it is open, so the body is built only when someone looks.
"""

from __future__ import annotations

from typing import Any

import streamlit as st


def lazy_expander(label: str, key: str, *, lazy: bool = True, expanded: bool = False) -> Any:
    """The expander to draw into, or None while it is closed (always drawn when not lazy)."""
    if not lazy:
        return st.expander(label, expanded=expanded)
    expander = st.expander(label, expanded=expanded, key=key, on_change="rerun")
    return expander if expander.open else None
