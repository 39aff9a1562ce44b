"""The revocation cache: what it refuses, for how long, within its bound."""

from __future__ import annotations

from datetime import UTC, datetime

from muninn_gateway.revocation.cache import RevocationCache
from muninn_shared.events.payloads import SessionRevoked


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def revoked(clock: Clock, **fields: object) -> SessionRevoked:
    values: dict[str, object] = {
        "user_id": "u1",
        "reason": "logout",
        "revoked_at": datetime.fromtimestamp(clock.now, UTC),
        **fields,
    }
    return SessionRevoked.model_validate(values)


def cache(clock: Clock, max_entries: int = 1000) -> RevocationCache:
    return RevocationCache(max_entries=max_entries, lifetime_seconds=960, clock=clock)


def test_a_revoked_session_refuses_its_tokens_and_no_other() -> None:
    clock = Clock()
    revocations = cache(clock)
    revocations.apply(revoked(clock, session_id="s1"))
    issued = clock.now - 10
    assert revocations.refuses(user_id="u1", session_id="s1", api_key_id=None, issued_at=issued)
    assert not revocations.refuses(user_id="u1", session_id="s2", api_key_id=None, issued_at=issued)
    assert not revocations.refuses(user_id="u2", session_id=None, api_key_id=None, issued_at=issued)


def test_all_sessions_before_a_time_refuses_older_tokens_only() -> None:
    clock = Clock()
    revocations = cache(clock)
    erased_at = datetime.fromtimestamp(clock.now, UTC)
    revocations.apply(revoked(clock, reason="erasure", all_sessions_before=erased_at))
    for session, key in (("s1", None), (None, "k1")):
        assert revocations.refuses(
            user_id="u1", session_id=session, api_key_id=key, issued_at=clock.now - 100
        )
    assert not revocations.refuses(
        user_id="u1", session_id="s9", api_key_id=None, issued_at=clock.now + 5
    )
    assert not revocations.refuses(
        user_id="u2", session_id=None, api_key_id=None, issued_at=clock.now - 100
    )


def test_a_revoked_api_key_refuses_its_exchanged_tokens() -> None:
    clock = Clock()
    revocations = cache(clock)
    revocations.apply(revoked(clock, reason="api_key_revoked", api_key_id="k1"))
    assert revocations.refuses(user_id="u1", session_id=None, api_key_id="k1", issued_at=clock.now)
    assert not revocations.refuses(
        user_id="u1", session_id=None, api_key_id="k2", issued_at=clock.now
    )


def test_entries_are_forgotten_once_every_token_they_cover_has_expired() -> None:
    clock = Clock()
    revocations = cache(clock)
    revocations.apply(revoked(clock, session_id="s1"))
    clock.now += 959
    assert revocations.refuses(user_id="u1", session_id="s1", api_key_id=None, issued_at=0)
    clock.now += 2
    assert not revocations.refuses(user_id="u1", session_id="s1", api_key_id=None, issued_at=0)
    assert len(revocations) == 0
    # replayed on start: a revocation older than a token lifetime is not even stored
    stale = revoked(
        clock, session_id="old", revoked_at=datetime.fromtimestamp(clock.now - 961, UTC)
    )
    revocations.apply(stale)
    assert len(revocations) == 0


def test_the_cache_is_bounded() -> None:
    clock = Clock()
    revocations = cache(clock, max_entries=1000)
    for n in range(1500):
        revocations.apply(revoked(clock, session_id=f"s{n}"))
    assert len(revocations) == 1000
    assert revocations.refuses(user_id="u1", session_id="s1499", api_key_id=None, issued_at=0)
