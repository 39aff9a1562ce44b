"""CardDAV: a user's address books, synced as ``Contact`` records."""

from __future__ import annotations

from muninn_integrations.connectors.dav.connector import DavConnector
from muninn_integrations.connectors.dav.multistatus import CARDDAV
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.models import Contact, contact_from_vcard


class CardDavConnector(DavConnector[Contact]):
    namespace = CARDDAV
    kind = RecordKind.CONTACT

    def parse(self, text: str) -> Contact | None:
        return contact_from_vcard(text)
