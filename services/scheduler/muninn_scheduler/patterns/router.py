"""/v1/me/patterns: what Muninn learned about how you work, with its evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from muninn_shared.auth import CurrentPrincipal, bearer_token

from muninn_scheduler.deps import Services
from muninn_scheduler.patterns.models import LearningReport, Pattern, PatternPage, PatternStatus
from muninn_scheduler.schema import Paging

router = APIRouter(prefix="/v1/me/patterns", tags=["patterns"])

PatternId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", summary="Your patterns, newest first, each with its evidence")
async def list_patterns(
    principal: CurrentPrincipal,
    services: Services,
    paging: Paging,
    status: PatternStatus | None = None,
    pattern_type: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
) -> PatternPage:
    return await services.patterns.page(
        principal.user_id, paging, status=status, pattern_type=pattern_type
    )


@router.post(
    "/learn",
    summary="Learn your patterns now (with an LLM configured, also from your memories)",
)
async def learn_patterns(
    request: Request, principal: CurrentPrincipal, services: Services
) -> LearningReport:
    return await services.patterns.learn_now(principal.user_id, bearer_token(request))


@router.get("/{pattern_id}", summary="One pattern and its evidence")
async def get_pattern(
    pattern_id: PatternId, principal: CurrentPrincipal, services: Services
) -> Pattern:
    return await services.patterns.get(principal.user_id, pattern_id)


@router.post(
    "/{pattern_id}/dismiss",
    summary="Dismiss a pattern: no longer shown as active, nor used to time notifications",
)
async def dismiss_pattern(
    pattern_id: PatternId, principal: CurrentPrincipal, services: Services
) -> Pattern:
    return await services.patterns.set_status(
        principal.user_id, pattern_id, PatternStatus.DISMISSED
    )


@router.post("/{pattern_id}/restore", summary="Take a dismissed pattern back")
async def restore_pattern(
    pattern_id: PatternId, principal: CurrentPrincipal, services: Services
) -> Pattern:
    return await services.patterns.set_status(principal.user_id, pattern_id, PatternStatus.ACTIVE)
