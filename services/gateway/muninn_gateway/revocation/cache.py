"""Which access tokens the gateway refuses although their signature and expiry are fine.

Fed by identity's ``identity.session.revoked`` events. An entry is kept for the longest
lifetime of an access token after its revocation: by then every token it covers has expired.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from muninn_shared.events.payloads import SessionRevoked
from muninn_shared.logging import get_logger

log = get_logger(__name__)


class RevocationCache:
    def __init__(
        self,
        *,
        max_entries: int,
        lifetime_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._max_entries = max_entries
        self._lifetime = lifetime_seconds
        self._clock = clock
        # key -> (revoked before this time: epoch seconds, forget at: epoch seconds)
        self._entries: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def apply(self, revoked: SessionRevoked) -> None:
        at = revoked.revoked_at.timestamp()
        forget_at = at + self._lifetime
        if forget_at <= self._clock():
            return  # every token it covers has expired already
        if revoked.session_id:
            self._put(f"sid:{revoked.session_id}", float("inf"), forget_at)
        if revoked.api_key_id:
            self._put(f"akid:{revoked.api_key_id}", float("inf"), forget_at)
        if revoked.all_sessions_before is not None:
            before = revoked.all_sessions_before.timestamp()
            self._put(f"user:{revoked.user_id}", before, forget_at)

    def refuses(
        self, *, user_id: str, session_id: str | None, api_key_id: str | None, issued_at: float
    ) -> bool:
        keys = [f"user:{user_id}"]
        if session_id:
            keys.append(f"sid:{session_id}")
        if api_key_id:
            keys.append(f"akid:{api_key_id}")
        now = self._clock()
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                continue
            before, forget_at = entry
            if forget_at <= now:
                del self._entries[key]
                continue
            if issued_at <= before:
                return True
        return False

    def _put(self, key: str, before: float, forget_at: float) -> None:
        known = self._entries.pop(key, None)
        if known is not None:
            before = max(before, known[0])
            forget_at = max(forget_at, known[1])
        self._entries[key] = (before, forget_at)
        self._expire()
        while len(self._entries) > self._max_entries:
            dropped, _ = self._entries.popitem(last=False)
            log.warning("revocation cache full: oldest revocation dropped", key=dropped)

    def _expire(self) -> None:
        now = self._clock()
        while self._entries:
            key, (_, forget_at) = next(iter(self._entries.items()))
            if forget_at > now:
                return
            del self._entries[key]
