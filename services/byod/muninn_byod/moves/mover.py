"""Moving one user's content between the hosted databases and their own, collection by collection.

The hosted side is one database per content service on the main MongoDB, each collection
under its ``name``; the user's side is one database holding every service's collections under
their ``stored_as`` names. What names the user moves (content, timers, sync state…); the delivery
bookkeeping (outbox, applied-event markers, leases) belongs to the deployment that runs it.

A move is: :func:`move_user` (resumable from its progress records), then, with the user's
writes held, :func:`reconcile_user` until it changes nothing, then :func:`verify`. A target
still holding an older copy of the user (moving back within the grace period) is brought
level by :func:`reconcile_user` alone: it deletes what the source no longer has before it
writes, where a copy could trip on a unique key an obsolete document still holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from muninn_shared.content_schema import (
    CollectionSpec,
    ContentService,
    Tenancy,
    user_database_collections,
)
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from muninn_byod.moves.copier import (
    BATCH_SIZE,
    copy_collection,
    delete_slice,
    fingerprint,
    reconcile,
    user_filter,
)
from muninn_byod.moves.models import CollectionCheck, MoveDirection, MoveProgress, ReconcileReport

ProgressCallback = Callable[[MoveProgress], Awaitable[None]]


@dataclass(frozen=True)
class UserCollection:
    """A content collection as found on one side of a move."""

    spec: CollectionSpec
    collection: AsyncCollection[Any]


@dataclass(frozen=True)
class MovePair:
    spec: CollectionSpec
    source: AsyncCollection[Any]
    target: AsyncCollection[Any]

    @property
    def name(self) -> str:
        return self.spec.stored_as


def content_collections() -> tuple[CollectionSpec, ...]:
    """The collections a move carries: every one whose documents name their user — content,
    and the per-user state the services keep beside it (a reminder's timer, a connection's
    sync cursor, a recurring meeting's roll-forward), without which the content would stop
    moving on. Not the delivery bookkeeping, which names no user."""
    return tuple(
        spec for spec in user_database_collections() if spec.tenancy is not Tenancy.NO_USER_DATA
    )


def hosted_collections(hosted: Mapping[ContentService, AsyncDatabase[Any]]) -> list[UserCollection]:
    """The content collections in the services' own databases, under their service's names."""
    specs = content_collections()
    missing = sorted({s.service for s in specs} - hosted.keys())
    if missing:
        # A service left out would leave its content behind, silently.
        raise ValueError(f"no hosted database given for {', '.join(missing)}")
    return [UserCollection(s, hosted[s.service][s.name]) for s in specs]


def own_collections(own: AsyncDatabase[Any]) -> list[UserCollection]:
    """The content collections in a user's own database, under their ``stored_as`` names."""
    return [UserCollection(s, own[s.stored_as]) for s in content_collections()]


def move_pairs(
    hosted: Mapping[ContentService, AsyncDatabase[Any]],
    own: AsyncDatabase[Any],
    direction: MoveDirection,
) -> list[MovePair]:
    pairs = zip(hosted_collections(hosted), own_collections(own), strict=True)
    if direction is MoveDirection.TO_OWN:
        return [MovePair(h.spec, h.collection, o.collection) for h, o in pairs]
    return [MovePair(h.spec, o.collection, h.collection) for h, o in pairs]


async def move_user(
    hosted: Mapping[ContentService, AsyncDatabase[Any]],
    own: AsyncDatabase[Any],
    user_id: str,
    *,
    direction: MoveDirection,
    batch_size: int = BATCH_SIZE,
    resume: Mapping[str, MoveProgress] | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[MoveProgress]:
    """Copy every content collection of ``user_id`` in ``direction``, one after the other.

    ``on_progress`` receives each collection's progress after every batch and once more when
    it is done; given those records back as ``resume`` (by collection), a later call skips
    the collections done and continues the others after their cursor.
    """
    saved = resume or {}
    finished: list[MoveProgress] = []
    for pair in move_pairs(hosted, own, direction):
        progress = saved.get(pair.name) or MoveProgress(collection=pair.name)
        if not progress.done:
            progress = await _copy(pair, user_id, progress, batch_size, on_progress)
        finished.append(progress)
    return finished


async def reconcile_user(
    hosted: Mapping[ContentService, AsyncDatabase[Any]],
    own: AsyncDatabase[Any],
    user_id: str,
    *,
    direction: MoveDirection,
    batch_size: int = BATCH_SIZE,
) -> dict[str, ReconcileReport]:
    """One reconciling pass over every content collection, by collection."""
    return {
        pair.name: await reconcile(
            pair.source,
            pair.target,
            user_filter(pair.spec, user_id),
            batch_size=batch_size,
        )
        for pair in move_pairs(hosted, own, direction)
    }


async def verify(
    hosted: Mapping[ContentService, AsyncDatabase[Any]],
    own: AsyncDatabase[Any],
    user_id: str,
    *,
    direction: MoveDirection,
    batch_size: int = BATCH_SIZE,
) -> list[CollectionCheck]:
    """Both sides' fingerprint of every content collection, read at the same time."""
    checks: list[CollectionCheck] = []
    for pair in move_pairs(hosted, own, direction):
        query = user_filter(pair.spec, user_id)
        source, target = await asyncio.gather(
            fingerprint(pair.source, query, batch_size=batch_size),
            fingerprint(pair.target, query, batch_size=batch_size),
        )
        checks.append(
            CollectionCheck(
                collection=pair.name, source=source, target=target, equal=source == target
            )
        )
    return checks


async def delete_user(
    collections: Sequence[UserCollection], user_id: str, *, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Delete the user's slice of each collection (one side: the hosted copy after the grace
    period, or the user's own database on disconnect), with how many went from each."""
    return {
        c.spec.stored_as: await delete_slice(
            c.collection, user_filter(c.spec, user_id), batch_size=batch_size
        )
        for c in collections
    }


async def _copy(
    pair: MovePair,
    user_id: str,
    progress: MoveProgress,
    batch_size: int,
    on_progress: ProgressCallback | None,
) -> MoveProgress:
    copied_before = progress.copied
    current = progress

    async def batch_written(last_id: Any, copied: int) -> None:
        nonlocal current
        current = current.model_copy(update={"copied": copied_before + copied, "cursor": last_id})
        if on_progress is not None:
            await on_progress(current)

    await copy_collection(
        pair.source,
        pair.target,
        user_filter(pair.spec, user_id),
        batch_size=batch_size,
        after=progress.cursor,
        on_batch=batch_written,
    )
    current = current.model_copy(update={"done": True})
    if on_progress is not None:
        await on_progress(current)
    return current
