"""/v1/memories/summaries: period summaries (list, generate for a period, read one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.auth import CurrentPrincipal

from muninn_memory.deps import Services
from muninn_memory.summaries.models import Period, Summary, SummaryPage, SummaryRequest

router = APIRouter(prefix="/v1/memories/summaries", tags=["summaries"])


@router.get("", summary="Summaries, most recent period first")
async def list_summaries(
    principal: CurrentPrincipal,
    services: Services,
    period: Period | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> SummaryPage:
    return await services.summaries.page(
        principal.user_id, period=period, cursor=cursor, limit=limit
    )


@router.post(
    "",
    summary="Summarise a week or month now (replaces that period's summary)",
)
async def generate_summary(
    body: SummaryRequest, principal: CurrentPrincipal, services: Services
) -> Summary:
    return await services.summaries.generate(principal.user_id, body.period, body.date)


@router.get("/{summary_id}", summary="One summary")
async def get_summary(summary_id: str, principal: CurrentPrincipal, services: Services) -> Summary:
    return await services.summaries.get(principal.user_id, summary_id)
