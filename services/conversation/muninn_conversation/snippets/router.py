"""/v1/snippets: reusable prompts and code — create, list and search, read, change, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.owned import add_owned_item_routes
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_conversation.deps import Services
from muninn_conversation.snippets.models import Snippet, SnippetCreate, SnippetPage, SnippetPatch
from muninn_conversation.snippets.service import SnippetService
from muninn_conversation.tags.service import tag_param

router = APIRouter(prefix="/v1/snippets", tags=["snippets"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Keep a prompt or a piece of code")
async def create(body: SnippetCreate, principal: CurrentPrincipal, services: Services) -> Snippet:
    return await services.snippets.create(principal.user_id, body)


@router.get("", summary="Your snippets, most recently changed first; with q, best matches first")
async def list_snippets(
    principal: CurrentPrincipal,
    services: Services,
    limit: PageLimit = 20,
    cursor: PageCursor = None,
    q: Annotated[
        str | None,
        Query(
            max_length=500, description="Full-text search in titles, tags, language and content."
        ),
    ] = None,
    language: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
) -> SnippetPage:
    return await services.snippets.list(
        principal.user_id,
        limit=limit,
        cursor=cursor,
        language=language.strip().lower() if language else None,
        tag=tag_param(tag) if tag else None,
        q=q,
    )


def _snippets(services: Services) -> SnippetService:
    return services.snippets


add_owned_item_routes(
    router,
    _snippets,
    id_name="snippet_id",
    model=Snippet,
    patch_model=SnippetPatch,
)
