"""Registration, sign-in and the refresh-token rotation that detects stolen tokens.

Every refresh rotates the token. Presenting a token that was already rotated means two
parties hold it — the legitimate client and a thief — so the whole family is revoked and
both must sign in again (OAuth 2.0 Security BCP, refresh token rotation).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.events import new_event
from muninn_shared.events.payloads import UserRegistered
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from muninn_shared.signing import TokenIssuer
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from muninn_identity.audit.models import RequestInfo
from muninn_identity.audit.service import AuditLog
from muninn_identity.auth.models import (
    Credentials,
    RefreshToken,
    Registration,
    Session,
    TokenPair,
)
from muninn_identity.auth.passwords import Passwords
from muninn_identity.auth.revocations import Reason, session_revoked
from muninn_identity.auth.store import RefreshTokenStore
from muninn_identity.operators.service import OperatorEmails
from muninn_identity.users.models import Preferences, SubscriptionTier, normalize_email
from muninn_identity.users.service import SOURCE, UserService, user_from_doc

log = get_logger(__name__)

INVALID_CREDENTIALS = "The email or password is incorrect."


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(40)


class AuthService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        users: UserService,
        tokens: RefreshTokenStore,
        passwords: Passwords,
        token_issuer: TokenIssuer,
        audit: AuditLog,
        outbox: Outbox,
        refresh_ttl: timedelta,
        operators: OperatorEmails,
        registration_open: bool = True,
    ) -> None:
        self._client = client
        self._users = users
        self._tokens = tokens
        self._passwords = passwords
        self._token_issuer = token_issuer
        self._audit = audit
        self._outbox = outbox
        self._refresh_ttl = refresh_ttl
        self._operators = operators
        self._registration_open = registration_open

    def _pair(self, account: dict[str, Any], family_id: str, refresh_token: str) -> TokenPair:
        # Decided at every issue from the account's email as stored now: an account taken off
        # the operator list loses the scope at its next refresh.
        scopes = self._operators.session_scopes(account.get("email_normalized"))
        return TokenPair(
            access_token=self._token_issuer.issue(
                account["_id"], scopes=scopes, session_id=family_id
            ),
            expires_in=self._token_issuer.ttl_seconds,
            refresh_token=refresh_token,
            refresh_expires_in=int(self._refresh_ttl.total_seconds()),
        )

    async def register(self, registration: Registration, request: RequestInfo) -> Session:
        if not self._registration_open:
            raise ProblemError(
                403,
                "This Muninn does not take new accounts; ask its operator.",
                code="registration-closed",
            )
        email = normalize_email(str(registration.email))
        password_hash = await self._passwords.hash(registration.password)
        now = datetime.now(UTC)
        user_id = uuid.uuid4().hex
        chosen = {"timezone": registration.timezone, "language": registration.language}
        preferences = Preferences.model_validate({k: v for k, v in chosen.items() if v is not None})
        user_doc: dict[str, Any] = {
            "_id": user_id,
            "user_id": user_id,
            "email": email,
            "email_normalized": email,
            "name": registration.name,
            "avatar_url": None,
            "assistant_name": None,
            "preferences": preferences.model_dump(mode="json"),
            "subscription_tier": SubscriptionTier.FREE.value,
            "subscription_status": "active",
            "onboarding_completed": False,
            "status": "active",
            "created_at": now,
            "updated_at": now,
            "last_active_at": now,
            "last_login_at": now,
        }
        family_id = uuid.uuid4().hex
        refresh_token = new_refresh_token()

        async def work(session: AsyncClientSession) -> None:
            await self._users.create(user_doc, password_hash, session)
            await self._tokens.issue(user_id, family_id, refresh_token, self._refresh_ttl, session)
            await self._audit.record(
                user_id=user_id,
                action="user.registered",
                resource_type="user",
                resource_id=user_id,
                request=request,
                session=session,
            )
            payload = UserRegistered(
                user_id=user_id,
                email=email,
                display_name=registration.name,
                timezone=preferences.timezone,
            )
            await self._outbox.put(
                new_event("identity.user.registered", source=SOURCE, subject=user_id, data=payload),
                session,
            )

        try:
            await in_transaction(self._client, work)
        except DuplicateKeyError:
            raise ProblemError(
                409, "An account with this email already exists.", code="email-taken"
            ) from None
        log.info("user registered", user_id=user_id)
        return Session(
            user=user_from_doc(user_doc), tokens=self._pair(user_doc, family_id, refresh_token)
        )

    async def login(self, credentials: Credentials, request: RequestInfo) -> Session:
        doc = await self._checked_account(credentials, request)
        user_id = doc["_id"]
        family_id = uuid.uuid4().hex
        refresh_token = new_refresh_token()
        await self._tokens.issue(user_id, family_id, refresh_token, self._refresh_ttl)
        await self._users.touch(user_id, login=True)
        await self._audit.record(
            user_id=user_id,
            action="auth.login_succeeded",
            resource_type="session",
            resource_id=family_id,
            request=request,
        )
        fresh = await self._users.account(user_id) or doc
        return Session(
            user=user_from_doc(fresh), tokens=self._pair(fresh, family_id, refresh_token)
        )

    async def check_credentials(self, credentials: Credentials, request: RequestInfo) -> str:
        """The id of the active account these credentials open, starting no session."""
        doc = await self._checked_account(credentials, request)
        user_id: str = doc["_id"]
        return user_id

    async def _checked_account(
        self, credentials: Credentials, request: RequestInfo
    ) -> dict[str, Any]:
        doc = await self._users.by_email(normalize_email(str(credentials.email)))
        stored = await self._users.password_hash(doc["_id"]) if doc else None
        ok = await self._passwords.verify(stored, credentials.password)
        if doc is None or not ok or doc.get("status") != "active":
            if doc is not None:
                await self._audit.record(
                    user_id=doc["_id"],
                    action="auth.login_failed",
                    resource_type="session",
                    request=request,
                )
            raise ProblemError(401, INVALID_CREDENTIALS, code="invalid-credentials")
        if stored and self._passwords.needs_rehash(stored):
            await self._users.set_password_hash(
                doc["_id"], await self._passwords.hash(credentials.password)
            )
        return doc

    async def refresh(self, refresh_token: str, request: RequestInfo) -> TokenPair:
        rotated = await self._tokens.rotate(refresh_token)
        if rotated is None:
            known = await self._tokens.find(refresh_token)
            if known is not None and known.status == "rotated":
                revoked = await self._revoke_family(
                    known.user_id, known.family_id, "refresh_token_reuse"
                )
                await self._audit.record(
                    user_id=known.user_id,
                    action="auth.refresh_token_reuse_detected",
                    resource_type="session",
                    resource_id=known.family_id,
                    request=request,
                    details={"revoked_tokens": revoked},
                )
                log.warning(
                    "refresh token reuse: family revoked",
                    user_id=known.user_id,
                    family_id=known.family_id,
                )
                raise ProblemError(
                    401,
                    "This refresh token was already used; the session has been revoked. Sign in again.",
                    code="refresh-token-reused",
                )
            raise ProblemError(401, "The refresh token is not valid.", code="invalid-refresh-token")
        account = await self._users.account(rotated.user_id)
        expired = rotated.expires_at <= datetime.now(UTC)
        if expired or account is None or account.get("status") != "active":
            await self._tokens.revoke_family(rotated.family_id)
            raise ProblemError(
                401, "The refresh token has expired. Sign in again.", code="invalid-refresh-token"
            )
        new_token = new_refresh_token()
        await self._tokens.issue(rotated.user_id, rotated.family_id, new_token, self._refresh_ttl)
        await self._users.touch(rotated.user_id)
        return self._pair(account, rotated.family_id, new_token)

    async def logout(self, refresh_token: str, request: RequestInfo) -> None:
        known = await self._tokens.find(refresh_token)
        if known is None:
            return  # logging out twice is not an error
        await self._revoke_family(known.user_id, known.family_id, "logout")
        await self._audit.record(
            user_id=known.user_id,
            action="auth.logout",
            resource_type="session",
            resource_id=known.family_id,
            request=request,
        )

    async def revoke_session(self, user_id: str, family_id: str, reason: Reason) -> int:
        """End a refresh-token family and the access tokens of its session (announced)."""
        return await self._revoke_family(user_id, family_id, reason)

    async def _revoke_family(self, user_id: str, family_id: str, reason: Reason) -> int:
        """Revoke the family and announce it (one transaction): its access tokens die too."""
        revoked = 0

        async def work(session: AsyncClientSession) -> None:
            nonlocal revoked
            revoked = await self._tokens.revoke_family(family_id, session)
            await self._outbox.put(session_revoked(user_id, reason, session_id=family_id), session)

        await in_transaction(self._client, work)
        return revoked

    async def revoke_all(self, user_id: str, session: AsyncClientSession) -> None:
        """Every refresh token of the user, in the caller's transaction (erasure)."""
        await self._tokens.revoke_all(user_id, session)

    # Refresh-token families of grants made elsewhere (OAuth clients), kept with the rest.

    async def start_family(self, user_id: str, family_id: str) -> str:
        """The first (or next) refresh token of a family."""
        token = new_refresh_token()
        await self._tokens.issue(user_id, family_id, token, self._refresh_ttl)
        return token

    async def find_refresh_token(self, token: str) -> RefreshToken | None:
        return await self._tokens.find(token)

    async def rotate_refresh_token(self, token: str) -> RefreshToken | None:
        """The token as it was if it was active (now rotated), else None."""
        return await self._tokens.rotate(token)

    async def end_family(self, family_id: str) -> None:
        await self._tokens.revoke_family(family_id)

    async def session_active(self, family_id: str) -> bool:
        return await self._tokens.family_active(family_id)

    async def active_families(
        self, user_id: str, family_ids: list[str], session: AsyncClientSession | None = None
    ) -> set[str]:
        """Those of the user's families that can still be refreshed (not revoked, not expired)."""
        return await self._tokens.active_families(user_id, family_ids, session)

    async def revoke_families(
        self, user_id: str, family_ids: list[str], reason: Reason, session: AsyncClientSession
    ) -> int:
        """End these families of the user in the caller's transaction, each announced so the
        access tokens of its sessions are refused too; how many refresh tokens were revoked.

        Every family is announced, revoked before or not: one ended another way (an account
        turned inactive) may not have been.
        """
        revoked = 0
        for family_id in family_ids:
            revoked += await self._tokens.revoke_family(family_id, session)
            await self._outbox.put(session_revoked(user_id, reason, session_id=family_id), session)
        return revoked
