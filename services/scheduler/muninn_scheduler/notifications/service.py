"""Creating notifications and getting them to the person, on their terms.

A notification is created inside the transaction of whatever caused it (a reminder firing,
a follow-up, a nudge). Delivery waits for quiet hours to end and for the per-hour rate
limit; then the in-app channel (inbox + a proactive message in the conversation) happens in
the same transaction, while webhook and e-mail each get a timer of their own (see
``outbound.py``).

The feature that made a notification withdraws it, in the transaction of whatever made it
pointless: one still waiting (quiet hours, rate limit) is deleted with its delivery timer, so
it never arrives; an unread one becomes what the cause says it is: ``acted_upon`` when the
person did what it asked (a follow-up answered, a reminder or task completed), ``dismissed``
when what it is about is gone or moved (a reminder or task deleted or rescheduled, a meeting
cancelled or moved, an experience deleted); one the person has read, dismissed or acted upon
stays as they left it. A notification is found again by ``kind``, ``ref_kind``/``ref_id`` and,
where one thing has several, what within it it is about (``source``).

Every change of status is announced (``scheduler.notification.changed``) in the transaction
that makes it, whether the scheduler or the person (``PATCH``) made it.

A notification that can wait (``flexible``: a nudge, a follow-up question — not a reminder or
a task due at a time the person chose, nor a meeting briefing) of low or normal priority is
delivered at the hours the person actually writes and answers (``timing``: their active-hours
pattern), within their contact times and never inside quiet hours, and at most
``max_wait`` after it was made. The person's answers to notifications (``PATCH`` from unread)
are evidence for those patterns (``answers``).

Everything here works on lists: a timer chunk of 200 reminders creates its 200
notifications with a few bulk reads and writes, and the rate limit counts the deliveries
the chunk itself makes.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from muninn_shared.events import EventEnvelope
from muninn_shared.logging import get_logger
from muninn_shared.outbound import OutboundGuard, OutboundRefusedError
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import Document, in_transaction
from muninn_shared.storage.outbox import Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.delivery.policy import learned_delivery, quiet_until
from muninn_scheduler.documents import owner_query
from muninn_scheduler.notifications import events
from muninn_scheduler.notifications.channels import (
    channel_settings,
    channel_settings_many,
    settings_from_doc,
)
from muninn_scheduler.notifications.email_confirmation import EmailConfirmations, token_hash
from muninn_scheduler.notifications.models import (
    ChannelName,
    ChannelSettings,
    ChannelSettingsIn,
    ChannelStatus,
    Notification,
    NotificationPage,
    NotificationStatus,
    Priority,
)
from muninn_scheduler.notifications.outbound import EMAIL, WEBHOOK
from muninn_scheduler.notifications.store import NotificationStore, notification_from_doc
from muninn_scheduler.profiles.models import Profile
from muninn_scheduler.profiles.service import ProfileService
from muninn_scheduler.schema import PageQuery
from muninn_scheduler.timers.models import DueTimer, new_timer
from muninn_scheduler.timers.service import TimerService
from muninn_scheduler.timers.wheel import FireContext, Outcome, TimerWheel

DELIVER = "notification.deliver"
BY_USER = "user"  # the ``detail`` of a status the person set themselves
LEARNED_HOURS = "learned_hours"  # the ``deferred_reason`` of one waiting for a learned hour
# What may wait for a learned hour: urgent and high priority never wait.
MAY_WAIT = frozenset({Priority.LOW.value, Priority.NORMAL.value})


class DeliveryTiming(Protocol):
    """The hours each person usually writes and answers at (their active-hours pattern)."""

    async def delivery_hours(
        self, user_ids: Iterable[str], session: AsyncClientSession | None
    ) -> dict[str, list[int]]:
        """Local hours by user; users without a usable pattern are left out."""
        ...


class Answers(Protocol):
    """Told when the person answers a delivered notification (evidence of their patterns)."""

    async def notification_answered(
        self,
        doc: Mapping[str, Any],
        status: NotificationStatus,
        now: datetime,
        session: AsyncClientSession,
    ) -> None: ...


log = get_logger(__name__)


@dataclass(frozen=True)
class NotificationSpec:
    user_id: str
    kind: str
    title: str
    body: str
    priority: Priority = Priority.NORMAL
    ref_kind: str | None = None
    ref_id: str | None = None
    conversation_id: str | None = None
    # What within ``ref_id`` it is about (a follow-up's thread and message), so the feature
    # that made it can find it again when that thing is done with.
    source: Mapping[str, Any] | None = None
    # Not tied to a moment the person chose: it may wait for the hours they usually answer.
    flexible: bool = False


class Withdrawal(StrEnum):
    CANCEL = "cancel"
    CLOSE = "close"
    KEEP = "keep"


# What an unread notification may become when it is withdrawn: the person did what it asked,
# or what it asked about is no longer there.
CLOSED = (NotificationStatus.ACTED_UPON, NotificationStatus.DISMISSED)


def withdrawal_of(status: str) -> Withdrawal:
    """What withdrawing a notification the person no longer needs does to it.

    One not delivered yet is cancelled so it never arrives; an unread one is closed (acted
    upon or dismissed, as the caller says); one they have already handled (read, dismissed,
    acted upon) keeps what they made of it."""
    if status == NotificationStatus.SCHEDULED.value:
        return Withdrawal.CANCEL
    if status == NotificationStatus.UNREAD.value:
        return Withdrawal.CLOSE
    return Withdrawal.KEEP


def wait_for_learned_hours(
    doc: Mapping[str, Any],
    now: datetime,
    profile: Profile,
    hours: list[int],
    max_wait: timedelta,
) -> datetime | None:
    """When a notification should arrive to meet the person at an hour they usually answer;
    None to deliver it now: it cannot wait (not flexible, high or urgent priority), it has
    waited ``max_wait`` already, the current hour is one of theirs, or none qualifies (see
    :func:`~muninn_scheduler.delivery.policy.learned_delivery`)."""
    if not doc.get("flexible") or doc["priority"] not in MAY_WAIT:
        return None
    remaining = doc["created_at"] + max_wait - now
    if remaining <= timedelta(0):
        return None
    return learned_delivery(now, profile, hours, within=remaining)


def status_fields(doc: Mapping[str, Any], status: NotificationStatus, now: datetime) -> Document:
    """The fields a delivered notification's change to ``status`` sets."""
    changes: Document = {"status": status.value, "updated_at": now}
    if status in (
        NotificationStatus.READ,
        NotificationStatus.ACTED_UPON,
        NotificationStatus.DISMISSED,
    ):
        changes["read_at"] = doc.get("read_at") or now
    if status == NotificationStatus.ACTED_UPON:
        changes["acted_at"] = now
    return changes


@dataclass
class _Writes:
    """What routing a list of notifications decided, written together by the caller."""

    timers: list[dict[str, Any]] = field(default_factory=list)
    events: list[EventEnvelope] = field(default_factory=list)


class NotificationService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[Document],
        store: NotificationStore,
        profiles: ProfileService,
        timers: TimerService,
        outbox: Outbox,
        clock: Clock,
        guard: OutboundGuard,
        confirmations: EmailConfirmations,
        email_enabled: bool = False,
        timing: DeliveryTiming | None = None,
        answers: Answers | None = None,
        max_wait: timedelta = timedelta(hours=24),
    ) -> None:
        self._client = client
        self._store = store
        self._profiles = profiles
        self._timers = timers
        self._outbox = outbox
        self._clock = clock
        self._email_enabled = email_enabled
        self._guard = guard
        self._confirmations = confirmations
        self._timing = timing
        self._answers = answers
        self._max_wait = max_wait

    def register_timers(self, wheel: TimerWheel) -> None:
        wheel.register_batch(DELIVER, self._on_deliver_due)

    # -- creating and delivering ------------------------------------------------------------

    async def create(self, session: AsyncClientSession, spec: NotificationSpec) -> dict[str, Any]:
        return (await self.create_many(session, [spec]))[0]

    async def create_many(
        self, session: AsyncClientSession, specs: Sequence[NotificationSpec]
    ) -> list[dict[str, Any]]:
        if not specs:
            return []
        now = self._clock.now()
        docs = [self._new_doc(spec, now) for spec in specs]
        writes = await self._route(docs, now, session)
        await self._store.insert_many(docs, session)
        await self._timers.add_many(writes.timers, session)
        await self._outbox.put_many(writes.events, session)
        return docs

    @staticmethod
    def _new_doc(spec: NotificationSpec, now: datetime) -> dict[str, Any]:
        return {
            "_id": uuid.uuid4().hex,
            "user_id": spec.user_id,
            "kind": spec.kind,
            "title": spec.title,
            "body": spec.body,
            "priority": spec.priority.value,
            "status": NotificationStatus.SCHEDULED.value,
            "deliver_at": now,
            "delivered_at": None,
            "deferred_reason": None,
            "channels": {},
            "ref_kind": spec.ref_kind,
            "ref_id": spec.ref_id,
            "conversation_id": spec.conversation_id,
            "source": dict(spec.source) if spec.source is not None else None,
            "flexible": spec.flexible,
            "created_at": now,
            "updated_at": now,
        }

    async def _route(
        self, docs: list[dict[str, Any]], now: datetime, session: AsyncClientSession
    ) -> _Writes:
        """Deliver each notification now or defer it; mutates the docs to their new state."""
        users = {doc["user_id"] for doc in docs}
        profiles = await self._profiles.get_many(users, session)
        settings = await channel_settings_many(self._store, users, session)
        limited = {d["user_id"] for d in docs if d["priority"] != Priority.URGENT.value}
        recent = await self._store.delivered_since_many(limited, now - timedelta(hours=1), session)
        waiting = {d["user_id"] for d in docs if d.get("flexible") and d["priority"] in MAY_WAIT}
        learned = (
            await self._timing.delivery_hours(waiting, session)
            if self._timing is not None and waiting
            else {}
        )
        writes = _Writes()
        for doc in docs:
            user = doc["user_id"]
            deliver_at, reason = self._earliest_delivery(
                doc, now, profiles[user], settings[user], recent.get(user, [])
            )
            if reason is None and user in learned:
                moment = wait_for_learned_hours(
                    doc, now, profiles[user], learned[user], self._max_wait
                )
                if moment is not None:
                    deliver_at, reason = moment, LEARNED_HOURS
            if deliver_at > now:
                doc.update(deliver_at=deliver_at, deferred_reason=reason, updated_at=now)
                writes.timers.append(
                    new_timer(
                        user_id=user, kind=DELIVER, due_at=deliver_at, ref_id=doc["_id"], now=now
                    )
                )
                writes.events.append(events.changed(doc, "deferred", None, reason))
                continue
            self._deliver(doc, now, profiles[user], settings[user], writes)
            if doc["priority"] != Priority.URGENT.value:
                recent.setdefault(user, []).append(now)
        return writes

    @staticmethod
    def _earliest_delivery(
        doc: dict[str, Any],
        now: datetime,
        profile: Profile,
        settings: ChannelSettings,
        recent: list[datetime],
    ) -> tuple[datetime, str | None]:
        if doc["priority"] == Priority.URGENT.value:
            return now, None
        quiet_end = quiet_until(now, profile)
        if quiet_end is not None:
            return quiet_end, "quiet_hours"
        if len(recent) >= settings.max_per_hour:
            # The oldest of the last hour's deliveries leaving the window frees a slot.
            return recent[len(recent) - settings.max_per_hour] + timedelta(hours=1), "rate_limit"
        return now, None

    def _deliver(
        self,
        doc: dict[str, Any],
        now: datetime,
        profile: Profile,
        settings: ChannelSettings,
        writes: _Writes,
    ) -> None:
        user_id = doc["user_id"]
        channels: dict[str, Any] = {}
        if settings.in_app:
            channels[ChannelName.IN_APP.value] = {
                "status": ChannelStatus.DELIVERED.value,
                "attempts": 1,
                "delivered_at": now,
                "last_error": None,
            }
            if profile.notifications.proactive_messages:
                writes.events.append(events.proactive(doc))
        outbound: list[tuple[ChannelName, str]] = []
        if settings.webhook is not None and settings.webhook.enabled:
            outbound.append((ChannelName.WEBHOOK, WEBHOOK))
        wants_email = (
            settings.email is not None
            and settings.email.enabled
            and settings.email_confirmed
            and self._email_enabled
        )
        if wants_email and (doc["kind"] != "follow_up" or profile.notifications.email_follow_ups):
            outbound.append((ChannelName.EMAIL, EMAIL))
        for channel, kind in outbound:
            channels[channel.value] = {
                "status": ChannelStatus.PENDING.value,
                "attempts": 0,
                "delivered_at": None,
                "last_error": None,
            }
            writes.timers.append(
                new_timer(user_id=user_id, kind=kind, due_at=now, ref_id=doc["_id"], now=now)
            )
        doc.update(
            status=NotificationStatus.UNREAD.value,
            delivered_at=now,
            deliver_at=now,
            channels=channels,
            updated_at=now,
        )
        writes.events.append(
            events.changed(doc, "delivered", ChannelName.IN_APP.value if settings.in_app else None)
        )

    async def _on_deliver_due(
        self, timers: Sequence[DueTimer], context: FireContext, session: AsyncClientSession
    ) -> list[Outcome]:
        found = await self._store.by_ids((t.ref_id or "" for t in timers), session)
        waiting = {
            doc_id: doc
            for doc_id, doc in found.items()
            if doc["status"] == NotificationStatus.SCHEDULED.value
        }
        docs = list(waiting.values())
        writes = await self._route(docs, context.now, session)
        fields = ("status", "deliver_at", "delivered_at", "deferred_reason", "channels")
        await self._store.update_each(
            [
                (doc["_id"], {**{k: doc[k] for k in fields}, "updated_at": context.now}, None)
                for doc in docs
            ],
            session,
        )
        await self._timers.add_many(writes.timers, session)
        await self._outbox.put_many(writes.events, session)
        return [Outcome.FIRED if t.ref_id in waiting else Outcome.SKIPPED for t in timers]

    # -- the inbox -------------------------------------------------------------------------

    async def delivered_count(self, user_id: str, since: datetime) -> int:
        """How many notifications reached ``user_id`` since ``since``."""
        return await self._store.count({"user_id": user_id, "delivered_at": {"$gte": since}})

    async def page(
        self,
        user_id: str,
        paging: PageQuery,
        *,
        status: NotificationStatus | None,
        kind: str | None,
    ) -> NotificationPage:
        query: dict[str, Any] = {"user_id": user_id}
        if status is not None:
            query["status"] = status.value
        else:
            query["status"] = {"$ne": NotificationStatus.SCHEDULED.value}
        if kind is not None:
            query["kind"] = kind
        items, next_cursor = await self._store.page(query, paging, convert=notification_from_doc)
        unread = await self._store.count(
            {"user_id": user_id, "status": NotificationStatus.UNREAD.value}
        )
        return NotificationPage(
            items=items,
            next_cursor=next_cursor,
            unread_count=unread,
        )

    async def scheduled(self, user_id: str) -> list[Notification]:
        waiting, _ = await self._store.page(
            owner_query(user_id, status=NotificationStatus.SCHEDULED),
            PageQuery(limit=200),
            convert=notification_from_doc,
        )
        return waiting

    async def get(self, user_id: str, notification_id: str) -> Notification:
        return notification_from_doc(await self._store.owned(user_id, notification_id))

    async def change_status(
        self, user_id: str, notification_id: str, status: NotificationStatus
    ) -> Notification:
        doc = await self._store.owned(user_id, notification_id)
        if status == NotificationStatus.SCHEDULED:
            raise ProblemError(
                422, "A notification cannot be scheduled again by hand.", code="invalid-status"
            )
        if doc["status"] == NotificationStatus.SCHEDULED.value:
            raise ProblemError(
                409, "This notification has not been delivered yet.", code="not-delivered"
            )
        if doc["status"] == status.value:
            return notification_from_doc(doc)  # a repeated PATCH changes and announces nothing
        changes = status_fields(doc, status, self._clock.now())

        async def work(session: AsyncClientSession) -> Document | None:
            updated = await self._store.update(notification_id, changes, session)
            # Announced like the scheduler's own changes, so a listener sees every status.
            await self._outbox.put(events.changed(doc, status.value, None, BY_USER), session)
            if self._answers is not None and status != NotificationStatus.UNREAD:
                await self._answers.notification_answered(
                    doc, status, changes["updated_at"], session
                )
            return updated

        updated = await in_transaction(self._client, work)
        return notification_from_doc(updated or doc)

    # -- withdrawing -------------------------------------------------------------------------

    async def open_about(
        self,
        user_id: str,
        kind: str,
        ref_id: str,
        source: Mapping[str, str],
        session: AsyncClientSession,
        *,
        ref_kind: str | None = None,
    ) -> list[Document]:
        """``user_id``'s notifications of ``kind`` about ``ref_id`` (of ``ref_kind``, when
        given) still waiting or unread, whose ``source`` has the given values."""
        return await self._store.open_about(
            user_id, kind, ref_id, source, session, ref_kind=ref_kind
        )

    async def withdraw_about(
        self,
        user_id: str,
        kind: str,
        ref_kind: str,
        ref_id: str,
        reason: str,
        session: AsyncClientSession,
        *,
        unread_becomes: NotificationStatus,
    ) -> None:
        """Withdraw every open notification of ``kind`` about one thing (see ``withdraw``)."""
        found = await self.open_about(user_id, kind, ref_id, {}, session, ref_kind=ref_kind)
        await self.withdraw(found, reason, session, unread_becomes=unread_becomes)

    async def withdraw(
        self,
        docs: Sequence[Mapping[str, Any]],
        reason: str,
        session: AsyncClientSession,
        *,
        unread_becomes: NotificationStatus = NotificationStatus.ACTED_UPON,
    ) -> None:
        """The person no longer needs these (see ``withdrawal_of``), in the caller's
        transaction: waiting ones are cancelled, unread ones become ``unread_becomes`` (one
        of ``CLOSED``); notifications already withdrawn are left as they are, so a
        redelivered event changes nothing."""
        if unread_becomes not in CLOSED:
            raise ValueError(f"a withdrawn notification cannot become {unread_becomes}")
        now = self._clock.now()
        cancelled: list[str] = []
        closed: list[tuple[str, Document, Document | None]] = []
        announced: list[EventEnvelope] = []
        for doc in docs:
            match withdrawal_of(doc["status"]):
                case Withdrawal.CANCEL:
                    cancelled.append(doc["_id"])
                    # It was announced as deferred: say it will not come after all.
                    announced.append(events.changed(dict(doc), "cancelled", None, reason))
                case Withdrawal.CLOSE:
                    changes = status_fields(doc, unread_becomes, now)
                    closed.append((doc["_id"], changes, None))
                    announced.append(events.changed(dict(doc), unread_becomes.value, None, reason))
                case Withdrawal.KEEP:
                    pass
        for notification_id in cancelled:
            await self._timers.cancel_for(DELIVER, notification_id, session)
        await self._store.delete_many(cancelled, session)
        await self._store.update_each(closed, session)
        await self._outbox.put_many(announced, session)

    # -- channel settings -------------------------------------------------------------------

    async def channel_settings(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> ChannelSettings:
        return await channel_settings(self._store, user_id, session)

    async def update_channel_settings(
        self, user_id: str, body: ChannelSettingsIn
    ) -> ChannelSettings:
        if body.webhook is not None:
            await self._check_webhook_url(str(body.webhook.url))
        current_doc = await self._store.channel_settings(user_id)
        current = settings_from_doc(current_doc)
        secret = current.webhook_secret
        fresh_secret = False
        if body.webhook is not None and (secret is None or body.rotate_webhook_secret):
            secret = "whsec_" + secrets.token_urlsafe(32)
            fresh_secret = True
        email = self._confirmations.decide(current_doc, current, body.email, self._clock.now())
        saved = ChannelSettings(
            in_app=body.in_app,
            webhook=body.webhook,
            webhook_secret=secret if body.webhook is not None else None,
            email=body.email,
            email_confirmed=email.confirmed,
            max_per_hour=body.max_per_hour,
        )
        doc = saved.model_dump(mode="json")
        if email.pending is not None:
            doc["email_confirmation"] = email.pending
        sent = email.sent or tuple((current_doc or {}).get("email_confirmations_sent", ()))
        doc["email_confirmations_sent"] = list(sent)
        if email.token is not None and body.email is not None:
            await self._confirmations.send(str(body.email.address), email.token)
        await self._store.save_channel_settings(user_id, doc)
        return saved if fresh_secret else self.masked(saved)

    async def _check_webhook_url(self, url: str) -> None:
        try:
            await self._guard.check_url(url)
        except OutboundRefusedError as exc:
            log.info("webhook URL refused", reason=exc.reason)
            raise ProblemError(
                422,
                f"This webhook URL cannot be used. {exc.public_message}",
                code="webhook-url-refused",
                errors=[{"loc": ["body", "webhook", "url"], "msg": exc.public_message}],
            ) from None

    async def confirm_email(self, user_id: str, token: str) -> ChannelSettings:
        if not await self._store.confirm_email(user_id, token_hash(token), self._clock.now()):
            raise ProblemError(
                422,
                "This confirmation link is not valid or has expired; set the address again "
                "to get a new one.",
                code="invalid-confirmation",
            )
        return self.masked(await self.channel_settings(user_id))

    @staticmethod
    def masked(settings: ChannelSettings) -> ChannelSettings:
        if settings.webhook_secret:
            return settings.model_copy(
                update={"webhook_secret": settings.webhook_secret[:10] + "…"}
            )
        return settings
