"""Nudges: a daily look at each person's contacts for birthdays, relationships going cold and
e-mails waiting for a reply; job changes as they are detected; briefings before meetings.

Contacts and interactions arrive from the integrations service (``integrations.record.synced``)
and are kept as a small projection here. Once a user has contacts, a daily timer at their
morning contact hour (local time) checks them and creates ``birthday``, ``going_cold`` and
``follow_up`` notifications, which then go through the normal delivery policy (quiet hours,
rate limits, channels). Each contact is nudged about going cold once per silence, about a
birthday once per year, about an unanswered e-mail once per message, and about a job change
once per change; snoozes and opt-outs apply per contact, per kind and for all nudges.
Briefings have their own timers (``briefings.py``).

A follow-up records the thread and message it is about (its ``source``). When the user then
writes in that thread (an outbound or mutual interaction no older than the message), or the
message is deleted, the follow-up is withdrawn in the transaction of that record's event: one
still waiting for delivery (quiet hours, rate limit) is cancelled with its timer and never
arrives; one delivered and unread becomes ``acted_upon``; one read, dismissed or acted upon is
left alone. A redelivered event finds nothing left to withdraw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from muninn_shared.events.payloads import IntegrationRecord
from muninn_shared.moments import parse_moment
from muninn_shared.problems import ProblemError, not_found
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.feature import FeatureDeps
from muninn_scheduler.notifications.models import Priority
from muninn_scheduler.notifications.service import NotificationSpec
from muninn_scheduler.nudges import jobs, threads
from muninn_scheduler.nudges.briefings import Briefings
from muninn_scheduler.nudges.gate import contact_allows, user_allows
from muninn_scheduler.nudges.models import (
    ContactNudgeIn,
    NudgeSettings,
    NudgeSettingsIn,
    SnoozeIn,
    TrackedContact,
    TrackedContactList,
)
from muninn_scheduler.nudges.rhythm import is_birthday, parse_birthday, rhythm
from muninn_scheduler.nudges.store import NudgeStore
from muninn_scheduler.profiles.models import Profile
from muninn_scheduler.reminders.recurrence import localize
from muninn_scheduler.timers.models import DueTimer, Misfire, new_timer
from muninn_scheduler.timers.wheel import FireContext, Outcome, TimerWheel

DAILY = "nudges.daily"
FOLLOW_UP = "follow_up"
NAME_FIELDS = ("name", "display_name", "full_name")
KEEP_JOB_CHANGES = 20
WHEN_FIELDS = ("occurred_at", "interaction_date", "date", "timestamp")


def _name(data: dict[str, Any]) -> str | None:
    for field in NAME_FIELDS:
        if isinstance(data.get(field), str) and data[field].strip():
            return str(data[field]).strip()[:200]
    parts = [data.get("first_name"), data.get("last_name")]
    joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return joined or None


def _moment(data: dict[str, Any]) -> datetime | None:
    for field in WHEN_FIELDS:
        if (moment := parse_moment(data.get(field))) is not None:
            return moment
    return None


@dataclass(kw_only=True, eq=False, repr=False)
class NudgeService:
    deps: FeatureDeps
    store: NudgeStore
    hour: int = 9
    cold_factor: float = 2.0
    cold_min_days: float = 14

    def __post_init__(self) -> None:
        self._briefings = Briefings(deps=self.deps, store=self.store)

    def register_timers(self, wheel: TimerWheel) -> None:
        wheel.register_batch(DAILY, self._on_daily)
        self._briefings.register_timers(wheel)

    # -- the projection ----------------------------------------------------------------------

    async def on_record(self, record: IntegrationRecord, session: AsyncClientSession) -> None:
        deleted = record.data.get("action") == "deleted"
        if record.record_type == "contact":
            await self._on_contact(record, deleted, session)
        elif record.record_type == "interaction":
            contact_id = record.data.get("contact_id")
            if not isinstance(contact_id, str) or not contact_id:
                return
            if deleted:
                await self._forget_interaction(record, contact_id, session)
                return
            at = _moment(record.data)
            if at is None:
                return
            await self.store.add_interaction(
                record.user_id, contact_id, record.record_id, at, session
            )
            message = threads.message_of(record.record_id, record.data, at)
            if message is not None:
                doc = await self.store.contact(record.user_id, contact_id, session) or {}
                tracked = threads.track(doc.get("threads", []), message)
                await self.store.upsert_contact(
                    record.user_id, contact_id, {"threads": tracked}, session
                )
                if message.direction != "inbound":
                    await self._answered(record.user_id, contact_id, message, session)
        elif record.record_type == "contact_memory":
            if record.data.get("kind") == "briefing":
                await self._briefings.on_record(record, session)
            return
        else:
            return
        await self._ensure_daily(record.user_id, session)

    async def _on_contact(
        self, record: IntegrationRecord, deleted: bool, session: AsyncClientSession
    ) -> None:
        data = record.data
        birthday = parse_birthday(data.get("birthday"))
        fields: dict[str, Any] = {
            "name": _name(data),
            "birthday_year": birthday[0] if birthday else None,
            "birthday_month": birthday[1] if birthday else None,
            "birthday_day": birthday[2] if birthday else None,
            "archived": bool(deleted or data.get("is_archived") or data.get("deleted")),
            "provider": record.provider,
            "updated_at": self.deps.clock.now(),
        }
        await self.store.upsert_contact(record.user_id, record.record_id, fields, session)
        change = data.get("job_change")
        if not deleted and isinstance(change, dict):
            await self._job_change(record, change, session)

    async def _job_change(
        self, record: IntegrationRecord, change: dict[str, Any], session: AsyncClientSession
    ) -> None:
        """Notify once per distinct change: redeliveries and later syncs repeat it."""
        key = jobs.change_key(change)
        contact = await self.store.contact(record.user_id, record.record_id, session)
        if key is None or contact is None or key in contact.get("job_changes_seen", []):
            return
        seen = [*contact.get("job_changes_seen", []), key][-KEEP_JOB_CHANGES:]
        await self.store.upsert_contact(
            record.user_id, record.record_id, {"job_changes_seen": seen}, session
        )
        now = self.deps.clock.now()
        prefs = NudgeSettings.model_validate(await self.store.settings(record.user_id, session))
        if not (user_allows(prefs, "job_change", now) and contact_allows(contact, now)):
            return
        title, body = jobs.describe(contact.get("name") or "A contact", change)
        await self.deps.notifications.create(
            session, self._spec(contact, "job_change", title, body, Priority.NORMAL)
        )

    async def _forget_interaction(
        self, record: IntegrationRecord, contact_id: str, session: AsyncClientSession
    ) -> None:
        doc = await self.store.remove_interaction(
            record.user_id, contact_id, record.record_id, session
        )
        if doc is not None:
            kept = threads.forget(doc.get("threads", []), record.record_id)
            await self.store.upsert_contact(record.user_id, contact_id, {"threads": kept}, session)
        # A message that is gone needs no reply: its follow-up goes with it.
        about = {"message_id": record.record_id}
        follow_ups = await self.deps.notifications.open_about(
            record.user_id, FOLLOW_UP, contact_id, about, session
        )
        await self.deps.notifications.withdraw(follow_ups, "message_deleted", session)

    async def _answered(
        self, user_id: str, contact_id: str, reply: threads.Message, session: AsyncClientSession
    ) -> None:
        """The user wrote in a thread: the follow-ups their message answers are withdrawn."""
        follow_ups = await self.deps.notifications.open_about(
            user_id, FOLLOW_UP, contact_id, {"thread_id": reply.thread_id}, session
        )
        answered = [n for n in follow_ups if threads.answers(reply, n.get("source") or {})]
        await self.deps.notifications.withdraw(answered, "answered", session)

    async def _ensure_daily(self, user_id: str, session: AsyncClientSession) -> None:
        settings = await self.store.settings(user_id, session)
        if settings.get("next_check_at") is not None:
            return
        profile = await self.deps.profiles.get(user_id, session)
        at = self._next_check(self.deps.clock.now(), profile)
        await self.deps.timers.add(self._daily_timer(user_id, at), session)
        await self.store.save_settings(user_id, {"next_check_at": at}, session)

    def _daily_timer(self, user_id: str, at: datetime) -> dict[str, Any]:
        return new_timer(
            user_id=user_id,
            kind=DAILY,
            due_at=at,
            ref_id=user_id,
            misfire=Misfire.FIRE_LATE,
            misfire_grace_seconds=24 * 3600,
            now=self.deps.clock.now(),
        )

    def _next_check(self, now: datetime, profile: Profile) -> datetime:
        """The next morning contact hour in the person's timezone (DST-safe)."""
        zone = profile.zone()
        hour = profile.preferred_contact_times.morning
        local_day = now.astimezone(zone).date()
        for offset in range(0, 3):
            day = local_day + timedelta(days=offset)
            at = localize(datetime.combine(day, time(self.hour if hour is None else hour)), zone)
            if at > now:
                return at.astimezone(UTC)
        return now + timedelta(days=1)

    # -- the daily check ---------------------------------------------------------------------

    async def _on_daily(
        self, timers: Sequence[DueTimer], context: FireContext, session: AsyncClientSession
    ) -> list[Outcome]:
        users = [t.ref_id or t.user_id for t in timers]
        profiles = await self.deps.profiles.get_many(users, session)
        settings = await self.store.settings_many(users, session)
        contacts: dict[str, list[dict[str, Any]]] = {}
        for doc in await self.store.contacts_of(users, session):
            contacts.setdefault(doc["user_id"], []).append(doc)
        notes: list[NotificationSpec] = []
        updates: list[tuple[str, dict[str, Any]]] = []
        arms: list[dict[str, Any]] = []
        outcomes: list[Outcome] = []
        for user in users:
            prefs = NudgeSettings.model_validate(settings.get(user, {}))
            snoozed = prefs.snoozed_until is not None and prefs.snoozed_until > context.now
            fired = False
            if prefs.enabled and not snoozed:
                today = context.now.astimezone(profiles[user].zone()).date()
                for contact in contacts.get(user, []):
                    fired |= self._check(contact, prefs, today, context.now, notes, updates)
            next_at = self._next_check(context.now, profiles[user])
            arms.append(self._daily_timer(user, next_at))
            outcomes.append(Outcome.FIRED if fired else Outcome.SKIPPED)
        await self.deps.notifications.create_many(session, notes)
        await self.store.update_contacts(updates, session)
        await self.store.delete_briefings_before(users, context.now, session)
        await self.deps.timers.add_many(arms, session)
        for user, arm in zip(users, arms, strict=True):
            await self.store.save_settings(user, {"next_check_at": arm["due_at"]}, session)
        return outcomes

    def _check(
        self,
        contact: dict[str, Any],
        prefs: NudgeSettings,
        today: date,
        now: datetime,
        notes: list[NotificationSpec],
        updates: list[tuple[str, dict[str, Any]]],
    ) -> bool:
        if not contact_allows(contact, now):
            return False
        name = contact.get("name") or "a contact"
        changes: dict[str, Any] = {}
        month, day = contact.get("birthday_month"), contact.get("birthday_day")
        if (
            prefs.birthdays
            and month
            and day
            and is_birthday(month, day, today)
            and contact.get("last_birthday_year") != today.year
        ):
            year = contact.get("birthday_year")
            turning = f" (turning {today.year - year})" if year else ""
            notes.append(
                self._spec(
                    contact,
                    "birthday",
                    f"It's {name}'s birthday today",
                    f"It's {name}'s birthday today{turning}. A message would make their day.",
                    Priority.NORMAL,
                )
            )
            changes["last_birthday_year"] = today.year
        found = self._cold(contact, now)
        if prefs.going_cold and found is not None:
            silent_days, usual_days = found
            notes.append(
                self._spec(
                    contact,
                    "going_cold",
                    f"Reconnect with {name}?",
                    f"You haven't been in touch with {name} for {silent_days} days; you're "
                    f"usually in touch every {usual_days} days or so.",
                    Priority.LOW,
                )
            )
            changes["cold_nudged_for"] = contact["last_interaction_at"]
            changes["last_nudged_at"] = now
        if prefs.follow_ups:
            self._follow_ups(contact, prefs, now, notes, changes)
        if changes:
            updates.append((contact["_id"], changes))
        return bool(changes)

    def _follow_ups(
        self,
        contact: dict[str, Any],
        prefs: NudgeSettings,
        now: datetime,
        notes: list[NotificationSpec],
        changes: dict[str, Any],
    ) -> None:
        """One nudge per unanswered inbound e-mail, ``follow_up_after_days`` after it came."""
        tracked = contact.get("threads", [])
        waiting = threads.unanswered(tracked, now, timedelta(days=prefs.follow_up_after_days))
        if not waiting:
            return
        name = contact.get("name") or "a contact"
        for thread in waiting:
            count = (now - thread["inbound_at"]).days
            days = f"{count} day" if count == 1 else f"{count} days"
            about = f" about '{thread['subject']}'" if thread.get("subject") else ""
            notes.append(
                self._spec(
                    contact,
                    FOLLOW_UP,
                    f"You haven't replied to {name}{about} ({days})"[:200],
                    f"{name} wrote to you {days} ago{about} and is waiting for a reply.",
                    Priority.NORMAL,
                    source=threads.follow_up_source(thread),
                )
            )
        nudged = {t["thread_id"] for t in waiting}
        changes["threads"] = [
            {**t, "nudged_for": t["inbound_id"]} if t["thread_id"] in nudged else t for t in tracked
        ]

    def _cold(self, contact: dict[str, Any], now: datetime) -> tuple[int, int] | None:
        """(days silent, usual gap in days) when the contact is going cold and not yet nudged."""
        last = contact.get("last_interaction_at")
        if last is None or contact.get("cold_nudged_for") == last:
            return None
        found = rhythm(
            [i["at"] for i in contact.get("interactions", [])],
            factor=self.cold_factor,
            min_days=self.cold_min_days,
        )
        if found is None or now - last <= found.cold_after:
            return None
        return (now - last).days, max(1, round(found.usual_gap / timedelta(days=1)))

    @staticmethod
    def _spec(
        contact: dict[str, Any],
        kind: str,
        title: str,
        body: str,
        priority: Priority,
        *,
        source: dict[str, Any] | None = None,
    ) -> NotificationSpec:
        return NotificationSpec(
            user_id=contact["user_id"],
            kind=kind,
            title=title,
            body=body,
            priority=priority,
            ref_kind="contact",
            ref_id=contact["contact_id"],
            source=source,
            # A birthday, a friend going cold, a new job: it can wait for a good moment.
            flexible=True,
        )

    # -- the API -----------------------------------------------------------------------------

    async def settings(self, user_id: str) -> NudgeSettings:
        return NudgeSettings.model_validate(await self.store.settings(user_id))

    async def update_settings(self, user_id: str, body: NudgeSettingsIn) -> NudgeSettings:
        fields = {name: getattr(body, name) for name in body.model_fields_set}
        return NudgeSettings.model_validate(await self.store.save_settings(user_id, fields))

    async def snooze(self, user_id: str, body: SnoozeIn | None) -> NudgeSettings:
        until = None
        if body is not None:
            now = self.deps.clock.now()
            until = body.until or now + timedelta(days=body.days or 0)
            if until <= now:
                raise ProblemError(422, "Snooze until a time in the future.", code="in-the-past")
        saved = await self.store.save_settings(user_id, {"snoozed_until": until})
        return NudgeSettings.model_validate(saved)

    def _tracked(self, doc: dict[str, Any]) -> TrackedContact:
        found = rhythm(
            [i["at"] for i in doc.get("interactions", [])],
            factor=self.cold_factor,
            min_days=self.cold_min_days,
        )
        last = doc.get("last_interaction_at")
        month, day = doc.get("birthday_month"), doc.get("birthday_day")
        year = doc.get("birthday_year")
        birthday = None
        if month and day:
            birthday = f"{year:04d}-{month:02d}-{day:02d}" if year else f"{month:02d}-{day:02d}"
        return TrackedContact(
            contact_id=doc["contact_id"],
            name=doc.get("name"),
            birthday=birthday,
            interaction_count=len(doc.get("interactions", [])),
            last_interaction_at=last,
            usual_gap_days=round(found.usual_gap / timedelta(days=1), 1) if found else None,
            cold_after_days=round(found.cold_after / timedelta(days=1), 1) if found else None,
            going_cold=bool(found and last and self.deps.clock.now() - last > found.cold_after),
            opt_out=bool(doc.get("opt_out")),
            snoozed_until=doc.get("snoozed_until"),
        )

    async def contacts(self, user_id: str, going_cold: bool | None) -> TrackedContactList:
        docs = sorted(
            await self.store.contacts_of([user_id], None),
            key=lambda d: ((d.get("name") or "").lower(), d["contact_id"]),
        )
        items = [self._tracked(d) for d in docs if not d.get("archived")]
        if going_cold is not None:
            items = [i for i in items if i.going_cold == going_cold]
        return TrackedContactList(items=items)

    async def update_contact(
        self, user_id: str, contact_id: str, body: ContactNudgeIn
    ) -> TrackedContact:
        if await self.store.contact(user_id, contact_id) is None:
            raise not_found("Contact")
        fields: dict[str, Any] = {}
        if "opt_out" in body.model_fields_set:
            fields["opt_out"] = body.opt_out
        if body.snooze_days is not None:
            fields["snoozed_until"] = self.deps.clock.now() + timedelta(days=body.snooze_days)
        elif "snoozed_until" in body.model_fields_set:
            fields["snoozed_until"] = body.snoozed_until
        doc = await self.store.set_contact(user_id, contact_id, fields)
        assert doc is not None
        return self._tracked(doc)
