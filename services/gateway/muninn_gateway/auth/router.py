"""Identity's public signing keys, served at the edge from the gateway's own cache.

Clients and third parties that verify Muninn tokens read them here; the cache keeps them
available while identity is briefly down.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from muninn_shared.auth import KeySource, SigningKeysUnavailableError
from muninn_shared.problems import ProblemError

JWKS_PATH = "/.well-known/jwks.json"

router = APIRouter(tags=["signing keys"])


@router.get(JWKS_PATH, summary="Public keys that verify access tokens (JWKS, RFC 7517)")
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    keys: KeySource = request.app.state.token_keys
    try:
        document = await keys.jwks()
    except SigningKeysUnavailableError:
        raise ProblemError(
            503,
            "The signing keys cannot be read right now; try again shortly.",
            code="signing-keys-unavailable",
            headers={"Retry-After": "5"},
        ) from None
    response.headers["Cache-Control"] = "public, max-age=60"
    return document
