"""``integrations.record.synced``: what changed among a user's synced records, for memory and
the scheduler, written to the outbox in the transaction that made the change."""

from __future__ import annotations

from collections.abc import Sequence

from muninn_shared.events import new_event
from muninn_shared.events.payloads import IntegrationRecord
from muninn_shared.storage.outbox import Outbox
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.sync.sinks import Applied, SyncScope

SOURCE = "integrations"


class RecordAnnouncer:
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def announce(
        self,
        scope: SyncScope,
        kind: RecordKind,
        applied: Sequence[Applied],
        session: AsyncClientSession,
    ) -> None:
        if not applied:
            return
        events = [
            new_event(
                "integrations.record.synced",
                source=SOURCE,
                subject=scope.user_id,
                data=IntegrationRecord(
                    user_id=scope.user_id,
                    connection_id=scope.connection_id,
                    provider=scope.provider,
                    record_type=kind.value,  # type: ignore[arg-type]
                    record_id=item.record_id,
                    data={**item.data, "action": item.action.value},
                ),
            )
            for item in applied
        ]
        await self._outbox.put_many(events, session)
