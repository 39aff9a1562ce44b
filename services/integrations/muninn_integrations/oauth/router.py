"""/v1/integrations/oauth/{provider}: sign in at a provider's consent page to connect it.

The product's own front end starts the flow, sends the browser to ``authorize_url``,
receives the provider's redirect at its registered redirect URI and forwards ``code`` and
``state`` to ``complete`` with the user's token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from muninn_integrations.connections.models import Connection
from muninn_integrations.deps import CurrentCaller
from muninn_integrations.oauth.models import OAuthComplete, OAuthStart, OAuthStarted

router = APIRouter(prefix="/v1/integrations/oauth", tags=["integrations"])

ProviderName = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")]


@router.post(
    "/{provider}/start",
    summary="Start signing in at the provider: where to send the browser",
)
async def start(
    provider: ProviderName,
    caller: CurrentCaller,
    body: OAuthStart | None = None,
) -> OAuthStarted:
    return await caller.services.oauth.start(caller.user_id, provider, body or OAuthStart())


@router.post(
    "/{provider}/complete",
    status_code=status.HTTP_201_CREATED,
    summary="Finish signing in with the code and state the provider redirected with",
)
async def complete(
    provider: ProviderName,
    body: OAuthComplete,
    caller: CurrentCaller,
) -> Connection:
    return await caller.services.oauth.complete(caller.user_id, provider, body)
