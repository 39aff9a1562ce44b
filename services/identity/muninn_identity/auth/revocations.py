"""The event that tells the gateway to refuse access tokens from now on.

Access tokens stay valid until they expire; revoking a refresh-token family or an API key in
identity's database does not reach the other processes. Each revocation is announced, in the
same transaction, so the gateway's revocation cache refuses those tokens within a second.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.events.payloads import SessionRevoked

from muninn_identity.users.service import SOURCE

Reason = Literal["logout", "refresh_token_reuse", "erasure", "api_key_revoked"]


def session_revoked(
    user_id: str,
    reason: Reason,
    *,
    session_id: str | None = None,
    api_key_id: str | None = None,
    all_sessions_before: datetime | None = None,
) -> EventEnvelope:
    payload = SessionRevoked(
        user_id=user_id,
        reason=reason,
        session_id=session_id,
        api_key_id=api_key_id,
        all_sessions_before=all_sessions_before,
        revoked_at=datetime.now(UTC),
    )
    return new_event("identity.session.revoked", source=SOURCE, subject=user_id, data=payload)
