"""Webhooks and e-mail leave the scheduler safely: only to public addresses (unless the
operator allow-lists a network), with failures that say nothing about what answered, once
per attempt however often a transaction is retried, and e-mail only to confirmed addresses
with headers that cannot be split."""

from __future__ import annotations

import asyncio
import email
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any, NamedTuple

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from muninn_devstack.servers import free_port
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.notifications.store import NotificationStore
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.outbound import NOT_HTTPS, NOT_PUBLIC, OutboundGuard
from muninn_shared.outbound.addresses import IPAddress
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import OperationFailure

from tests.integration.infra import Infra
from tests.integration.scheduler.harness import (
    auth,
    confirm_email,
    confirmation_token,
    deliver_at,
    lisbon_user,
    remind_at_noon,
    running,
    scheduler_settings,
    set_email,
    start_clock,
)
from tests.loopback import serving

PUBLIC = "93.184.215.14"


class Names:
    """A DNS the tests control: each name answers its list of addresses in turn (the last
    one ever after); unknown names do not resolve."""

    def __init__(self, **answers: list[str]) -> None:
        self.answers = {name.replace("_", "."): list(found) for name, found in answers.items()}
        self.asked: list[str] = []

    def add(self, name: str, *found: str) -> None:
        self.answers[name] = list(found)

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        found = self.answers.get(host)
        if not found:
            raise OSError(f"{host}: Name or service not known")
        answer = found.pop(0) if len(found) > 1 else found[0]
        return [ip_address(answer)]


@dataclass
class Receiver:
    port: int
    hits: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.hits]


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    app = FastAPI()
    receiver = Receiver(port=free_port())

    @app.post("/{path:path}")
    async def hook(path: str, request: Request) -> Response:
        receiver.hits.append((f"/{path}", await request.body(), dict(request.headers)))
        if path == "missing":
            return JSONResponse({"detail": "no such hook"}, status_code=404)
        if path == "redirect":
            return Response(status_code=307, headers={"location": receiver.url("/landing")})
        if path == "slow":
            await asyncio.sleep(5)
        return JSONResponse({"ok": True})

    async with serving(app, port=receiver.port, timeout_graceful_shutdown=None):
        yield receiver


@asynccontextmanager
async def scheduler(
    settings: SchedulerSettings, clock: ManualClock, names: Names | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    guard = (
        OutboundGuard(settings.outbound_policy(), resolver=names.resolve)
        if names is not None
        else None
    )
    async with running(settings, clock, guard) as pair:
        yield pair


async def set_webhook(client: httpx.AsyncClient, me: dict[str, str], url: str) -> httpx.Response:
    return await client.put(
        "/v1/notifications/channels", json={"webhook": {"url": url}}, headers=me
    )


async def channel_state(
    client: httpx.AsyncClient, me: dict[str, str], channel: str
) -> dict[str, Any]:
    items = (await client.get("/v1/notifications", headers=me)).json()["items"]
    assert len(items) == 1, items
    state: dict[str, Any] = items[0]["channels"].get(channel, {})
    return state


# -- registration ---------------------------------------------------------------------------


async def test_internal_webhook_urls_are_refused_when_registered(infra: Infra, unique: str) -> None:
    names = Names(
        qdrant=["172.18.0.5"],
        identity=["10.0.0.7"],
        nas_home=["192.168.1.20"],
        metadata_google_internal=[PUBLIC],
        carrier_example_org=["100.64.3.4"],
        v6_example_org=["fd00::1234"],
        hooks_example_org=[PUBLIC],
    )
    settings = scheduler_settings(infra, unique, outbound_allow_cidrs=[])
    async with scheduler(settings, start_clock(), names) as (client, _):
        me = auth(settings, "u-" + uuid.uuid4().hex)
        refused = [
            "http://qdrant:6333/collections",
            "http://identity:8081/internal/users",
            "http://169.254.169.254/latest/meta-data/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://127.0.0.1:8084/v1/reminders",
            "http://localhost:8084/",
            "http://[::1]:8084/",
            "http://[::ffff:127.0.0.1]:8084/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://nas.home/hook",
            "http://carrier.example.org/hook",
            "http://v6.example.org/hook",
            "http://unknown-to-dns.example.org/hook",
        ]
        details = set()
        for url in refused:
            answer = await set_webhook(client, me, url)
            assert answer.status_code == 422, (url, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["errors"][0]["loc"] == ["body", "webhook", "url"]
            details.add(answer.json()["detail"])
        assert len(details) == 1, "internal, unknown and metadata hosts are told apart by nobody"
        assert NOT_PUBLIC in details.pop()
        saved = (await client.get("/v1/notifications/channels", headers=me)).json()
        assert saved["webhook"] is None, "nothing was saved"

        accepted = await set_webhook(client, me, "http://hooks.example.org/hook")
        assert accepted.status_code == 200, accepted.text


async def test_https_is_required_when_the_operator_says_so(infra: Infra, unique: str) -> None:
    names = Names(hooks_example_org=[PUBLIC])
    settings = scheduler_settings(infra, unique, outbound_require_https=True)
    async with scheduler(settings, start_clock(), names) as (client, _):
        me = auth(settings, "u-" + uuid.uuid4().hex)
        plain = await set_webhook(client, me, "http://hooks.example.org/hook")
        assert plain.status_code == 422
        assert NOT_HTTPS in plain.json()["detail"]
        assert (await set_webhook(client, me, "https://hooks.example.org/hook")).status_code == 200


# -- sending --------------------------------------------------------------------------------


async def test_a_name_that_turns_internal_after_registration_is_not_called(
    infra: Infra, unique: str
) -> None:
    settings = scheduler_settings(infra, unique, outbound_allow_cidrs=[])
    clock = start_clock()
    async with receiving() as receiver:
        names = Names(rebind_example_org=[PUBLIC, "127.0.0.1"])
        async with scheduler(settings, clock, names) as (client, app):
            me = auth(settings, await lisbon_user(app))
            url = receiver.url("/hook", host="rebind.example.org")
            assert (await set_webhook(client, me, url)).status_code == 200
            await remind_at_noon(client, me, "Pay rent")
            await deliver_at(app, clock, datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
            assert names.asked == ["rebind.example.org", "rebind.example.org"]
            assert receiver.hits == []
            state = await channel_state(client, me, "webhook")
            assert state["status"] == "retrying"
            assert state["last_error"] == "delivery failed"


async def test_failures_read_the_same_whatever_answered(infra: Infra, unique: str) -> None:
    """A 404, a closed port, a timeout, a redirect and an address refused at send time all
    leave the same channel state: nothing tells a user what is listening where."""
    settings = scheduler_settings(infra, unique, webhook_timeout_seconds=1)
    clock = start_clock()
    async with receiving() as receiver:
        closed_port = free_port()
        names = Names(turns_private_example_org=[PUBLIC, "10.0.0.1"])
        targets = {
            "not found": receiver.url("/missing"),
            "closed port": f"http://127.0.0.1:{closed_port}/hook",
            "timeout": receiver.url("/slow"),
            "redirect": receiver.url("/redirect"),
            "refused": f"http://turns.private.example.org:{receiver.port}/hook",
        }
        async with scheduler(settings, clock, names) as (client, app):
            users = {}
            for what, url in targets.items():
                me = auth(settings, await lisbon_user(app))
                assert (await set_webhook(client, me, url)).status_code == 200, what
                await remind_at_noon(client, me, f"Ping {what}")
                users[what] = me
            await deliver_at(app, clock, datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
            states = {
                what: await channel_state(client, me, "webhook") for what, me in users.items()
            }
            assert {str(state) for state in states.values()} == {
                str(
                    {
                        "status": "retrying",
                        "attempts": 1,
                        "last_error": "delivery failed",
                        "delivered_at": None,
                    }
                )
            }, states
            assert "/landing" not in receiver.paths(), "redirects are not followed"


async def test_a_retried_transaction_sends_the_webhook_once(
    infra: Infra, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = scheduler_settings(infra, unique)
    clock = start_clock()
    original = NotificationStore.update
    forced: list[str] = []

    async def conflicting_once(
        store: NotificationStore,
        notification_id: str,
        changes: dict[str, Any],
        session: AsyncClientSession | None = None,
    ) -> dict[str, Any] | None:
        if session is not None and "channels.webhook" in changes and not forced:
            forced.append(notification_id)
            raise OperationFailure(
                "forced write conflict",
                code=112,
                details={"errorLabels": ["TransientTransactionError"]},
            )
        return await original(store, notification_id, changes, session)

    monkeypatch.setattr(NotificationStore, "update", conflicting_once)
    async with receiving() as receiver, scheduler(settings, clock) as (client, app):
        me = auth(settings, await lisbon_user(app))
        assert (await set_webhook(client, me, receiver.url("/hook"))).status_code == 200
        await remind_at_noon(client, me, "Water the plants")
        await deliver_at(app, clock, datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
        assert forced, "the recording transaction was retried"
        assert len(receiver.hits) == 1
        _, _, headers = receiver.hits[0]
        assert headers["idempotency-key"] == forced[0], "receivers de-duplicate by notification"
        state = await channel_state(client, me, "webhook")
        assert state["status"] == "delivered"
        assert state["attempts"] == 1


# -- e-mail ---------------------------------------------------------------------------------


@dataclass
class Mailbox:
    port: int
    messages: list[Any] = field(default_factory=list)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox(port=free_port())

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
            box.messages.append(envelope)
            return "250 OK"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def mail_settings(infra: Infra, unique: str, mailbox: Mailbox, **extra: Any) -> SchedulerSettings:
    return scheduler_settings(
        infra,
        unique,
        kafka_group_prefix=f"it{unique}.",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_start_tls=False,
        **extra,
    )


async def use_confirmed_email(
    client: httpx.AsyncClient, me: dict[str, str], mailbox: Mailbox, address: str
) -> None:
    """Saves ``address`` as the e-mail channel and confirms it from the mail it is sent."""
    await set_email(client, me, address)
    await confirm_email(client, me, mailbox.messages.pop())


class Mailing(NamedTuple):
    """A scheduler that mails through the test's mailbox, its clock, and one user's headers."""

    client: httpx.AsyncClient
    app: FastAPI
    clock: ManualClock
    me: dict[str, str]


@pytest.fixture
async def mailing(infra: Infra, unique: str, mailbox: Mailbox) -> AsyncIterator[Mailing]:
    settings = mail_settings(infra, unique, mailbox)
    clock = start_clock()
    async with scheduler(settings, clock) as (client, app):
        yield Mailing(client, app, clock, auth(settings, await lisbon_user(app)))


async def test_nothing_is_mailed_to_an_address_until_it_is_confirmed(
    infra: Infra, unique: str, mailbox: Mailbox, mongo: Any
) -> None:
    settings = mail_settings(
        infra, unique, mailbox, email_confirmation_url="https://app.example.org/confirm?t={token}"
    )
    clock = start_clock()
    async with scheduler(settings, clock) as (client, app):
        user_id = await lisbon_user(app)
        me = auth(settings, user_id)
        put = await set_email(client, me, "ana@example.org")
        assert put.status_code == 200, put.text
        assert put.json()["email_confirmed"] is False
        assert len(mailbox.messages) == 1
        confirmation = mailbox.messages[0]
        assert confirmation.rcpt_tos == ["ana@example.org"]
        token = confirmation_token(confirmation)
        text = email.message_from_bytes(confirmation.content).get_payload(decode=True).decode()
        assert f"https://app.example.org/confirm?t={token}" in text
        stored = await mongo[settings.mongo_database]["notification_channels"].find_one(
            {"_id": user_id}
        )
        assert token not in str(stored), "only a hash of the token is kept"

        await remind_at_noon(client, me, "Book flights")
        await deliver_at(app, clock, datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
        assert len(mailbox.messages) == 1, "no notification to an unconfirmed address"
        assert await channel_state(client, me, "email") == {}

        wrong = await client.post(
            "/v1/notifications/channels/email/confirm",
            json={"token": token[:-2] + "xx"},
            headers=me,
        )
        assert wrong.status_code == 422
        other = auth(settings, "u-" + uuid.uuid4().hex)
        stolen = await client.post(
            "/v1/notifications/channels/email/confirm", json={"token": token}, headers=other
        )
        assert stolen.status_code == 422, "a token confirms only its own user's address"

        await confirm_email(client, me, confirmation)
        again = await client.post(
            "/v1/notifications/channels/email/confirm", json={"token": token}, headers=me
        )
        assert again.status_code == 422, "a token works once"
        same = await set_email(client, me, "ana@example.org")
        assert same.json()["email_confirmed"] is True
        assert len(mailbox.messages) == 1, "saving the same address again sends nothing"

        await remind_at_noon(client, me, "Renew passport")
        await deliver_at(app, clock, datetime(2026, 6, 11, 11, 0, tzinfo=UTC))
        assert len(mailbox.messages) == 2
        assert b"Subject: Renew passport" in mailbox.messages[1].content

        changed = await set_email(client, me, "bo@example.org")
        assert changed.json()["email_confirmed"] is False, "a new address starts unconfirmed"
        assert mailbox.messages[2].rcpt_tos == ["bo@example.org"]
        clock.advance(timedelta(hours=settings.email_confirmation_ttl_hours, seconds=1))
        expired = await client.post(
            "/v1/notifications/channels/email/confirm",
            json={"token": confirmation_token(mailbox.messages[2])},
            headers=me,
        )
        assert expired.status_code == 422, "tokens expire"


async def test_a_title_with_line_breaks_cannot_add_headers(
    mailing: Mailing, mailbox: Mailbox
) -> None:
    client, app, clock, me = mailing
    await use_confirmed_email(client, me, mailbox, "ana@example.org")
    await remind_at_noon(client, me, "Pay rent\r\nBcc: victim@example.net\r\n\r\nspam")
    await deliver_at(app, clock, datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
    assert len(mailbox.messages) == 1
    mail = mailbox.messages[0]
    assert mail.rcpt_tos == ["ana@example.org"]
    parsed = email.message_from_bytes(mail.content)
    assert parsed["Subject"] == "Pay rent Bcc: victim@example.net spam"
    assert parsed["Bcc"] is None
    assert (await channel_state(client, me, "email"))["status"] == "delivered"


async def test_any_error_while_mailing_marks_the_channel_failed(
    mailing: Mailing, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, app, clock, me = mailing
    await use_confirmed_email(client, me, mailbox, "ana@example.org")

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the SMTP library tripped over something unforeseen")

    monkeypatch.setattr("aiosmtplib.send", broken)
    await remind_at_noon(client, me, "Call the bank")
    await deliver_at(app, clock, datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
    state = await channel_state(client, me, "email")
    assert state["status"] == "failed"
    assert state["last_error"] == "delivery failed"


async def test_confirmation_mails_are_capped_per_day(mailing: Mailing, mailbox: Mailbox) -> None:
    client, _, clock, me = mailing
    answers = [await set_email(client, me, f"stranger{n}@example.org") for n in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert answers[-1].headers["content-type"].startswith("application/problem+json")
    assert int(answers[-1].headers["retry-after"]) > 0
    assert len(mailbox.messages) == 5
    clock.advance(timedelta(days=1, seconds=1))
    later = await set_email(client, me, "stranger6@example.org")
    assert later.status_code == 200
    assert len(mailbox.messages) == 6
