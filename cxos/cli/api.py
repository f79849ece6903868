"""Commands for the HTTP API: `api` (serve it) and `token create|list|revoke`.

Tokens are managed as the operator at the database file (an administrator), or as the
administrator named by `--as`. `token create` prints the token alone on its last line, so
a script can take it with `tail -n 1`; it is never shown again.
FastAPI and uvicorn are imported when `api` runs, not when the parser is built.
"""

from __future__ import annotations

import argparse
from typing import Any

from cxos.cli.args import actor_or_operator, add_admin, add_format, date, open_db
from cxos.cli.output import emit, line

TOKEN_COLUMNS = (
    "name",
    "scope",
    "state",
    "created_at",
    "created_by",
    "expires_on",
    "last_used_at",
    "revoked_at",
)


def register(sub: Any) -> None:
    """Add `api` and `token` to the `python -m cxos` parser."""
    p = sub.add_parser("api", help="serve the HTTP API (readings, feedback and check-ins in)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8502)
    p.set_defaults(run=run_api)

    group = sub.add_parser("token", help="API tokens: create, list, revoke (administrators)")
    verbs = group.add_subparsers(dest="verb", required=True, metavar="VERB")
    p = verbs.add_parser("create", help="create a token; printed once, on the last line")
    p.add_argument("--name", required=True, help="the name calls are audited under")
    p.add_argument("--scope", required=True, help="read, ingest or team:TEAM_ID")
    p.add_argument("--expires", type=date, help="last day it works, YYYY-MM-DD")
    add_admin(p)
    p.set_defaults(run=run_create)

    p = verbs.add_parser("list", help="every token with its scope, expiry and last use")
    add_format(p)
    p.set_defaults(run=run_list)

    p = verbs.add_parser("revoke", help="stop a token from working, for good")
    p.add_argument("name")
    add_admin(p)
    p.set_defaults(run=run_revoke)


def run_api(args: argparse.Namespace) -> int:
    from cxos.api.server import serve

    serve(open_db(args), host=args.host, port=args.port)
    return 0


def run_create(args: argparse.Namespace) -> int:
    from cxos.identity import tokens

    token, info = tokens.create_token(
        open_db(args), actor_or_operator(args), args.name, args.scope, args.expires
    )
    until = f", until {info.expires_on}" if info.expires_on else ", no expiry"
    line(f"token {info.name!r} created (scope {info.scope}{until}); it is shown only now:")
    print(token)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from cxos.identity import tokens

    rows = [asdict(info) for info in tokens.list_tokens(open_db(args))]
    emit(rows, TOKEN_COLUMNS, args.format)
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from cxos.identity import tokens

    info = tokens.revoke_token(open_db(args), actor_or_operator(args), args.name)
    line(f"token {info.name!r} revoked; calls with it are refused from now on")
    return 0
