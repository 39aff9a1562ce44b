"""/v1/providers/ratings: what you think of the people and places you have been to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from muninn_shared.auth import CurrentPrincipal

from muninn_scheduler.deps import Services
from muninn_scheduler.providers.models import ProviderRating, ProviderRatingList

router = APIRouter(prefix="/v1/providers", tags=["providers"])


@router.get("/ratings", summary="Your providers, best rated first")
async def ratings(
    principal: CurrentPrincipal,
    services: Services,
    provider_type: Annotated[
        str | None, Query(alias="type", max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ProviderRatingList:
    return await services.providers.ranked(principal.user_id, provider_type, limit)


@router.get(
    "/ratings/{provider}", summary="One provider's rating (by name, case and punctuation ignored)"
)
async def rating(
    provider: Annotated[str, Path(min_length=1, max_length=200)],
    principal: CurrentPrincipal,
    services: Services,
) -> ProviderRating:
    return await services.providers.get(principal.user_id, provider)
