"""Which protocols this instance can connect, and how to open a connector for one connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from muninn_shared.vault.models import VaultSecret

from muninn_integrations.connections.models import Provider, ProviderInfo
from muninn_integrations.connectors.port import Connector

SaveSecret = Callable[[Mapping[str, str], datetime | None], Awaitable[None]]


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom a connector signs in; the secret comes from the vault.

    ``server_url`` is the full address (for a feed, the private one the vault holds as
    ``secret["url"]``, never the redacted one shown to the user). ``save_secret`` seals a
    secret the connector renewed (a refreshed OAuth token, and when it expires) back into
    the vault; None where nothing is saved (a check before the connection exists).
    """

    provider: Provider
    server_url: str
    username: str | None
    secret: VaultSecret | None
    save_secret: SaveSecret | None = field(default=None, compare=False)


Opener = Callable[[Endpoint], Connector[Any]]


class UnknownProviderError(LookupError):
    pass


class ConnectorRegistry:
    def __init__(self) -> None:
        self._entries: dict[Provider, tuple[ProviderInfo, Opener]] = {}

    def register(self, info: ProviderInfo, opener: Opener) -> None:
        self._entries[info.provider] = (info, opener)

    def providers(self) -> list[ProviderInfo]:
        return [info for info, _ in self._entries.values()]

    def info(self, provider: Provider) -> ProviderInfo | None:
        entry = self._entries.get(provider)
        return entry[0] if entry is not None else None

    def open(self, endpoint: Endpoint) -> Connector[Any]:
        entry = self._entries.get(endpoint.provider)
        if entry is None:
            raise UnknownProviderError(endpoint.provider)
        return entry[1](endpoint)
