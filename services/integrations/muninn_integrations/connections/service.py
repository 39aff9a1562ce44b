"""Connect, inspect, re-check and disconnect the accounts a user's data is synced from."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError, not_found, or_not_found
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.vault.models import VaultSecret
from muninn_shared.vault.service import Vault
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from muninn_integrations.audit.hooks import audit_change
from muninn_integrations.audit.models import AuditAction, ResourceType
from muninn_integrations.audit.service import AuditLog
from muninn_integrations.connections.checks import (
    account_key,
    checked_server_url,
    feed_host_url,
    reach,
)
from muninn_integrations.connections.models import (
    SYNC_INTERVALS,
    Connection,
    ConnectionPage,
    ConnectionPatch,
    ConnectionStatus,
    CredentialsConnect,
    Provider,
    ProviderInfo,
    ProviderList,
    SourceCollection,
    SyncFrequency,
)
from muninn_integrations.connections.store import ConnectionStore
from muninn_integrations.connectors.port import ConnectorError, RevocableConnector
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint

log = get_logger(__name__)

# Removes what was synced through a connection (calendar events, mail, contacts) in the
# disconnecting transaction; each record feature hands one to the service in main.py.
Purge = Callable[[str, str, AsyncClientSession], Awaitable[int]]


def scopes_of(info: ProviderInfo) -> list[str]:
    scopes = [f"{kind.value}:read" for kind in info.kinds]
    if info.writable:
        scopes += [f"{kind.value}:write" for kind in info.kinds]
    return scopes


class ConnectionService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: ConnectionStore,
        vault: Vault,
        registry: ConnectorRegistry,
        check_timeout: float,
        purges: Sequence[Purge] = (),
        on_disconnect: Sequence[Purge] = (),
        audit: AuditLog | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._vault = vault
        self._registry = registry
        self._check_timeout = check_timeout
        self._purges = tuple(purges)
        self._on_disconnect = tuple(on_disconnect)
        self._audit = audit

    async def _audited(
        self,
        user_id: str,
        action: AuditAction,
        connection_id: str,
        old: Connection | None,
        new: Connection | None,
        session: AsyncClientSession | None = None,
    ) -> None:
        await audit_change(
            self._audit,
            user_id,
            action,
            ResourceType.INTEGRATION,
            connection_id,
            old=old,
            new=new,
            session=session,
        )

    def providers(self) -> ProviderList:
        return ProviderList(items=self._registry.providers())

    async def connect(self, user_id: str, request: CredentialsConnect) -> Connection:
        info = self._registry.info(request.provider)
        if info is None or not info.available:
            raise ProblemError(
                422,
                f"This instance does not offer {request.provider.value} connections.",
                code="provider-unavailable",
            )
        if info.auth != "app_password" and info.auth != "none":
            raise ProblemError(
                422,
                f"{info.name} connects through its sign-in page, not with a password.",
                code="wrong-connect-flow",
            )
        if info.auth == "app_password" and (request.username is None or request.password is None):
            raise ProblemError(
                422,
                f"{info.name} needs a user name and an app password.",
                code="credentials-required",
            )
        server_url = checked_server_url(request.provider, request.server_url)
        secret_values: dict[str, str] = {}
        if request.password is not None:
            secret_values["password"] = request.password.get_secret_value()
        shown_url = server_url
        if request.provider is Provider.ICS:
            # A calendar's private feed address is its password: it goes to the vault, and
            # only the host is kept in the clear.
            secret_values["url"] = server_url
            shown_url = feed_host_url(server_url)
        secret = VaultSecret(secret_values) if secret_values else None
        endpoint = Endpoint(request.provider, server_url, request.username, secret)
        collections = await reach(self._registry, endpoint, timeout=self._check_timeout)

        now = datetime.now(UTC)
        connection_id = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "_id": connection_id,
            "user_id": user_id,
            "provider": request.provider.value,
            "display_name": request.display_name or urlsplit(server_url).hostname or shown_url,
            "server_url": shown_url,
            "username": request.username,
            "account_key": account_key(server_url, request.username),
            "status": ConnectionStatus.CONNECTED.value,
            "error_message": None,
            "enabled": True,
            "scopes": scopes_of(info),
            "token_expires_at": None,
            "sync_frequency": request.sync_frequency.value,
            "collections": [c.model_dump(mode="json") for c in collections],
            "last_sync_at": None,
            "next_sync_at": now,
            "sync_count": 0,
            "error_count": 0,
            "created_at": now,
            "updated_at": now,
        }

        async def work(session: AsyncClientSession) -> None:
            await self._store.insert(doc, session)
            if secret is not None:
                await self._vault.put(user_id, connection_id, secret, session)

        try:
            await in_transaction(self._client, work)
        except DuplicateKeyError:
            raise ProblemError(
                409,
                "This account is already connected; re-check or disconnect it instead.",
                code="already-connected",
            ) from None
        connection = await self.get(user_id, connection_id)
        await self._audited(user_id, AuditAction.CONNECT, connection_id, None, connection)
        return connection

    async def get(self, user_id: str, connection_id: str) -> Connection:
        return or_not_found(await self._store.get(user_id, connection_id), "Connection")

    async def page(self, user_id: str, *, limit: int, cursor: str | None) -> ConnectionPage:
        items, next_cursor = await self._store.page(user_id, limit=limit, cursor=cursor)
        return ConnectionPage(items=items, next_cursor=next_cursor)

    async def update(self, user_id: str, connection_id: str, patch: ConnectionPatch) -> Connection:
        changes = patch.model_dump(mode="json", exclude_unset=True, exclude_none=True)
        if not changes:
            return await self.get(user_id, connection_id)
        changes["updated_at"] = datetime.now(UTC)
        before = await self.get(user_id, connection_id)
        connection = await self._store.update(user_id, connection_id, changes)
        if connection is None:
            raise not_found("Connection")
        await self._audited(user_id, AuditAction.UPDATE, connection_id, before, connection)
        return connection

    async def recheck(self, user_id: str, connection_id: str) -> Connection:
        """Reach the source again; the connection's status says what was found."""
        before, endpoint = await self.endpoint(user_id, connection_id)
        now = datetime.now(UTC)
        try:
            collections = await reach(self._registry, endpoint, timeout=self._check_timeout)
        except ProblemError as problem:
            if problem.code == "credentials-rejected":
                expired = await self._store.update(
                    user_id,
                    connection_id,
                    {
                        "status": ConnectionStatus.EXPIRED.value,
                        "error_message": problem.detail,
                        "updated_at": now,
                    },
                )
                await self._audited(user_id, AuditAction.UPDATE, connection_id, before, expired)
            raise
        updated = await self._store.update(
            user_id,
            connection_id,
            {
                "status": ConnectionStatus.CONNECTED.value,
                "error_message": None,
                "collections": [c.model_dump(mode="json") for c in collections],
                "updated_at": now,
            },
        )
        if updated is None:
            raise not_found("Connection")
        await self._audited(user_id, AuditAction.UPDATE, connection_id, before, updated)
        return updated

    # -- for the sync feature ------------------------------------------------------------------

    def info(self, provider: Provider) -> ProviderInfo | None:
        return self._registry.info(provider)

    async def due_for_sync(self, now: datetime, limit: int) -> list[tuple[str, Connection]]:
        """(owner, connection) pairs whose scheduled sync time has come."""
        return await self._store.due(now, limit)

    async def realtime(self, limit: int) -> list[tuple[str, str]]:
        """(connection id, owner) of the connections to watch for pushed changes."""
        return await self._store.realtime(limit)

    async def schedule_next(self, connection: Connection, now: datetime) -> None:
        """The next scheduled sync, one interval of the connection's frequency from ``now``."""
        await self._store.set_fields(
            connection.id, {"next_sync_at": now + SYNC_INTERVALS[connection.sync_frequency]}
        )

    async def endpoint(self, user_id: str, connection_id: str) -> tuple[Connection, Endpoint]:
        """The connection and where (and with which secret) its connector signs in."""
        connection = await self.get(user_id, connection_id)
        secret = await self._vault.get(user_id, connection_id)
        server_url = secret["url"] if secret is not None and "url" in secret else None

        async def save_secret(values: Mapping[str, str], expires_at: datetime | None) -> None:
            # A refreshed OAuth token: sealed again, and its expiry shown on the connection;
            # nothing is written back once the connection was disconnected meanwhile.
            if not await self._vault.put(user_id, connection_id, values, only_existing=True):
                return
            await self._store.set_fields(
                connection_id, {"token_expires_at": expires_at, "updated_at": datetime.now(UTC)}
            )

        return connection, Endpoint(
            connection.provider,
            server_url or connection.server_url,
            connection.username,
            secret,
            save_secret=save_secret,
        )

    async def record_sync(
        self,
        connection_id: str,
        *,
        status: ConnectionStatus,
        error_message: str | None,
        at: datetime,
    ) -> None:
        """What the last sync found: synced, or why it stopped (expired, error)."""
        changes: dict[str, Any] = {
            "status": status.value,
            "error_message": error_message,
            "updated_at": at,
        }
        if status is ConnectionStatus.CONNECTED:
            changes["last_sync_at"] = at
            await self._store.set_fields(connection_id, changes, increment={"sync_count": 1})
        else:
            await self._store.set_fields(connection_id, changes, increment={"error_count": 1})

    async def connect_oauth(
        self,
        user_id: str,
        *,
        provider: Provider,
        server_url: str,
        account: str,
        display_name: str,
        scopes: Sequence[str],
        token_expires_at: datetime | None,
        collections: Sequence[SourceCollection],
        secret: Mapping[str, str],
    ) -> Connection:
        """A connection signed in through the provider's consent page. The same account
        signing in again (an expired connection, or new permissions) renews that connection
        rather than adding a second one."""
        now = datetime.now(UTC)
        key = account_key(server_url, account)
        fields: dict[str, Any] = {
            "status": ConnectionStatus.CONNECTED.value,
            "error_message": None,
            "scopes": list(scopes),
            "token_expires_at": token_expires_at,
            "collections": [c.model_dump(mode="json") for c in collections],
            "next_sync_at": now,
            "updated_at": now,
        }
        existing = await self._store.find_account(user_id, provider.value, key)
        if existing is not None:

            async def renew(session: AsyncClientSession) -> None:
                await self._store.set_fields(existing.id, fields, session=session)
                await self._vault.put(user_id, existing.id, secret, session)

            await in_transaction(self._client, renew)
            renewed = await self.get(user_id, existing.id)
            await self._audited(user_id, AuditAction.CONNECT, existing.id, existing, renewed)
            return renewed

        connection_id = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "_id": connection_id,
            "user_id": user_id,
            "provider": provider.value,
            "display_name": display_name,
            "server_url": server_url,
            "username": account,
            "account_key": key,
            "enabled": True,
            "sync_frequency": SyncFrequency.HOURLY.value,
            "last_sync_at": None,
            "sync_count": 0,
            "error_count": 0,
            "created_at": now,
            **fields,
        }

        async def work(session: AsyncClientSession) -> None:
            await self._store.insert(doc, session)
            await self._vault.put(user_id, connection_id, secret, session)

        try:
            await in_transaction(self._client, work)
        except DuplicateKeyError:  # the same account, signed in twice at once
            raise ProblemError(
                409, "This account is already connected.", code="already-connected"
            ) from None
        connection = await self.get(user_id, connection_id)
        await self._audited(user_id, AuditAction.CONNECT, connection_id, None, connection)
        return connection

    async def _revoke(self, user_id: str, connection_id: str) -> None:
        """Revoke an OAuth grant at its source, best effort: the secret is destroyed here
        whatever the source answers."""
        _, endpoint = await self.endpoint(user_id, connection_id)
        if endpoint.secret is None:
            return
        bound = log.bind(user_id=user_id, connection_id=connection_id)
        try:
            connector = self._registry.open(endpoint)
        except (ConnectorError, LookupError):
            return
        try:
            if isinstance(connector, RevocableConnector):
                async with asyncio.timeout(self._check_timeout):
                    await connector.revoke()
                bound.info("grant revoked at the source")
        except (ConnectorError, TimeoutError) as exc:
            bound.warning("revoking the grant at the source failed", error=type(exc).__name__)
        finally:
            await connector.aclose()

    async def disconnect(self, user_id: str, connection_id: str, *, purge: bool) -> None:
        """Forget the connection and destroy its secret; ``purge`` also removes what it synced.
        An OAuth grant is revoked at its source first."""
        connection = await self.get(user_id, connection_id)
        info = self._registry.info(connection.provider)
        if info is not None and info.auth == "oauth":
            await self._revoke(user_id, connection_id)

        async def work(session: AsyncClientSession) -> bool:
            if await self._store.get(user_id, connection_id, session) is None:
                return False
            # Purged while the connection is still there: the purge announces what went
            # under the connection's provider.
            if purge:
                for remove in self._purges:
                    await remove(user_id, connection_id, session)
            if not await self._store.delete(user_id, connection_id, session):
                return False
            await self._vault.destroy(user_id, connection_id, session)
            for forget in self._on_disconnect:
                await forget(user_id, connection_id, session)
            await self._audited(
                user_id, AuditAction.DISCONNECT, connection_id, connection, None, session
            )
            return True

        if not await in_transaction(self._client, work):
            raise not_found("Connection")
