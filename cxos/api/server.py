"""Serving the API with uvicorn: `python -m cxos api [--host 127.0.0.1] [--port 8502]`."""

from __future__ import annotations

import logging

from cxos.storage import Database


def serve(db: Database, *, host: str = "127.0.0.1", port: int = 8502) -> None:
    """Serve the API over `db` until interrupted (uvicorn's access log is replaced by
    `cxos.api`'s, which names each call's token)."""
    import uvicorn

    from cxos.api.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(db.target)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
