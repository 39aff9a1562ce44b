"""/v1/bookmarks: bookmark a message, list, read, annotate, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.owned import add_owned_item_routes
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_conversation.bookmarks.models import (
    Bookmark,
    BookmarkCreate,
    BookmarkPage,
    BookmarkPatch,
)
from muninn_conversation.bookmarks.service import BookmarkService
from muninn_conversation.deps import Services

router = APIRouter(prefix="/v1/bookmarks", tags=["bookmarks"])


@router.post(
    "",
    response_model=Bookmark,
    status_code=status.HTTP_201_CREATED,
    summary="Bookmark a message you can read (200 with the existing bookmark if already marked)",
    responses={200: {"model": Bookmark, "description": "Already bookmarked."}},
)
async def create(body: BookmarkCreate, principal: CurrentPrincipal, services: Services) -> Response:
    bookmark, created = await services.bookmarks.create(principal.user_id, body)
    return JSONResponse(
        bookmark.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@router.get("", summary="Your bookmarks, newest first")
async def list_bookmarks(
    principal: CurrentPrincipal,
    services: Services,
    limit: PageLimit = 20,
    cursor: PageCursor = None,
    conversation_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> BookmarkPage:
    return await services.bookmarks.list(
        principal.user_id, limit=limit, cursor=cursor, conversation_id=conversation_id
    )


def _bookmarks(services: Services) -> BookmarkService:
    return services.bookmarks


add_owned_item_routes(
    router,
    _bookmarks,
    id_name="bookmark_id",
    model=Bookmark,
    patch_model=BookmarkPatch,
    patch_summary="Change the bookmark's note",
)
