"""/v1/notes: create, list and search, read, change, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.owned import add_owned_item_routes
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_conversation.deps import Services
from muninn_conversation.notes.models import Note, NoteCreate, NotePage, NotePatch
from muninn_conversation.notes.service import NoteService
from muninn_conversation.tags.service import tag_param

router = APIRouter(prefix="/v1/notes", tags=["notes"])


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Write a note, or keep a message as one"
)
async def create(body: NoteCreate, principal: CurrentPrincipal, services: Services) -> Note:
    return await services.notes.create(principal.user_id, body)


@router.get("", summary="Your notes, most recently changed first; with q, best matches first")
async def list_notes(
    principal: CurrentPrincipal,
    services: Services,
    limit: PageLimit = 20,
    cursor: PageCursor = None,
    q: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Full-text search in titles, tags and content; the last word matches as a prefix.",
        ),
    ] = None,
    pinned: bool | None = None,
    archived: bool = False,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
) -> NotePage:
    return await services.notes.list(
        principal.user_id,
        limit=limit,
        cursor=cursor,
        pinned=pinned,
        archived=archived,
        project_id=project_id,
        tag=tag_param(tag) if tag else None,
        q=q,
    )


def _notes(services: Services) -> NoteService:
    return services.notes


add_owned_item_routes(
    router,
    _notes,
    id_name="note_id",
    model=Note,
    patch_model=NotePatch,
    patch_summary="Edit, pin, archive, move to a project, retag",
)
