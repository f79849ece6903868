"""What the database holds, for administrators: rows per bundle file (after an import)."""

from __future__ import annotations

import streamlit as st

from cxos.storage.contents import counts
from ui.admin import require_admin
from ui.database import data_version, database
from ui.session import require_person

person = require_person()
require_admin(person)


@st.cache_data(show_spinner=False)
def _counts(path: str, version: int) -> dict[str, int]:
    return counts(database())


st.title("What's in the database")
st.write("Rows per file of the bundle format (docs/bundle.md): what an import added to.")
rows = _counts(database().location, data_version())
main = ["teams", "people", "goals", "metrics", "actions", "feedback"]
for column, name in zip(st.columns(len(main)), main, strict=True):
    column.metric(name.replace("_", " ").capitalize(), f"{rows[name]:,}")
st.dataframe(
    [{"file": f"{name}.csv", "rows": n} for name, n in rows.items()],
    hide_index=True,
    key="home_counts",
)
