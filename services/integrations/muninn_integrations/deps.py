"""FastAPI dependency: the integrations service's container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from muninn_integrations.calendar.service import CalendarService
from muninn_integrations.connections.service import ConnectionService


@dataclass(frozen=True)
class IntegrationsServices:
    connections: ConnectionService
    calendar: CalendarService


async def get_services(request: Request) -> IntegrationsServices:
    services: IntegrationsServices = request.app.state.services
    return services


Services = Annotated[IntegrationsServices, Depends(get_services)]
