"""Profile, preferences and presence of the signed-in user."""

from __future__ import annotations

from typing import Any

from muninn_shared.events import new_event
from muninn_shared.events.payloads import UserUpdated
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from pydantic import ValidationError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.audit.models import RequestInfo
from muninn_identity.audit.service import AuditLog
from muninn_identity.users.models import (
    Preferences,
    Presence,
    PresenceUpdate,
    User,
    UserPatch,
    merge_patch,
)
from muninn_identity.users.store import UserStore

SOURCE = "identity"


def user_from_doc(doc: dict[str, Any]) -> User:
    return User(
        id=doc["_id"], **{k: v for k, v in doc.items() if k in User.model_fields and k != "id"}
    )


class UserService:
    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        users: UserStore,
        audit: AuditLog,
        outbox: Outbox,
    ) -> None:
        self._client = client
        self._users = users
        self._audit = audit
        self._outbox = outbox

    # -- the account, for the other identity features ---------------------------------------

    async def account(self, user_id: str) -> dict[str, Any] | None:
        """The stored account whatever its status (active, erasing), or None."""
        return await self._users.get(user_id)

    async def is_active(self, user_id: str) -> bool:
        """The account exists and is not being erased: it may sign in and hold keys."""
        doc = await self._users.get(user_id)
        return doc is not None and doc.get("status") == "active"

    async def accounts(
        self, *, contains: str | None, status: str | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of every user's stored account, newest first (the operator's view)."""
        return await self._users.page(contains=contains, status=status, limit=limit, cursor=cursor)

    async def by_email(self, email_normalized: str) -> dict[str, Any] | None:
        return await self._users.by_email(email_normalized)

    async def create(
        self, user: dict[str, Any], password_hash: str, session: AsyncClientSession
    ) -> None:
        """Insert a new account (DuplicateKeyError when the email is taken)."""
        await self._users.insert(user, password_hash, session)

    async def password_hash(self, user_id: str) -> str | None:
        return await self._users.password_hash(user_id)

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self._users.set_password_hash(user_id, password_hash)

    async def touch(self, user_id: str, *, login: bool = False) -> None:
        await self._users.touch(user_id, login=login)

    async def mark_erasing(self, user_id: str, session: AsyncClientSession) -> bool:
        """Start the account's erasure; False when it is already erasing or gone."""
        return await self._users.mark_erasing(user_id, session)

    async def erasing_user_ids(self) -> list[str]:
        return await self._users.erasing_user_ids()

    # -- the signed-in user's own profile ----------------------------------------------------

    async def get(self, user_id: str) -> User:
        doc = await self._users.get(user_id)
        if doc is None or doc.get("status") != "active":
            raise not_found("User")
        return user_from_doc(doc)

    async def update_profile(self, user_id: str, patch: UserPatch, request: RequestInfo) -> User:
        changes = patch.model_dump(exclude_unset=True)
        return await self._apply(
            user_id, changes, request, action="profile.updated", preferences=None
        )

    async def update_preferences(
        self, user_id: str, patch: dict[str, Any], request: RequestInfo
    ) -> Preferences:
        current = await self.get(user_id)
        merged = merge_patch(current.preferences.model_dump(mode="json"), patch)
        try:
            preferences = Preferences.model_validate(merged)
        except ValidationError as exc:
            errors = [
                {"loc": ["body", *[str(p) for p in e["loc"]]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ]
            raise ProblemError(
                422,
                "The preferences are not valid; see errors.",
                code="validation-failed",
                errors=errors,
            ) from None
        user = await self._apply(
            user_id,
            {"preferences": preferences.model_dump(mode="json")},
            request,
            action="preferences.updated",
            preferences=preferences,
        )
        return user.preferences

    async def _apply(
        self,
        user_id: str,
        changes: dict[str, Any],
        request: RequestInfo,
        *,
        action: str,
        preferences: Preferences | None,
    ) -> User:
        async def work(session: AsyncClientSession) -> dict[str, Any] | None:
            doc = await self._users.update(user_id, changes, session)
            if doc is None:
                return None
            await self._audit.record(
                user_id=user_id,
                action=action,
                resource_type="user",
                resource_id=user_id,
                request=request,
                details={"changed": sorted(changes)},
                session=session,
            )
            payload = UserUpdated(
                user_id=user_id,
                changed=sorted(changes),
                preferences=preferences.model_dump(mode="json") if preferences else None,
            )
            await self._outbox.put(
                new_event("identity.user.updated", source=SOURCE, subject=user_id, data=payload),
                session,
            )
            return doc

        doc = await in_transaction(self._client, work)
        if doc is None:
            raise not_found("User")
        return user_from_doc(doc)

    async def presence(self, user_id: str) -> Presence:
        doc = await self._users.get_presence(user_id)
        if doc is None:
            user = await self.get(user_id)
            return Presence(is_online=False, last_seen_at=user.last_active_at)
        return Presence.model_validate(doc)

    async def set_presence(self, user_id: str, update: PresenceUpdate) -> Presence:
        doc = await self._users.set_presence(
            user_id, update.is_online, update.current_conversation_id
        )
        return Presence.model_validate(doc)
