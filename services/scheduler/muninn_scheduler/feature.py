"""What reminders, tasks and experiences share: each is a user's own document with timers of
one kind, written in its own transaction or in a caller's (a plan made from conversation)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from muninn_shared.storage.mongo import Document, in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.documents import UserDocuments
from muninn_scheduler.notifications.service import NotificationService
from muninn_scheduler.profiles.service import ProfileService
from muninn_scheduler.timers.models import DueTimer
from muninn_scheduler.timers.service import TimerService
from muninn_scheduler.timers.wheel import FireContext, Outcome, TimerWheel

StoreT = TypeVar("StoreT", bound=UserDocuments)
DueBatch = Sequence[DueTimer]
ById = Mapping[str, Document]  # the documents a batch of timers refers to, by id


@dataclass(frozen=True)
class FeatureDeps:
    """What every feature that arms timers and notifies works with besides its own store."""

    client: AsyncMongoClient[Document]
    timers: TimerService
    profiles: ProfileService
    notifications: NotificationService
    clock: Clock


class TimedFeature(ABC, Generic[StoreT]):
    timer_kind: ClassVar[str]

    def __init__(self, deps: FeatureDeps, store: StoreT) -> None:
        self._client = deps.client
        self._store = store
        self._timers = deps.timers
        self._profiles = deps.profiles
        self._notifications = deps.notifications
        self._clock = deps.clock
        self._wheel: TimerWheel | None = None

    def register_timers(self, wheel: TimerWheel) -> None:
        self._wheel = wheel
        wheel.register_batch(self.timer_kind, self._fire_batch)

    async def _fire_batch(
        self, timers: Sequence[DueTimer], context: FireContext, session: AsyncClientSession
    ) -> list[Outcome]:
        docs = await self._store.by_ids((t.ref_id or "" for t in timers), session)
        return await self._fire(timers, docs, context, session)

    @abstractmethod
    async def _fire(
        self, timers: DueBatch, docs: ById, context: FireContext, session: AsyncClientSession
    ) -> list[Outcome]:
        """Act on a batch of this feature's due timers, one outcome each; ``docs`` are the
        documents they refer to that still exist, by id."""

    async def _write(
        self,
        work: Callable[[AsyncClientSession], Awaitable[None]],
        session: AsyncClientSession | None,
    ) -> None:
        """``work`` inside the caller's transaction, or in one of its own.

        The wheel is woken only after a transaction of our own commits: a caller's may still
        roll back, so its timers wait for the wheel's next poll."""
        if session is not None:
            await work(session)
            return
        await in_transaction(self._client, work)
        self._poke()

    async def _delete_timed(self, doc_id: str, session: AsyncClientSession) -> None:
        """Delete one of this feature's documents and cancel its timers."""
        await self._timers.cancel_for(self.timer_kind, doc_id, session)
        await self._store.delete(doc_id, session)

    def _poke(self) -> None:
        """A timer may be due soon: let the wheel look now rather than at its next poll."""
        if self._wheel is not None:
            self._wheel.poke()
