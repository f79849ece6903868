"""The HTTP API: `python -m cxos api`, a FastAPI service on uvicorn over the same domain.

No business logic lives here. Each route checks the shape of what it is sent (pydantic
models built from `cxos.model.entities`' field types), calls a domain function the app and
the command line use, and formats its answer; the rows it answers with are the command
line's JSON rows (`cxos.cli.scores`, `cxos.cli.work`). Calls are signed with an API token
(`cxos.identity.tokens`) that acts as a `permissions.TokenActor`: writes pass the same
permission check and land in the same audit log as the app's and the command line's.

- app.py       the routes and the errors (401/403/404/409/413/422/429/503 as JSON)
- models.py    what the POST bodies may hold
- guards.py    the token (Bearer), the per-token rate limit, the body size limit
- server.py    serving it with uvicorn
"""

from cxos.api.app import create_app

__all__ = ["create_app"]
