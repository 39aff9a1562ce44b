"""Composition root of the scheduler service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from muninn_shared.http.app import create_service_app
from muninn_shared.privacy import install_erasure_consumer, privacy_router
from muninn_shared.runtime import ServiceRuntime

from muninn_scheduler.clock import Clock, SystemClock
from muninn_scheduler.delivery.email import EmailSender
from muninn_scheduler.delivery.webhook import WebhookSender
from muninn_scheduler.deps import SchedulerServices
from muninn_scheduler.notifications.router import router as notifications_router
from muninn_scheduler.notifications.service import NotificationService
from muninn_scheduler.notifications.store import NotificationStore
from muninn_scheduler.profiles.handlers import register_handlers as register_profile_handlers
from muninn_scheduler.profiles.store import ProfileStore
from muninn_scheduler.reminders.router import router as reminders_router
from muninn_scheduler.reminders.service import ReminderService
from muninn_scheduler.reminders.store import ReminderStore
from muninn_scheduler.settings import SchedulerSettings
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


def create_app(
    settings: SchedulerSettings | None = None,
    clock: Clock | None = None,
    *,
    run_timers: bool = True,
) -> FastAPI:
    """``clock`` and ``run_timers=False`` let tests drive time and firing themselves."""
    settings = settings or SchedulerSettings()
    clock = clock or SystemClock()
    runtime = ServiceRuntime(settings)
    db = runtime.db

    timers = TimerStore(db)
    profiles = ProfileStore(db)
    notification_store = NotificationStore(db)
    reminder_store = ReminderStore(db)
    http = httpx.AsyncClient(timeout=httpx.Timeout(settings.webhook_timeout_seconds, connect=3.0))

    wheel = TimerWheel(
        client=runtime.mongo,
        store=timers,
        outbox=runtime.outbox,
        clock=clock,
        owner=f"{settings.service_name}:{settings.instance_id}",
        lease_seconds=settings.timer_lease_seconds,
        batch_size=settings.timer_batch_size,
        concurrency=settings.timer_concurrency,
        poll_interval=settings.timer_poll_interval_seconds,
        max_attempts=settings.timer_max_attempts,
        retry_base_seconds=settings.timer_retry_base_seconds,
    )
    notifications = NotificationService(
        store=notification_store,
        profiles=profiles,
        timers=timers,
        outbox=runtime.outbox,
        clock=clock,
        webhooks=WebhookSender(http, timeout=settings.webhook_timeout_seconds),
        email=email_sender(settings),
        max_attempts=settings.delivery_max_attempts,
        retry_base_seconds=settings.delivery_retry_base_seconds,
    )
    reminders = ReminderService(
        client=runtime.mongo,
        store=reminder_store,
        timers=timers,
        profiles=profiles,
        notifications=notifications,
        clock=clock,
    )
    notifications.register_timers(wheel)
    reminders.register_timers(wheel)
    register_profile_handlers(runtime.consumers, profiles)
    install_erasure_consumer(runtime)

    async def start_features() -> None:
        for store in (timers, notification_store, reminder_store):
            await store.ensure_indexes()
        if run_timers:
            wheel.start()

    async def stop_features() -> None:
        await wheel.stop()
        await http.aclose()

    runtime.on_startup(start_features)
    runtime.on_shutdown(stop_features)

    app = create_service_app(
        service=settings.service_name,
        title="Muninn scheduler",
        description="Reminders, tasks, experiences and follow-ups, notifications, durable timers.",
        routers=[reminders_router, notifications_router, privacy_router(runtime)],
        lifespan=runtime.lifespan(),
        readiness_checks=runtime.readiness_checks,
        tracer_provider=runtime.tracer_provider,
    )
    app.state.runtime = runtime
    app.state.token_codec = runtime.token_codec
    app.state.services = SchedulerServices(
        reminders=reminders, notifications=notifications, wheel=wheel
    )
    return app
