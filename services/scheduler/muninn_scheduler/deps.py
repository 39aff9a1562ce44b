"""FastAPI dependency: the scheduler service's container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from muninn_shared.http.services import services_of

from muninn_scheduler.expenses.service import ExpenseService
from muninn_scheduler.experiences.service import ExperienceService
from muninn_scheduler.lists.service import ListService
from muninn_scheduler.notifications.service import NotificationService
from muninn_scheduler.nudges.service import NudgeService
from muninn_scheduler.patterns.service import PatternService
from muninn_scheduler.plans.service import PlanService
from muninn_scheduler.providers.service import ProviderRatings
from muninn_scheduler.reminders.service import ReminderService
from muninn_scheduler.tasks.service import TaskService
from muninn_scheduler.timers.wheel import TimerWheel


@dataclass(frozen=True)
class SchedulerServices:
    reminders: ReminderService
    notifications: NotificationService
    tasks: TaskService
    experiences: ExperienceService
    providers: ProviderRatings
    plans: PlanService
    nudges: NudgeService
    expenses: ExpenseService
    lists: ListService
    patterns: PatternService
    wheel: TimerWheel


Services = Annotated[SchedulerServices, Depends(services_of(SchedulerServices))]
