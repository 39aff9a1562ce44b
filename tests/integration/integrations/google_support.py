"""The integrations service started against the local Google fake, and what a test does with
it: sign in as a browser would, sync and wait, read what Muninn holds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from muninn_devstack.google_fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGoogle,
    GoogleFakeServer,
    start_google_fake,
)
from muninn_integrations.main import create_app
from pymongo import AsyncMongoClient

from tests.integration.infra import Infra
from tests.integration.integrations import app_support
from tests.integration.integrations.app_support import ON_LOOPBACK, serving, settings_for

REDIRECT_URI = "https://muninn.example/oauth/google/callback"
ALL_SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    "https://www.googleapis.com/auth/contacts.readonly",
    "https://www.googleapis.com/auth/gmail.readonly",
]


@dataclass
class Running:
    client: httpx.AsyncClient
    google: GoogleFakeServer
    db: Any

    @property
    def fake(self) -> FakeGoogle:
        return self.google.fake


@pytest.fixture
def google() -> Iterator[GoogleFakeServer]:
    server = start_google_fake(REDIRECT_URI)
    yield server
    server.stop()


@pytest.fixture
async def running(infra: Infra, unique: str, google: GoogleFakeServer) -> AsyncIterator[Running]:
    settings = settings_for(
        infra,
        unique,
        **ON_LOOPBACK,
        sync_poll_seconds=0.2,
        sync_retry_base_seconds=0.2,
        # Small pages: every listing (events, messages, history, contacts) is paged.
        sync_page_size=2,
        sync_schedule_interval_seconds=3600,
        google_client_id=CLIENT_ID,
        google_client_secret=CLIENT_SECRET,
        google_redirect_uri=REDIRECT_URI,
        google_authorize_url=google.authorize_url,
        google_token_url=google.token_url,
        google_revoke_url=google.revoke_url,
        google_calendar_api_url=google.calendar_api,
        google_gmail_api_url=google.gmail_api,
        google_people_api_url=google.people_api,
    )
    app = create_app(settings)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri)
    async with serving(app) as http:
        yield Running(http, google, mongo[settings.mongo_database])
    await mongo.close()


async def authorize(running: Running, authorize_url: str) -> dict[str, str]:
    """What the browser brings back from Google's consent page: the redirect's query."""
    async with httpx.AsyncClient(timeout=10) as browser:
        consent = await browser.get(authorize_url, follow_redirects=False)
    assert consent.status_code == 302, consent.text
    location = consent.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def sign_in(
    running: Running, who: dict[str, str], body: dict[str, Any] | None = None
) -> dict[str, Any]:
    started = await running.client.post(
        "/v1/integrations/oauth/google/start", json=body, headers=who
    )
    assert started.status_code == 200, started.text
    redirect = await authorize(running, started.json()["authorize_url"])
    assert redirect["state"] == started.json()["state"]
    done = await running.client.post(
        "/v1/integrations/oauth/google/complete",
        json={"code": redirect["code"], "state": redirect["state"]},
        headers=who,
    )
    assert done.status_code == 201, done.text
    return dict(done.json())


async def sync(
    running: Running, who: dict[str, str], connection_id: str, **body: Any
) -> dict[str, Any]:
    queued = await running.client.post(
        f"/v1/integrations/connections/{connection_id}/sync", json=body or None, headers=who
    )
    assert queued.status_code in (200, 201, 202), queued.text
    return await finished(running, who, queued.json()["id"])


async def finished(running: Running, who: dict[str, str], job_id: str) -> dict[str, Any]:
    return await app_support.finished(running.client, who, job_id, tries=400)


async def connection(running: Running, who: dict[str, str], connection_id: str) -> dict[str, Any]:
    answer = await running.client.get(f"/v1/integrations/connections/{connection_id}", headers=who)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


WINDOW = {"start": "2026-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}


async def event_titles(running: Running, who: dict[str, str]) -> list[str]:
    answer = await running.client.get("/v1/calendar/events", params=WINDOW, headers=who)
    assert answer.status_code == 200, answer.text
    return sorted(o["title"] for o in answer.json()["items"])


async def mail_subjects(running: Running, who: dict[str, str]) -> list[str]:
    answer = await running.client.get("/v1/mail/messages", headers=who)
    assert answer.status_code == 200, answer.text
    return sorted(m["subject"] for m in answer.json()["items"])


async def contacts(running: Running, who: dict[str, str]) -> dict[str, dict[str, Any]]:
    answer = await running.client.get("/v1/contacts", headers=who)
    assert answer.status_code == 200, answer.text
    return {c["display_name"]: c for c in answer.json()["items"]}


def mail(subject: str, sender: str = "bruno@example.org") -> bytes:
    return (
        f"From: {sender}\r\nTo: ana.fake@gmail.example\r\nSubject: {subject}\r\n"
        f"Date: Mon, 05 Jan 2026 10:00:00 +0000\r\nMessage-ID: <{uuid.uuid4().hex}@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n"
    ).encode()


def timed(summary: str, day: int, hour: int, **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "start": {
            "dateTime": f"2026-01-{day:02d}T{hour:02d}:00:00+01:00",
            "timeZone": "Europe/Berlin",
        },
        "end": {
            "dateTime": f"2026-01-{day:02d}T{hour:02d}:45:00+01:00",
            "timeZone": "Europe/Berlin",
        },
        **extra,
    }


def person(given: str, family: str, email: str) -> dict[str, Any]:
    return {
        "names": [{"displayName": f"{given} {family}", "givenName": given, "familyName": family}],
        "emailAddresses": [{"value": email, "type": "home"}],
    }
