"""Every /v1 request that is not the gateway's own: route, limit, authenticate, forward."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from muninn_shared.logging import bind_user
from muninn_shared.problems import ProblemError

from muninn_gateway.deps import gateway_of
from muninn_gateway.proxy.body import declared_length, too_large
from muninn_gateway.proxy.headers import RawHeaders, client_address
from muninn_gateway.ratelimit.buckets import Decision
from muninn_gateway.ratelimit.service import tightest

PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

router = APIRouter()


@router.api_route("/{path:path}", methods=PROXIED_METHODS, include_in_schema=False)
async def proxy(request: Request) -> Response:
    gateway = gateway_of(request)
    address = client_address(request.scope)
    client_decision = gateway.limiter.client(address)

    path: str = request.scope["path"]
    route = gateway.routes.match(path)
    if route is None:
        raise ProblemError(404, "No API resource lives at this path.", code="not-found")

    authorization: str | None = None
    if gateway.public.is_public(request.method, path):
        scoped = gateway.limiter.public(address)
    else:
        caller = await gateway.auth.authenticate(request.headers, method=request.method, path=path)
        bind_user(caller.user_id)
        authorization = caller.authorization
        scoped = gateway.limiter.user(caller.user_id)

    length = declared_length(request)
    if length is not None and length > route.max_body_bytes:
        raise too_large(route.max_body_bytes)

    return await gateway.proxy.forward(
        request,
        route,
        authorization=authorization,
        extra_headers=_rate_headers(tightest(client_decision, scoped)),
    )


def _rate_headers(decision: Decision | None) -> RawHeaders:
    if decision is None:
        return []
    return [(k.lower().encode(), v.encode()) for k, v in decision.headers().items()]
