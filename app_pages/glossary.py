"""Glossary: every word the scores, health marks and silo signals use, in plain words."""

from __future__ import annotations

import streamlit as st

from cxos.scoring.glossary import groups
from ui import steering
from ui.session import require_person

require_person()
st.title("What the words mean")
st.caption(
    "The exact rules, with worked examples, are in docs/scoring.md; the scores follow the "
    "product's specification to the letter."
)
for group, terms in groups(steering.config()).items():
    st.subheader(group)
    for term in terms:
        mark = f"{term.mark} " if term.mark else ""
        st.markdown(f"{mark}**{term.term}** — {term.meaning}")  # CXOS's own words and marks
