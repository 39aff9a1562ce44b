"""/v1/experiences: appointments and outings, their follow-ups and reviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.contexts import Context
from muninn_shared.http.owned import add_owned_item_routes

from muninn_scheduler.deps import Services
from muninn_scheduler.experiences.models import (
    TYPE_PATTERN,
    Experience,
    ExperienceIn,
    ExperiencePage,
    ExperiencePatch,
    ExperienceStatus,
    ReviewIn,
)
from muninn_scheduler.experiences.service import ExperienceService
from muninn_scheduler.schema import Paging

router = APIRouter(prefix="/v1/experiences", tags=["experiences"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Track an experience (a follow-up is asked after it ends)",
)
async def create(body: ExperienceIn, principal: CurrentPrincipal, services: Services) -> Experience:
    return await services.experiences.create(principal.user_id, body)


@router.get("", summary="Your experiences, newest first")
async def list_experiences(
    principal: CurrentPrincipal,
    services: Services,
    paging: Paging,
    status: ExperienceStatus | None = None,
    experience_type: Annotated[
        str | None, Query(alias="type", max_length=40, pattern=TYPE_PATTERN)
    ] = None,
    provider: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    context: Context | None = None,
) -> ExperiencePage:
    return await services.experiences.page(
        principal.user_id,
        paging,
        status=status,
        experience_type=experience_type,
        provider=provider,
        context=context,
    )


def _experiences(services: Services) -> ExperienceService:
    return services.experiences


add_owned_item_routes(
    router,
    _experiences,
    id_name="experience_id",
    model=Experience,
    patch_model=ExperiencePatch,
    get_summary="One experience",
    patch_summary="Change it (time changes move the follow-up; cancelling drops it)",
    delete_summary="Delete an experience",
    patch_name="update",
)


@router.post(
    "/{experience_id}/review",
    summary="Review it in your own words (analysed like a reply to the follow-up)",
)
async def review(
    experience_id: str, body: ReviewIn, principal: CurrentPrincipal, services: Services
) -> Experience:
    return await services.experiences.review(principal.user_id, experience_id, body.text)
