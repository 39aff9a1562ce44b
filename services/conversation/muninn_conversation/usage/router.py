"""/v1/usage: what a user has spent, and the limits that apply."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.auth import CurrentPrincipal

from muninn_conversation.deps import Services
from muninn_conversation.usage.models import LimitsUpdate, UsageLimits, UsageReport

router = APIRouter(prefix="/v1/usage", tags=["usage"])


@router.get("", summary="Tokens, messages and cost per day and model")
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
