"""Connections: a user's account at a calendar, contacts or mail server, and how it syncs.

A connection's secret (app password, OAuth tokens) lives in the vault; what is here is safe to
show its owner: which scopes were granted and when the token expires, never the token.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from muninn_shared.pagination import CursorPage
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, SecretStr

from muninn_integrations.connectors.port import RecordKind


class Provider(StrEnum):
    CALDAV = "caldav"
    CARDDAV = "carddav"
    IMAP = "imap"
    ICS = "ics"
    GOOGLE = "google"


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    ERROR = "error"  # the last sync failed for a reason the user must look at
    EXPIRED = "expired"  # the source refused the credentials: reconnect to resume


class SyncFrequency(StrEnum):
    REALTIME = "realtime"  # every few minutes
    HOURLY = "hourly"
    DAILY = "daily"


SYNC_INTERVALS: dict[SyncFrequency, timedelta] = {
    SyncFrequency.REALTIME: timedelta(minutes=5),
    SyncFrequency.HOURLY: timedelta(hours=1),
    SyncFrequency.DAILY: timedelta(days=1),
}


class ProviderInfo(BaseModel):
    provider: Provider
    name: str
    kinds: list[RecordKind]
    auth: str  # "app_password", "none" (public feed) or "oauth"
    writable: bool
    available: bool
    note: str | None = None


class ProviderList(BaseModel):
    items: list[ProviderInfo]


ServerUrl = Annotated[str, Field(min_length=8, max_length=2048)]
Username = Annotated[str, Field(min_length=1, max_length=320)]
DisplayName = Annotated[str, Field(min_length=1, max_length=120)]


class CredentialsConnect(Strict):
    """Connect a server that takes a user name and an app password (or a public feed URL)."""

    provider: Provider = Field(description="caldav, carddav, imap or ics")
    server_url: ServerUrl = Field(
        description="https://… for CalDAV/CardDAV/ICS (discovery starts there); "
        "imaps://host[:port] for IMAP"
    )
    username: Username | None = None
    password: Annotated[SecretStr, Field(min_length=1, max_length=1024)] | None = Field(
        default=None, description="An app password; stored encrypted, never shown again"
    )
    display_name: DisplayName | None = None
    sync_frequency: SyncFrequency = SyncFrequency.HOURLY


class ConnectionPatch(Strict):
    display_name: DisplayName | None = None
    sync_frequency: SyncFrequency | None = None
    enabled: bool | None = Field(default=None, description="false pauses syncing")


class SourceCollection(BaseModel):
    """A calendar, address book or mailbox found at the source."""

    id: str
    name: str
    kind: RecordKind
    read_only: bool = False


class Connection(BaseModel):
    id: str
    provider: Provider
    display_name: str
    server_url: str
    username: str | None = None
    status: ConnectionStatus
    error_message: str | None = None
    enabled: bool = True
    scopes: list[str] = Field(default_factory=list)
    token_expires_at: datetime | None = None
    sync_frequency: SyncFrequency
    collections: list[SourceCollection] = Field(default_factory=list)
    last_sync_at: datetime | None = None
    sync_count: int = 0
    error_count: int = 0
    created_at: datetime
    updated_at: datetime


class ConnectionPage(CursorPage[Connection]):
    pass
