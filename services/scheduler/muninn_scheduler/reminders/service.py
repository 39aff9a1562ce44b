"""Reminders: create, change, complete, snooze, delete — and what happens when one is due.

A reminder's notification may wait for quiet hours or the rate limit to pass. Whatever the
person then does to the reminder withdraws its open notifications in the same transaction:
completing it, deleting it, snoozing it or moving it to another time cancels one still
waiting (with its delivery timer), so it never arrives. One already delivered and unread
becomes ``acted_upon`` when the reminder is completed, and ``dismissed`` otherwise: a notice
of a reminder that is gone, or that will come again at its new time, is noise.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from muninn_shared.contexts import Context
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import in_transaction
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.documents import owner_query
from muninn_scheduler.feature import ById, DueBatch, TimedFeature
from muninn_scheduler.notifications.models import NotificationStatus, Priority
from muninn_scheduler.notifications.service import NotificationSpec
from muninn_scheduler.reminders.models import (
    Reminder,
    ReminderIn,
    ReminderPage,
    ReminderPatch,
    ReminderSource,
    ReminderStatus,
    Snooze,
)
from muninn_scheduler.reminders.recurrence import (
    RecurrenceError,
    localize,
    next_occurrence,
    parse_rule,
)
from muninn_scheduler.reminders.store import ReminderStore, reminder_from_doc
from muninn_scheduler.schema import PageQuery
from muninn_scheduler.timers.models import DueTimer, Misfire, new_timer
from muninn_scheduler.timers.wheel import FireContext, Outcome

KIND = "reminder"
PAST_TOLERANCE = timedelta(minutes=1)


class ReminderChange(StrEnum):
    """What the person did to a reminder that makes its open notifications pointless."""

    COMPLETED = "reminder_completed"
    DELETED = "reminder_deleted"
    SNOOZED = "reminder_snoozed"
    RESCHEDULED = "reminder_rescheduled"

    @property
    def unread_becomes(self) -> NotificationStatus:
        """Completing does what the notice asked; anything else leaves a notice about a
        reminder that is gone or will come again later."""
        if self is ReminderChange.COMPLETED:
            return NotificationStatus.ACTED_UPON
        return NotificationStatus.DISMISSED


class ReminderService(TimedFeature[ReminderStore]):
    timer_kind = KIND

    # -- writing -----------------------------------------------------------------------------

    async def _zone_for(self, user_id: str, requested: str | None) -> str:
        if requested:
            return requested
        return (await self._profiles.get(user_id)).timezone

    @staticmethod
    def _first_due(start_local: datetime, zone: ZoneInfo, rule: str | None) -> datetime:
        start_utc = localize(start_local, zone).astimezone(UTC)
        if not rule:
            return start_utc
        try:
            first = next_occurrence(rule, start_local, zone, start_utc - timedelta(seconds=1))
        except RecurrenceError as exc:
            raise ProblemError(422, str(exc), code="invalid-rrule") from None
        if first is None:
            raise ProblemError(
                422, "This rule has no occurrence after its start.", code="invalid-rrule"
            )
        return first

    def _start_local(
        self, due_at: datetime | None, local_time: datetime | None, zone: ZoneInfo
    ) -> datetime:
        if due_at is not None:
            return due_at.astimezone(zone).replace(tzinfo=None)
        assert local_time is not None
        return local_time.replace(second=local_time.second, microsecond=0)

    async def create(
        self,
        user_id: str,
        body: ReminderIn,
        *,
        source: ReminderSource | None = None,
        session: AsyncClientSession | None = None,
    ) -> Reminder:
        timezone = await self._zone_for(user_id, body.timezone)
        zone = ZoneInfo(timezone)
        start_local = self._start_local(body.due_at, body.local_time, zone)
        if body.rrule:
            try:
                parse_rule(body.rrule, start_local)
            except RecurrenceError as exc:
                raise ProblemError(422, str(exc), code="invalid-rrule") from None
        due = self._first_due(start_local, zone, body.rrule)
        now = self._clock.now()
        if not body.rrule and due < now - PAST_TOLERANCE:
            raise ProblemError(
                422, "That time has already passed; pick a time in the future.", code="in-the-past"
            )
        if body.rrule and due < now:
            due = next_occurrence(body.rrule, start_local, zone, now) or due
        misfire = body.misfire or (Misfire.COLLAPSE if body.rrule else Misfire.FIRE_LATE)
        doc: dict[str, Any] = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "title": body.title,
            "notes": body.notes,
            "timezone": timezone,
            "start_local": start_local.isoformat(),
            "rrule": body.rrule,
            "next_due_at": due,
            "status": ReminderStatus.ACTIVE.value,
            "priority": body.priority.value,
            "context": body.context.value,
            "conversation_id": body.conversation_id,
            "tags": body.tags,
            "misfire": misfire.value,
            "snoozed_until": None,
            "fired_count": 0,
            "last_fired_at": None,
            "source": (source or ReminderSource()).model_dump(),
            "created_at": now,
            "updated_at": now,
            "completed_at": None,
        }

        async def work(tx: AsyncClientSession) -> None:
            await self._store.insert(doc, tx)
            await self._arm(doc, due, tx, occurrence=due)

        await self._write(work, session)
        return reminder_from_doc(doc, preview=3)

    async def _arm(
        self,
        doc: dict[str, Any],
        due: datetime,
        session: AsyncClientSession,
        *,
        occurrence: datetime,
    ) -> None:
        await self._timers.add(self._timer(doc, due, occurrence=occurrence), session)

    def _timer(self, doc: dict[str, Any], due: datetime, *, occurrence: datetime) -> dict[str, Any]:
        return new_timer(
            user_id=doc["user_id"],
            kind=KIND,
            due_at=due,
            ref_id=doc["_id"],
            payload={"occurrence": occurrence.isoformat()},
            misfire=Misfire(doc["misfire"]),
            now=self._clock.now(),
        )

    async def update(self, user_id: str, reminder_id: str, body: ReminderPatch) -> Reminder:
        doc = await self._store.owned(user_id, reminder_id)
        changes: dict[str, Any] = {}
        for name in ("title", "notes", "conversation_id", "tags"):
            if name in body.model_fields_set:
                changes[name] = getattr(body, name)
        for name in ("priority", "context"):
            if name in body.model_fields_set and getattr(body, name) is not None:
                changes[name] = getattr(body, name).value
        reschedule = bool({"due_at", "local_time", "timezone", "rrule"} & body.model_fields_set)
        if reschedule:
            timezone = body.timezone or doc["timezone"]
            zone = ZoneInfo(timezone)
            if body.due_at is not None or body.local_time is not None:
                start_local = self._start_local(body.due_at, body.local_time, zone)
            else:
                start_local = datetime.fromisoformat(doc["start_local"])
            rule = body.rrule if "rrule" in body.model_fields_set else doc.get("rrule")
            rule = rule or None
            due = self._first_due(start_local, zone, rule)
            now = self._clock.now()
            if rule and due < now:
                due = next_occurrence(rule, start_local, zone, now) or due
            if not rule and due < now - PAST_TOLERANCE:
                raise ProblemError(
                    422,
                    "That time has already passed; pick a time in the future.",
                    code="in-the-past",
                )
            changes.update(
                timezone=timezone,
                start_local=start_local.isoformat(),
                rrule=rule,
                next_due_at=due,
                status=ReminderStatus.ACTIVE.value,
                snoozed_until=None,
            )
        changes["updated_at"] = self._clock.now()

        async def work(session: AsyncClientSession) -> dict[str, Any] | None:
            updated = await self._store.update(reminder_id, changes, session)
            if reschedule and updated is not None:
                await self._withdraw_notices(
                    user_id, reminder_id, ReminderChange.RESCHEDULED, session
                )
                await self._timers.cancel_for(KIND, reminder_id, session)
                await self._arm(
                    updated, updated["next_due_at"], session, occurrence=updated["next_due_at"]
                )
            return updated

        updated = await in_transaction(self._client, work)
        self._poke()
        return reminder_from_doc(updated or doc, preview=3)

    async def complete(self, user_id: str, reminder_id: str) -> Reminder:
        await self._store.owned(user_id, reminder_id)
        now = self._clock.now()

        async def work(session: AsyncClientSession) -> dict[str, Any] | None:
            await self._timers.cancel_for(KIND, reminder_id, session)
            await self._withdraw_notices(user_id, reminder_id, ReminderChange.COMPLETED, session)
            return await self._store.update(
                reminder_id,
                {
                    "status": ReminderStatus.COMPLETED.value,
                    "completed_at": now,
                    "next_due_at": None,
                    "updated_at": now,
                },
                session,
            )

        updated = await in_transaction(self._client, work)
        assert updated is not None
        return reminder_from_doc(updated)

    async def snooze(self, user_id: str, reminder_id: str, body: Snooze) -> Reminder:
        doc = await self._store.owned(user_id, reminder_id)
        if doc["status"] == ReminderStatus.COMPLETED.value:
            raise ProblemError(
                409,
                "This reminder is completed; change its time to use it again.",
                code="completed",
            )
        now = self._clock.now()
        until = body.until if body.until is not None else now + timedelta(minutes=body.minutes or 0)
        if until <= now:
            raise ProblemError(422, "Snooze until a time in the future.", code="in-the-past")
        pending = await self._timers.pending_for(KIND, reminder_id)
        occurrence = until
        if pending and pending[0].get("payload", {}).get("occurrence"):
            occurrence = datetime.fromisoformat(pending[0]["payload"]["occurrence"])
        elif doc.get("last_fired_at") and doc.get("rrule"):
            occurrence = doc["last_fired_at"]

        async def work(session: AsyncClientSession) -> dict[str, Any] | None:
            await self._timers.cancel_for(KIND, reminder_id, session)
            await self._withdraw_notices(user_id, reminder_id, ReminderChange.SNOOZED, session)
            updated = await self._store.update(
                reminder_id,
                {
                    "status": ReminderStatus.ACTIVE.value,
                    "snoozed_until": until,
                    "next_due_at": until,
                    "updated_at": now,
                },
                session,
            )
            assert updated is not None
            await self._arm(updated, until, session, occurrence=occurrence)
            return updated

        updated = await in_transaction(self._client, work)
        self._poke()
        return reminder_from_doc(updated or doc)

    async def delete(
        self, user_id: str, reminder_id: str, *, session: AsyncClientSession | None = None
    ) -> None:
        await self._store.owned(user_id, reminder_id, session)

        async def work(tx: AsyncClientSession) -> None:
            await self._delete_timed(reminder_id, tx)
            await self._withdraw_notices(user_id, reminder_id, ReminderChange.DELETED, tx)

        await self._write(work, session)

    async def _withdraw_notices(
        self,
        user_id: str,
        reminder_id: str,
        change: ReminderChange,
        session: AsyncClientSession,
    ) -> None:
        await self._notifications.withdraw_about(
            user_id,
            KIND,
            KIND,
            reminder_id,
            change.value,
            session,
            unread_becomes=change.unread_becomes,
        )

    # -- reading -----------------------------------------------------------------------------

    async def get(self, user_id: str, reminder_id: str) -> Reminder:
        return reminder_from_doc(await self._store.owned(user_id, reminder_id), preview=5)

    async def page(
        self,
        user_id: str,
        paging: PageQuery,
        *,
        status: ReminderStatus | None,
        context: Context | None,
        tag: str | None,
    ) -> ReminderPage:
        items, next_cursor = await self._store.page(
            owner_query(user_id, status=status, context=context, tags=tag),
            paging,
            convert=reminder_from_doc,
        )
        return ReminderPage(items=items, next_cursor=next_cursor)

    # -- firing ------------------------------------------------------------------------------

    async def _fire(
        self, timers: DueBatch, docs: ById, context: FireContext, session: AsyncClientSession
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        notes: list[NotificationSpec] = []
        arms: list[dict[str, Any]] = []
        updates: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        for timer in timers:
            doc = docs.get(timer.ref_id or "")
            if doc is None or doc["status"] != ReminderStatus.ACTIVE.value:
                outcomes.append(Outcome.SKIPPED)
                continue
            outcome, changes = self._fire_one(doc, timer, context, notes, arms)
            outcomes.append(outcome)
            updates.append(
                (doc["_id"], changes, {"fired_count": 1} if outcome == Outcome.FIRED else None)
            )
        await self._notifications.create_many(session, notes)
        await self._timers.add_many(arms, session)
        await self._store.update_each(updates, session)
        return outcomes

    def _fire_one(
        self,
        doc: dict[str, Any],
        timer: DueTimer,
        context: FireContext,
        notes: list[NotificationSpec],
        arms: list[dict[str, Any]],
    ) -> tuple[Outcome, dict[str, Any]]:
        occurrence = (
            datetime.fromisoformat(timer.payload["occurrence"])
            if timer.payload.get("occurrence")
            else timer.due_at
        )
        missed = context.missed(timer)
        changes: dict[str, Any] = {"snoozed_until": None, "updated_at": context.now}
        outcome = Outcome.SKIPPED
        if not context.skip(timer):
            missed_note = " (this was due while Muninn was offline)" if missed else ""
            body = f"Reminder: {doc['title']}{missed_note}"
            if doc.get("notes"):
                body += f"\n{doc['notes']}"
            notes.append(
                NotificationSpec(
                    user_id=doc["user_id"],
                    kind=KIND,
                    title=doc["title"],
                    body=body,
                    priority=Priority(doc["priority"]),
                    ref_kind=KIND,
                    ref_id=doc["_id"],
                    conversation_id=doc.get("conversation_id"),
                )
            )
            changes["last_fired_at"] = context.now
            outcome = Outcome.FIRED
        if doc.get("rrule"):
            zone = ZoneInfo(doc["timezone"])
            start = datetime.fromisoformat(doc["start_local"])
            # Collapse and skip resume from now; fire-late walks through every missed occurrence.
            after = (
                context.now
                if missed and timer.misfire != Misfire.FIRE_LATE
                else max(occurrence, timer.due_at)
            )
            upcoming_due = next_occurrence(doc["rrule"], start, zone, after)
            changes["next_due_at"] = upcoming_due
            if upcoming_due is None:
                changes["status"] = ReminderStatus.COMPLETED.value
                changes["completed_at"] = context.now
            else:
                arms.append(self._timer(doc, upcoming_due, occurrence=upcoming_due))
        else:
            changes["status"] = ReminderStatus.FIRED.value
            changes["next_due_at"] = None
        return outcome, changes
