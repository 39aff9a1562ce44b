"""What every route of the integrations service takes: the caller, the services that answer
them, and the ids Muninn gave its records, in a path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.services import services_of

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


Services = Annotated[IntegrationsServices, Depends(services_of(IntegrationsServices))]


@dataclass(frozen=True)
class Caller:
    """Who calls (the authenticated user) and the services that answer them: what every
    route of this service starts from."""

    user_id: str
    services: IntegrationsServices


async def get_caller(principal: CurrentPrincipal, services: Services) -> Caller:
    return Caller(principal.user_id, services)


CurrentCaller = Annotated[Caller, Depends(get_caller)]

# The ids Muninn gives (contacts, events, messages, connections, jobs…).
ID_PATTERN = r"^[A-Za-z0-9_-]+$"
PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
