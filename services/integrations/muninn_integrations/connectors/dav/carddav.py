"""CardDAV: a user's address books, synced as ``Contact`` records."""

from __future__ import annotations

import httpx
from muninn_shared.outbound import OutboundGuard

from muninn_integrations.connectors.dav.client import DavCredentials
from muninn_integrations.connectors.dav.connector import DEFAULT_TIMEOUT, DavConnector
from muninn_integrations.connectors.dav.multistatus import CARDDAV
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.models import Contact, contact_from_vcard


class CardDavConnector(DavConnector[Contact]):
    def __init__(
        self,
        base_url: str,
        credentials: DavCredentials,
        *,
        guard: OutboundGuard | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(
            base_url,
            credentials,
            namespace=CARDDAV,
            kind=RecordKind.CONTACT,
            parse=contact_from_vcard,
            guard=guard,
            http=http,
            timeout=timeout,
        )
