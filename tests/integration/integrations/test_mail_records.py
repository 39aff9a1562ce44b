"""Mail through the real app and MongoDB: the sink mirrors a mailbox idempotently, sweeps and
purges; /v1/mail lists newest first, searches words, reads a message and a thread, each user
seeing only their own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.mail.models import Attachment, MailAddress, MailMessage
from muninn_integrations.sync.sinks import Action, SyncScope

from tests.integration.integrations.records_support import HOSTILE, Running, new_user, running

__all__ = ["running"]

EMAIL = RecordKind.EMAIL
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def mail(
    uid: int,
    subject: str,
    body: str = "",
    *,
    thread: str = "t-1",
    mailbox: str = "INBOX",
    sender: str = "landlord@rent.example",
    **extra: Any,
) -> MailMessage:
    return MailMessage(
        external_id=f"{mailbox}/7/{uid}",
        mailbox=mailbox,
        uid=uid,
        uidvalidity=7,
        thread_id=thread,
        subject=subject,
        sender=MailAddress(address=sender, name="Mr Lopes"),
        to=[MailAddress(address="ana@x.example", name="Ana")],
        sent_at=T0 + timedelta(hours=uid),
        body=body,
        **extra,
    )


def change(message: MailMessage, *, deleted: bool = False) -> Change[Any]:
    return Change(EMAIL, message.external_id, message.mailbox, None if deleted else message, None)


def imap(user_id: str, connection_id: str, generation: str | None = None) -> SyncScope:
    return SyncScope(user_id, connection_id, "imap", generation)


async def listed(running: Running, headers: dict[str, str], **params: Any) -> list[Any]:
    return await running.items_at("/v1/mail/messages", headers, **params)


async def test_apply_is_idempotent_and_updates_and_deletions_propagate(running: Running) -> None:
    ana, headers = new_user("ana")
    conn = uuid.uuid4().hex
    first = mail(1, "Deposit", "The deposit comes back in March.")
    second = mail(
        2,
        "Re: Deposit",
        "Agreed." + " more" * 200,
        attachments=[Attachment(filename="receipt.pdf", content_type="application/pdf", size=9)],
    )
    created = await running.apply(imap(ana, conn), [change(first), change(second)], EMAIL)
    assert [a.action for a in created] == [Action.CREATED, Action.CREATED]
    assert created[1].data["has_attachments"] is True
    assert created[1].data["sent_at"] == "2026-03-01T11:00:00+00:00"
    assert created[1].data["from"] == {"address": "landlord@rent.example", "name": "Mr Lopes"}
    assert len(created[1].data["snippet"]) <= 500
    before = await running.db["mail_messages"].find({"user_id": ana}).sort("_id").to_list(None)

    assert await running.apply(imap(ana, conn), [change(first), change(second)], EMAIL) == []
    assert (
        await running.db["mail_messages"].find({"user_id": ana}).sort("_id").to_list(None)
    ) == before

    seen = first.model_copy(update={"flags": ["\\Seen"]})
    [updated] = await running.apply(imap(ana, conn), [change(seen)], EMAIL)
    assert (updated.action, updated.record_id) == (Action.UPDATED, created[0].record_id)
    [gone] = await running.apply(imap(ana, conn), [change(second, deleted=True)], EMAIL)
    assert (gone.action, gone.record_id) == (Action.DELETED, created[1].record_id)
    assert await running.apply(imap(ana, conn), [change(second, deleted=True)], EMAIL) == []
    [left] = await listed(running, headers)
    assert (left["id"], left["flags"]) == (created[0].record_id, ["\\Seen"])


async def test_sweep_and_purge_touch_only_that_connection(running: Running) -> None:
    ana, headers = new_user("ana")
    conn, other = uuid.uuid4().hex, uuid.uuid4().hex
    old, kept = mail(1, "Old"), mail(2, "Kept")
    await running.apply(imap(ana, conn, "job-1"), [change(old), change(kept)], EMAIL)
    await running.apply(imap(ana, other, "job-x"), [change(mail(3, "Elsewhere"))], EMAIL)
    assert await running.apply(imap(ana, conn, "job-2"), [change(kept)], EMAIL) == []
    swept = await running.sweep(imap(ana, conn, "job-2"), EMAIL)
    assert [(a.action, a.data["subject"]) for a in swept] == [(Action.DELETED, "Old")]
    assert await running.sweep(imap(ana, conn, "job-2"), EMAIL) == []
    assert [m["subject"] for m in await listed(running, headers)] == ["Elsewhere", "Kept"]
    assert [a.action for a in await running.purge(ana, conn, EMAIL)] == [Action.DELETED]
    assert [m["subject"] for m in await listed(running, headers)] == ["Elsewhere"]


async def test_list_search_filters_message_and_thread(running: Running) -> None:
    ana, headers = new_user("ana")
    conn, work = uuid.uuid4().hex, uuid.uuid4().hex
    messages = [
        mail(1, "Deposit for the flat", "Hello Ana, the déposit returns in March."),
        mail(2, "Re: Deposit for the flat", "Thanks, see you in March.", sender="ana@x.example"),
        mail(3, "Climbing on Saturday", "Rope and chalk.", thread="t-2"),
        mail(4, "Invoice", "Payment due.", thread="t-3", mailbox="Archive"),
    ]
    await running.apply(imap(ana, conn), [change(m) for m in messages[:3]], EMAIL)
    await running.apply(imap(ana, work), [change(messages[3])], EMAIL)

    everything = await listed(running, headers)
    assert [m["subject"] for m in everything] == [m.subject for m in messages[::-1]]
    assert "body" not in everything[0]
    one = await running.client.get("/v1/mail/messages", params={"limit": 3}, headers=headers)
    rest = await running.client.get(
        "/v1/mail/messages",
        params={"limit": 3, "cursor": one.json()["next_cursor"]},
        headers=headers,
    )
    assert [m["subject"] for m in rest.json()["items"]] == ["Deposit for the flat"]

    def subjects(items: list[Any]) -> list[str]:
        return [m["subject"] for m in items]

    assert subjects(await listed(running, headers, q="DEPOSIT march")) == [
        "Re: Deposit for the flat",
        "Deposit for the flat",
    ]
    assert subjects(await listed(running, headers, q="deposit retu")) == ["Deposit for the flat"]
    assert subjects(await listed(running, headers, q="lopes cli")) == ["Climbing on Saturday"]
    assert subjects(await listed(running, headers, q="ana@x.example")) == [
        "Re: Deposit for the flat"
    ]
    assert await listed(running, headers, q="nothing-like-this") == []
    assert await listed(running, headers, q=".*") == []
    assert subjects(await listed(running, headers, connection_id=work)) == ["Invoice"]
    assert subjects(await listed(running, headers, mailbox="Archive")) == ["Invoice"]
    assert subjects(await listed(running, headers, thread_id="t-2")) == ["Climbing on Saturday"]

    detail = await running.client.get(f"/v1/mail/messages/{everything[-1]['id']}", headers=headers)
    assert detail.status_code == 200
    assert detail.json()["body"] == "Hello Ana, the déposit returns in March."
    thread = await running.client.get("/v1/mail/threads/t-1", headers=headers)
    assert subjects(thread.json()["items"]) == ["Deposit for the flat", "Re: Deposit for the flat"]
    paged = await running.client.get("/v1/mail/threads/t-1", params={"limit": 1}, headers=headers)
    after = await running.client.get(
        "/v1/mail/threads/t-1",
        params={"limit": 1, "cursor": paged.json()["next_cursor"]},
        headers=headers,
    )
    assert subjects(after.json()["items"]) == ["Re: Deposit for the flat"]
    assert after.json()["next_cursor"] is None


async def test_another_users_mail_is_not_found(running: Running) -> None:
    ana, _ = new_user("ana")
    _, eve = new_user("eve")
    [made] = await running.apply(
        imap(ana, uuid.uuid4().hex), [change(mail(1, "Secret", "the code is 1234"))], EMAIL
    )
    for path in (f"/v1/mail/messages/{made.record_id}", "/v1/mail/threads/t-1"):
        answer = await running.client.get(path, headers=eve)
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert await listed(running, eve) == []
    assert await listed(running, eve, q="secret") == []
    assert await listed(running, eve, thread_id="t-1") == []


async def test_refusals_are_problems_and_hostile_input_is_no_500(running: Running) -> None:
    _, headers = new_user("ana")
    for params in [
        {"limit": 0},
        {"limit": 101},
        {"q": "x" * 201},
        {"cursor": "not-a-cursor"},
        {"connection_id": "x" * 65},
    ]:
        answer = await running.client.get("/v1/mail/messages", params=params, headers=headers)
        assert answer.status_code in (400, 422), (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for text in HOSTILE:
        for path in (
            f"/v1/mail/messages/{text}",
            f"/v1/mail/threads/{text}",
            f"/v1/mail/messages?q={text}",
            f"/v1/mail/messages?thread_id={text}&mailbox={text}",
        ):
            answer = await running.client.get(path, headers=headers)
            assert answer.status_code < 500, (path, answer.text)
    assert (await running.client.get("/v1/mail/messages")).status_code == 401
    assert (await running.client.post("/v1/mail/messages", json={})).status_code in (401, 405)
