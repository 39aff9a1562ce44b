"""API-key scopes, checked once per request for every signed-in route: deny unless granted.

A route needs the scope its method implies (GET, HEAD and OPTIONS read, everything else
writes) unless it declares otherwise through its OpenAPI operation, where clients see it
too: ``@router.post("/search", openapi_extra=READS)`` for a POST that only reads,
``openapi_extra=ADMIN`` for account-level operations (API keys, erasure),
``openapi_extra=OPERATOR`` for the operator's routes (every user, the index), which ``admin``
does not open. A route opts out
of nothing by forgetting a check: :func:`authorize_route` runs before the route's own
dependencies on every route that asks for the caller, and answers 403 ``insufficient-scope``
before any of them (or the handler) touches state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, cast

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from muninn_shared.auth import ALL_SCOPES, OPERATOR_SCOPE, current_principal

Scope = Literal["read", "write", "admin"]
"""What a user may hand to a credential (API key, MCP client)."""
RouteScope = Literal["read", "write", "admin", "operator"]
"""What a route may need: the user's scopes, or being an operator."""
ROUTE_SCOPES = (*ALL_SCOPES, OPERATOR_SCOPE)

SCOPE_EXTENSION = "x-muninn-scope"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

READS: dict[str, Any] = {SCOPE_EXTENSION: "read"}
"""openapi_extra of a route that changes nothing although its method is not a safe one."""
ADMIN: dict[str, Any] = {SCOPE_EXTENSION: "admin"}
"""openapi_extra of an account-level route: an API key needs the ``admin`` scope."""
OPERATOR: dict[str, Any] = {SCOPE_EXTENSION: OPERATOR_SCOPE}
"""openapi_extra of an operator's route: only an operator's own session passes."""


def declared_scope(route: APIRoute) -> RouteScope | None:
    declared = (route.openapi_extra or {}).get(SCOPE_EXTENSION)
    if declared is None:
        return None
    if declared not in ROUTE_SCOPES:
        raise ValueError(f"{route.path}: unknown scope {declared!r} in {SCOPE_EXTENSION}")
    return cast(RouteScope, declared)


def required_scope(route: APIRoute, method: str) -> RouteScope:
    declared = declared_scope(route)
    if declared is not None:
        return declared
    return "read" if method.upper() in SAFE_METHODS else "write"


def _asks_for_caller(dependant: Dependant, principal_call: Callable[..., Any]) -> bool:
    stack = [dependant]
    while stack:
        node = stack.pop()
        if node.call is principal_call:
            return True
        stack.extend(node.dependencies)
    return False


class _SignedInRoutes:
    """Which routes ask for the caller, decided once per route from its dependency tree."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[APIRoute, bool]] = {}

    def __call__(self, route: APIRoute) -> bool:
        known = self._known.get(id(route))
        if known is not None and known[0] is route:
            return known[1]
        declared_scope(route)  # an unknown scope fails loudly rather than denying silently
        signed_in = _asks_for_caller(route.dependant, current_principal)
        self._known[id(route)] = (route, signed_in)
        return signed_in


_signed_in = _SignedInRoutes()


async def authorize_route(request: Request) -> None:
    """App-wide dependency: the caller's token must grant the scope the matched route needs.

    Public routes (sign-in, health) ask for no caller and pass untouched, even with a stale
    Authorization header; the principal verified here is the one the route then receives.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not _signed_in(route):
        return
    principal = await current_principal(request)
    principal.require(required_scope(route, request.method))
