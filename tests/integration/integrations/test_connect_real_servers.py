"""Connecting through the API to real servers: Radicale (CalDAV, CardDAV) and pymap (IMAP).

The adapters the service offers by default do the discovery; the connection lists what they
found, keeps the password only in the vault, and a password changed at the server turns the
connection expired on its next check.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from muninn_devstack.dav import RadicaleServer, create_address_book, create_calendar, start_radicale
from muninn_devstack.mail import MailServer, start_pymap
from muninn_devstack.servers import free_port
from muninn_integrations.main import create_app
from muninn_integrations.settings import IntegrationsSettings

from tests.integration.infra import Infra
from tests.integration.tokens import identity_token_issuer

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


@pytest.fixture(scope="module")
def pymap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    log = Path(tmp_path_factory.mktemp("pymap")) / "pymap.log"
    server = start_pymap(free_port(), log, user=MAIL_USER, password=MAIL_PASSWORD)
    yield server
    server.process.stop()


@pytest.fixture
async def client(infra: Infra, unique: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IntegrationsSettings(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        mongo_database_prefix=f"muninn_it{unique}_",
        log_level="WARNING",
        # The test servers listen on loopback, over plain HTTP and IMAP.
        outbound_allow_cidrs=["127.0.0.0/8"],
        outbound_require_https=False,
        imap_allow_plaintext=True,
        connect_check_timeout_seconds=20,
        sync_poll_seconds=0.2,
    )
    app = create_app(settings)
    async with (
        LifespanManager(app, startup_timeout=120, shutdown_timeout=60),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://integrations", timeout=60
        ) as http,
    ):
        yield http


def me() -> dict[str, str]:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(uuid.uuid4().hex)}"}


async def connect(http: httpx.AsyncClient, who: dict[str, str], **body: Any) -> httpx.Response:
    return await http.post("/v1/integrations/connections", json=body, headers=who)


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
    calendar = await connect(
        client,
        ana,
        provider="caldav",
        server_url=radicale.url + "/",
        username=DAV_USER,
        password=DAV_PASSWORD,
    )
    assert calendar.status_code == 201, calendar.text
    assert [c["name"] for c in calendar.json()["collections"]] == ["Personal"]
    assert DAV_PASSWORD not in calendar.text

    contacts = await connect(
        client,
        ana,
        provider="carddav",
        server_url=radicale.url + "/",
        username=DAV_USER,
        password=DAV_PASSWORD,
    )
    assert contacts.status_code == 201, contacts.text
    assert [(c["name"], c["kind"]) for c in contacts.json()["collections"]] == [
        ("Friends", "contact")
    ]

    wrong = await connect(
        client,
        me(),
        provider="caldav",
        server_url=radicale.url + "/",
        username=DAV_USER,
        password="not-it",
    )
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
    settings = IntegrationsSettings(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        mongo_database_prefix=f"muninn_it{unique}_",
        log_level="WARNING",
        outbound_require_https=False,
    )
    app = create_app(settings)
    async with (
        LifespanManager(app, startup_timeout=120, shutdown_timeout=60),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://integrations", timeout=60
        ) as http,
    ):
        refused = await connect(
            http,
            me(),
            provider="caldav",
            server_url=radicale.url + "/",
            username=DAV_USER,
            password=DAV_PASSWORD,
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("address-refused")
        listed = await http.get("/v1/integrations/connections", headers=me())
        assert listed.json()["items"] == []


def vevent(uid: str, title: str, start: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//muninn-test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{start}\r\n"
        f"DURATION:PT1H\r\nSUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


async def finished(http: httpx.AsyncClient, who: dict[str, str], job_id: str) -> dict[str, Any]:
    for _ in range(300):
        job = (await http.get(f"/v1/integrations/jobs/{job_id}", headers=who)).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return dict(job)
        await asyncio.sleep(0.1)
    raise AssertionError(f"sync job {job_id} did not finish: {job}")


async def test_a_calendar_syncs_into_muninn_and_changes_follow(
    client: httpx.AsyncClient, radicale: RadicaleServer
) -> None:
    path = create_calendar(radicale.url, SYNC_USER, SYNC_PASSWORD, "Work")
    source = httpx.AsyncClient(base_url=radicale.url, auth=(SYNC_USER, SYNC_PASSWORD), timeout=10)
    for n in range(3):
        (
            await source.put(
                f"{path}e{n}.ics",
                content=vevent(f"e{n}", f"Review {n}", f"2027010{n + 1}T100000Z"),
                headers={"Content-Type": "text/calendar"},
            )
        ).raise_for_status()
    bea = me()
    connected = await connect(
        client,
        bea,
        provider="caldav",
        server_url=radicale.url + "/",
        username=SYNC_USER,
        password=SYNC_PASSWORD,
    )
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
    (
        await source.put(
            f"{path}e3.ics",
            content=vevent("e3", "Planning", "20270110T090000Z"),
            headers={"Content-Type": "text/calendar"},
        )
    ).raise_for_status()
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
