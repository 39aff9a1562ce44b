"""RFC 9457 problem details: one error shape for every service and the gateway."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from muninn_shared.logging import get_logger
from muninn_shared.storage.routed import serving_route
from muninn_shared.storage.routes import RouteTable, StoreUnavailableError, WritesPausedError

T = TypeVar("T")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://muninn.dev/problems/"

log = get_logger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Field-level validation errors."
    )


class ProblemError(Exception):
    """Raise anywhere in request handling; rendered as problem+json."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or _TITLES.get(status, "error").lower().replace(" ", "-")
        self.title = title or _TITLES.get(status, "Error")
        self.headers = headers or {}
        self.errors = errors


def not_found(what: str) -> ProblemError:
    return ProblemError(404, f"{what} not found", code="not-found")


def sharing_across_stores(thing: str) -> ProblemError:
    """A shared ``thing`` lives in one database: it cannot be shared between a user whose
    content is hosted and one whose content is in a database of their own."""
    return ProblemError(
        409,
        f"This {thing} cannot be shared with that user: one of you keeps their content in a "
        f"database of their own, and a {thing} lives in one place.",
        code="sharing-across-stores",
    )


def or_not_found(value: T | None, what: str) -> T:
    """``value``, or a 404 problem saying ``what`` was not found when there is none."""
    if value is None:
        raise not_found(what)
    return value


def invalid_field(
    detail: str, *, loc: Sequence[str], msg: str, code: str = "validation-error"
) -> ProblemError:
    """A 422 problem about one input (``loc``: where, as FastAPI says it, e.g. ("body", "end"))
    with its error in the shape of FastAPI's own validation errors."""
    return ProblemError(
        422, detail, code=code, errors=[{"loc": list(loc), "msg": msg, "type": "value_error"}]
    )


def problem_response(
    status: int,
    detail: str | None,
    *,
    code: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    title = title or _TITLES.get(status, "Error")
    body = Problem(
        type=PROBLEM_BASE + (code or title.lower().replace(" ", "-")),
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for err in errors:
        out.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            code=exc.code,
            title=exc.title,
            instance=request.url.path,
            headers=exc.headers,
            errors=exc.errors,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            "The request is not valid; see errors.",
            code="validation-failed",
            instance=request.url.path,
            errors=_jsonable_errors(exc.errors()),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(
            exc.status_code, str(exc.detail), instance=request.url.path, headers=headers
        )

    @app.exception_handler(StoreUnavailableError)
    async def _own_store_down(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        return own_store_unavailable(request, exc.store_id, exc.since)

    @app.exception_handler(WritesPausedError)
    async def _writes_paused(request: Request, exc: WritesPausedError) -> JSONResponse:
        return problem_response(
            503,
            "Your content is being moved between databases; changes resume in a few seconds.",
            code="store-switching",
            instance=request.url.path,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(ServerSelectionTimeoutError)
    @app.exception_handler(ConnectionFailure)
    async def _store_down(request: Request, exc: Exception) -> JSONResponse:
        route = serving_route()
        routes: RouteTable | None = getattr(request.app.state, "routes", None)
        if route is not None and route.store_id is not None and routes is not None:
            since = routes.mark_down(route.store_id, str(exc))
            return own_store_unavailable(request, route.store_id, since)
        log.warning("store unavailable", error=str(exc), path=request.url.path)
        return problem_response(
            503,
            "A storage backend is unavailable; try again shortly.",
            code="store-unavailable",
            instance=request.url.path,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return problem_response(
            500, "An unexpected error occurred.", code="internal", instance=request.url.path
        )


def own_store_unavailable(request: Request, store_id: str, since: datetime) -> JSONResponse:
    """Only this user's requests fail: their own database cannot be reached."""
    return problem_response(
        503,
        f"Your own database (store {store_id}) has been unreachable since "
        f"{since.isoformat(timespec='seconds')}; your content is there, so this waits for it.",
        code="own-store-unavailable",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )
