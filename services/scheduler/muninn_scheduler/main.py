"""Composition root of the scheduler service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import httpx
from fastapi import FastAPI
from muninn_shared.background import BackgroundTasks
from muninn_shared.model_calls import ModelCallRecorder, outbox_recorder
from muninn_shared.outbound import OutboundGuard, guarded_client
from muninn_shared.privacy import ExtraEraser, install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app

from muninn_scheduler.calendar_events.handlers import register_handlers as register_calendar
from muninn_scheduler.calendar_events.service import CalendarFollowUps
from muninn_scheduler.calendar_events.store import CalendarLinkStore
from muninn_scheduler.clock import Clock, SystemClock
from muninn_scheduler.conversations.handlers import register_handlers as register_conversation
from muninn_scheduler.delivery.email import EmailSender
from muninn_scheduler.delivery.webhook import WebhookSender
from muninn_scheduler.deps import SchedulerServices
from muninn_scheduler.expenses.router import router as expenses_router
from muninn_scheduler.expenses.service import ExpenseService
from muninn_scheduler.expenses.store import CategoryRuleStore, ExpenseStore
from muninn_scheduler.experiences.router import router as experiences_router
from muninn_scheduler.experiences.service import ExperienceService
from muninn_scheduler.experiences.store import ExperienceStore
from muninn_scheduler.feature import FeatureDeps
from muninn_scheduler.language.extract import Understanding
from muninn_scheduler.language.llm import ChatExtractor
from muninn_scheduler.lists.router import router as lists_router
from muninn_scheduler.lists.service import ListService
from muninn_scheduler.lists.store import ListStore
from muninn_scheduler.notifications.email_confirmation import EmailConfirmations
from muninn_scheduler.notifications.outbound import OutboundChannels
from muninn_scheduler.notifications.router import router as notifications_router
from muninn_scheduler.notifications.service import NotificationService
from muninn_scheduler.notifications.store import NotificationStore
from muninn_scheduler.nudges.handlers import register_handlers as register_nudges
from muninn_scheduler.nudges.router import router as nudges_router
from muninn_scheduler.nudges.service import NudgeService
from muninn_scheduler.nudges.store import NudgeStore
from muninn_scheduler.patterns.memories import MemoryReader
from muninn_scheduler.patterns.router import router as patterns_router
from muninn_scheduler.patterns.service import PatternService
from muninn_scheduler.patterns.store import ActivityStore, PatternStore
from muninn_scheduler.plans.records import ConversationRecords
from muninn_scheduler.plans.service import PlanService
from muninn_scheduler.plans.store import PlanStore
from muninn_scheduler.profiles.handlers import register_handlers as register_profile_handlers
from muninn_scheduler.profiles.service import ProfileService
from muninn_scheduler.profiles.store import ProfileStore
from muninn_scheduler.providers.router import router as providers_router
from muninn_scheduler.providers.service import ProviderRatings
from muninn_scheduler.providers.store import ProviderRatingStore
from muninn_scheduler.reminders.router import router as reminders_router
from muninn_scheduler.reminders.service import ReminderService
from muninn_scheduler.reminders.store import ReminderStore
from muninn_scheduler.settings import SchedulerSettings
from muninn_scheduler.tasks.router import router as tasks_router
from muninn_scheduler.tasks.service import TaskService
from muninn_scheduler.tasks.store import TaskStore
from muninn_scheduler.timers.service import TimerService
from muninn_scheduler.timers.store import TimerStore
from muninn_scheduler.timers.wheel import TimerWheel


def email_sender(settings: SchedulerSettings) -> EmailSender | None:
    if not settings.smtp_host:
        return None
    return EmailSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        use_tls=settings.smtp_use_tls,
        start_tls=settings.smtp_start_tls,
    )


def language_model(
    settings: SchedulerSettings, http: httpx.AsyncClient, recorder: ModelCallRecorder
) -> ChatExtractor | None:
    """The LLM when ``MUNINN_SCHEDULER_LLM_*`` is configured, else None (offline rules)."""
    base_url, model = settings.scheduler_llm_base_url, settings.scheduler_llm_model
    if not base_url or not model:
        return None
    key = settings.scheduler_llm_api_key
    return ChatExtractor(
        http,
        base_url=base_url,
        model=model,
        api_key=key.get_secret_value() if key else None,
        timeout=settings.scheduler_llm_timeout_seconds,
        recorder=recorder,
        feature="scheduler_language",
    )


class Indexed(Protocol):
    async def ensure_indexes(self) -> None: ...


@dataclass(frozen=True)
class Features:
    services: SchedulerServices
    stores: tuple[Indexed, ...]
    erasers: tuple[ExtraEraser, ...] = ()
    """What erasing a user does besides deleting the documents that carry their id."""


def build_features(
    settings: SchedulerSettings,
    clock: Clock,
    runtime: ServiceRuntime,
    http: httpx.AsyncClient,
    guard: OutboundGuard,
    webhook_http: httpx.AsyncClient,
) -> Features:
    """Every store, service and timer handler, wired; Kafka consumers registered on ``runtime``.

    ``http`` reaches what the operator configured (a model server); ``webhook_http`` reaches
    what users typed in, through ``guard``."""
    db = runtime.db
    client = runtime.mongo
    timers = TimerStore(db)
    profiles = ProfileStore(db)
    notification_store = NotificationStore(db)
    reminder_store = ReminderStore(db)
    task_store = TaskStore(db)
    experience_store = ExperienceStore(db)
    rating_store = ProviderRatingStore(db)
    plan_store = PlanStore(db)
    nudge_store = NudgeStore(db)
    calendar_links = CalendarLinkStore(db)
    expense_store = ExpenseStore(db)
    category_rules = CategoryRuleStore(db)
    list_store = ListStore(db)
    activity_store, pattern_store = ActivityStore(db), PatternStore(db)
    stores: tuple[Indexed, ...] = (
        timers,
        notification_store,
        reminder_store,
        task_store,
        experience_store,
        rating_store,
        plan_store,
        nudge_store,
        calendar_links,
        expense_store,
        category_rules,
        list_store,
        activity_store,
        pattern_store,
    )

    wheel = TimerWheel(
        client=client,
        store=timers,
        outbox=runtime.outbox,
        clock=clock,
        owner=f"{settings.service_name}:{settings.instance_id}",
        lease_seconds=settings.timer_lease_seconds,
        batch_size=settings.timer_batch_size,
        poll_interval=settings.timer_poll_interval_seconds,
        max_attempts=settings.timer_max_attempts,
        retry_base_seconds=settings.timer_retry_base_seconds,
        routes=runtime.routes,
    )
    timer_service = TimerService(timers)
    profile_service = ProfileService(profiles)
    # Its calls are the usage of the user served (conversation keeps the records).
    llm = language_model(
        settings, http, outbox_recorder("scheduler.model_call.recorded", runtime.outbox)
    )
    patterns = PatternService(
        activity=activity_store,
        store=pattern_store,
        profiles=profile_service,
        clock=clock,
        # Bound late: notifications, built below, time their deliveries by these patterns.
        delivered_since=lambda user_id, since: notifications.delivered_count(user_id, since),
        llm=llm,
        memories=MemoryReader(http, settings.service_url("memory")),
        routes=runtime.routes,
        min_evidence=settings.patterns_min_evidence,
        min_confidence=settings.patterns_min_confidence,
        keep_days=settings.patterns_activity_days,
        memories_read=settings.patterns_memories,
    )
    email = email_sender(settings)
    outbound = OutboundChannels(
        store=notification_store,
        timers=timer_service,
        outbox=runtime.outbox,
        webhooks=WebhookSender(webhook_http, timeout=settings.webhook_timeout_seconds),
        email=email,
        max_attempts=settings.delivery_max_attempts,
        retry_base_seconds=settings.delivery_retry_base_seconds,
    )
    notifications = NotificationService(
        client=client,
        store=notification_store,
        profiles=profile_service,
        timers=timer_service,
        outbox=runtime.outbox,
        clock=clock,
        guard=guard,
        confirmations=EmailConfirmations(
            email,
            link_template=settings.email_confirmation_url,
            ttl=timedelta(hours=settings.email_confirmation_ttl_hours),
        ),
        email_enabled=outbound.email_enabled,
        timing=patterns,
        answers=patterns,
        max_wait=timedelta(hours=settings.patterns_max_wait_hours),
    )
    feature_deps = FeatureDeps(
        client=client,
        timers=timer_service,
        profiles=profile_service,
        notifications=notifications,
        clock=clock,
    )
    reminders = ReminderService(feature_deps, reminder_store)
    tasks = TaskService(feature_deps, task_store)
    reader = Understanding(llm)
    providers = ProviderRatings(store=rating_store, clock=clock)
    experiences = ExperienceService(
        feature_deps,
        experience_store,
        providers=providers,
        understanding=reader,
        follow_up_delay_minutes=settings.follow_up_delay_minutes,
        reply_window=timedelta(hours=settings.review_reply_window_hours),
    )
    expenses = ExpenseService(expense_store, category_rules, profile_service, clock)
    lists = ListService(list_store, clock, runtime.routes)
    plans = PlanService(
        store=plan_store,
        reminders=reminders,
        experiences=experiences,
        profiles=profile_service,
        understanding=reader,
        outbox=runtime.outbox,
        clock=clock,
        records=ConversationRecords(expenses, lists, reader),
        enabled=settings.plans_from_conversation,
        undo_window=timedelta(minutes=settings.undo_window_minutes),
    )
    nudges = NudgeService(
        deps=feature_deps,
        store=nudge_store,
        hour=settings.nudge_hour,
        cold_factor=settings.going_cold_factor,
        cold_min_days=settings.going_cold_min_days,
    )
    for feature in (notifications, outbound, reminders, tasks, experiences, nudges):
        feature.register_timers(wheel)
    register_profile_handlers(runtime.consumers, profiles)
    register_conversation(runtime.consumers, plans, experiences, patterns)
    register_nudges(runtime.consumers, nudges)
    register_calendar(
        runtime.consumers,
        CalendarFollowUps(
            store=calendar_links,
            reminders=reminders,
            experiences=experiences,
            profiles=profile_service,
            clock=clock,
        ),
    )
    services = SchedulerServices(
        reminders=reminders,
        notifications=notifications,
        tasks=tasks,
        experiences=experiences,
        providers=providers,
        plans=plans,
        nudges=nudges,
        expenses=expenses,
        lists=lists,
        patterns=patterns,
        wheel=wheel,
    )
    return Features(services=services, stores=stores, erasers=(list_store.erase_for,))


def create_app(
    settings: SchedulerSettings | None = None,
    clock: Clock | None = None,
    *,
    run_timers: bool = True,
    http: httpx.AsyncClient | None = None,
    guard: OutboundGuard | None = None,
) -> FastAPI:
    """``clock`` and ``run_timers=False`` let tests drive time and firing themselves; ``http``
    lets them put fake LLM servers behind it, ``guard`` a resolver of their own behind the
    webhooks (whose receivers they allow-list in the settings)."""
    settings = settings or SchedulerSettings()
    clock = clock or SystemClock()
    runtime = ServiceRuntime(settings)
    timeout = httpx.Timeout(settings.webhook_timeout_seconds, connect=3.0)
    http = http or httpx.AsyncClient(timeout=timeout)
    guard = guard or settings.outbound_guard()
    webhook_http = guarded_client(guard, timeout=timeout)
    features = build_features(settings, clock, runtime, http, guard, webhook_http)
    install_erasure_consumer(runtime, features.erasers)
    background = BackgroundTasks(settings.service_name)
    if run_timers:
        background.add("timer-wheel", features.services.wheel.run)
        # Time-driven too: tests that drive time themselves learn by hand.
        background.every(
            "patterns-learner",
            settings.patterns_learn_interval_seconds,
            features.services.patterns.learn_recent,
            start_delay=min(60.0, settings.patterns_learn_interval_seconds),
        )

    async def ensure_indexes() -> None:
        for store in features.stores:
            await store.ensure_indexes()

    return build_service_app(
        runtime,
        title="Muninn scheduler",
        description="Reminders, tasks, experiences and follow-ups, provider ratings, "
        "notifications and nudges, on durable timers; expenses and shared lists.",
        routers=[
            reminders_router,
            tasks_router,
            experiences_router,
            providers_router,
            nudges_router,  # before notifications: /v1/notifications/{id} would swallow it
            notifications_router,
            expenses_router,
            lists_router,
            patterns_router,
        ],
        background=background,
        on_startup=[ensure_indexes],
        on_shutdown=[http.aclose, webhook_http.aclose],
        state={"services": features.services},
    )
