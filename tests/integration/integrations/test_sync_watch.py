"""Push: a realtime mailbox is synced as soon as the server says new mail arrived (IDLE),
not at the next scheduled poll; one replica watches a connection at a time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from muninn_devstack.mail import MailServer
from muninn_integrations.main import create_app
from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.watch.store import WatchStore
from pymongo import AsyncMongoClient

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import ON_LOOPBACK, me, serving, settings_for
from tests.integration.integrations.imap_support import append, message, pymap

__all__ = ["pymap"]  # fixture

MAIL_USER, MAIL_PASSWORD = "ana@example.org", "mail-app-password-3318"


def watch_settings(infra: Infra, unique: str) -> IntegrationsSettings:
    return settings_for(
        infra,
        unique,
        **ON_LOOPBACK,
        sync_poll_seconds=0.2,
        # The schedule would poll only after an hour: whatever syncs sooner was pushed.
        sync_schedule_interval_seconds=3600,
        sync_watch_scan_seconds=0.5,
        sync_watch_wait_seconds=30,
    )


async def jobs_of(http: httpx.AsyncClient, who: dict[str, str], connection_id: str) -> list[Any]:
    listed = await http.get(
        "/v1/integrations/jobs", params={"connection_id": connection_id}, headers=who
    )
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


async def subjects(http: httpx.AsyncClient, who: dict[str, str]) -> set[str]:
    listed = await http.get("/v1/mail/messages", headers=who)
    assert listed.status_code == 200, listed.text
    return {m["subject"] for m in listed.json()["items"]}


async def eventually(check: Any, *, seconds: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not within the deadline"
        await asyncio.sleep(0.2)


async def test_new_mail_on_a_realtime_connection_is_synced_when_the_server_says_so(
    infra: Infra, unique: str, pymap: MailServer
) -> None:
    async with serving(create_app(watch_settings(infra, unique))) as http:
        ana = me()
        connected = await http.post(
            "/v1/integrations/connections",
            json={
                "provider": "imap",
                "server_url": f"imap://{pymap.host}:{pymap.port}",
                "username": MAIL_USER,
                "password": MAIL_PASSWORD,
                "sync_frequency": "realtime",
            },
            headers=ana,
        )
        assert connected.status_code == 201, connected.text
        connection_id = connected.json()["id"]
        first = await http.post(f"/v1/integrations/connections/{connection_id}/sync", headers=ana)
        assert first.status_code in (200, 201, 202), first.text

        async def first_sync_done() -> bool:
            jobs = await jobs_of(http, ana, connection_id)
            return any(j["status"] == "completed" for j in jobs)

        await eventually(first_sync_done)
        await asyncio.sleep(2)  # the watch is open (scans every 0.5 s)
        await asyncio.to_thread(
            append, pymap, "INBOX", message(1, subject="Deposit returned next week")
        )

        async def pushed() -> bool:
            return "Deposit returned next week" in await subjects(http, ana)

        await eventually(pushed)
        triggers = [j["trigger"] for j in await jobs_of(http, ana, connection_id)]
        assert "push" in triggers, triggers
        assert "schedule" not in triggers


async def test_one_replica_holds_a_watch_and_another_takes_it_when_the_lease_runs_out(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str
) -> None:
    store = WatchStore(mongo[f"muninn_it{unique}_watch"])
    await store.ensure_indexes()
    now = datetime.now(UTC)
    lease = timedelta(seconds=30)

    assert await store.claim("u1", "c1", "replica-a", now, now + lease)
    assert not await store.claim("u1", "c1", "replica-b", now, now + lease)
    assert await store.claim("u1", "c1", "replica-a", now, now + lease)  # its own: renewed
    assert await store.renew({"c1", "c2"}, "replica-b", now + lease) == set()
    assert await store.renew({"c1"}, "replica-a", now + lease) == {"c1"}

    later = now + lease + timedelta(seconds=1)  # replica-a stopped renewing
    assert await store.claim("u1", "c1", "replica-b", later, later + lease)
    assert await store.renew({"c1"}, "replica-a", later + lease) == set()

    # A server that cannot push rests: nobody opens it again before the rest is over.
    await store.rest("c1", "replica-b", later + timedelta(hours=1))
    assert not await store.claim("u1", "c1", "replica-a", later, later + lease)
    after_rest = later + timedelta(hours=1, seconds=1)
    assert await store.claim("u1", "c1", "replica-a", after_rest, after_rest + lease)
