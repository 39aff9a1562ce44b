"""/v1/byod/stores/current/migration: what the next schema migration of your store would do."""

from __future__ import annotations

from fastapi import APIRouter

from muninn_byod.deps import CurrentCaller
from muninn_byod.migrations.models import MigrationPreview

router = APIRouter(prefix="/v1/byod/stores/current", tags=["byod"])


@router.get(
    "/migration",
    summary="What migrating your store to this Muninn's schema would change (a dry run); "
    "its progress while it runs is on the store",
)
async def preview(caller: CurrentCaller) -> MigrationPreview:
    return await caller.services.migrations.preview(caller.user_id)
