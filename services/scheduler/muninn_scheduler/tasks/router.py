"""/v1/tasks: tasks with priorities, contexts, due dates and recurrence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from muninn_shared.auth import CurrentPrincipal

from muninn_scheduler.deps import Services
from muninn_scheduler.schema import AwareDatetime, Context, Paging
from muninn_scheduler.tasks.models import (
    Completion,
    Task,
    TaskIn,
    TaskPage,
    TaskPatch,
    TaskPriority,
    TaskStatus,
)

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


@router.get("/{task_id}", summary="One task")
async def get(task_id: str, principal: CurrentPrincipal, services: Services) -> Task:
    return await services.tasks.get(principal.user_id, task_id)


@router.patch("/{task_id}", summary="Change a task")
async def update(
    task_id: str, body: TaskPatch, principal: CurrentPrincipal, services: Services
) -> Task:
    return await services.tasks.update(principal.user_id, task_id, body)


@router.post("/{task_id}/complete", summary="Mark done (a repeating task gets its next occurrence)")
async def complete(task_id: str, principal: CurrentPrincipal, services: Services) -> Completion:
    return await services.tasks.complete(principal.user_id, task_id)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a task")
async def delete(task_id: str, principal: CurrentPrincipal, services: Services) -> Response:
    await services.tasks.delete(principal.user_id, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
