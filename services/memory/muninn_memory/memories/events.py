"""The event a change to a memory announces: ``memory.record.changed`` through the outbox."""

from __future__ import annotations

from muninn_shared.events import new_event
from muninn_shared.events.payloads import MemoryChanged
from muninn_shared.storage.outbox import Outbox
from pymongo.asynchronous.client_session import AsyncClientSession

SERVICE = "memory"


async def announce_change(
    outbox: Outbox,
    user_id: str,
    memory_id: str,
    operation: str,
    session: AsyncClientSession,
) -> None:
    """Queue the event in the transaction that makes the change, so it is sent exactly once."""
    event = new_event(
        "memory.record.changed",
        source=SERVICE,
        subject=user_id,
        data=MemoryChanged(user_id=user_id, memory_id=memory_id, operation=operation),  # type: ignore[arg-type]
    )
    await outbox.put(event, session)
