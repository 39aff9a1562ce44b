"""/v1/contacts: the user's contacts, synced and made by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from muninn_shared.pagination import PageCursor, PageLimit
from muninn_shared.problems import ProblemError
from pydantic import BeforeValidator

from muninn_integrations.contacts.models import (
    ContactCreate,
    ContactMerge,
    ContactPage,
    ContactPatch,
    ContactRecord,
    ContactSort,
)
from muninn_integrations.deps import CurrentCaller, PathId
from muninn_integrations.profiles.models import ContactProfile, ProfilePart

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

Strength = Annotated[float | None, Query(ge=0.0, le=1.0)]


@router.get("", summary="Your contacts, newest first unless sorted otherwise")
async def list_contacts(
    caller: CurrentCaller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Prefix of a name or e-mail address")
    ] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    archived: Annotated[bool, Query(description="true lists the archived ones")] = False,
    company: Annotated[
        str | None,
        Query(max_length=255, pattern=r"\S", description="Works at (case-insensitive, exact)"),
    ] = None,
    min_strength: Strength = None,
    max_strength: Strength = None,
    going_cold: Annotated[
        bool | None, Query(description="Only contacts whose rhythm has (or has not) lapsed")
    ] = None,
    sort: Annotated[
        ContactSort,
        Query(
            description="recent (newest first), name (A to Z), strength (strongest first), "
            "last_interaction (most recent first)"
        ),
    ] = "recent",
) -> ContactPage:
    if min_strength is not None and max_strength is not None and min_strength > max_strength:
        raise ProblemError(
            422, "min_strength may not exceed max_strength.", code="invalid-strength-range"
        )
    return await caller.services.contacts.page(
        caller.user_id,
        limit=limit,
        cursor=cursor,
        q=q,
        tag=tag,
        archived=archived,
        company=company,
        min_strength=min_strength,
        max_strength=max_strength,
        going_cold=going_cold,
        sort=sort,
    )


@router.post(
    "/merge",
    summary="Merge contacts that are one person into one of them",
    description="Every interaction, source and list of the merged contacts moves to `into`; "
    "fields `into` lacks are filled, its hand edits kept; the merged contacts are deleted.",
)
async def merge_contacts(body: ContactMerge, caller: CurrentCaller) -> ContactRecord:
    return await caller.services.merges.merge(caller.user_id, body)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a contact by hand")
async def create_contact(body: ContactCreate, caller: CurrentCaller) -> ContactRecord:
    return await caller.services.contacts.create(caller.user_id, body)


def comma_separated(values: object) -> object:
    if isinstance(values, list):
        return [part.strip() for value in values for part in str(value).split(",")]
    return values


@router.get("/{contact_id}", summary="One contact, with its interactions, interests, links…")
async def get_contact(
    contact_id: PathId,
    caller: CurrentCaller,
    include: Annotated[
        list[ProfilePart] | None,
        BeforeValidator(comma_separated),
        Query(
            max_length=4,
            description="Parts to add, each the latest ten: interactions, interests, "
            "relationships, memories (repeat the parameter or separate with commas)",
        ),
    ] = None,
) -> ContactProfile | ContactRecord:
    if not include:
        return await caller.services.contacts.get(caller.user_id, contact_id)
    return await caller.services.profiles.profile(caller.user_id, contact_id, set(include))


@router.patch(
    "/{contact_id}",
    summary="Edit a contact; what you set stays over what its sources say",
)
async def update_contact(
    contact_id: PathId, body: ContactPatch, caller: CurrentCaller
) -> ContactRecord:
    return await caller.services.contacts.update(caller.user_id, contact_id, body)


@router.post("/{contact_id}/archive", summary="Archive a contact (hidden from lists and nudges)")
async def archive_contact(contact_id: PathId, caller: CurrentCaller) -> ContactRecord:
    return await caller.services.contacts.set_archived(caller.user_id, contact_id, True)


@router.post("/{contact_id}/unarchive", summary="Bring an archived contact back")
async def unarchive_contact(contact_id: PathId, caller: CurrentCaller) -> ContactRecord:
    return await caller.services.contacts.set_archived(caller.user_id, contact_id, False)


@router.delete(
    "/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a contact made by hand (a synced one is archived instead: 409)",
)
async def delete_contact(contact_id: PathId, caller: CurrentCaller) -> Response:
    await caller.services.contacts.delete(caller.user_id, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
