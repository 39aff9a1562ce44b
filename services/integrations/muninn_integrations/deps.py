"""FastAPI dependency: the integrations service's container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from muninn_integrations.audit.service import AuditLog
from muninn_integrations.briefings.service import BriefingService
from muninn_integrations.calendar.service import CalendarService
from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.contacts.merging import ContactMerger
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.graph.service import GraphService
from muninn_integrations.interactions.service import InteractionService
from muninn_integrations.interests.service import InterestService
from muninn_integrations.mail.service import MailService
from muninn_integrations.oauth.service import OAuthService
from muninn_integrations.profiles.service import ProfileService
from muninn_integrations.sync.service import SyncService


@dataclass(frozen=True)
class IntegrationsServices:
    connections: ConnectionService
    sync: SyncService
    calendar: CalendarService
    contacts: ContactService
    mail: MailService
    oauth: OAuthService
    audit: AuditLog
    graph: GraphService
    interests: InterestService
    interactions: InteractionService
    merges: ContactMerger
    profiles: ProfileService
    briefings: BriefingService


async def get_services(request: Request) -> IntegrationsServices:
    services: IntegrationsServices = request.app.state.services
    return services


Services = Annotated[IntegrationsServices, Depends(get_services)]
