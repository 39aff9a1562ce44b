"""Writes by an erased user are refused, whatever route they arrive on.

An access token outlives the erasure of its user by up to its lifetime; a write in that
window would recreate data the erasure just deleted. Every content service records an
erasure tombstone when it applies an erasure, and this dependency, applied to the whole app
where the service is assembled, answers 401 to any unsafe request whose token names such a
user. A route that declares it only reads (``openapi_extra=READS``: a search) writes nothing,
so it passes as a GET does, without the database read this check costs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.routing import APIRoute

from muninn_shared.auth import current_principal
from muninn_shared.http.scopes import declared_scope
from muninn_shared.problems import ProblemError
from muninn_shared.storage.tombstones import ErasureTombstones

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def refuse_writes_of_erased_users(
    tombstones: ErasureTombstones,
) -> Callable[[Request], Awaitable[None]]:
    async def refuse_erased_writer(request: Request) -> None:
        if request.method in SAFE_METHODS or "authorization" not in request.headers:
            return
        route = request.scope.get("route")
        if isinstance(route, APIRoute) and declared_scope(route) == "read":
            return
        try:
            principal = await current_principal(request)
        except ProblemError:
            return  # the route answers for a missing or bad credential as it always has
        if await tombstones.is_erased(principal.user_id):
            raise ProblemError(
                401,
                "The account of this access token has been erased.",
                code="account-erased",
                headers={"WWW-Authenticate": 'Bearer realm="muninn", error="invalid_token"'},
            )

    return refuse_erased_writer
