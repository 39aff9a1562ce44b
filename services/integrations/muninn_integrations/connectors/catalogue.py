"""The protocol adapters this instance offers, opened for one connection at a time."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from muninn_shared.outbound import OutboundGuard

from muninn_integrations.connections.models import Provider, ProviderInfo
from muninn_integrations.connectors.dav.caldav import CalDavConnector
from muninn_integrations.connectors.dav.carddav import CardDavConnector
from muninn_integrations.connectors.dav.client import DavCredentials
from muninn_integrations.connectors.google import GoogleConfig, GoogleConnector, GoogleTokens
from muninn_integrations.connectors.google.api import SaveTokens
from muninn_integrations.connectors.ics import IcsFeedConnector
from muninn_integrations.connectors.imap import ImapAccount, ImapConnector, ImapOptions
from muninn_integrations.connectors.port import Connector, CredentialsRejectedError, RecordKind
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint, Opener


class MissingCredentialsError(CredentialsRejectedError):
    """A connection that signs in has no user name or password stored: the user reconnects."""

    def __init__(self) -> None:
        super().__init__("The stored credentials are missing; connect the account again.")


def dav_credentials(endpoint: Endpoint) -> DavCredentials:
    if endpoint.username is None or endpoint.secret is None or "password" not in endpoint.secret:
        raise MissingCredentialsError
    return DavCredentials(endpoint.username, endpoint.secret["password"])


def imap_account(endpoint: Endpoint) -> ImapAccount:
    if endpoint.username is None or endpoint.secret is None or "password" not in endpoint.secret:
        raise MissingCredentialsError
    parts = urlsplit(endpoint.server_url)
    return ImapAccount(
        host=parts.hostname or "",
        username=endpoint.username,
        password=endpoint.secret["password"],
        port=parts.port,
        tls=parts.scheme.lower() == "imaps",
    )


def google_tokens(endpoint: Endpoint) -> GoogleTokens:
    if endpoint.secret is None or "access_token" not in endpoint.secret:
        raise MissingCredentialsError
    return GoogleTokens.from_secret(endpoint.secret)


def token_saver(endpoint: Endpoint) -> SaveTokens | None:
    save_secret = endpoint.save_secret
    if save_secret is None:
        return None

    async def save(tokens: GoogleTokens) -> None:
        await save_secret(tokens.to_secret(), tokens.expires_at)

    return save


def feed_url(endpoint: Endpoint) -> str:
    url = endpoint.server_url
    scheme, _, rest = url.partition("://")
    # webcal:// is how calendar apps link a feed; it is served over HTTP(S).
    if scheme.lower() == "webcal":
        return f"http://{rest}"
    if scheme.lower() == "webcals":
        return f"https://{rest}"
    return url


def default_registry(
    guard: OutboundGuard,
    *,
    imap_allow_plaintext: bool,
    timeout: float,
    google: GoogleConfig | None = None,
) -> ConnectorRegistry:
    """The adapters on offer; Google only where the operator registered an OAuth client."""
    registry = ConnectorRegistry()

    def caldav(endpoint: Endpoint) -> Connector[Any]:
        return CalDavConnector(
            endpoint.server_url, dav_credentials(endpoint), guard=guard, timeout=timeout
        )

    def carddav(endpoint: Endpoint) -> Connector[Any]:
        return CardDavConnector(
            endpoint.server_url, dav_credentials(endpoint), guard=guard, timeout=timeout
        )

    def ics(endpoint: Endpoint) -> Connector[Any]:
        return IcsFeedConnector(feed_url(endpoint), guard=guard, timeout=timeout)

    def imap(endpoint: Endpoint) -> Connector[Any]:
        options = ImapOptions(allow_plaintext=imap_allow_plaintext, timeout=timeout)
        return ImapConnector(imap_account(endpoint), guard, options)

    offered: list[tuple[Provider, str, RecordKind, str, bool, Opener, str | None]] = [
        (
            Provider.CALDAV,
            "Calendar (CalDAV)",
            RecordKind.CALENDAR_EVENT,
            "app_password",
            True,
            caldav,
            "Nextcloud, Fastmail, iCloud, mailbox.org, Radicale, Baïkal: the server's address "
            "and an app password.",
        ),
        (
            Provider.CARDDAV,
            "Contacts (CardDAV)",
            RecordKind.CONTACT,
            "app_password",
            False,
            carddav,
            None,
        ),
        (
            Provider.IMAP,
            "Mail (IMAP, read-only)",
            RecordKind.EMAIL,
            "app_password",
            False,
            imap,
            "imaps://host[:port] and an app password.",
        ),
        (
            Provider.ICS,
            "Calendar feed (ICS, read-only)",
            RecordKind.CALENDAR_EVENT,
            "none",
            False,
            ics,
            "A subscription address (holidays, sports, a private calendar link).",
        ),
    ]
    if google is not None:
        registry.register(
            ProviderInfo(
                provider=Provider.GOOGLE,
                name="Google (Calendar, Contacts, Gmail)",
                kinds=[RecordKind.CALENDAR_EVENT, RecordKind.CONTACT, RecordKind.EMAIL],
                auth="oauth",
                writable=True,
                available=True,
                note="Sign in with Google: POST /v1/integrations/oauth/google/start. Gmail "
                "and contacts are read-only; the calendar is written back.",
            ),
            google_opener(google, guard),
        )
    for provider, name, kind, auth, writable, opener, note in offered:
        info = ProviderInfo(
            provider=provider,
            name=name,
            kinds=[kind],
            auth=auth,
            writable=writable,
            available=True,
            note=note,
        )
        registry.register(info, opener)
    return registry


def google_opener(config: GoogleConfig, guard: OutboundGuard) -> Opener:
    def google(endpoint: Endpoint) -> Connector[Any]:
        return GoogleConnector(
            config, google_tokens(endpoint), guard=guard, save=token_saver(endpoint)
        )

    return google
