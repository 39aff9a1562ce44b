"""/v1/projects: CRUD, contents, files, and filing conversations under a project."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.owned import add_owned_item_routes
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_conversation.conversations.models import Conversation
from muninn_conversation.deps import Services
from muninn_conversation.projects.models import (
    Project,
    ProjectContents,
    ProjectCreate,
    ProjectFile,
    ProjectFileIn,
    ProjectPage,
    ProjectPatch,
)
from muninn_conversation.projects.service import ProjectService

router = APIRouter(prefix="/v1/projects", tags=["projects"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a project")
async def create(body: ProjectCreate, principal: CurrentPrincipal, services: Services) -> Project:
    return await services.projects.create(principal.user_id, body)


@router.get("", summary="Your projects, most recently changed first")
async def list_projects(
    principal: CurrentPrincipal,
    services: Services,
    limit: PageLimit = 20,
    cursor: PageCursor = None,
    archived: bool = False,
    q: Annotated[str | None, Query(max_length=100, description="Search in names.")] = None,
) -> ProjectPage:
    return await services.projects.list(
        principal.user_id, limit=limit, cursor=cursor, archived=archived, q=q
    )


def _projects(services: Services) -> ProjectService:
    return services.projects


add_owned_item_routes(
    router,
    _projects,
    id_name="project_id",
    model=Project,
    patch_model=ProjectPatch,
    get_summary="A project with counts of its conversations, notes and files",
    patch_summary="Rename, describe, recolour, archive, set instructions",
    delete_summary="Delete a project; its conversations and notes are kept, outside any project",
)


@router.get("/{project_id}/contents", summary="The project's conversations, notes and files")
async def contents(
    project_id: str,
    principal: CurrentPrincipal,
    services: Services,
    limit: Annotated[
        int, Query(ge=1, le=200, description="Most items per kind, newest first.")
    ] = 50,
    include_archived: bool = False,
) -> ProjectContents:
    return await services.projects.contents(
        principal.user_id, project_id, limit=limit, include_archived=include_archived
    )


@router.post(
    "/{project_id}/files",
    status_code=status.HTTP_201_CREATED,
    summary="Add a file's metadata to the project",
)
async def add_file(
    project_id: str, body: ProjectFileIn, principal: CurrentPrincipal, services: Services
) -> ProjectFile:
    return await services.projects.add_file(principal.user_id, project_id, body)


@router.delete("/{project_id}/files/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_file(
    project_id: str, file_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.projects.delete_file(principal.user_id, project_id, file_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{project_id}/conversations/{conversation_id}",
    summary="File a conversation you own under the project",
)
async def add_conversation(
    project_id: str, conversation_id: str, principal: CurrentPrincipal, services: Services
) -> Conversation:
    return await services.projects.add_conversation(principal.user_id, project_id, conversation_id)


@router.delete(
    "/{project_id}/conversations/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take a conversation out of the project",
)
async def remove_conversation(
    project_id: str, conversation_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.projects.remove_conversation(principal.user_id, project_id, conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
