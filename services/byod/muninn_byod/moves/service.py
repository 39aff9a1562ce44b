"""Moving a user's data in and out of their own database, and switching their route.

Connecting (a provisioned store): the hosted content is copied to the user's database while
they go on using Muninn, collection by collection with the progress saved after each batch;
then their writes pause (a ``byod.routing.changed`` with ``writes_paused``), and after
``settle`` seconds — every replica of every service has reread the routes by then — the
writes made during the copy are caught up (a reconciling pass repeated until it finds
nothing), both sides are fingerprinted (count and checksum per collection) and, only if all
are equal, the route switches to the user's database with writes resumed. The hosted copy
is deleted after ``grace``. Disconnecting runs the same steps the other way, then forgets
the store and its credentials; the user's database keeps its copy.

A failure at any step resumes the writes where they were and is retried with back-off; a
move that keeps failing ends ``failed`` and leaves the user where they were. Nothing is
lost either way: the source is never changed by a move.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.content_schema import ContentService
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from muninn_shared.storage.routes import OwnDatabase
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from muninn_byod.moves.models import MoveDirection, MovePhase, MoveProgress, MoveStatus
from muninn_byod.moves.mover import (
    delete_user as delete_user_slices,
)
from muninn_byod.moves.mover import (
    hosted_collections,
    move_user,
    reconcile_user,
    verify,
)
from muninn_byod.moves.store import MoveStore
from muninn_byod.routes.service import RoutingService
from muninn_byod.stores.models import Store, StoreStatus
from muninn_byod.stores.probe import ProbeFailedError, ProbeTarget, probe_session
from muninn_byod.stores.provision import RetryPolicy, retry_after
from muninn_byod.stores.service import StoreService

log = get_logger(__name__)

Database = AsyncDatabase[dict[str, Any]]


class MoveCheckFailedError(RuntimeError):
    """The two sides differ after catching up: the route stays where it was."""


@dataclass(frozen=True)
class MovePolicy:
    settle: float
    """Seconds between pausing writes and catching up: longer than any service takes to
    reread the routes, plus a request in flight."""
    grace: timedelta
    """How long the hosted copy stays after a move to the user's database."""
    timeout: float
    """One attempt at a move, at the most (a lease keeps other replicas off meanwhile)."""
    server_timeout: float
    batch_size: int
    retry: RetryPolicy
    max_attempts: int = 5
    reconcile_rounds: int = 5
    per_pass: int = 10


class MoveService:
    def __init__(
        self,
        *,
        moves: MoveStore,
        stores: StoreService,
        routing: RoutingService,
        hosted: Mapping[ContentService, Database],
        policy: MovePolicy,
        owner: str,
    ) -> None:
        self._moves = moves
        self._stores = stores
        self._routing = routing
        self._hosted = hosted
        self._policy = policy
        self._owner = owner

    # --- HTTP -----------------------------------------------------------------------------

    async def current(self, user_id: str) -> MoveStatus:
        found = await self._moves.current(user_id)
        if found is None:
            raise ProblemError(404, "No move of your data has started.", code="not-found")
        return found

    async def disconnect(self, user_id: str) -> MoveStatus:
        """Begin moving the user's data back to the hosted databases."""
        store = await self._stores.disconnect(user_id)
        await self._moves.begin(user_id, store.id, MoveDirection.TO_HOSTED, datetime.now(UTC))
        return await self.current(user_id)

    # --- the background pass ----------------------------------------------------------------

    async def run_due(self) -> int:
        """Start the moves that are due, work on the unfinished ones whose lease is free (up
        to ``per_pass``), and delete hosted copies past their grace; how many were worked on."""
        await self._start_ready()
        worked = 0
        while worked < self._policy.per_pass:
            now = datetime.now(UTC)
            claimed = await self._moves.claim(now, self._lease_from(now), self._owner)
            if claimed is None:
                break
            user_id, move = claimed
            await self._work(user_id, move)
            worked += 1
        await self._delete_hosted_copies()
        return worked

    async def _start_ready(self) -> None:
        now = datetime.now(UTC)
        for user_id, store in await self._stores.ready_to_copy(self._policy.per_pass):
            if await self._stores.advance(
                user_id, store.id, frozenset({StoreStatus.PROVISIONING}), StoreStatus.COPYING
            ):
                await self._moves.begin(user_id, store.id, MoveDirection.TO_OWN, now)
                log.info("byod move to the user's database begins", user_id=user_id)
        for user_id, store in await self._stores.disconnecting(self._policy.per_pass):
            # A disconnect whose move was not recorded (its replica died in between).
            await self._moves.begin(user_id, store.id, MoveDirection.TO_HOSTED, now)

    def _lease_from(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self._policy.timeout + self._policy.settle + 60)

    async def _work(self, user_id: str, move: MoveStatus) -> None:
        bound = log.bind(user_id=user_id, store_id=move.store_id, direction=move.direction.value)
        try:
            store = await self._stores.current(user_id)
        except ProblemError:
            store = None
        if store is None or store.id != move.store_id:
            await self._moves.update(
                user_id,
                self._owner,
                {"phase": MovePhase.FAILED.value, "error": "The store is gone."},
                release=True,
            )
            bound.warning("byod move abandoned: its store is gone")
            return
        paused = False
        try:
            own = await self._stores.own_database(user_id, store)
            async with asyncio.timeout(self._policy.timeout):
                target = await self._primary(user_id, store)
                async with probe_session(
                    target, self._policy.server_timeout, self._policy.timeout
                ) as client:
                    own_db = client[target.database]
                    if move.phase is MovePhase.COPYING:
                        await self._copy(user_id, move, own_db)
                    paused = True
                    await self._switch(user_id, move, own, own_db, store)
                    paused = False
        except Exception as exc:
            await self._failed(user_id, move, store, exc, resume_writes=paused)

    async def _primary(self, user_id: str, store: Store) -> ProbeTarget:
        """The first of the store's servers (a direct connection: the guard saw only it)."""
        targets = await self._stores.open_targets(user_id, store)
        return targets[0]

    async def _copy(self, user_id: str, move: MoveStatus, own_db: Database) -> None:
        async def saved(progress: MoveProgress) -> None:
            if not await self._moves.save_progress(user_id, self._owner, progress):
                raise ProbeFailedError("move-lease-lost", "Another replica took the move over.")

        try:
            await move_user(
                self._hosted,
                own_db,
                user_id,
                direction=move.direction,
                batch_size=self._policy.batch_size,
                resume={p.collection: p for p in move.progress},
                on_progress=saved,
            )
        except (DuplicateKeyError, BulkWriteError):
            # The target still holds an older copy (moving back within the grace period),
            # whose documents clash on a unique key: bring it level instead, which deletes
            # what the source no longer has before it writes.
            await reconcile_user(
                self._hosted,
                own_db,
                user_id,
                direction=move.direction,
                batch_size=self._policy.batch_size,
            )
        await self._moves.update(
            user_id,
            self._owner,
            {"phase": MovePhase.SWITCHING.value, "updated_at": datetime.now(UTC)},
        )

    async def _switch(
        self, user_id: str, move: MoveStatus, own: OwnDatabase, own_db: Database, store: Store
    ) -> None:
        to_own = move.direction is MoveDirection.TO_OWN
        where_now = None if to_own else own
        await self._routing.announce(user_id, where_now, writes_paused=True)
        await asyncio.sleep(self._policy.settle)
        for _ in range(self._policy.reconcile_rounds):
            reports = await reconcile_user(
                self._hosted,
                own_db,
                user_id,
                direction=move.direction,
                batch_size=self._policy.batch_size,
            )
            if not any(r.upserted or r.deleted for r in reports.values()):
                break
        checks = await verify(
            self._hosted,
            own_db,
            user_id,
            direction=move.direction,
            batch_size=self._policy.batch_size,
        )
        now = datetime.now(UTC)
        await self._moves.update(
            user_id, self._owner, {"checks": [c.model_dump() for c in checks], "updated_at": now}
        )
        differing = [c.collection for c in checks if not c.equal]
        if differing:
            raise MoveCheckFailedError(f"the two sides differ in {', '.join(differing)}")
        await self._routing.announce(user_id, own if to_own else None, writes_paused=False)
        done: dict[str, Any] = {"phase": MovePhase.DONE.value, "switched_at": now, "error": None}
        if to_own:
            done["hosted_copy_delete_after"] = now + self._policy.grace
            await self._stores.advance(
                user_id, store.id, frozenset({StoreStatus.COPYING}), StoreStatus.ACTIVE
            )
        await self._moves.update(user_id, self._owner, done, release=True)
        if not to_own:
            await self._stores.forget_disconnected(user_id, store.id)
        log.info(
            "byod move done: route switched",
            user_id=user_id,
            direction=move.direction.value,
            documents=sum(c.source.count for c in checks),
        )

    async def _failed(
        self,
        user_id: str,
        move: MoveStatus,
        store: Store,
        exc: Exception,
        *,
        resume_writes: bool,
    ) -> None:
        bound = log.bind(user_id=user_id, store_id=store.id, direction=move.direction.value)
        if resume_writes:
            # Back where they were, writes resumed, until the next attempt.
            where_now = (
                await self._stores.own_database(user_id, store)
                if move.direction is MoveDirection.TO_HOSTED
                else None
            )
            await self._routing.announce(user_id, where_now, writes_paused=False)
        attempts = move.attempts + 1
        reason = _reason(exc)
        now = datetime.now(UTC)
        changes: dict[str, Any] = {"attempts": attempts, "error": reason, "updated_at": now}
        if attempts >= self._policy.max_attempts:
            changes["phase"] = MovePhase.FAILED.value
            fallback = (
                StoreStatus.PROVISIONING
                if move.direction is MoveDirection.TO_OWN
                else StoreStatus.ACTIVE
            )
            current = (
                StoreStatus.COPYING
                if move.direction is MoveDirection.TO_OWN
                else StoreStatus.DISCONNECTING
            )
            await self._stores.advance(user_id, store.id, frozenset({current}), fallback)
        else:
            changes["lease_until"] = now + retry_after(attempts, self._policy.retry)
        await self._moves.update(user_id, self._owner, changes, release=True)
        if isinstance(exc, ProbeFailedError | MoveCheckFailedError | TimeoutError):
            bound.warning("byod move attempt failed", attempts=attempts, error=reason)
        else:
            bound.exception("byod move attempt failed", attempts=attempts)

    async def _delete_hosted_copies(self) -> None:
        now = datetime.now(UTC)
        while (
            due := await self._moves.claim_hosted_delete(now, now + timedelta(hours=1))
        ) is not None:
            user_id, move = due
            try:
                store = await self._stores.current(user_id)
            except ProblemError:
                continue
            if store.id != move.store_id or store.status not in (
                StoreStatus.ACTIVE,
                StoreStatus.DEGRADED,
            ):
                continue  # moving back, or gone: the hosted copy is not waste
            deleted = await delete_user_slices(
                hosted_collections(self._hosted), user_id, batch_size=self._policy.batch_size
            )
            await self._moves.hosted_copy_deleted(user_id, datetime.now(UTC))
            log.info("hosted copy deleted after the grace period", user_id=user_id, deleted=deleted)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ProbeFailedError):
        return f"{exc.code}: {exc}"
    if isinstance(exc, TimeoutError):
        return "move-timed-out: the attempt did not finish in time"
    if isinstance(exc, MoveCheckFailedError):
        return f"move-check-failed: {exc}"
    return f"move-failed: {type(exc).__name__}"


def new_owner(service: str, instance_id: str) -> str:
    return f"{service}:{instance_id}:{uuid.uuid4().hex[:8]}"
