"""Who runs the instance, and their view of its accounts.

An operator is an account whose email is in ``MUNINN_OPERATOR_EMAILS``. Identity puts the
``operator`` scope in the access tokens of that account's sign-in sessions (password sign-in,
registration, refresh), never in those of API keys or MCP clients. Taking an email off the
list takes effect at the session's next refresh everywhere, and at once on identity's own
operator routes, which look the caller's email up again on every request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from muninn_shared.auth import ALL_SCOPES, OPERATOR_SCOPE, Principal
from muninn_shared.problems import ProblemError, not_found

from muninn_identity.operators.models import AccountStatus, AdminUser, AdminUserPage
from muninn_identity.users.models import normalize_email
from muninn_identity.users.service import UserService

NO_LONGER_OPERATOR = "This account is no longer an operator of this Muninn."


class OperatorEmails:
    def __init__(self, emails: Iterable[str]) -> None:
        self._emails = frozenset(normalize_email(email) for email in emails)

    def includes(self, email: str | None) -> bool:
        return email is not None and normalize_email(email) in self._emails

    def session_scopes(self, email: str | None) -> tuple[str, ...]:
        """The scopes of a sign-in session of the account with this email."""
        return (*ALL_SCOPES, OPERATOR_SCOPE) if self.includes(email) else ALL_SCOPES


class OperatorService:
    def __init__(self, users: UserService, operators: OperatorEmails) -> None:
        self._users = users
        self._operators = operators

    async def confirm(self, principal: Principal) -> None:
        """403 unless the caller's token is an operator's and their account still is one."""
        principal.require_operator()
        account = await self._users.account(principal.user_id)
        if account is None or not self._operators.includes(account.get("email_normalized")):
            raise ProblemError(403, NO_LONGER_OPERATOR, code="operator-only")

    async def users(
        self, *, contains: str | None, status: AccountStatus | None, limit: int, cursor: str | None
    ) -> AdminUserPage:
        docs, next_cursor = await self._users.accounts(
            contains=contains, status=status, limit=limit, cursor=cursor
        )
        return AdminUserPage(items=[self._view(doc) for doc in docs], next_cursor=next_cursor)

    async def user(self, user_id: str) -> AdminUser:
        account = await self._users.account(user_id)
        if account is None:
            raise not_found("User")
        return self._view(account)

    def _view(self, doc: Mapping[str, Any]) -> AdminUser:
        return AdminUser(
            id=doc["_id"],
            email=doc["email"],
            name=doc.get("name"),
            status=doc.get("status", "active"),
            created_at=doc["created_at"],
            last_login_at=doc.get("last_login_at"),
            last_active_at=doc.get("last_active_at"),
            operator=self._operators.includes(doc.get("email_normalized")),
        )
