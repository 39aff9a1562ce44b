"""Creating notifications and getting them to the person, on their terms.

A notification is created inside the transaction of whatever caused it (a reminder firing,
a follow-up). Delivery waits for quiet hours to end and for the per-hour rate limit; then
the in-app channel (inbox + a proactive message in the conversation) happens in the same
transaction, while webhook and e-mail each get a timer of their own, retried with backoff
and dead-lettered when they keep failing — visible on the notification, never dropped.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.events import Topic, dead_letter_topic, new_event
from muninn_shared.events.payloads import NotificationChanged, SchedulerProactive
from muninn_shared.logging import get_logger
from muninn_shared.pagination import decode_cursor, encode_cursor
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.outbox import Outbox
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.delivery.email import EmailSender
from muninn_scheduler.delivery.policy import quiet_until
from muninn_scheduler.delivery.webhook import DeliveryError, WebhookSender
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
from muninn_scheduler.notifications.store import NotificationStore
from muninn_scheduler.profiles.store import ProfileStore
from muninn_scheduler.timers.models import DueTimer
from muninn_scheduler.timers.store import TimerStore, new_timer
from muninn_scheduler.timers.wheel import FireContext, Outcome, TimerWheel

log = get_logger(__name__)

SOURCE = "scheduler"
DELIVER = "notification.deliver"
WEBHOOK = "notification.webhook"
EMAIL = "notification.email"


def notification_from_doc(doc: dict[str, Any]) -> Notification:
    return Notification(
        id=doc["_id"],
        **{k: v for k, v in doc.items() if k in Notification.model_fields and k != "id"},
    )


class NotificationService:
    def __init__(
        self,
        *,
        store: NotificationStore,
        profiles: ProfileStore,
        timers: TimerStore,
        outbox: Outbox,
        clock: Clock,
        webhooks: WebhookSender,
        email: EmailSender | None,
        max_attempts: int = 6,
        retry_base_seconds: float = 30.0,
    ) -> None:
        self._store = store
        self._profiles = profiles
        self._timers = timers
        self._outbox = outbox
        self._clock = clock
        self._webhooks = webhooks
        self._email = email
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds

    def register_timers(self, wheel: TimerWheel) -> None:
        wheel.register(DELIVER, self._on_deliver_due)
        wheel.register(WEBHOOK, self._on_webhook_due)
        wheel.register(EMAIL, self._on_email_due)

    # -- creating and delivering ------------------------------------------------------------

    async def create(
        self,
        session: AsyncClientSession,
        *,
        user_id: str,
        kind: str,
        title: str,
        body: str,
        priority: Priority = Priority.NORMAL,
        ref_kind: str | None = None,
        ref_id: str | None = None,
        conversation_id: str | None = None,
    ) -> dict[str, Any]:
        now = self._clock.now()
        doc: dict[str, Any] = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "kind": kind,
            "title": title,
            "body": body,
            "priority": priority.value,
            "status": NotificationStatus.SCHEDULED.value,
            "deliver_at": now,
            "delivered_at": None,
            "deferred_reason": None,
            "channels": {},
            "ref_kind": ref_kind,
            "ref_id": ref_id,
            "conversation_id": conversation_id,
            "created_at": now,
            "updated_at": now,
        }
        await self._store.insert(doc, session)
        await self._deliver_or_defer(doc, session)
        return doc

    async def _deliver_or_defer(self, doc: dict[str, Any], session: AsyncClientSession) -> None:
        now = self._clock.now()
        deliver_at, reason = await self._earliest_delivery(doc, now, session)
        if deliver_at > now:
            await self._store.update(
                doc["_id"],
                {"deliver_at": deliver_at, "deferred_reason": reason, "updated_at": now},
                session,
            )
            await self._timers.add(
                new_timer(
                    user_id=doc["user_id"],
                    kind=DELIVER,
                    due_at=deliver_at,
                    ref_id=doc["_id"],
                    now=now,
                ),
                session,
            )
            await self._announce(doc, "deferred", None, reason, session)
            return
        await self._deliver(doc, now, session)

    async def _earliest_delivery(
        self, doc: dict[str, Any], now: datetime, session: AsyncClientSession
    ) -> tuple[datetime, str | None]:
        if doc["priority"] == Priority.URGENT.value:
            return now, None
        profile = await self._profiles.get(doc["user_id"], session)
        quiet_end = quiet_until(now, profile)
        if quiet_end is not None:
            return quiet_end, "quiet_hours"
        settings = await self.channel_settings(doc["user_id"], session)
        recent = await self._store.delivered_since(
            doc["user_id"], now - timedelta(hours=1), session
        )
        if len(recent) >= settings.max_per_hour:
            # The oldest of the last hour's deliveries leaving the window frees a slot.
            return recent[len(recent) - settings.max_per_hour] + timedelta(hours=1), "rate_limit"
        return now, None

    async def _deliver(
        self, doc: dict[str, Any], now: datetime, session: AsyncClientSession
    ) -> None:
        user_id = doc["user_id"]
        profile = await self._profiles.get(user_id, session)
        settings = await self.channel_settings(user_id, session)
        channels: dict[str, Any] = {}
        if settings.in_app:
            channels[ChannelName.IN_APP.value] = {
                "status": ChannelStatus.DELIVERED.value,
                "attempts": 1,
                "delivered_at": now,
                "last_error": None,
            }
            if profile.notifications.proactive_messages:
                proactive = SchedulerProactive(
                    user_id=user_id,
                    conversation_id=doc.get("conversation_id"),
                    kind=doc["kind"],
                    text=doc["body"],
                    reference_id=doc["_id"],
                )
                await self._outbox.put(
                    new_event(
                        "scheduler.proactive.message",
                        source=SOURCE,
                        subject=user_id,
                        data=proactive,
                    ),
                    session,
                )
        if settings.webhook is not None and settings.webhook.enabled:
            channels[ChannelName.WEBHOOK.value] = {
                "status": ChannelStatus.PENDING.value,
                "attempts": 0,
                "delivered_at": None,
                "last_error": None,
            }
            await self._timers.add(
                new_timer(user_id=user_id, kind=WEBHOOK, due_at=now, ref_id=doc["_id"], now=now),
                session,
            )
        wants_email = (
            settings.email is not None and settings.email.enabled and self._email is not None
        )
        if wants_email and (doc["kind"] != "follow_up" or profile.notifications.email_follow_ups):
            channels[ChannelName.EMAIL.value] = {
                "status": ChannelStatus.PENDING.value,
                "attempts": 0,
                "delivered_at": None,
                "last_error": None,
            }
            await self._timers.add(
                new_timer(user_id=user_id, kind=EMAIL, due_at=now, ref_id=doc["_id"], now=now),
                session,
            )
        await self._store.update(
            doc["_id"],
            {
                "status": NotificationStatus.UNREAD.value,
                "delivered_at": now,
                "channels": channels,
                "updated_at": now,
            },
            session,
        )
        await self._announce(
            doc, "delivered", ChannelName.IN_APP.value if settings.in_app else None, None, session
        )

    async def _on_deliver_due(
        self, timer: DueTimer, context: FireContext, session: AsyncClientSession
    ) -> Outcome:
        doc = await self._store.by_id(timer.ref_id or "", session)
        if doc is None or doc["status"] != NotificationStatus.SCHEDULED.value:
            return Outcome.SKIPPED
        await self._deliver_or_defer(doc, session)
        return Outcome.FIRED

    # -- outbound channels ------------------------------------------------------------------

    async def _on_webhook_due(
        self, timer: DueTimer, context: FireContext, session: AsyncClientSession
    ) -> Outcome:
        doc = await self._store.by_id(timer.ref_id or "", session)
        settings = await self.channel_settings(timer.user_id, session) if doc else None
        if (
            doc is None
            or settings is None
            or settings.webhook is None
            or not settings.webhook_secret
        ):
            return Outcome.SKIPPED
        payload = {
            "id": doc["_id"],
            "type": f"notification.{doc['kind']}",
            "notification": notification_from_doc(doc).model_dump(mode="json"),
        }
        attempt = (
            int(doc.get("channels", {}).get(ChannelName.WEBHOOK.value, {}).get("attempts", 0)) + 1
        )
        try:
            await self._webhooks.send(
                str(settings.webhook.url),
                settings.webhook_secret,
                payload,
                delivery_id=f"{doc['_id']}:{attempt}",
            )
        except DeliveryError as exc:
            await self._channel_failed(
                doc, ChannelName.WEBHOOK, WEBHOOK, attempt, exc, context.now, session
            )
            return Outcome.FIRED
        await self._channel_delivered(doc, ChannelName.WEBHOOK, attempt, context.now, session)
        return Outcome.FIRED

    async def _on_email_due(
        self, timer: DueTimer, context: FireContext, session: AsyncClientSession
    ) -> Outcome:
        doc = await self._store.by_id(timer.ref_id or "", session)
        settings = await self.channel_settings(timer.user_id, session) if doc else None
        if doc is None or settings is None or settings.email is None or self._email is None:
            return Outcome.SKIPPED
        attempt = (
            int(doc.get("channels", {}).get(ChannelName.EMAIL.value, {}).get("attempts", 0)) + 1
        )
        try:
            await self._email.send(
                str(settings.email.address),
                doc["title"],
                doc["body"],
                message_id=f"{doc['_id']}.{attempt}",
            )
        except DeliveryError as exc:
            await self._channel_failed(
                doc, ChannelName.EMAIL, EMAIL, attempt, exc, context.now, session
            )
            return Outcome.FIRED
        await self._channel_delivered(doc, ChannelName.EMAIL, attempt, context.now, session)
        return Outcome.FIRED

    async def _channel_delivered(
        self,
        doc: dict[str, Any],
        channel: ChannelName,
        attempt: int,
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        await self._store.update(
            doc["_id"],
            {
                f"channels.{channel.value}": {
                    "status": ChannelStatus.DELIVERED.value,
                    "attempts": attempt,
                    "delivered_at": now,
                    "last_error": None,
                }
            },
            session,
        )
        await self._announce(doc, "delivered", channel.value, None, session)

    async def _channel_failed(
        self,
        doc: dict[str, Any],
        channel: ChannelName,
        kind: str,
        attempt: int,
        error: DeliveryError,
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        final = attempt >= self._max_attempts or not error.retryable
        state = {
            "status": (ChannelStatus.FAILED if final else ChannelStatus.RETRYING).value,
            "attempts": attempt,
            "delivered_at": None,
            "last_error": str(error),
        }
        await self._store.update(doc["_id"], {f"channels.{channel.value}": state}, session)
        if not final:
            delay = self._retry_base * (2 ** (attempt - 1))
            await self._timers.add(
                new_timer(
                    user_id=doc["user_id"],
                    kind=kind,
                    due_at=now + timedelta(seconds=delay),
                    ref_id=doc["_id"],
                    now=now,
                ),
                session,
            )
            return
        log.warning(
            "notification delivery failed for good",
            notification_id=doc["_id"],
            channel=channel.value,
            error=str(error),
        )
        failed = NotificationChanged(
            user_id=doc["user_id"],
            notification_id=doc["_id"],
            kind=doc["kind"],
            status="failed",
            channel=channel.value,
            detail=str(error),
        )
        event = new_event(
            "scheduler.notification.changed", source=SOURCE, subject=doc["user_id"], data=failed
        )
        await self._outbox.put(
            event, session, topic=dead_letter_topic(Topic.SCHEDULER_ACTIVITY.value)
        )
        await self._outbox.put(event.model_copy(update={"id": uuid.uuid4()}), session)

    async def _announce(
        self,
        doc: dict[str, Any],
        status: str,
        channel: str | None,
        detail: str | None,
        session: AsyncClientSession,
    ) -> None:
        payload = NotificationChanged(
            user_id=doc["user_id"],
            notification_id=doc["_id"],
            kind=doc["kind"],
            status=status,
            channel=channel,
            detail=detail,
        )
        await self._outbox.put(
            new_event(
                "scheduler.notification.changed",
                source=SOURCE,
                subject=doc["user_id"],
                data=payload,
            ),
            session,
        )

    # -- the inbox -------------------------------------------------------------------------

    async def page(
        self,
        user_id: str,
        *,
        status: NotificationStatus | None,
        kind: str | None,
        limit: int,
        cursor: str | None,
    ) -> NotificationPage:
        query: dict[str, Any] = {"user_id": user_id}
        if status is not None:
            query["status"] = status.value
        else:
            query["status"] = {"$ne": NotificationStatus.SCHEDULED.value}
        if kind is not None:
            query["kind"] = kind
        docs = await self._store.page(
            query, limit=limit + 1, before=decode_cursor(cursor) if cursor else None
        )
        more = len(docs) > limit
        docs = docs[:limit]
        next_cursor = (
            encode_cursor(docs[-1]["created_at"], docs[-1]["_id"]) if more and docs else None
        )
        unread = await self._store.count(
            {"user_id": user_id, "status": NotificationStatus.UNREAD.value}
        )
        return NotificationPage(
            items=[notification_from_doc(d) for d in docs],
            next_cursor=next_cursor,
            unread_count=unread,
        )

    async def scheduled(self, user_id: str) -> list[Notification]:
        docs = await self._store.page(
            {"user_id": user_id, "status": NotificationStatus.SCHEDULED.value},
            limit=200,
            before=None,
        )
        return [notification_from_doc(d) for d in docs]

    async def get(self, user_id: str, notification_id: str) -> Notification:
        doc = await self._store.get(user_id, notification_id)
        if doc is None:
            raise not_found("Notification")
        return notification_from_doc(doc)

    async def change_status(
        self, user_id: str, notification_id: str, status: NotificationStatus
    ) -> Notification:
        doc = await self._store.get(user_id, notification_id)
        if doc is None:
            raise not_found("Notification")
        if status == NotificationStatus.SCHEDULED:
            raise ProblemError(
                422, "A notification cannot be scheduled again by hand.", code="invalid-status"
            )
        if doc["status"] == NotificationStatus.SCHEDULED.value:
            raise ProblemError(
                409, "This notification has not been delivered yet.", code="not-delivered"
            )
        now = self._clock.now()
        changes: dict[str, Any] = {"status": status.value, "updated_at": now}
        if status in (
            NotificationStatus.READ,
            NotificationStatus.ACTED_UPON,
            NotificationStatus.DISMISSED,
        ):
            changes["read_at"] = doc.get("read_at") or now
        if status == NotificationStatus.ACTED_UPON:
            changes["acted_at"] = now
        updated = await self._store.update(notification_id, changes)
        return notification_from_doc(updated or doc)

    # -- channel settings -------------------------------------------------------------------

    async def channel_settings(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> ChannelSettings:
        doc = await self._store.channel_settings(user_id, session)
        if doc is None:
            return ChannelSettings()
        return ChannelSettings.model_validate(
            {k: v for k, v in doc.items() if k in ChannelSettings.model_fields}
        )

    async def update_channel_settings(
        self, user_id: str, body: ChannelSettingsIn
    ) -> ChannelSettings:
        current = await self.channel_settings(user_id)
        secret = current.webhook_secret
        fresh_secret = False
        if body.webhook is not None and (secret is None or body.rotate_webhook_secret):
            secret = "whsec_" + secrets.token_urlsafe(32)
            fresh_secret = True
        saved = ChannelSettings(
            in_app=body.in_app,
            webhook=body.webhook,
            webhook_secret=secret if body.webhook is not None else None,
            email=body.email,
            max_per_hour=body.max_per_hour,
        )
        await self._store.save_channel_settings(user_id, saved.model_dump(mode="json"))
        return saved if fresh_secret else self.masked(saved)

    @staticmethod
    def masked(settings: ChannelSettings) -> ChannelSettings:
        if settings.webhook_secret:
            return settings.model_copy(
                update={"webhook_secret": settings.webhook_secret[:10] + "…"}
            )
        return settings
