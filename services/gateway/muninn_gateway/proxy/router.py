"""Every /v1 request that is not the gateway's own: route, limit, authenticate, forward."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from muninn_shared.http.metrics import UNMATCHED, label_route
from muninn_shared.logging import bind_user
from muninn_shared.problems import ProblemError

from muninn_gateway.deps import gateway_of
from muninn_gateway.proxy.body import declared_length, has_body, too_large
from muninn_gateway.proxy.headers import RawHeaders
from muninn_gateway.ratelimit.buckets import Decision
from muninn_gateway.ratelimit.clients import limit_key
from muninn_gateway.ratelimit.service import login_account, tightest

PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
LOGIN = ("POST", "/v1/auth/login")
# A sign-in body is an e-mail and a password: read whole (to find the account) only up to this.
MAX_LOGIN_BODY_BYTES = 16 * 1024

router = APIRouter()


@router.api_route("/{path:path}", methods=PROXIED_METHODS, include_in_schema=False)
async def proxy(request: Request) -> Response:
    gateway = gateway_of(request)
    address = gateway.clients.resolve(request.scope)
    address_key = limit_key(address)
    client_decision = await gateway.limiter.client(address_key)

    path: str = request.scope["path"]
    route = gateway.routes.match(path)
    # The catch-all's template says nothing: requests are counted by the prefix they matched.
    label_route(request.scope, route.prefix if route is not None else UNMATCHED)
    if route is None:
        raise ProblemError(404, "No API resource lives at this path.", code="not-found")

    authorization: str | None = None
    if gateway.public.is_public(request.method, path):
        scoped = await gateway.limiter.public(address_key)
    else:
        caller = await gateway.auth.authenticate(request.headers, method=request.method, path=path)
        bind_user(caller.user_id)
        authorization = caller.authorization
        scoped = await gateway.limiter.user(caller.user_id)

    length = declared_length(request)
    if length is not None and length > route.max_body_bytes:
        raise too_large(route.max_body_bytes)

    account = await _login_account(request, length)
    if account is not None:
        await gateway.limiter.claim_login(account)
    status: int | None = None
    try:
        response = await gateway.proxy.forward(
            request,
            route,
            authorization=authorization,
            extra_headers=_rate_headers(tightest(client_decision, scoped)),
            client_address=address,
        )
        status = response.status_code
        return response
    finally:
        if account is not None:
            await gateway.limiter.settle_login(account, status)


async def _login_account(request: Request, length: int | None) -> str | None:
    if (request.method, request.scope["path"]) != LOGIN:
        return None
    if length is None:
        if has_body(request):
            raise ProblemError(411, "A sign-in needs a Content-Length.", code="length-required")
        return None
    if length > MAX_LOGIN_BODY_BYTES:
        raise too_large(MAX_LOGIN_BODY_BYTES)
    # Starlette keeps the body it read, and forwards it from there.
    return login_account(await request.body())


def _rate_headers(decision: Decision | None) -> RawHeaders:
    if decision is None:
        return []
    return [(k.lower().encode(), v.encode()) for k, v in decision.headers().items()]
