"""Tasks: create, change, complete (recurring ones spawn their next occurrence), delete, and the
reminder a task with a due time can send ahead of it.

That reminder's notification (``task_due``) may wait for quiet hours or the rate limit to
pass. Completing, cancelling or deleting the task, or moving its due time, withdraws its open
notifications in the same transaction: one still waiting is cancelled with its delivery
timer and never arrives; one delivered and unread becomes ``acted_upon`` for a completed task
and ``dismissed`` otherwise (a task gone, cancelled or due at another time makes the notice
noise; a moved task is reminded of again before its new due time).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
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
from muninn_scheduler.notifications.models import NotificationStatus
from muninn_scheduler.notifications.service import NotificationSpec
from muninn_scheduler.reminders.recurrence import RecurrenceError, next_occurrence, parse_rule
from muninn_scheduler.schema import PageQuery
from muninn_scheduler.tasks.models import (
    OPEN,
    Completion,
    Task,
    TaskIn,
    TaskPage,
    TaskPatch,
    TaskPriority,
    TaskStatus,
)
from muninn_scheduler.tasks.store import TaskStore, task_from_doc
from muninn_scheduler.timers.models import Misfire, new_timer
from muninn_scheduler.timers.wheel import FireContext, Outcome

KIND = "task.due"
NOTICE = "task_due"  # the kind of notification the timer sends
REF_KIND = "task"


class TaskChange(StrEnum):
    """What happened to a task that makes its open ``task_due`` notifications pointless."""

    COMPLETED = "task_completed"
    CANCELLED = "task_cancelled"
    DELETED = "task_deleted"
    RESCHEDULED = "task_rescheduled"

    @property
    def unread_becomes(self) -> NotificationStatus:
        """Completing does what the notice asked; otherwise the notice is about a task that
        is gone, dropped, or due at another time (and reminded of again before it)."""
        if self is TaskChange.COMPLETED:
            return NotificationStatus.ACTED_UPON
        return NotificationStatus.DISMISSED


def change_of(before: Mapping[str, Any], after: Mapping[str, Any]) -> TaskChange | None:
    """What an edit turning ``before`` into ``after`` means for the task's open notices."""
    if after["status"] != before["status"]:
        if after["status"] == TaskStatus.COMPLETED.value:
            return TaskChange.COMPLETED
        if after["status"] == TaskStatus.CANCELLED.value:
            return TaskChange.CANCELLED
    if after.get("due_at") != before.get("due_at"):
        return TaskChange.RESCHEDULED
    return None


def remind_at(doc: dict[str, Any]) -> datetime | None:
    if doc.get("due_at") is None or doc.get("remind_minutes_before") is None:
        return None
    due: datetime = doc["due_at"]
    return due - timedelta(minutes=doc["remind_minutes_before"])


def local_text(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %d %b, %H:%M")


class TaskService(TimedFeature[TaskStore]):
    timer_kind = KIND

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _check_rule(rule: str | None, due: datetime | None, timezone: str) -> None:
        if not rule:
            return
        if due is None:
            raise ProblemError(422, "A repeating task needs a due_at.", code="invalid-rrule")
        try:
            parse_rule(rule, due.astimezone(ZoneInfo(timezone)).replace(tzinfo=None))
        except RecurrenceError as exc:
            raise ProblemError(422, str(exc), code="invalid-rrule") from None

    async def create(
        self,
        user_id: str,
        body: TaskIn,
        *,
        created_from: str = "manual",
        session: AsyncClientSession | None = None,
    ) -> Task:
        timezone = body.timezone or (await self._profiles.get(user_id, session)).timezone
        self._check_rule(body.rrule, body.due_at, timezone)
        now = self._clock.now()
        task_id = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "_id": task_id,
            "user_id": user_id,
            "title": body.title,
            "description": body.description,
            "priority": body.priority.value,
            "context": body.context.value,
            "status": body.status.value,
            "completed_at": None,
            "due_at": body.due_at.astimezone(UTC) if body.due_at else None,
            "scheduled_at": body.scheduled_at.astimezone(UTC) if body.scheduled_at else None,
            "estimated_minutes": body.estimated_minutes,
            "tags": body.tags,
            "rrule": body.rrule or None,
            "timezone": timezone,
            "remind_minutes_before": body.remind_minutes_before,
            "series_id": task_id,
            "occurrence": 1,
            "next_task_id": None,
            "created_from": created_from,
            "conversation_id": body.conversation_id,
            "created_at": now,
            "updated_at": now,
        }
        doc["remind_at"] = remind_at(doc)

        async def work(tx: AsyncClientSession) -> None:
            await self._store.insert(doc, tx)
            await self._arm(doc, tx)

        await self._write(work, session)
        return task_from_doc(doc)

    async def _arm(self, doc: dict[str, Any], session: AsyncClientSession) -> None:
        """(Re)arm the before-due reminder; only open tasks with a future reminder time get one."""
        await self._timers.cancel_for(KIND, doc["_id"], session)
        at = doc.get("remind_at")
        if at is None or doc["status"] not in OPEN or at <= self._clock.now():
            return
        await self._timers.add(
            new_timer(
                user_id=doc["user_id"],
                kind=KIND,
                due_at=at,
                ref_id=doc["_id"],
                payload={"due_at": doc["due_at"].isoformat()},
                misfire=Misfire.FIRE_LATE,
                misfire_grace_seconds=6 * 3600,
                now=self._clock.now(),
            ),
            session,
        )

    async def update(self, user_id: str, task_id: str, body: TaskPatch) -> Task:
        doc = await self._store.owned(user_id, task_id)
        changes: dict[str, Any] = {}
        for name in (
            "title",
            "description",
            "estimated_minutes",
            "tags",
            "rrule",
            "timezone",
            "remind_minutes_before",
        ):
            if name in body.model_fields_set:
                changes[name] = getattr(body, name)
        for name in ("priority", "context", "status"):
            if name in body.model_fields_set:
                changes[name] = getattr(body, name).value
        for name in ("due_at", "scheduled_at"):
            if name in body.model_fields_set:
                value = getattr(body, name)
                changes[name] = value.astimezone(UTC) if value else None
        if changes.get("rrule") == "":
            changes["rrule"] = None
        if {"due_at", "rrule", "timezone"} & changes.keys():
            # A changed schedule starts a new run of the rule from this task's due time.
            changes["series_start_local"] = None
        merged = {**doc, **changes}
        if merged.get("remind_minutes_before") is not None and merged.get("due_at") is None:
            raise ProblemError(
                422, "A reminder before the due time needs a due_at.", code="validation-failed"
            )
        self._check_rule(merged.get("rrule"), merged.get("due_at"), merged["timezone"])
        if changes.get("status") in OPEN and doc["status"] == TaskStatus.COMPLETED.value:
            changes["completed_at"] = None
        changes["remind_at"] = remind_at(merged)
        changes["updated_at"] = self._clock.now()

        async def work(session: AsyncClientSession) -> dict[str, Any] | None:
            updated = await self._store.update(task_id, changes, session)
            if updated is not None:
                await self._arm(updated, session)
                change = change_of(doc, updated)
                if change is not None:
                    await self._withdraw_notices(user_id, task_id, change, session)
            return updated

        updated = await in_transaction(self._client, work)
        self._poke()
        return task_from_doc(updated or doc)

    async def complete(self, user_id: str, task_id: str) -> Completion:
        doc = await self._store.owned(user_id, task_id)
        if doc["status"] == TaskStatus.COMPLETED.value:
            raise ProblemError(409, "This task is already completed.", code="already-completed")
        now = self._clock.now()
        follower = self._next_occurrence(doc, now)

        async def work(session: AsyncClientSession) -> dict[str, Any] | None:
            await self._timers.cancel_for(KIND, task_id, session)
            await self._withdraw_notices(user_id, task_id, TaskChange.COMPLETED, session)
            changes: dict[str, Any] = {
                "status": TaskStatus.COMPLETED.value,
                "completed_at": now,
                "updated_at": now,
            }
            if follower is not None:
                await self._store.insert(follower, session)
                await self._arm(follower, session)
                changes["next_task_id"] = follower["_id"]
            return await self._store.update(task_id, changes, session)

        updated = await in_transaction(self._client, work)
        self._poke()
        return Completion(
            task=task_from_doc(updated or doc),
            next=task_from_doc(follower) if follower is not None else None,
        )

    def _next_occurrence(self, doc: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """The series' next task: due at the rule's next occurrence after this one's due time.

        The rule runs from the first occurrence's local due time, so COUNT and UNTIL count
        the whole series and the wall-clock time survives DST changes.
        """
        if not doc.get("rrule") or doc.get("due_at") is None:
            return None
        zone = ZoneInfo(doc["timezone"])
        stored = doc.get("series_start_local")
        start = (
            datetime.fromisoformat(stored)
            if stored
            else doc["due_at"].astimezone(zone).replace(tzinfo=None)
        )
        due = next_occurrence(doc["rrule"], start, zone, doc["due_at"])
        if due is None:
            return None
        task_id = uuid.uuid4().hex
        follower = {
            **doc,
            "_id": task_id,
            "status": TaskStatus.TODO.value,
            "completed_at": None,
            "due_at": due,
            "scheduled_at": (
                doc["scheduled_at"] + (due - doc["due_at"]) if doc.get("scheduled_at") else None
            ),
            "series_start_local": start.isoformat(),
            "occurrence": int(doc.get("occurrence", 1)) + 1,
            "next_task_id": None,
            "created_at": now,
            "updated_at": now,
        }
        follower["remind_at"] = remind_at(follower)
        return follower

    async def delete(self, user_id: str, task_id: str) -> None:
        await self._store.owned(user_id, task_id)

        async def work(session: AsyncClientSession) -> None:
            await self._delete_timed(task_id, session)
            await self._withdraw_notices(user_id, task_id, TaskChange.DELETED, session)

        await self._write(work, None)

    async def _withdraw_notices(
        self, user_id: str, task_id: str, change: TaskChange, session: AsyncClientSession
    ) -> None:
        await self._notifications.withdraw_about(
            user_id,
            NOTICE,
            REF_KIND,
            task_id,
            change.value,
            session,
            unread_becomes=change.unread_becomes,
        )

    # -- reading -----------------------------------------------------------------------------

    async def get(self, user_id: str, task_id: str) -> Task:
        return task_from_doc(await self._store.owned(user_id, task_id))

    async def page(
        self,
        user_id: str,
        paging: PageQuery,
        *,
        status: TaskStatus | None,
        context: Context | None,
        priority: TaskPriority | None,
        tag: str | None,
        due_before: datetime | None,
    ) -> TaskPage:
        query = owner_query(user_id, status=status, context=context, priority=priority, tags=tag)
        if due_before is not None:
            query["due_at"] = {"$lte": due_before}
        items, next_cursor = await self._store.page(query, paging, convert=task_from_doc)
        return TaskPage(items=items, next_cursor=next_cursor)

    # -- firing ------------------------------------------------------------------------------

    async def _fire(
        self, timers: DueBatch, docs: ById, context: FireContext, session: AsyncClientSession
    ) -> list[Outcome]:
        notes: list[NotificationSpec] = []
        outcomes: list[Outcome] = []
        for timer in timers:
            doc = docs.get(timer.ref_id or "")
            current = (
                doc is not None
                and doc["status"] in OPEN
                and doc.get("due_at") is not None
                and doc["due_at"].isoformat() == timer.payload.get("due_at")
            )
            if doc is None or not current or context.skip(timer):
                outcomes.append(Outcome.SKIPPED)
                continue
            when = local_text(doc["due_at"], doc["timezone"])
            lead = "is due now" if doc["due_at"] <= context.now else f"is due {when}"
            notes.append(
                NotificationSpec(
                    user_id=doc["user_id"],
                    kind=NOTICE,
                    title=f"Task due: {doc['title']}",
                    body=f"Your task “{doc['title']}” {lead}.",
                    priority=TaskPriority(doc["priority"]).notification_priority(),
                    ref_kind=REF_KIND,
                    ref_id=doc["_id"],
                    conversation_id=doc.get("conversation_id"),
                )
            )
            outcomes.append(Outcome.FIRED)
        await self._notifications.create_many(session, notes)
        return outcomes
