"""The app and the HTTP API from one process: `uvicorn asgi:app --host 127.0.0.1 --port 8501`.

Streamlit 1.67's `st.App` builds the app's ASGI application and carries other routes: the
API (`cxos.api.create_app`) is mounted under `/api` (`/api/v1/readings`, `/api/docs`), so
the pages and the API share one process and one lease on the DuckDB file instead of two
processes taking turns on it. Streamlit keeps each session in its process's memory: behind
a load balancer with several such processes, sessions must be sticky. `python -m cxos api`
serves the same routes on their own (docs/api.md).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.routing import Mount

from cxos.api import create_app

app = st.App(Path(__file__).resolve().parent / "app.py", routes=[Mount("/api", app=create_app())])
