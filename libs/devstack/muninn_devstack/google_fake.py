"""A local stand-in for Google's OAuth 2.0 and Calendar v3, Gmail v1 and People v1 APIs, for
the integrations tests (development only).

Built from Google's documented request and response shapes: the authorization endpoint
approves at once (redirects to the redirect URI with a code and the state), the token
endpoint checks the client and the PKCE verifier (S256) and refreshes, the revocation
endpoint revokes a whole grant. The APIs keep their data in memory with a change counter
behind sync tokens and history ids. Hooks let a test change data at the source, expire
access or sync tokens, revoke grants and answer with rate limits.

Runs in a thread (uvicorn) on 127.0.0.1; ``start_google_fake()`` returns it started.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from typing import Any

from muninn_devstack.in_thread import ThreadedApp, serve_in_thread

CLIENT_ID = "muninn-test-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-google-client-secret"  # a test value, not a secret
ACCOUNT = "ana.fake@gmail.example"


def stamp(moment: float | None = None) -> str:
    when = datetime.fromtimestamp(moment if moment is not None else time.time(), UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Grant:
    """What one consent granted: scopes, and whether it was revoked."""

    scopes: list[str]
    refresh_token: str
    revoked: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: float


@dataclass
class PendingCode:
    redirect_uri: str
    challenge: str
    scopes: list[str]
    used: bool = False


@dataclass
class Failure:
    status: int
    retry_after: int | None
    prefix: str


@dataclass
class Message:
    id: str
    thread_id: str
    raw: bytes
    labels: list[str]
    internal_ms: int
    history_id: int


@dataclass
class FakeGoogle:
    """The fake's state. Mutated from the test's thread and the server's: every access holds
    ``lock``."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    redirect_uris: set[str] = field(default_factory=set)
    account: str = ACCOUNT
    access_ttl: int = 3600
    lock: threading.RLock = field(default_factory=threading.RLock)
    # What the user ticks on the consent page (None: everything asked for).
    consent_scopes: list[str] | None = None
    codes: dict[str, PendingCode] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)  # by refresh token
    access: dict[str, AccessToken] = field(default_factory=dict)
    revocations: list[str] = field(default_factory=list)  # the tokens revoked, in order
    refreshes: int = 0
    failures: list[Failure] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    # Calendar: calendars by id; events by calendar and id; the change counter.
    seq: int = 0
    calendars: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    event_changed: dict[tuple[str, str], int] = field(default_factory=dict)
    calendar_token_floor: int = 0
    # Gmail.
    messages: dict[str, Message] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    history_id: int = 1000
    history_floor: int = 0
    # People.
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    person_changed: dict[str, int] = field(default_factory=dict)
    people_token_floor: int = 0
    people_expiry_status: int = 400  # 400 FAILED_PRECONDITION/EXPIRED_SYNC_TOKEN, or 410
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.add_calendar(self.account, "Ana", primary=True, time_zone="Europe/Lisbon")

    def next_id(self) -> int:
        return next(self._ids)

    def bump(self) -> int:
        self.seq += 1
        return self.seq

    # -- OAuth hooks -----------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is refused (401) from now on."""
        with self.lock:
            for token in self.access.values():
                token.expires_at = 0

    def revoke_all(self) -> None:
        """The user removed the app's access in their Google account."""
        with self.lock:
            for grant in self.grants.values():
                grant.revoked = True

    def fail_next(
        self, status: int = 429, *, retry_after: int | None = 1, count: int = 1, prefix: str = "/"
    ) -> None:
        """The next ``count`` API calls under ``prefix`` answer ``status``."""
        with self.lock:
            self.failures += [Failure(status, retry_after, prefix) for _ in range(count)]

    def issue_tokens(self, scopes: list[str]) -> tuple[str, str]:
        """A grant made directly (no consent page): (access token, refresh token)."""
        with self.lock:
            refresh = "1//" + secrets.token_urlsafe(24)
            grant = Grant(scopes=list(scopes), refresh_token=refresh)
            self.grants[refresh] = grant
            return self.new_access(grant), refresh

    def new_access(self, grant: Grant) -> str:
        token = "ya29." + secrets.token_urlsafe(24)
        self.access[token] = AccessToken(grant, time.time() + self.access_ttl)
        return token

    # -- Calendar hooks --------------------------------------------------------------------

    def add_calendar(
        self,
        calendar_id: str,
        summary: str,
        *,
        primary: bool = False,
        access_role: str = "owner",
        time_zone: str = "UTC",
    ) -> None:
        with self.lock:
            self.calendars[calendar_id] = {
                "kind": "calendar#calendarListEntry",
                "etag": f'"{self.bump()}"',
                "id": calendar_id,
                "summary": summary,
                "timeZone": time_zone,
                "accessRole": access_role,
                "defaultReminders": [{"method": "popup", "minutes": 10}],
                **({"primary": True} if primary else {}),
            }
            self.events.setdefault(calendar_id, {})

    def put_event(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Create or replace an event as Google stores it (id, etag, iCalUID, times...)."""
        with self.lock:
            seq = self.bump()
            event_id = event.get("id") or f"ev{self.next_id():06d}"
            current = self.events[calendar_id].get(event_id, {})
            stored = {
                "kind": "calendar#event",
                "status": "confirmed",
                "created": current.get("created", stamp()),
                "iCalUID": current.get("iCalUID", f"{event_id}@google.com"),
                "organizer": {"email": self.account, "self": True},
                "creator": {"email": self.account, "self": True},
                "reminders": {"useDefault": True},
                "sequence": int(current.get("sequence", -1)) + 1,
                **{k: v for k, v in event.items() if v is not None},
                "id": event_id,
                "etag": f'"{seq}"',
                "updated": stamp(),
                "htmlLink": f"https://calendar.example/event?eid={event_id}",
            }
            self.events[calendar_id][event_id] = stored
            self.event_changed[(calendar_id, event_id)] = seq
            return stored

    def change_event(self, calendar_id: str, event_id: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            current = dict(self.events[calendar_id][event_id])
            for name, value in fields.items():
                if value is None:
                    current.pop(name, None)
                else:
                    current[name] = value
            return self.put_event(calendar_id, current)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Deleted at Google: kept as a cancelled tombstone for sync, as Google does."""
        with self.lock:
            current = self.events[calendar_id][event_id]
            seq = self.bump()
            tombstone = {
                "kind": "calendar#event",
                "id": event_id,
                "etag": f'"{seq}"',
                "status": "cancelled",
                "updated": stamp(),
            }
            for kept in ("recurringEventId", "originalStartTime", "iCalUID"):
                if kept in current:
                    tombstone[kept] = current[kept]
            self.events[calendar_id][event_id] = tombstone
            self.event_changed[(calendar_id, event_id)] = seq

    def forget_event(self, calendar_id: str, event_id: str) -> None:
        """Gone with no tombstone left (Google drops them after a while): only a full sync
        can tell."""
        with self.lock:
            del self.events[calendar_id][event_id]
            del self.event_changed[(calendar_id, event_id)]

    def expire_sync_tokens(
        self, *, calendar: bool = True, contacts: bool = True, mail: bool = True
    ) -> None:
        """Calendar and contacts sync tokens and Gmail history ids issued so far are too old
        from now on (410 / EXPIRED_SYNC_TOKEN / 404)."""
        with self.lock:
            # The counters move on, so tokens issued from now on are younger than the floor.
            floor = self.bump()
            if calendar:
                self.calendar_token_floor = floor
            if contacts:
                self.people_token_floor = floor
            if mail:
                self.history_id += 1
                self.history_floor = self.history_id

    # -- Gmail hooks -----------------------------------------------------------------------

    def _history(self, kind: str, message: Message) -> None:
        self.history_id += 1
        message.history_id = self.history_id
        entry = {"id": message.id, "threadId": message.thread_id, "labelIds": list(message.labels)}
        self.history.append(
            {"id": str(self.history_id), "messages": [entry], kind: [{"message": entry}]}
        )

    def add_message(
        self,
        raw: bytes,
        *,
        labels: tuple[str, ...] = ("INBOX", "UNREAD"),
        thread_id: str | None = None,
    ) -> str:
        with self.lock:
            message_id = f"{0x18C0000000000000 + self.next_id():016x}"
            message = Message(
                id=message_id,
                thread_id=thread_id or message_id,
                raw=raw,
                labels=list(labels),
                internal_ms=int(time.time() * 1000),
                history_id=0,
            )
            self.messages[message_id] = message
            self._history("messagesAdded", message)
            return message_id

    def delete_message(self, message_id: str) -> None:
        with self.lock:
            message = self.messages.pop(message_id)
            self._history("messagesDeleted", message)

    def forget_message(self, message_id: str) -> None:
        """Gone with no history left."""
        with self.lock:
            del self.messages[message_id]

    # -- People hooks ----------------------------------------------------------------------

    def put_person(self, person: dict[str, Any], resource_name: str | None = None) -> str:
        with self.lock:
            seq = self.bump()
            name = resource_name or f"people/c{7_000_000 + self.next_id()}"
            self.people[name] = {
                **{k: v for k, v in person.items() if k != "metadata"},
                "resourceName": name,
                "etag": f"%EgU{seq}",
                "metadata": {
                    "sources": [
                        {"type": "CONTACT", "id": name.rsplit("c", 1)[-1], "updateTime": stamp()}
                    ],
                    "objectType": "PERSON",
                },
            }
            self.person_changed[name] = seq
            return name

    def delete_person(self, resource_name: str) -> None:
        with self.lock:
            seq = self.bump()
            self.people[resource_name] = {
                "resourceName": resource_name,
                "etag": f"%EgU{seq}",
                "metadata": {"deleted": True, "objectType": "PERSON"},
            }
            self.person_changed[resource_name] = seq

    def forget_person(self, resource_name: str) -> None:
        with self.lock:
            del self.people[resource_name]
            del self.person_changed[resource_name]

    # -- helpers for the routes ------------------------------------------------------------

    def message_headers(self, message: Message) -> list[dict[str, str]]:
        parsed = BytesHeaderParser().parsebytes(message.raw)
        return [{"name": name, "value": str(value)} for name, value in parsed.items()]


@dataclass(kw_only=True)
class GoogleFakeServer(ThreadedApp):
    fake: FakeGoogle

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/o/oauth2/v2/auth"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def revoke_url(self) -> str:
        return f"{self.url}/revoke"

    @property
    def calendar_api(self) -> str:
        return f"{self.url}/calendar/v3"

    @property
    def gmail_api(self) -> str:
        return f"{self.url}/gmail/v1"

    @property
    def people_api(self) -> str:
        return f"{self.url}/v1"


def start_google_fake(redirect_uri: str, *, fake: FakeGoogle | None = None) -> GoogleFakeServer:
    from muninn_devstack.google_fake_routes import create_app

    fake = fake or FakeGoogle()
    fake.redirect_uris.add(redirect_uri)
    running = serve_in_thread(create_app(fake), "google-fake")
    return GoogleFakeServer(
        fake=fake, server=running.server, thread=running.thread, port=running.port
    )
