"""/internal/event-keys: a user's event key, for services that seal and open events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from muninn_shared.messaging.event_keys import EVENT_KEYS_PATH, UserErasedError, encode_key
from muninn_shared.problems import ProblemError

from muninn_identity.event_keys.callers import event_key_reader
from muninn_identity.event_keys.models import EventKeyGrant
from muninn_identity.event_keys.service import EventKeyService

router = APIRouter(
    prefix=EVENT_KEYS_PATH,
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(event_key_reader)],
)


async def get_event_keys(request: Request) -> EventKeyService:
    keys: EventKeyService = request.app.state.event_keys
    return keys


@router.get("/{user_id}", summary="A user's event key (410 once the user is erased)")
async def event_key(
    user_id: str,
    keys: Annotated[EventKeyService, Depends(get_event_keys)],
) -> EventKeyGrant:
    try:
        key = await keys.key_for(user_id)
    except UserErasedError:
        raise ProblemError(
            410, "No key: the user is erased or being erased.", code="user-erased"
        ) from None
    return EventKeyGrant(user_id=user_id, key=encode_key(key))
