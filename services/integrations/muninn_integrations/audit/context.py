"""Who is asking: the client address, user agent and endpoint of the request being served.

Set once per HTTP request by :class:`RequestOriginMiddleware` and read where a change is
recorded, so services record audit entries without threading the request through every
call. Outside a request (a sync worker, a sweep) there is no origin and the actor is the
system that made the change.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_USER_AGENT = 300
MAX_ENDPOINT = 300


@dataclass(frozen=True)
class RequestOrigin:
    ip: str | None
    user_agent: str | None
    endpoint: str


_origin: ContextVar[RequestOrigin | None] = ContextVar("request_origin", default=None)


def current_origin() -> RequestOrigin | None:
    return _origin.get()


def origin_of(scope: Scope) -> RequestOrigin:
    """The origin of an HTTP scope; the path only, never the query string (it may carry text
    the user typed)."""
    client = scope.get("client")
    agent = None
    for name, value in scope.get("headers") or []:
        if name == b"user-agent":
            agent = value.decode("latin-1")[:MAX_USER_AGENT]
            break
    endpoint = f"{scope.get('method', '')} {scope.get('path', '')}"[:MAX_ENDPOINT]
    return RequestOrigin(ip=client[0] if client else None, user_agent=agent, endpoint=endpoint)


class RequestOriginMiddleware:
    """Binds the request's origin for the handlers below it (the client address is the one
    uvicorn resolved, i.e. the gateway's X-Forwarded-For from a trusted proxy only)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        token = _origin.set(origin_of(scope))
        try:
            await self._app(scope, receive, send)
        finally:
            _origin.reset(token)
