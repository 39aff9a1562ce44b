"""/v1/byod/stores: register the user's own database, see it, forget it."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from muninn_byod.deps import CurrentCaller
from muninn_byod.stores.models import Store, StoreRegistration

router = APIRouter(prefix="/v1/byod/stores", tags=["byod"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register your own MongoDB (and Qdrant): checked first, credentials sealed",
)
async def register(body: StoreRegistration, caller: CurrentCaller) -> Store:
    return await caller.services.stores.register(caller.user_id, body)


@router.get("/current", summary="Your data store: status, schema version, health; no secrets")
async def current(caller: CurrentCaller) -> Store:
    return await caller.services.stores.current(caller.user_id)


@router.delete(
    "/current",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Forget a store nothing was copied to yet, and destroy its credentials",
)
async def forget(caller: CurrentCaller) -> Response:
    await caller.services.stores.forget(caller.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
