"""/v1/usage: what a user has spent, every model call made for them, and the limits that apply."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_conversation.deps import Services
from muninn_conversation.usage.models import (
    LimitsUpdate,
    UsageCall,
    UsageCallPage,
    UsageLimits,
    UsageReport,
)

Name = Annotated[str | None, Query(min_length=1, max_length=80)]

router = APIRouter(prefix="/v1/usage", tags=["usage"])


@router.get("", summary="Calls, tokens, messages and cost per day, model and feature")
async def report(
    principal: CurrentPrincipal,
    services: Services,
    start: Annotated[date | None, Query(description="First day (UTC), default 30 days ago")] = None,
    end: Annotated[date | None, Query(description="Last day (UTC), default today")] = None,
) -> UsageReport:
    today = datetime.now(UTC).date()
    end = end or today
    start = start or end - timedelta(days=29)
    return await services.usage.report(principal.user_id, start, end)


@router.get("/limits", summary="The limits that apply and how much of them is used")
async def limits(principal: CurrentPrincipal, services: Services) -> UsageLimits:
    return await services.usage.limits(principal.user_id)


@router.patch("/limits", summary="Set your own caps (below the server's limits)")
async def update_limits(
    body: LimitsUpdate, principal: CurrentPrincipal, services: Services
) -> UsageLimits:
    return await services.usage.update_caps(principal.user_id, body)


@router.get("/calls", summary="Every model call made for you, newest first")
async def list_calls(
    principal: CurrentPrincipal,
    services: Services,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    feature: Name = None,
    provider: Name = None,
    success: bool | None = None,
    start: Annotated[date | None, Query(description="First day (UTC)")] = None,
    end: Annotated[date | None, Query(description="Last day (UTC)")] = None,
) -> UsageCallPage:
    return await services.usage.calls(
        principal.user_id,
        limit=limit,
        cursor=cursor,
        feature=feature,
        provider=provider,
        success=success,
        start=start,
        end=end,
    )


@router.get("/calls/{call_id}", summary="One model call")
async def get_call(
    call_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: CurrentPrincipal,
    services: Services,
) -> UsageCall:
    return await services.usage.call(principal.user_id, call_id)
