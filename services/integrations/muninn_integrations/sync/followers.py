"""Features that follow what a sync applies (the contact graph, interests, interactions,
briefings): each is handed the pages of the kinds of record it keeps up with, in the
transaction that applied them, as ``SyncService(followers=[feature.follow])``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.sync.sinks import Applied, SyncScope


@dataclass(frozen=True)
class AppliedPage:
    """The records of one kind a sync just applied for one account, and the transaction
    applying them."""

    scope: SyncScope
    kind: RecordKind
    applied: Sequence[Applied]
    session: AsyncClientSession


class PageFollower(ABC):
    """A sync follower of some kinds of record: a page of another kind, or an empty one,
    passes it by."""

    follows: ClassVar[tuple[RecordKind, ...]]

    async def follow(
        self,
        scope: SyncScope,
        kind: RecordKind,
        applied: Sequence[Applied],
        session: AsyncClientSession,
    ) -> None:
        if kind in self.follows and applied:
            await self.follow_page(AppliedPage(scope, kind, applied, session))

    @abstractmethod
    async def follow_page(self, page: AppliedPage) -> None: ...
