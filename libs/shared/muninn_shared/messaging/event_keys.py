"""Users' event keys as a service sees them: fetched from identity, kept briefly, forgotten.

The outbox relay seals with them and consumers open with them (see
:mod:`muninn_shared.events.sealing`). Identity holds the keys; every other service asks its
internal endpoint with its own credential (:mod:`muninn_shared.service_credentials`). A key
is cached for a few minutes and dropped as soon as the user's erasure event is seen.

Two answers are not errors of the event: the user was erased (no key exists any more: the
relay drops the event, a consumer skips it) and identity cannot answer (an outage, waited
out like a broker outage: see :mod:`muninn_shared.messaging.outages`).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Awaitable, Callable

import httpx

from muninn_shared.events.envelope import EventEnvelope
from muninn_shared.events.sealing import KEY_BYTES, is_sealed, needs_key, open_event, seal_event
from muninn_shared.service_credentials import CREDENTIAL_HEADER, SERVICE_HEADER

EVENT_KEYS_PATH = "/internal/event-keys"
DEFAULT_KEY_TTL_SECONDS = 300.0
ERASURE_EVENTS = frozenset({"identity.user.erasure_requested", "identity.user.erased"})


class UserErasedError(Exception):
    """The user's key was destroyed by their erasure: their sealed fields never open again."""


class IdentityUnavailableError(Exception):
    """Identity did not hand out a key (unreachable, failing, or refusing our credential)."""


KeyFetch = Callable[[str], Awaitable[bytes]]
"""``fetch(user_id)``: the user's key, or UserErasedError / IdentityUnavailableError."""


class EventKeys:
    def __init__(
        self,
        fetch: KeyFetch,
        *,
        ttl_seconds: float = DEFAULT_KEY_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._clock = clock
        self._cached: dict[str, tuple[bytes, float]] = {}

    def fetch_with(self, fetch: KeyFetch) -> None:
        """Take keys from ``fetch`` from now on (identity: from its own store)."""
        self._fetch = fetch
        self._cached.clear()

    async def key_for(self, user_id: str) -> bytes:
        cached = self._cached.get(user_id)
        now = self._clock()
        if cached is not None and cached[1] > now:
            return cached[0]
        key = await self._fetch(user_id)
        self._cached[user_id] = (key, now + self._ttl)
        return key

    def forget(self, user_id: str) -> None:
        self._cached.pop(user_id, None)

    def observe(self, event: EventEnvelope) -> None:
        """Drop the key of a user whose erasure ``event`` announces."""
        if event.type in ERASURE_EVENTS:
            self.forget(event.subject)

    async def seal(self, event: EventEnvelope) -> EventEnvelope:
        """``event`` with its personal fields sealed; UserErasedError if the user is gone."""
        if not needs_key(event):
            return event
        return seal_event(event, await self.key_for(event.subject))

    async def open(self, event: EventEnvelope) -> EventEnvelope:
        """``event`` with its sealed fields opened (SealBrokenError, UserErasedError)."""
        self.observe(event)
        if not is_sealed(event):
            return event
        return open_event(event, await self.key_for(event.subject))


def http_key_fetcher(
    client: httpx.AsyncClient, identity_url: str, *, service: str, credential: str
) -> KeyFetch:
    """Fetches keys from identity's internal endpoint in ``service``'s name."""
    headers = {SERVICE_HEADER: service, CREDENTIAL_HEADER: credential}
    base = f"{identity_url.rstrip('/')}{EVENT_KEYS_PATH}"

    async def fetch(user_id: str) -> bytes:
        try:
            response = await client.get(f"{base}/{user_id}", headers=headers)
        except httpx.HTTPError as exc:
            raise IdentityUnavailableError(f"identity unreachable: {exc!r}") from exc
        if response.status_code == httpx.codes.GONE:
            raise UserErasedError(user_id)
        if response.status_code in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            raise IdentityUnavailableError(
                f"identity refused the credential of {service} ({response.status_code}): "
                "check MUNINN_SERVICE_CREDENTIAL and identity's MUNINN_SERVICE_CREDENTIAL_HASHES"
            )
        if response.status_code != httpx.codes.OK:
            raise IdentityUnavailableError(f"identity answered {response.status_code}")
        return decode_key(response.json().get("key"))

    return fetch


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def decode_key(encoded: object) -> bytes:
    try:
        key = base64.urlsafe_b64decode(str(encoded))
    except (binascii.Error, ValueError):
        raise IdentityUnavailableError("identity answered a malformed key") from None
    if len(key) != KEY_BYTES:
        raise IdentityUnavailableError("identity answered a key of the wrong length")
    return key
