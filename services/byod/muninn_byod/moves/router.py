"""/v1/byod/stores/current/move and /disconnect: how the user's data moves, and moving it back."""

from __future__ import annotations

from fastapi import APIRouter, status

from muninn_byod.deps import CurrentCaller
from muninn_byod.moves.models import MoveStatus

router = APIRouter(prefix="/v1/byod/stores/current", tags=["byod"])


@router.get(
    "/move",
    summary="The move of your data to (or from) your database: phase, progress, checks",
)
async def current_move(caller: CurrentCaller) -> MoveStatus:
    return await caller.services.moves.current(caller.user_id)


@router.post(
    "/disconnect",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Move your data back to Muninn's databases, then forget your store's credentials",
)
async def disconnect(caller: CurrentCaller) -> MoveStatus:
    return await caller.services.moves.disconnect(caller.user_id)
