"""/v1/tasks: tasks with priorities, contexts, due dates and recurrence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.contexts import Context
from muninn_shared.http.owned import add_owned_item_routes

from muninn_scheduler.deps import Services
from muninn_scheduler.schema import AwareDatetime, Paging
from muninn_scheduler.tasks.models import (
    Completion,
    Task,
    TaskIn,
    TaskPage,
    TaskPatch,
    TaskPriority,
    TaskStatus,
)
from muninn_scheduler.tasks.service import TaskService

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a task")
async def create(body: TaskIn, principal: CurrentPrincipal, services: Services) -> Task:
    return await services.tasks.create(principal.user_id, body)


@router.get("", summary="Your tasks, newest first")
async def list_tasks(
    principal: CurrentPrincipal,
    services: Services,
    paging: Paging,
    status: TaskStatus | None = None,
    context: Context | None = None,
    priority: TaskPriority | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    due_before: Annotated[AwareDatetime | None, Query(description="With offset.")] = None,
) -> TaskPage:
    return await services.tasks.page(
        principal.user_id,
        paging,
        status=status,
        context=context,
        priority=priority,
        tag=tag,
        due_before=due_before,
    )


def _tasks(services: Services) -> TaskService:
    return services.tasks


add_owned_item_routes(
    router,
    _tasks,
    id_name="task_id",
    model=Task,
    patch_model=TaskPatch,
    get_summary="One task",
    patch_summary="Change a task",
    delete_summary="Delete a task",
    patch_name="update",
)


@router.post("/{task_id}/complete", summary="Mark done (a repeating task gets its next occurrence)")
async def complete(task_id: str, principal: CurrentPrincipal, services: Services) -> Completion:
    return await services.tasks.complete(principal.user_id, task_id)
