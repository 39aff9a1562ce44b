"""HTTP: /v1/advisors, /v1/advisor-board, /v1/team-templates and the advisors of a conversation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_conversation.advisors.models import (
    MEMORY_KEY,
    SLUG,
    Advisor,
    AdvisorCreate,
    AdvisorMemory,
    AdvisorPage,
    AdvisorPatch,
    Board,
    BoardEntry,
    BoardSelect,
    ConversationAdvisors,
    MemoryEntry,
    MemoryValue,
    SummaryCreate,
    TeamTemplate,
    TemplateApplied,
    ThreadSummaries,
    ThreadSummary,
)
from muninn_conversation.deps import Services

AdvisorId = Annotated[str, Path(min_length=1, max_length=64)]
MemoryKey = Annotated[str, Path(pattern=MEMORY_KEY, description="1-64 letters, digits or _ . : -")]

advisors_router = APIRouter(prefix="/v1/advisors", tags=["advisors"])
board_router = APIRouter(prefix="/v1/advisor-board", tags=["advisors"])
templates_router = APIRouter(prefix="/v1/team-templates", tags=["advisors"])
conversation_router = APIRouter(prefix="/v1/conversations/{conversation_id}", tags=["advisors"])


# -- the marketplace and custom advisors --------------------------------------------------------


@advisors_router.get(
    "",
    summary="The marketplace: built-in, public and your own advisors, newest first",
)
async def list_advisors(
    principal: CurrentPrincipal,
    services: Services,
    limit: PageLimit = 20,
    cursor: PageCursor = None,
    category: Annotated[str | None, Query(pattern=SLUG)] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    featured: bool | None = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Search names, titles, expertise, specialties and tags."),
    ] = None,
    mine: Annotated[bool, Query(description="Only the advisors you created.")] = False,
) -> AdvisorPage:
    return await services.advisors.browse(
        principal.user_id,
        limit=limit,
        cursor=cursor,
        category=category,
        tag=tag,
        featured=featured,
        q=q,
        mine=mine,
    )


@advisors_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a custom advisor (private unless is_public)",
)
async def create_advisor(
    body: AdvisorCreate, principal: CurrentPrincipal, services: Services
) -> Advisor:
    return await services.advisors.create(principal.user_id, body)


@advisors_router.get(
    "/{advisor_id}",
)
async def get_advisor(
    advisor_id: AdvisorId, principal: CurrentPrincipal, services: Services
) -> Advisor:
    return await services.advisors.get(advisor_id, principal.user_id)


@advisors_router.patch(
    "/{advisor_id}",
    summary="Change your advisor (persona and role are replaced whole)",
)
async def patch_advisor(
    advisor_id: AdvisorId, body: AdvisorPatch, principal: CurrentPrincipal, services: Services
) -> Advisor:
    return await services.advisors.update(advisor_id, principal.user_id, body)


@advisors_router.delete(
    "/{advisor_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete your advisor, from every board and its notes",
)
async def delete_advisor(
    advisor_id: AdvisorId, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.advisors.delete(advisor_id, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- the advisory board -------------------------------------------------------------------------


@board_router.get("", summary="Your advisory board, in the order you chose them")
async def get_board(principal: CurrentPrincipal, services: Services) -> Board:
    return await services.advisors.board(principal.user_id)


@board_router.put("/{advisor_id}", summary="Put an advisor on your board")
async def select_advisor(
    advisor_id: AdvisorId,
    principal: CurrentPrincipal,
    services: Services,
    body: BoardSelect | None = None,
) -> BoardEntry:
    return await services.advisors.select(principal.user_id, advisor_id, body or BoardSelect())


@board_router.delete(
    "/{advisor_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take an advisor off your board",
)
async def deselect_advisor(
    advisor_id: AdvisorId, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.advisors.deselect(principal.user_id, advisor_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- team templates -----------------------------------------------------------------------------


@templates_router.get("", summary="Predefined advisor teams")
async def list_templates(
    principal: CurrentPrincipal,
    services: Services,
    category: Annotated[str | None, Query(pattern=SLUG)] = None,
    featured: bool | None = None,
) -> list[TeamTemplate]:
    return await services.advisors.templates(
        principal.user_id, category=category, featured=featured
    )


@templates_router.post(
    "/{template_id}/apply",
    summary="Add a team's advisors to your board",
)
async def apply_template(
    template_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: CurrentPrincipal,
    services: Services,
) -> TemplateApplied:
    return await services.advisors.apply_template(principal.user_id, template_id)


# -- advisors of a conversation, their memory, thread summaries -----------------------------------


@conversation_router.get(
    "/advisors",
    summary="The advisors taking part in a conversation",
)
async def conversation_advisors(
    conversation_id: str, principal: CurrentPrincipal, services: Services
) -> ConversationAdvisors:
    return await services.advisors.conversation_advisors(conversation_id, principal.user_id)


@conversation_router.put(
    "/advisors/{advisor_id}",
    summary="Bring an advisor into a conversation (owner)",
)
async def add_conversation_advisor(
    conversation_id: str, advisor_id: AdvisorId, principal: CurrentPrincipal, services: Services
) -> ConversationAdvisors:
    return await services.advisors.add_to_conversation(
        conversation_id, principal.user_id, advisor_id
    )


@conversation_router.delete(
    "/advisors/{advisor_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an advisor from a conversation (owner)",
)
async def remove_conversation_advisor(
    conversation_id: str, advisor_id: AdvisorId, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.advisors.remove_from_conversation(conversation_id, principal.user_id, advisor_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@conversation_router.get(
    "/advisors/{advisor_id}/memory",
    summary="An advisor's notes in this conversation",
)
async def list_memory(
    conversation_id: str, advisor_id: AdvisorId, principal: CurrentPrincipal, services: Services
) -> AdvisorMemory:
    return await services.advisor_memory.notes(conversation_id, advisor_id, principal.user_id)


@conversation_router.delete(
    "/advisors/{advisor_id}/memory",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Forget all of an advisor's notes here",
)
async def clear_memory(
    conversation_id: str, advisor_id: AdvisorId, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.advisor_memory.clear(conversation_id, advisor_id, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@conversation_router.get(
    "/advisors/{advisor_id}/memory/{key}",
)
async def get_memory(
    conversation_id: str,
    advisor_id: AdvisorId,
    key: MemoryKey,
    principal: CurrentPrincipal,
    services: Services,
) -> MemoryEntry:
    return await services.advisor_memory.get(conversation_id, advisor_id, key, principal.user_id)


@conversation_router.put(
    "/advisors/{advisor_id}/memory/{key}",
    summary="Set one note (any JSON value)",
)
async def put_memory(
    conversation_id: str,
    advisor_id: AdvisorId,
    key: MemoryKey,
    body: MemoryValue,
    principal: CurrentPrincipal,
    services: Services,
) -> MemoryEntry:
    return await services.advisor_memory.remember(
        advisor_id, conversation_id, principal.user_id, key, body.value
    )


@conversation_router.delete(
    "/advisors/{advisor_id}/memory/{key}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_memory(
    conversation_id: str,
    advisor_id: AdvisorId,
    key: MemoryKey,
    principal: CurrentPrincipal,
    services: Services,
) -> Response:
    await services.advisor_memory.forget(conversation_id, advisor_id, key, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@conversation_router.get(
    "/summaries",
    summary="Summaries of the conversation, oldest first",
)
async def list_summaries(
    conversation_id: str, principal: CurrentPrincipal, services: Services
) -> ThreadSummaries:
    return await services.summaries.for_conversation(conversation_id, principal.user_id)


@conversation_router.post(
    "/summaries",
    status_code=status.HTTP_201_CREATED,
    summary="Summarise the messages since the last summary",
)
async def create_summary(
    conversation_id: str,
    principal: CurrentPrincipal,
    services: Services,
    body: SummaryCreate | None = None,
) -> ThreadSummary:
    return await services.summaries.create(
        conversation_id, principal.user_id, body or SummaryCreate()
    )


routers = [advisors_router, board_router, templates_router, conversation_router]
