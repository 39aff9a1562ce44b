"""Mail and meetings synced before the contacts they involve.

Interactions, the contact graph, interests and briefings are derived from a page of mail or
meetings in the transaction that applies it, for the people on it who are the user's
contacts at that moment. A calendar and an address book are two connections synced as two
jobs, in either order: a calendar synced first would leave its meetings without
interactions, links or briefings until each one changed at the source.

So when a page of contacts brings new or changed contacts (or the user makes a contact or
gives one an address by hand), the user's latest mail and meetings involving their addresses
are handed to the same followers again, in the same transaction, as if just applied. Every follower counts a record once (interactions per
record and contact, link evidence per record, interests per record and topic, one briefing
per meeting and contact), so what was derived before stays as it was and only the newly
known contacts gain theirs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence, Set
from typing import ClassVar, Protocol

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.interactions.derive import addresses_in
from muninn_integrations.sync.service import Follower
from muninn_integrations.sync.sinks import Action, Applied, SyncScope

MAX_CAUGHT_UP = 500
"""Records of each kind looked at per page of contacts: the newest (and as many series)."""

ScopeOf = Callable[[str, str], Awaitable[SyncScope | None]]
"""(user_id, connection_id) → the scope an incremental sync of the connection applies its
pages in (``sync.service.connection_scope``); None once the connection is gone."""


class RecentRecords(Protocol):
    kind: ClassVar[RecordKind]

    async def recent(
        self, user_id: str, limit: int, session: AsyncClientSession
    ) -> list[tuple[str, Applied]]:
        """The user's latest records of this kind, as applied, with their connection ids."""
        ...


def addresses_of(applied: Sequence[Applied]) -> set[str]:
    """The e-mail addresses of the contacts a page added or changed (lower-cased)."""
    found: set[str] = set()
    for item in applied:
        if item.action is Action.DELETED:
            continue
        for value in item.data.get("emails") or []:
            if isinstance(value, str) and "@" in value:
                found.add(value.strip().lower())
    return found


class CatchUp:
    """A sync follower: ``SyncService(followers=[*derived, CatchUp(..., derived).follow])``."""

    def __init__(
        self,
        sources: Sequence[RecentRecords],
        followers: Sequence[Follower],
        scope_of: ScopeOf,
        limit: int = MAX_CAUGHT_UP,
    ) -> None:
        self._sources = tuple(sources)
        self._followers = tuple(followers)
        self._scope_of = scope_of
        self._limit = limit

    async def follow(
        self,
        scope: SyncScope,
        kind: RecordKind,
        applied: Sequence[Applied],
        session: AsyncClientSession,
    ) -> None:
        if kind is not RecordKind.CONTACT:
            return
        await self.involving(scope.user_id, addresses_of(applied), session)

    async def involving(
        self, user_id: str, addresses: Set[str], session: AsyncClientSession
    ) -> None:
        """Hand the user's latest mail and meetings involving any of ``addresses``
        (lower-cased) to the followers again: also for a contact made or given an address
        by hand (``ContactService.when_addresses_added``)."""
        if not addresses:
            return
        scopes: dict[str, SyncScope | None] = {}
        for source in self._sources:
            by_connection: dict[str, list[Applied]] = {}
            for connection_id, item in await source.recent(user_id, self._limit, session):
                if addresses.isdisjoint(addresses_in(source.kind, item.data)):
                    continue
                by_connection.setdefault(connection_id, []).append(item)
            for connection_id, items in by_connection.items():
                if connection_id not in scopes:
                    scopes[connection_id] = await self._scope_of(user_id, connection_id)
                replayed = scopes[connection_id]
                if replayed is None:  # disconnected, its records kept: nothing new from them
                    continue
                for follow in self._followers:
                    await follow(replayed, source.kind, items, session)
