"""Connecting through the API to real servers: Radicale (CalDAV, CardDAV) and pymap (IMAP).

The adapters the service offers by default do the discovery; the connection lists what they
found, keeps the password only in the vault, and a password changed at the server turns the
connection expired on its next check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from muninn_devstack.dav import RadicaleServer, create_address_book, create_calendar, start_radicale
from muninn_devstack.mail import MailServer
from muninn_integrations.main import create_app

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import (
    ON_LOOPBACK,
    finished,
    me,
    serving,
    settings_for,
)
from tests.integration.integrations.imap_support import pymap

__all__ = ["pymap"]  # fixture

DAV_USER, DAV_PASSWORD = "ana", "dav-app-password-5521"
SYNC_USER, SYNC_PASSWORD = "bea", "dav-app-password-9034"
MAIL_USER, MAIL_PASSWORD = "ana@example.org", "mail-app-password-8812"


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    server = start_radicale(
        tmp_path_factory.mktemp("radicale"), {DAV_USER: DAV_PASSWORD, SYNC_USER: SYNC_PASSWORD}
    )
    create_calendar(server.url, DAV_USER, DAV_PASSWORD, "Personal")
    create_address_book(server.url, DAV_USER, DAV_PASSWORD, "Friends")
    yield server
    server.stop()


@pytest.fixture
async def client(infra: Infra, unique: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        infra,
        unique,
        **ON_LOOPBACK,
        sync_poll_seconds=0.2,
    )
    async with serving(create_app(settings)) as http:
        yield http


async def connect(http: httpx.AsyncClient, who: dict[str, str], **body: Any) -> httpx.Response:
    return await http.post("/v1/integrations/connections", json=body, headers=who)


async def connect_dav(
    http: httpx.AsyncClient,
    who: dict[str, str],
    radicale: RadicaleServer,
    provider: str = "caldav",
    *,
    username: str = DAV_USER,
    password: str = DAV_PASSWORD,
) -> httpx.Response:
    return await connect(
        http,
        who,
        provider=provider,
        server_url=radicale.url + "/",
        username=username,
        password=password,
    )


async def test_the_providers_on_offer(client: httpx.AsyncClient) -> None:
    offered = await client.get("/v1/integrations/providers", headers=me())
    assert offered.status_code == 200
    providers = {p["provider"]: p for p in offered.json()["items"]}
    assert set(providers) == {"caldav", "carddav", "imap", "ics"}
    assert providers["caldav"]["writable"] is True
    assert providers["imap"]["writable"] is False


async def test_calendar_and_contacts_are_discovered_at_the_server(
    client: httpx.AsyncClient, radicale: RadicaleServer
) -> None:
    ana = me()
    calendar = await connect_dav(client, ana, radicale)
    assert calendar.status_code == 201, calendar.text
    assert [c["name"] for c in calendar.json()["collections"]] == ["Personal"]
    assert DAV_PASSWORD not in calendar.text

    contacts = await connect_dav(client, ana, radicale, "carddav")
    assert contacts.status_code == 201, contacts.text
    assert [(c["name"], c["kind"]) for c in contacts.json()["collections"]] == [
        ("Friends", "contact")
    ]

    wrong = await connect_dav(client, me(), radicale, password="not-it")
    assert wrong.status_code == 422
    assert wrong.json()["type"].endswith("credentials-rejected")
    assert "not-it" not in wrong.text


async def test_a_mailbox_connects_and_a_changed_password_expires_it(
    client: httpx.AsyncClient, pymap: MailServer
) -> None:
    ana = me()
    url = f"imap://{pymap.host}:{pymap.port}"
    mail = await connect(
        client, ana, provider="imap", server_url=url, username=MAIL_USER, password=MAIL_PASSWORD
    )
    assert mail.status_code == 201, mail.text
    assert "INBOX" in [c["name"] for c in mail.json()["collections"]]
    assert MAIL_PASSWORD not in mail.text

    # The same mailbox with a password the server no longer takes: as after a revocation.
    other = me()
    stale = await connect(
        client, other, provider="imap", server_url=url, username=MAIL_USER, password="revoked"
    )
    assert stale.status_code == 422
    assert stale.json()["type"].endswith("credentials-rejected")

    checked = await client.post(
        f"/v1/integrations/connections/{mail.json()['id']}/test", headers=ana
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "connected"


async def test_a_private_address_is_refused_unless_allow_listed(
    infra: Infra, unique: str, radicale: RadicaleServer
) -> None:
    settings = settings_for(infra, unique, outbound_require_https=False)
    async with serving(create_app(settings)) as http:
        refused = await connect_dav(http, me(), radicale)
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("address-refused")
        listed = await http.get("/v1/integrations/connections", headers=me())
        assert listed.json()["items"] == []


async def put_vevent(
    source: httpx.AsyncClient, path: str, uid: str, title: str, start: str
) -> None:
    vevent = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//muninn-test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{start}\r\n"
        f"DURATION:PT1H\r\nSUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    response = await source.put(
        f"{path}{uid}.ics", content=vevent, headers={"Content-Type": "text/calendar"}
    )
    response.raise_for_status()


async def test_a_calendar_syncs_into_muninn_and_changes_follow(
    client: httpx.AsyncClient, radicale: RadicaleServer
) -> None:
    path = create_calendar(radicale.url, SYNC_USER, SYNC_PASSWORD, "Work")
    source = httpx.AsyncClient(base_url=radicale.url, auth=(SYNC_USER, SYNC_PASSWORD), timeout=10)
    for n in range(3):
        await put_vevent(source, path, f"e{n}", f"Review {n}", f"2027010{n + 1}T100000Z")
    bea = me()
    connected = await connect_dav(client, bea, radicale, username=SYNC_USER, password=SYNC_PASSWORD)
    assert connected.status_code == 201, connected.text
    connection_id = connected.json()["id"]

    first = await client.post(f"/v1/integrations/connections/{connection_id}/sync", headers=bea)
    job = await finished(client, bea, first.json()["id"])
    assert (job["status"], job["job_type"], job["items_processed"]) == ("completed", "full_sync", 3)
    window = {"start": "2027-01-01T00:00:00Z", "end": "2027-02-01T00:00:00Z"}
    events = (await client.get("/v1/calendar/events", params=window, headers=bea)).json()
    assert sorted(e["title"] for e in events["items"]) == ["Review 0", "Review 1", "Review 2"]

    # Changed at the source: the next (incremental) sync brings exactly the change.
    (await source.delete(f"{path}e0.ics")).raise_for_status()
    await put_vevent(source, path, "e3", "Planning", "20270110T090000Z")
    second = await client.post(f"/v1/integrations/connections/{connection_id}/sync", headers=bea)
    job = await finished(client, bea, second.json()["id"])
    assert (job["status"], job["job_type"]) == ("completed", "incremental_sync")
    events = (await client.get("/v1/calendar/events", params=window, headers=bea)).json()
    assert sorted(e["title"] for e in events["items"]) == ["Planning", "Review 1", "Review 2"]
    connection = (
        await client.get(f"/v1/integrations/connections/{connection_id}", headers=bea)
    ).json()
    assert connection["sync_count"] == 2
    assert connection["last_sync_at"] is not None

    # A password changed at the server: the next sync fails and the connection is expired.
    (radicale.root / "users").write_text(
        f"{DAV_USER}:{DAV_PASSWORD}\n{SYNC_USER}:changed-at-the-server\n"
    )
    third = await client.post(f"/v1/integrations/connections/{connection_id}/sync", headers=bea)
    job = await finished(client, bea, third.json()["id"])
    assert job["status"] == "failed"
    connection = (
        await client.get(f"/v1/integrations/connections/{connection_id}", headers=bea)
    ).json()
    assert connection["status"] == "expired"
    (radicale.root / "users").write_text(
        f"{DAV_USER}:{DAV_PASSWORD}\n{SYNC_USER}:{SYNC_PASSWORD}\n"
    )
    await source.aclose()
