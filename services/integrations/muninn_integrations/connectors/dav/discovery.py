"""Finding a user's calendars or address books from a base URL (RFC 6764, 4791, 6352):
``/.well-known/caldav|carddav`` (or the base URL itself) → ``current-user-principal`` →
``calendar-home-set`` / ``addressbook-home-set`` → the collections in it."""

from __future__ import annotations

from dataclasses import dataclass

from muninn_integrations.connectors.dav.client import DavClient
from muninn_integrations.connectors.dav.multistatus import (
    APPLE_ICAL,
    CALDAV,
    CALSERVER,
    DAV,
    DavResponse,
    parse_multistatus,
    propfind_body,
    tag,
)
from muninn_integrations.connectors.port import (
    AddressRefusedError,
    ConnectorError,
    CredentialsRejectedError,
    SourceRejectedError,
    SourceUnavailableError,
)

MAX_COLLECTIONS = 200
_WRITE_PRIVILEGES = ("write", "write-content", "all")


@dataclass(frozen=True)
class DavCollection:
    path: str
    name: str
    sync_token: str | None
    read_only: bool
    color: str | None = None

    @property
    def supports_sync_collection(self) -> bool:
        return self.sync_token is not None


async def discover_collections(client: DavClient, namespace: str) -> list[DavCollection]:
    """The calendars (``namespace`` CALDAV) or address books (CARDDAV) of the user."""
    principal = await _principal(client, namespace)
    home_property = "calendar-home-set" if namespace == CALDAV else "addressbook-home-set"
    homes = (await _propfind_one(client, principal, [(namespace, home_property)])).child_hrefs(
        namespace, home_property
    )
    if not homes:
        raise SourceRejectedError("The server did not say where this user's collections are.")
    collections: list[DavCollection] = []
    for home in homes[:5]:
        collections.extend(await _collections_in(client, home, namespace))
    return sorted(collections, key=lambda collection: collection.path)[:MAX_COLLECTIONS]


async def _principal(client: DavClient, namespace: str) -> str:
    well_known = "/.well-known/caldav" if namespace == CALDAV else "/.well-known/carddav"
    starts = [well_known, client.base_url.path or "/"]
    for start in starts:
        try:
            found = await _propfind_one(client, start, [(DAV, "current-user-principal")])
        except (AddressRefusedError, CredentialsRejectedError, SourceUnavailableError):
            raise
        except ConnectorError:
            continue  # no well-known redirect here: try the base URL itself
        hrefs = found.child_hrefs(DAV, "current-user-principal")
        if hrefs:
            return hrefs[0]
    raise SourceRejectedError("The server did not identify the user (no current-user-principal).")


async def _propfind_one(client: DavClient, path: str, props: list[tuple[str, str]]) -> DavResponse:
    reply = await client.request("PROPFIND", path, body=propfind_body(props), depth="0")
    responses = parse_multistatus(reply.body).responses
    if not responses:
        raise SourceRejectedError("The server answered a PROPFIND with nothing.")
    return responses[0]


async def _collections_in(client: DavClient, home: str, namespace: str) -> list[DavCollection]:
    props = [
        (DAV, "resourcetype"),
        (DAV, "displayname"),
        (DAV, "sync-token"),
        (DAV, "current-user-privilege-set"),
        (CALSERVER, "getctag"),
        (CALDAV, "supported-calendar-component-set"),
        (APPLE_ICAL, "calendar-color"),
    ]
    reply = await client.request("PROPFIND", home, body=propfind_body(props), depth="1")
    kind = "calendar" if namespace == CALDAV else "addressbook"
    found: list[DavCollection] = []
    for response in parse_multistatus(reply.body).responses:
        if not response.has_child(DAV, "resourcetype", tag(namespace, kind)):
            continue
        if namespace == CALDAV and not _holds_events(response):
            continue
        name = response.text(DAV, "displayname") or response.href.rstrip("/").rsplit("/", 1)[-1]
        found.append(
            DavCollection(
                path=response.href if response.href.endswith("/") else f"{response.href}/",
                name=name[:200],
                sync_token=response.text(DAV, "sync-token"),
                read_only=_read_only(response),
                color=(response.text(APPLE_ICAL, "calendar-color") or "")[:20] or None,
            )
        )
    return found


def _holds_events(response: DavResponse) -> bool:
    components = response.props.get(tag(CALDAV, "supported-calendar-component-set"))
    if components is None:
        return True  # not said: the default is every component type
    return any(comp.get("name", "").upper() == "VEVENT" for comp in components)


def _read_only(response: DavResponse) -> bool:
    privileges = response.props.get(tag(DAV, "current-user-privilege-set"))
    if privileges is None:
        return False
    return not any(
        privileges.find(f".//{tag(DAV, privilege)}") is not None for privilege in _WRITE_PRIVILEGES
    )
