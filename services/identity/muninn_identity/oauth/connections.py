"""The user's connections: the MCP and OAuth clients they authorized, and disconnecting one.

A connection is every grant one client holds for the user that can still be refreshed (its
refresh-token family is neither revoked nor expired). Disconnecting deletes those grants and
revokes their families in one transaction, announcing each family as a session revocation:
the gateway then refuses the client's access tokens (their ``sid`` is the family) within about
a second, identity refuses to trade them for service tokens at once, and the refresh tokens
are dead. The client has to send the user through the consent page again.
"""

from __future__ import annotations

from typing import Any

from muninn_shared.problems import not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.audit.models import RequestInfo
from muninn_identity.audit.service import AuditLog
from muninn_identity.auth.service import AuthService
from muninn_identity.oauth.models import (
    ClientRecord,
    ConnectionRow,
    OAuthConnection,
    OAuthConnectionPage,
)
from muninn_identity.oauth.store import OAuthStore
from muninn_identity.oauth.validation import SCOPES, redirect_target


class Connections:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: OAuthStore,
        auth: AuthService,
        audit: AuditLog,
    ) -> None:
        self._client = client
        self._store = store
        self._auth = auth
        self._audit = audit

    async def page(self, user_id: str, *, limit: int, cursor: str | None) -> OAuthConnectionPage:
        families = await self._store.grant_families(user_id)
        active = await self._auth.active_families(user_id, families)
        rows, next_cursor = await self._store.connections_page(
            user_id, sorted(active), limit=limit, cursor=cursor
        )
        clients = await self._store.clients([row.client_id for row in rows])
        return OAuthConnectionPage(
            items=[_connection(row, clients.get(row.client_id)) for row in rows],
            next_cursor=next_cursor,
        )

    async def revoke(self, user_id: str, client_id: str, request: RequestInfo) -> None:
        """Disconnect the client; 404 when the user holds no live grant of it (another user's
        client included: whose it is does not show)."""
        record = await self._store.client(client_id)
        name = record.client().client_name if record is not None else None

        async def work(session: AsyncClientSession) -> int | None:
            grants = await self._store.client_grants(user_id, client_id, session)
            families = [grant.family_id for grant in grants]
            if not await self._auth.active_families(user_id, families, session):
                return None
            await self._store.delete_client_grants(user_id, client_id, session)
            # The reason /revoke (RFC 7009) gives too: a reason of its own would change the
            # event's contract, and a gateway replica not yet upgraded would skip the event.
            revoked = await self._auth.revoke_families(user_id, families, "logout", session)
            await self._audit.record(
                user_id=user_id,
                action="oauth.connection_revoked",
                resource_type="oauth_client",
                resource_id=client_id,
                request=request,
                details={
                    "client_name": name,
                    "grants": len(families),
                    "refresh_tokens_revoked": revoked,
                },
                session=session,
            )
            return revoked

        if await in_transaction(self._client, work) is None:
            raise not_found("Connection")


def _connection(row: ConnectionRow, record: ClientRecord | None) -> OAuthConnection:
    # A client with grants is never deleted as unused; a missing one shows its id alone.
    client = record.client() if record is not None else None
    uris = (client.redirect_uris or []) if client is not None else []
    targets = dict.fromkeys(redirect_target(str(uri)) for uri in uris)
    return OAuthConnection(
        client_id=row.client_id,
        client_name=client.client_name if client is not None else None,
        redirect_targets=[target for target in targets if target],
        scopes=[scope for scope in SCOPES if scope in row.scopes],
        first_authorized_at=row.first_authorized_at,
        last_used_at=row.last_used_at,
    )
