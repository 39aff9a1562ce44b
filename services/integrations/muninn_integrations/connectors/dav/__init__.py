"""CalDAV and CardDAV: a small WebDAV client over the guarded HTTP client, discovery from a
base URL, incremental sync by sync token (or ETags), and calendar write-back."""

from muninn_integrations.connectors.dav.caldav import CalDavConnector, StoredEvent
from muninn_integrations.connectors.dav.carddav import CardDavConnector
from muninn_integrations.connectors.dav.client import DavCredentials

__all__ = ["CalDavConnector", "CardDavConnector", "DavCredentials", "StoredEvent"]
