"""Briefings before a meeting: integrations writes them, the scheduler delivers them on time.

One briefing per (event, contact), keyed by its record id (``briefing:<event>:<contact>``):
an updated record moves its timer, a deleted one cancels it, and one whose meeting has
started is dropped. A briefing arriving after its ``deliver_at`` while the meeting is still
ahead goes out at once.

Briefings are **urgent**: the delivery policy holds every other priority until quiet hours
end, which for an early meeting is after the meeting; a briefing held past its meeting is
worthless, and the person asked for it by having the meeting.

A briefing's notification records which briefing and which meeting start it was for
(``source``). When integrations withdraw the briefing (the meeting cancelled or deleted, or
the contact no longer attending) or announce it for another start (the meeting moved), its
notifications for the old meeting are withdrawn in the transaction of that record: one still
waiting for delivery is cancelled with its timer, and one delivered and unread is
``dismissed`` — a briefing for a meeting that is not happening, or not then, is noise (a
moved meeting gets its own briefing before its new start).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from muninn_shared.events.payloads import IntegrationRecord
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.feature import FeatureDeps
from muninn_scheduler.notifications.models import NotificationStatus, Priority
from muninn_scheduler.notifications.service import NotificationSpec
from muninn_scheduler.nudges.gate import contact_allows, user_allows
from muninn_scheduler.nudges.models import NudgeSettings
from muninn_scheduler.nudges.store import NudgeStore, contact_key
from muninn_scheduler.timers.models import DueTimer, Misfire, new_timer
from muninn_scheduler.timers.wheel import FireContext, Outcome, TimerWheel

DELIVER = "nudges.briefing"
NOTICE = "briefing"  # the kind of notification a briefing becomes
MAX_TITLE = 200
MAX_CONTENT = 4000
# Moments go through MongoDB at millisecond precision: closer than this is the same start.
SAME_MOMENT = timedelta(milliseconds=1)


class BriefingChange(StrEnum):
    """Why a briefing's notifications no longer fit its meeting."""

    CANCELLED = "meeting_cancelled"  # or deleted, or the contact no longer attends
    MOVED = "meeting_moved"


def briefing_source(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a briefing's notification records, to be found again when its meeting changes."""
    return {"briefing_id": doc["_id"], "event_start": doc["event_start"]}


def stale(
    notices: Sequence[Mapping[str, Any]], event_start: datetime | None
) -> tuple[BriefingChange, list[Mapping[str, Any]]]:
    """Which of a briefing's open notifications no longer fit its meeting, and why: all of
    them when the briefing is gone (``event_start`` None), those for another start when the
    meeting moved."""
    if event_start is None:
        return BriefingChange.CANCELLED, list(notices)
    moved = [
        notice
        for notice in notices
        if not _same_moment((notice.get("source") or {}).get("event_start"), event_start)
    ]
    return BriefingChange.MOVED, moved


def _same_moment(stored: object, moment: datetime) -> bool:
    return isinstance(stored, datetime) and abs(stored - moment) < SAME_MOMENT


def _text(data: dict[str, Any], field: str, limit: int) -> str | None:
    value = data.get(field)
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


@dataclass(kw_only=True, eq=False, repr=False)
class Briefings:
    deps: FeatureDeps
    store: NudgeStore

    def register_timers(self, wheel: TimerWheel) -> None:
        wheel.register_batch(DELIVER, self._on_due)

    async def on_record(self, record: IntegrationRecord, session: AsyncClientSession) -> None:
        data = record.data
        key = contact_key(record.user_id, record.record_id)
        await self.deps.timers.cancel_for(DELIVER, key, session)
        now = self.deps.clock.now()
        contact_id = _text(data, "contact_id", 200)
        event_start = record.moment("event_start")
        if data.get("action") == "deleted":
            await self._withdraw_notices(record.user_id, contact_id, key, None, session)
        if (
            data.get("action") == "deleted"
            or contact_id is None
            or event_start is None
            or event_start <= now
        ):
            await self.store.delete_briefing(key, session)
            return
        await self._withdraw_notices(record.user_id, contact_id, key, event_start, session)
        existing = await self.store.briefing(key, session)
        fields = {
            "user_id": record.user_id,
            "contact_id": contact_id,
            "title": _text(data, "title", MAX_TITLE),
            "content": _text(data, "content", MAX_CONTENT) or "",
            "event_record_id": _text(data, "event_record_id", 500),
            "event_title": _text(data, "event_title", MAX_TITLE),
            "event_start": event_start,
            "updated_at": now,
        }
        await self.store.save_briefing(key, fields, session)
        if existing is not None and existing.get("delivered_for") == event_start:
            return  # already delivered for this meeting: an edit does not send it twice
        deliver_at = record.moment("deliver_at") or now
        due = max(deliver_at, now)
        timer = new_timer(
            user_id=record.user_id,
            kind=DELIVER,
            due_at=due,
            ref_id=key,
            misfire=Misfire.FIRE_LATE,
            misfire_grace_seconds=max(0.0, (event_start - due).total_seconds()),
            now=now,
        )
        await self.deps.timers.add(timer, session)

    async def _withdraw_notices(
        self,
        user_id: str,
        contact_id: str | None,
        key: str,
        event_start: datetime | None,
        session: AsyncClientSession,
    ) -> None:
        """Withdraw the briefing's open notifications that no longer fit its meeting (see
        ``stale``)."""
        if contact_id is None:
            # A deleted record may not say whom it was about: the briefing kept here does.
            kept = await self.store.briefing(key, session)
            contact_id = (kept or {}).get("contact_id")
            if contact_id is None:
                return
        notices = await self.deps.notifications.open_about(
            user_id, NOTICE, contact_id, {"briefing_id": key}, session, ref_kind="contact"
        )
        change, withdrawn = stale(notices, event_start)
        await self.deps.notifications.withdraw(
            withdrawn, change.value, session, unread_becomes=NotificationStatus.DISMISSED
        )

    async def _on_due(
        self, timers: Sequence[DueTimer], context: FireContext, session: AsyncClientSession
    ) -> list[Outcome]:
        found = await self.store.briefings((t.ref_id or "" for t in timers), session)
        users = {t.user_id for t in timers}
        settings = await self.store.settings_many(users, session)
        notes: list[NotificationSpec] = []
        outcomes: list[Outcome] = []
        for timer in timers:
            doc = found.get(timer.ref_id or "")
            if doc is None or doc["event_start"] <= context.now:
                outcomes.append(Outcome.SKIPPED)
                continue
            prefs = NudgeSettings.model_validate(settings.get(timer.user_id, {}))
            contact = await self.store.contact(timer.user_id, doc["contact_id"], session)
            if not (
                user_allows(prefs, "briefing", context.now) and contact_allows(contact, context.now)
            ):
                outcomes.append(Outcome.SKIPPED)
                continue
            notes.append(self._spec(doc, contact))
            outcomes.append(Outcome.FIRED)
            delivered = {"delivered_for": doc["event_start"], "delivered_at": context.now}
            await self.store.save_briefing(doc["_id"], delivered, session)
        await self.deps.notifications.create_many(session, notes)
        return outcomes

    @staticmethod
    def _spec(doc: dict[str, Any], contact: dict[str, Any] | None) -> NotificationSpec:
        name = (contact or {}).get("name")
        event = doc.get("event_title") or "your meeting"
        if name:
            title = f"Before your meeting with {name}: {event}"
        else:
            title = doc.get("title") or f"Before {event}"
        return NotificationSpec(
            user_id=doc["user_id"],
            kind=NOTICE,
            title=title[:MAX_TITLE],
            body=doc.get("content") or title,
            priority=Priority.URGENT,
            ref_kind="contact",
            ref_id=doc["contact_id"],
            source=briefing_source(doc),
        )
