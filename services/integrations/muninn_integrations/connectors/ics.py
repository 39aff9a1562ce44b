"""ICS feeds: read-only calendar subscriptions (holidays, sports, itineraries) over the
guarded HTTP client.

The feed is fetched whole with a conditional GET (ETag / Last-Modified); each UID's event is
digested, and the cursor keeps the validators and a digest per UID, so a changed event is
reported once and an event gone from the feed is reported deleted. The external id of an
event is its UID.

Cursor: ``{"v": 1, "etag": "...", "modified": "...", "d": {"<uid>": "<digest>"}}``. The
validators are saved only with the last page of a pass: a pass spanning pages fetches the
feed again for each page, and what a page delivered is already in the digests.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
from muninn_shared.logging import get_logger
from muninn_shared.outbound import OutboundGuard, guarded_client

from muninn_integrations.calendar.ical import read_events
from muninn_integrations.calendar.models import CalendarEvent, MalformedCalendarError
from muninn_integrations.connectors.dav.client import retry_after
from muninn_integrations.connectors.http import reaching, read_body
from muninn_integrations.connectors.port import (
    Change,
    Collection,
    CredentialsRejectedError,
    CursorExpiredError,
    RecordKind,
    SourceRejectedError,
    SourceUnavailableError,
    SyncPage,
)

MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_EVENTS = 10_000
MAX_REDIRECTS = 5
CURSOR_VERSION = 1
# Many feeds stamp every event on every fetch: the stamp is not a change.
_DIGEST_EXCLUDES: dict[str, Any] = {
    "ical": True,
    "last_modified": True,
    "overrides": {"__all__": {"last_modified"}},
}
log = get_logger(__name__)


class IcsFeedConnector:
    def __init__(
        self,
        feed_url: str,
        *,
        guard: OutboundGuard | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        max_bytes: int = MAX_FEED_BYTES,
    ) -> None:
        if http is None:
            if guard is None:
                raise ValueError("an ICS connector needs the outbound guard or an HTTP client")
            http = guarded_client(guard, timeout=timeout)
        self._http = http
        self._url = feed_url_of(feed_url)
        self._max_bytes = max_bytes
        # The URL itself may hold a secret (a private feed token): ids and reprs use a hash.
        self.collection_id = "ics:" + hashlib.sha256(str(self._url).encode()).hexdigest()[:24]

    def __repr__(self) -> str:
        return f"IcsFeedConnector({self._url.scheme}://{self._url.host})"

    async def check(self) -> list[Collection]:
        _, _, body = await self._get({})
        name = _calendar_name(body) or self._url.host
        return [
            Collection(
                id=self.collection_id, name=name, kind=RecordKind.CALENDAR_EVENT, read_only=True
            )
        ]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[CalendarEvent]:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        state = _decode(cursor)
        digests: dict[str, str] = state["d"]
        conditions: dict[str, str] = {}
        if state.get("etag"):
            conditions["If-None-Match"] = state["etag"]
        if state.get("modified"):
            conditions["If-Modified-Since"] = state["modified"]
        status, headers, body = await self._get(conditions)
        if status == 304:
            return SyncPage(changes=[], cursor=_encode(state), more=False)
        try:
            found = read_events(body.decode("utf-8", errors="replace"))
        except MalformedCalendarError:
            # Never read an unreadable answer (an error page served as 200) as "every event
            # was deleted".
            raise SourceUnavailableError("The feed did not answer with a calendar.") from None
        if len(found.events) + len(found.skipped_uids) > MAX_EVENTS:
            raise SourceRejectedError(f"The feed has more than {MAX_EVENTS} events.")
        if found.skipped_uids or found.skipped_without_uid:
            log.warning(
                "ics_events_skipped",
                feed=self.collection_id,
                count=len(found.skipped_uids) + found.skipped_without_uid,
            )
        skipped = set(found.skipped_uids)
        current = {event.uid: (event, _digest(event)) for event in found.events}
        pending = sorted(
            [uid for uid, (_, digest) in current.items() if digests.get(uid) != digest]
            + [uid for uid in digests if uid not in current and uid not in skipped]
        )
        changes: list[Change[CalendarEvent]] = []
        for uid in pending[:page_size]:
            if uid in current:
                event, digest = current[uid]
                digests[uid] = digest
                changes.append(Change(RecordKind.CALENDAR_EVENT, uid, self.collection_id, event))
            else:
                digests.pop(uid, None)
                changes.append(Change(RecordKind.CALENDAR_EVENT, uid, self.collection_id, None))
        more = len(pending) > page_size
        following: dict[str, Any] = {"v": CURSOR_VERSION, "d": digests}
        if not more:
            following["etag"] = headers.get("ETag")
            following["modified"] = headers.get("Last-Modified")
        return SyncPage(changes=changes, cursor=_encode(following), more=more)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get(self, conditions: dict[str, str]) -> tuple[int, httpx.Headers, bytes]:
        url = self._url
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, body = await self._fetch(url, conditions)
            if status in (301, 302, 303, 307, 308) and headers.get("Location"):
                url = url.join(headers["Location"])
                continue
            if status in (200, 304):
                return status, headers, body
            raise _error(status, headers)
        raise SourceRejectedError("The feed redirected too many times.")

    async def _fetch(
        self, url: httpx.URL, conditions: dict[str, str]
    ) -> tuple[int, httpx.Headers, bytes]:
        headers = {"Accept": "text/calendar, */*;q=0.5", **conditions}
        too_large = SourceRejectedError("The feed is too large.")
        with reaching("The feed"):
            async with self._http.stream("GET", url, headers=headers) as response:
                content = await read_body(
                    response, self._max_bytes, too_large, check_declared=False
                )
                return response.status_code, response.headers, content


def feed_url_of(text: str) -> httpx.URL:
    """``webcal://`` (or ``webcals://``) is how calendar apps link a feed; it means https."""
    stripped = text.strip()
    for scheme in ("webcal://", "webcals://"):
        if stripped.lower().startswith(scheme):
            stripped = "https://" + stripped[len(scheme) :]
    try:
        return httpx.URL(stripped)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise SourceRejectedError("The feed address is not a URL.") from None


def _error(status: int, headers: httpx.Headers) -> Exception:
    if status in (401, 403):
        return CredentialsRejectedError("The feed refused access (its link may have changed).")
    if status == 429 or status >= 500:
        return SourceUnavailableError(
            f"The feed is unavailable (HTTP {status}).",
            retry_after=retry_after(headers.get("Retry-After")),
        )
    return SourceRejectedError(f"The feed answered HTTP {status}.")


def _digest(event: CalendarEvent) -> str:
    canonical = event.model_dump_json(exclude=_DIGEST_EXCLUDES)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _calendar_name(body: bytes) -> str | None:
    for line in body[:65536].decode("utf-8", errors="replace").splitlines():
        if line.upper().startswith("X-WR-CALNAME:"):
            return line.split(":", 1)[1].strip()[:200] or None
    return None


def _decode(cursor: str | None) -> dict[str, Any]:
    if cursor is None:
        return {"v": CURSOR_VERSION, "d": {}}
    try:
        state = json.loads(cursor)
        if state.get("v") != CURSOR_VERSION or not isinstance(state.get("d"), dict):
            raise ValueError("unknown cursor")
        return dict(state)
    except (ValueError, AttributeError, TypeError):
        raise CursorExpiredError(
            "The saved feed position is unreadable; syncing in full."
        ) from None


def _encode(state: dict[str, Any]) -> str:
    compact = {key: value for key, value in state.items() if value is not None}
    return json.dumps(compact, separators=(",", ":"), sort_keys=True)
