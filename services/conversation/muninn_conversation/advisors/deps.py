"""FastAPI dependency: the advisors feature's container (``app.state.advisors``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from muninn_conversation.advisors.memory import AdvisorMemoryService
from muninn_conversation.advisors.service import AdvisorService
from muninn_conversation.advisors.summaries import ThreadSummaryService


@dataclass(frozen=True)
class AdvisorServices:
    advisors: AdvisorService
    memory: AdvisorMemoryService
    summaries: ThreadSummaryService


async def get_advisor_services(request: Request) -> AdvisorServices:
    services: AdvisorServices = request.app.state.advisors
    return services


Advisors = Annotated[AdvisorServices, Depends(get_advisor_services)]
