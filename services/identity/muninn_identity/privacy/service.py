"""Export everything a user has across services; erase it everywhere, confirmed by each service.

Erasure is a saga over Kafka: identity marks the user as erasing, revokes every credential and
announces ``identity.user.erasure_requested`` (one transaction, via the outbox). Each service
deletes its part and confirms. When every service has confirmed, identity deletes its own
documents and announces ``identity.user.erased``.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from muninn_shared.contracts.privacy import ServiceExport
from muninn_shared.events import new_event
from muninn_shared.events.payloads import ErasureCompleted, ErasureRequested, UserErased
from muninn_shared.logging import get_logger
from muninn_shared.privacy import INFRASTRUCTURE_COLLECTIONS
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.signing import TokenIssuer
from muninn_shared.storage.mongo import erase_user_documents, in_transaction
from muninn_shared.storage.tombstones import subject_hash
from pydantic import ValidationError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.api_keys.service import ApiKeyService
from muninn_identity.audit.models import RequestInfo
from muninn_identity.audit.service import AuditLog
from muninn_identity.auth.revocations import session_revoked
from muninn_identity.auth.service import AuthService
from muninn_identity.event_keys.service import EventKeyService
from muninn_identity.privacy.models import ErasureStatus, ExportArchive, ServiceErasure
from muninn_identity.privacy.store import ErasureStore
from muninn_identity.users.service import UserService

log = get_logger(__name__)
SOURCE = "identity"


def status_url(erasure_id: str) -> str:
    return f"/v1/me/erasure/{erasure_id}"


def erasure_status(doc: dict[str, Any]) -> ErasureStatus:
    return ErasureStatus(
        id=doc["_id"],
        status=doc["status"],
        requested_at=doc["requested_at"],
        completed_at=doc.get("completed_at"),
        services={name: ServiceErasure.model_validate(s) for name, s in doc["services"].items()},
        status_url=status_url(doc["_id"]),
    )


def export_incomplete(reason: str) -> ProblemError:
    """A service's part of the export is missing: the user retries rather than get a partial one."""
    return ProblemError(
        503,
        f"{reason} Try again shortly.",
        code="export-incomplete",
        headers={"Retry-After": "10"},
    )


class PrivacyService:
    def __init__(
        self,
        *,
        runtime: ServiceRuntime,
        users: UserService,
        auth: AuthService,
        api_keys: ApiKeyService,
        audit: AuditLog,
        erasures: ErasureStore,
        event_keys: EventKeyService,
        token_issuer: TokenIssuer,
        http: httpx.AsyncClient,
        service_urls: dict[str, str],
        export_timeout: float,
    ) -> None:
        self._runtime = runtime
        self._client: AsyncMongoClient[dict[str, Any]] = runtime.mongo
        self._users = users
        self._auth = auth
        self._api_keys = api_keys
        self._audit = audit
        self._erasures = erasures
        self._event_keys = event_keys
        self._token_issuer = token_issuer
        self._http = http
        self._service_urls = service_urls
        self._export_timeout = export_timeout

    async def export(self, user_id: str, request: RequestInfo) -> ExportArchive:
        from muninn_shared.privacy import export_user_documents

        token = self._token_issuer.issue(user_id, scopes=("read",), ttl_seconds=120)

        async def fetch(service: str, base_url: str) -> tuple[str, dict[str, list[dict[str, Any]]]]:
            try:
                response = await self._http.get(
                    f"{base_url}/internal/privacy/export",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self._export_timeout,
                )
            except httpx.HTTPError as exc:
                raise export_incomplete(
                    f"The {service} service is unavailable, so the export would be incomplete."
                ) from exc
            if response.status_code != 200:
                raise export_incomplete(
                    f"The {service} service could not export (HTTP {response.status_code})."
                )
            try:
                exported = ServiceExport.model_validate_json(response.content)
            except ValidationError as exc:
                raise export_incomplete(
                    f"The {service} service sent an unreadable export."
                ) from exc
            return service, exported.collections

        remote = await asyncio.gather(*(fetch(s, url) for s, url in self._service_urls.items()))
        own = await export_user_documents(self._runtime, user_id)
        services = {"identity": own.collections, **dict(remote)}
        await self._audit.record(
            user_id=user_id,
            action="privacy.exported",
            resource_type="user",
            resource_id=user_id,
            request=request,
        )
        return ExportArchive(user_id=user_id, exported_at=datetime.now(UTC), services=services)

    async def request_erasure(self, user_id: str, request: RequestInfo) -> ErasureStatus:
        now = datetime.now(UTC)
        erasure_id = uuid.uuid4().hex
        services = list(self._service_urls)
        doc: dict[str, Any] = {
            "_id": erasure_id,
            "subject_hash": subject_hash(user_id),
            "status": "in_progress",
            "requested_at": now,
            "announced_at": now,
            "announcements": 1,
            "completed_at": None,
            "services": {
                name: {"status": "pending", "deleted": {}, "completed_at": None}
                for name in [*services, "identity"]
            },
        }

        async def work(session: AsyncClientSession) -> None:
            if not await self._users.mark_erasing(user_id, session):
                raise not_found("User")
            # First: every copy of the user's events retained in topics and dead letters is
            # sealed under this key, and becomes unreadable with it.
            await self._event_keys.destroy(user_id, session)
            await self._auth.revoke_all(user_id, session)
            await self._api_keys.revoke_all(user_id, session)
            # Every access token issued so far, session or API key, is refused at the gateway.
            await self._runtime.outbox.put(
                session_revoked(user_id, "erasure", all_sessions_before=now), session
            )
            await self._erasures.insert(doc, session)
            payload = ErasureRequested(
                user_id=user_id, erasure_id=erasure_id, services=services, requested_at=now
            )
            await self._runtime.outbox.put(
                new_event(
                    "identity.user.erasure_requested", source=SOURCE, subject=user_id, data=payload
                ),
                session,
            )

        await in_transaction(self._client, work)
        log.info("erasure requested", user_id=user_id, erasure_id=erasure_id)
        return erasure_status(doc)

    async def reannounce_stuck(self, older_than: timedelta) -> int:
        """Announce again every erasure some service has not confirmed ``older_than`` after
        its last announcement, to those services only. Returns how many were announced.

        A confirmation can be lost in ways consumers cannot wait out (a dead-lettered request,
        a service restored from a backup taken before it erased); announcing again under the
        same erasure id is safe because erasing is idempotent in every service.
        """
        now = datetime.now(UTC)
        stuck = await self._erasures.stuck(now - older_than)
        if not stuck:
            return 0
        # Erasures hold only a hash of the user id; the user is still there, marked erasing.
        erasing = {subject_hash(u): u for u in await self._users.erasing_user_ids()}
        announced = 0
        for erasure in stuck:
            user_id = erasing.get(erasure["subject_hash"])
            pending = [
                name
                for name, progress in erasure["services"].items()
                if name != "identity" and progress["status"] != "completed"
            ]
            if user_id is None or not pending:
                log.error(
                    "stuck erasure cannot be announced again",
                    erasure_id=erasure["_id"],
                    user_found=user_id is not None,
                    pending=pending,
                )
                continue
            if await self._announce_again(erasure, user_id, pending, now):
                announced += 1
                log.warning(
                    "stuck erasure announced again",
                    erasure_id=erasure["_id"],
                    pending=pending,
                    announcements=erasure.get("announcements", 1) + 1,
                )
        return announced

    async def _announce_again(
        self, erasure: dict[str, Any], user_id: str, pending: list[str], now: datetime
    ) -> bool:
        async def work(session: AsyncClientSession) -> bool:
            if not await self._erasures.claim_reannouncement(erasure, now, session):
                return False
            payload = ErasureRequested(
                user_id=user_id,
                erasure_id=erasure["_id"],
                services=pending,
                requested_at=erasure["requested_at"],
            )
            await self._runtime.outbox.put(
                new_event(
                    "identity.user.erasure_requested", source=SOURCE, subject=user_id, data=payload
                ),
                session,
            )
            return True

        return await in_transaction(self._client, work)

    async def status(self, user_id: str, erasure_id: str) -> ErasureStatus:
        doc = await self._erasures.get(erasure_id)
        if doc is None or doc["subject_hash"] != subject_hash(user_id):
            raise not_found("Erasure")
        return erasure_status(doc)

    async def confirm(self, confirmation: ErasureCompleted, session: AsyncClientSession) -> None:
        """One service has erased; finalise when all have."""
        doc = await self._erasures.confirm(
            confirmation.erasure_id, confirmation.service, confirmation.deleted, session
        )
        if doc is None or doc["status"] == "completed":
            return
        pending = [
            name
            for name, s in doc["services"].items()
            if name != "identity" and s["status"] != "completed"
        ]
        if pending:
            return
        deleted = await erase_user_documents(
            self._runtime.db, confirmation.user_id, session=session, skip=INFRASTRUCTURE_COLLECTIONS
        )
        await self._runtime.outbox.discard_pending_for(confirmation.user_id, session)
        await self._event_keys.destroy(confirmation.user_id, session)
        await self._runtime.tombstones.record(confirmation.user_id, session)
        await self._erasures.confirm(confirmation.erasure_id, "identity", deleted, session)
        await self._erasures.complete(confirmation.erasure_id, session)
        payload = UserErased(
            user_id=confirmation.user_id,
            erasure_id=confirmation.erasure_id,
            completed_at=datetime.now(UTC),
        )
        await self._runtime.outbox.put(
            new_event(
                "identity.user.erased", source=SOURCE, subject=confirmation.user_id, data=payload
            ),
            session,
        )
        log.info("erasure completed", erasure_id=confirmation.erasure_id)
