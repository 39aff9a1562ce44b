"""/v1/bookmarks: bookmark a message, list, read, annotate, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from muninn_shared.auth import CurrentPrincipal

from muninn_conversation.bookmarks.models import (
    Bookmark,
    BookmarkCreate,
    BookmarkPage,
    BookmarkPatch,
)
from muninn_conversation.bookmarks.service import BookmarkService


async def get_bookmarks(request: Request) -> BookmarkService:
    service: BookmarkService = request.app.state.workspace.bookmarks
    return service


Bookmarks = Annotated[BookmarkService, Depends(get_bookmarks)]

router = APIRouter(prefix="/v1/bookmarks", tags=["bookmarks"])


@router.post(
    "",
    response_model=Bookmark,
    status_code=status.HTTP_201_CREATED,
    summary="Bookmark a message you can read (200 with the existing bookmark if already marked)",
    responses={200: {"model": Bookmark, "description": "Already bookmarked."}},
)
async def create(
    body: BookmarkCreate, principal: CurrentPrincipal, bookmarks: Bookmarks
) -> Response:
    bookmark, created = await bookmarks.create(principal.user_id, body)
    return JSONResponse(
        bookmark.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@router.get("", summary="Your bookmarks, newest first")
async def list_bookmarks(
    principal: CurrentPrincipal,
    bookmarks: Bookmarks,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    conversation_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> BookmarkPage:
    return await bookmarks.list(
        principal.user_id, limit=limit, cursor=cursor, conversation_id=conversation_id
    )


@router.get("/{bookmark_id}")
async def get(bookmark_id: str, principal: CurrentPrincipal, bookmarks: Bookmarks) -> Bookmark:
    return await bookmarks.get(principal.user_id, bookmark_id)


@router.patch("/{bookmark_id}", summary="Change the bookmark's note")
async def patch(
    bookmark_id: str, body: BookmarkPatch, principal: CurrentPrincipal, bookmarks: Bookmarks
) -> Bookmark:
    return await bookmarks.update(principal.user_id, bookmark_id, body)


@router.delete("/{bookmark_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(bookmark_id: str, principal: CurrentPrincipal, bookmarks: Bookmarks) -> Response:
    await bookmarks.delete(principal.user_id, bookmark_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
