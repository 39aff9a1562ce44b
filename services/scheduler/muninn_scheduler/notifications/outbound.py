"""Webhook and e-mail delivery: one timer per attempt, backoff between them, dead letter at the end.

Each attempt runs as its own timer so a slow or failing endpoint never holds up the inbox,
and the attempt count, last error and final state are kept on the notification — a failure
is visible to the person, never silently dropped. The call itself is made outside any
MongoDB transaction and its outcome recorded after, so a retried transaction never sends
twice; receivers de-duplicate the at-least-once delivery by the notification id.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.events import Topic, dead_letter_topic
from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import Document
from muninn_shared.storage.outbox import Outbox
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.delivery.email import EmailSender
from muninn_scheduler.delivery.webhook import DeliveryError, WebhookSender
from muninn_scheduler.notifications import events
from muninn_scheduler.notifications.channels import channel_settings
from muninn_scheduler.notifications.models import ChannelName, ChannelSettings, ChannelStatus
from muninn_scheduler.notifications.store import NotificationStore, notification_from_doc
from muninn_scheduler.timers.models import DueTimer, new_timer
from muninn_scheduler.timers.service import TimerService
from muninn_scheduler.timers.wheel import FireContext, Outcome, Recorder, TimerWheel

log = get_logger(__name__)

WEBHOOK = "notification.webhook"
EMAIL = "notification.email"


async def _skipped(session: AsyncClientSession) -> Outcome:
    return Outcome.SKIPPED


async def _attempted(sending: Awaitable[None], *, retry_unforeseen: bool) -> DeliveryError | None:
    """What went wrong with one attempt; any error at all marks the attempt failed.

    An error the sender did not foresee is final for e-mail (a message it cannot build will
    not build later) but retried for webhooks, where giving up sooner on some targets than
    on others would tell them apart."""
    try:
        await sending
    except DeliveryError as exc:
        return exc
    except Exception as exc:
        log.exception("notification sender raised")
        return DeliveryError(repr(exc), retryable=retry_unforeseen)
    return None


@dataclass(kw_only=True, eq=False, repr=False)
class OutboundChannels:
    store: NotificationStore
    timers: TimerService
    outbox: Outbox
    webhooks: WebhookSender
    email: EmailSender | None
    max_attempts: int = 6
    retry_base_seconds: float = 30.0

    @property
    def email_enabled(self) -> bool:
        return self.email is not None

    def register_timers(self, wheel: TimerWheel) -> None:
        # One at a time, and outside the firing transaction: a retried transaction must
        # record the attempt again, never make it again.
        wheel.register_call(WEBHOOK, self._send_webhook)
        wheel.register_call(EMAIL, self._send_email)

    async def _notification_and_settings(
        self, timer: DueTimer
    ) -> tuple[Document, ChannelSettings] | None:
        """The notification an attempt is for and its user's channels (None: it is gone)."""
        doc = await self.store.by_id(timer.ref_id or "")
        if doc is None:
            return None
        return doc, await channel_settings(self.store, timer.user_id)

    async def _send_webhook(self, timer: DueTimer, context: FireContext) -> Recorder:
        found = await self._notification_and_settings(timer)
        if found is None:
            return _skipped
        doc, settings = found
        if settings.webhook is None or not settings.webhook_secret:
            return _skipped
        payload = {
            "id": doc["_id"],
            "type": f"notification.{doc['kind']}",
            "notification": notification_from_doc(doc).model_dump(mode="json"),
        }
        attempt = self._attempt(doc, ChannelName.WEBHOOK)
        error = await _attempted(
            self.webhooks.send(
                str(settings.webhook.url),
                settings.webhook_secret,
                payload,
                delivery_id=f"{doc['_id']}:{attempt}",
            ),
            retry_unforeseen=True,
        )
        return self._recorder(doc, ChannelName.WEBHOOK, WEBHOOK, attempt, error, context.now)

    async def _send_email(self, timer: DueTimer, context: FireContext) -> Recorder:
        found = await self._notification_and_settings(timer)
        if found is None:
            return _skipped
        doc, settings = found
        if settings.email is None or not settings.email_confirmed or self.email is None:
            return _skipped
        attempt = self._attempt(doc, ChannelName.EMAIL)
        error = await _attempted(
            self.email.send(
                str(settings.email.address),
                doc["title"],
                doc["body"],
                message_id=f"{doc['_id']}.{attempt}",
            ),
            retry_unforeseen=False,
        )
        return self._recorder(doc, ChannelName.EMAIL, EMAIL, attempt, error, context.now)

    def _recorder(
        self,
        doc: dict[str, Any],
        channel: ChannelName,
        kind: str,
        attempt: int,
        error: DeliveryError | None,
        now: datetime,
    ) -> Recorder:
        if error is not None:
            log.warning(
                "notification delivery attempt failed",
                notification_id=doc["_id"],
                channel=channel.value,
                attempt=attempt,
                detail=error.detail,
            )

        async def record(session: AsyncClientSession) -> Outcome:
            if error is None:
                await self._delivered(doc, channel, attempt, now, session)
            else:
                await self._failed(doc, channel, kind, attempt, error, now, session)
            return Outcome.FIRED

        return record

    @staticmethod
    def _attempt(doc: dict[str, Any], channel: ChannelName) -> int:
        return int(doc.get("channels", {}).get(channel.value, {}).get("attempts", 0)) + 1

    async def _delivered(
        self,
        doc: dict[str, Any],
        channel: ChannelName,
        attempt: int,
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        await self.store.update(
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
        await self.outbox.put(events.changed(doc, "delivered", channel.value), session)

    async def _failed(
        self,
        doc: dict[str, Any],
        channel: ChannelName,
        kind: str,
        attempt: int,
        error: DeliveryError,
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        final = attempt >= self.max_attempts or not error.retryable
        state = {
            "status": (ChannelStatus.FAILED if final else ChannelStatus.RETRYING).value,
            "attempts": attempt,
            "delivered_at": None,
            "last_error": str(error),  # the same words for every failure
        }
        await self.store.update(doc["_id"], {f"channels.{channel.value}": state}, session)
        if not final:
            delay = self.retry_base_seconds * (2 ** (attempt - 1))
            await self.timers.add(
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
            detail=error.detail,
        )
        event = events.changed(doc, "failed", channel.value, str(error))
        await self.outbox.put(
            event, session, topic=dead_letter_topic(Topic.SCHEDULER_ACTIVITY.value)
        )
        await self.outbox.put(event.model_copy(update={"id": uuid.uuid4()}), session)
