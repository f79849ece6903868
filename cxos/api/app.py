"""The routes of the HTTP API and how every failure becomes a JSON answer.

Each route: the token (`caller`), the body's shape (`cxos.api.models`), one domain call,
the answer. Errors are CXOS's own exceptions mapped to statuses in one place
(`_STATUS`); a batch refused item by item answers with each item's index (from 0) and
field. Nothing ever answers with a traceback: anything unexpected is logged and answered
500 with one sentence.
"""

import datetime as dt
import logging
import os
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxos.api import guards
from cxos.api.models import CheckInsIn, FeedbackBatchIn, ReadingsIn
from cxos.cli import insights as insights_cli
from cxos.cli import scores as score_rows_cli
from cxos.cli import work as work_rows_cli
from cxos.identity import permissions, tokens
from cxos.identity.permissions import TokenActor
from cxos.model.errors import (
    Conflict,
    CxosError,
    DatabaseBusy,
    DatabaseDamaged,
    DiskFull,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleWrite,
)
from cxos.scoring.config import ApiLimits
from cxos.storage import Database
from cxos.work import team_edits

LOG = logging.getLogger("cxos.api")
SOURCE = "api"  # what readings and check-ins sent here record as their source

# CXOS's exceptions as HTTP statuses; the first match wins (subclasses before classes).
_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (tokens.InvalidToken, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (StaleWrite, 409),
    (InvalidInput, 422),
    (DatabaseBusy, 503),
    (DatabaseDamaged, 503),
    (DiskFull, 507),
    (CxosError, 400),
)
# A batch's status: the gravest kind among its refused items.
_ITEM_ORDER = (PermissionDenied, Conflict, StaleWrite)

_bearer = HTTPBearer(auto_error=False, description="an API token: Authorization: Bearer cxos_…")


def create_app(db_path: str | os.PathLike[str] | None = None, limits: ApiLimits | None = None):  # noqa: ANN201 - FastAPI
    """The API over the database at `db_path` (else $CXOS_DB, else data/cxos.duckdb)."""
    limits = limits or ApiLimits.load()
    target = Database(db_path).target  # created or upgraded once, here, as the command line does
    limiter = guards.RateLimiter(limits)
    app = FastAPI(
        title="CXOS API",
        version="1",
        summary="Readings, feedback and check-ins in; scores, signals and work out.",
        description=_DESCRIPTION,
    )
    app.state.limits = limits

    def database() -> Database:
        """This request's Database: units of work take the file through its lease, as the
        command line's do, so the app and the command line get their turns on it."""
        return Database(target, upgrade=False)

    def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        db: Annotated[Database, Depends(database)],
    ) -> TokenActor:
        actor = tokens.authenticate(db, credentials.credentials if credentials else None)
        request.state.token = actor.name
        wait = limiter.wait_for(actor.name)
        if wait > 0:
            raise _TooMany(wait)
        return actor

    Db = Annotated[Database, Depends(database)]
    Caller = Annotated[TokenActor, Depends(caller)]
    Day = Annotated[dt.date, Depends(_as_of)]

    def reader(actor: Caller) -> TokenActor:
        permissions.require_read(actor)
        return actor

    Reader = Annotated[TokenActor, Depends(reader)]

    @app.post("/v1/readings", tags=["in"], summary="Metric readings, a batch: all or nothing")
    def post_readings(body: ReadingsIn, actor: Caller, db: Db) -> dict[str, Any]:
        rows = _rows(body.readings, limits)
        results = team_edits.record_readings(db, actor, rows, source=SOURCE)
        return {
            **_counted([not r.repeated for r in results]),
            "readings": _fields(results, "metric_id", "as_of", "value", "replaced", "repeated"),
        }

    @app.post("/v1/feedback", tags=["in"], summary="Customer feedback, routed as import routes it")
    def post_feedback(body: FeedbackBatchIn, actor: Caller, db: Db) -> dict[str, Any]:
        rows = _rows(body.feedback, limits)
        saved = team_edits.receive_feedback(db, actor, rows)
        return {
            **_counted([s.created for s in saved]),
            "feedback": _fields(saved, "id", "created"),
        }

    @app.post("/v1/check-ins", tags=["in"], summary="Check-ins on actions, a batch")
    def post_check_ins(body: CheckInsIn, actor: Caller, db: Db) -> dict[str, Any]:
        rows = _rows(body.check_ins, limits)
        results = team_edits.record_check_ins(db, actor, rows, source=SOURCE)
        return {
            **_counted([not r.repeated for r in results]),
            "check_ins": _fields(
                results,
                "action_id",
                "checked_on",
                "status",
                "progress",
                "action_status",
                "version",
                "repeated",
            ),
        }

    @app.get("/v1/scores", tags=["out"], summary="Every team's scores (as `scores --format json`)")
    def get_scores(_actor: Reader, db: Db, day: Day) -> list[dict[str, Any]]:
        rows = score_rows_cli.score_rows(db, day)
        return _columns(rows, score_rows_cli.score_columns())

    @app.get("/v1/signals", tags=["out"], summary="Silo signals (as `signals --format json`)")
    def get_signals(_actor: Reader, db: Db, day: Day) -> list[dict[str, Any]]:
        rows = score_rows_cli.signal_rows(db, day)
        return _columns(rows, score_rows_cli.SIGNAL_COLUMNS)

    @app.get(
        "/v1/teams/{team_id}/explanation",
        tags=["out"],
        summary="Why a team scores as it does (as `explain --format json`)",
    )
    def get_explanation(team_id: str, _actor: Reader, db: Db, day: Day) -> dict[str, Any]:
        from cxos.scoring import ScoringConfig, explain_team

        explanation = explain_team(db, team_id, day, ScoringConfig.load())
        return score_rows_cli.explanation_row(explanation)

    @app.get("/v1/work", tags=["out"], summary="A person's 'my work' list (as `work`)")
    def get_work(
        person: Annotated[str, Query(description="a person id")],
        _actor: Reader,
        db: Db,
        day: Day,
    ) -> list[dict[str, Any]]:
        rows = work_rows_cli.work_rows(db, person, day)
        return _columns(rows, work_rows_cli.WORK_COLUMNS)

    @app.get("/v1/goals", tags=["out"], summary="In-scope goals and their health (as `goals`)")
    def get_goals(
        _actor: Reader,
        db: Db,
        day: Day,
        team: Annotated[str | None, Query(description="only this team's goals")] = None,
    ) -> list[dict[str, Any]]:
        rows = work_rows_cli.goal_rows(db, day, team)
        return _columns(rows, work_rows_cli.GOAL_COLUMNS)

    @app.get("/v1/themes", tags=["out"], summary="Feedback themes (as `themes --format json`)")
    def get_themes(
        _actor: Reader,
        db: Db,
        day: Day,
        level: Annotated[str | None, Query(pattern="^(stage|touchpoint|team)$")] = None,
    ) -> list[dict[str, Any]]:
        from cxos.insights import themes

        rows = insights_cli.theme_rows(db, day, level)
        return _columns(rows, themes.COLUMNS)

    @app.get("/v1/impact", tags=["out"], summary="Did completed work move its metric (as `impact`)")
    def get_impact(
        _actor: Reader,
        db: Db,
        day: Day,
        by: Annotated[str, Query(pattern="^(action|team|stage|goal)$")] = "action",
    ) -> list[dict[str, Any]]:
        from cxos.insights import impact

        columns = impact.ACTION_COLUMNS if by == "action" else impact.SUMMARY_COLUMNS
        return _columns(insights_cli.impact_rows(db, day, by), columns)

    @app.get("/v1/opportunities", tags=["out"], summary="The ranked backlog (as `opportunities`)")
    def get_opportunities(_actor: Reader, db: Db, day: Day) -> list[dict[str, Any]]:
        from cxos.insights import opportunities

        rows = insights_cli.opportunity_rows(db, day)
        return _columns(rows, opportunities.COLUMNS)

    _answer_errors(app)
    app.add_middleware(_CallLog)
    app.add_middleware(guards.BodyLimit, max_bytes=limits.max_body_bytes)
    return app


_DESCRIPTION = """Sign every call with an API token an administrator created
(`python -m cxos token create --name … --scope read|ingest|team:TEAM_ID`):
`Authorization: Bearer cxos_…`. Batches are all or nothing; a refused batch answers with
each item's `index` (from 0), `field` and `message`. See docs/api.md."""


class _TooMany(Exception):
    def __init__(self, wait: float):
        self.wait = wait


def _as_of(
    as_of: Annotated[dt.date | None, Query(description="YYYY-MM-DD, default today")] = None,
) -> dt.date:
    """The day a reading route answers for: `?as_of=`, else today."""
    return as_of or dt.date.today()


def _rows(items: Sequence[BaseModel], limits: ApiLimits) -> list[dict[str, Any]]:
    """A batch's items as plain rows, once the batch is known to be within the size limit."""
    _within(items, limits)
    return [item.model_dump() for item in items]


def _counted(new: Sequence[bool]) -> dict[str, int]:
    """How many of a batch's items were stored, and how many were there already."""
    return {"stored": sum(new), "unchanged": len(new) - sum(new)}


def _fields(results: Sequence[Any], *names: str) -> list[dict[str, Any]]:
    """Each of a batch's results as the named fields the answer gives of it."""
    return [{name: getattr(result, name) for name in names} for result in results]


def _within(items: Sequence[Any], limits: ApiLimits) -> None:
    if len(items) > limits.max_items:
        raise _TooLarge(
            f"a batch holds at most {limits.max_items:,} items, not {len(items):,}; "
            "send it in smaller parts"
        )


class _TooLarge(Exception):
    pass


def _columns(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows with exactly `columns`, in order, as the command line's JSON has them."""
    return [{c: row[c] for c in columns} for row in rows]


def _status(error: Exception) -> int:
    return next(code for kind, code in _STATUS if isinstance(error, kind))


def _answer_errors(app: FastAPI) -> None:
    """Every failure as JSON `{"error": sentence, "items": [...]}`, never a traceback."""

    @app.exception_handler(team_edits.RowsRejected)
    async def rows_rejected(_request: Request, error: team_edits.RowsRejected) -> JSONResponse:
        refusals = [e.error for e in error.errors if e.error is not None]
        graves = [r for kind in _ITEM_ORDER for r in refusals if isinstance(r, kind)]
        status = _status(graves[0]) if graves else 422
        items = [_refused_item(e) for e in error.errors]
        message = f"nothing was saved: {len(items)} of the items were refused"
        return JSONResponse({"error": message, "items": items}, status_code=status)

    @app.exception_handler(CxosError)
    async def refused(_request: Request, error: CxosError) -> JSONResponse:
        status = _status(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 503:
            headers = {"Retry-After": "5"}
        body: dict[str, Any] = {"error": str(error)}
        if error.field:
            body["field"] = error.field
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        items = [_item(e) for e in error.errors()]
        return JSONResponse(
            {"error": "nothing was saved: the request is not valid", "items": items},
            status_code=422,
        )

    @app.exception_handler(_TooMany)
    async def too_many(_request: Request, error: _TooMany) -> JSONResponse:
        return JSONResponse(
            {"error": "too many requests with this token; wait and send again"},
            status_code=429,
            headers={"Retry-After": guards.retry_after(error.wait)},
        )

    @app.exception_handler(_TooLarge)
    async def too_large(_request: Request, error: _TooLarge) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=413)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        LOG.exception("unexpected failure on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": "the API failed unexpectedly; nothing more is said here (see its log)"},
            status_code=500,
        )


def _refused_item(error: team_edits.RowError) -> dict[str, Any]:
    """A batch item the domain refused: its index (from 0), field and why."""
    return {"index": error.row - 1, "field": error.column, "message": error.message}


def _item(error: Any) -> dict[str, Any]:
    """A validation error as an item: its index in the batch (None for the body as a
    whole), the field (the batch's own key when the list itself is wrong), and why."""
    loc = [part for part in error.get("loc", ()) if part != "body"]
    index = next((part for part in loc if isinstance(part, int)), None)
    names = [str(part) for part in loc if not isinstance(part, int)]
    return {
        "index": index,
        "field": names[-1] if names else None,
        "message": error.get("msg", "is not valid"),
    }


class _CallLog:
    """Log every call under its token's name: method, path, status (reads are not audited:
    the audit log records changes, and its newest entry is the data version caches key on)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [0]

        async def noted(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        await self.app(scope, receive, noted)
        token = scope.get("state", {}).get("token", "-")
        LOG.info("token %s %s %s %s", token, scope["method"], scope["path"], status[0])
