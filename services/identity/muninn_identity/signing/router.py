"""The public half of identity's signing keys, for every verifier."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

JWKS_PATH = "/.well-known/jwks.json"

router = APIRouter(tags=["signing keys"])


@router.get(JWKS_PATH, summary="Public keys that verify access tokens (JWKS, RFC 7517)")
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    # Short enough that a retired key stops being cached soon, long enough to spare identity.
    response.headers["Cache-Control"] = "public, max-age=60"
    document: dict[str, Any] = request.app.state.signing_keys.jwks()
    return document
