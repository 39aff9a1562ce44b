"""Audit entries leave integrations as events for identity's audit log: one per entry, in the
caller's transaction, always within the outbox's size cap."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import pytest
from muninn_integrations.audit import context
from muninn_integrations.audit.models import ActorKind, AuditAction, ResourceType
from muninn_integrations.audit.service import ELIDED, MAX_FIELDS, AuditLog
from muninn_shared.events import EventEnvelope
from muninn_shared.events.bounds import DEFAULT_EVENT_MAX_BYTES
from muninn_shared.events.payloads import AuditChangeRecorded
from muninn_shared.events.sealing import sealed_size
from muninn_shared.events.trust import untrusted_because
from muninn_shared.storage.outbox import Outbox


class CapturingOutbox:
    """The outbox's interface as the audit log uses it; keeps what was put and with which
    session."""

    def __init__(self, max_event_bytes: int = DEFAULT_EVENT_MAX_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self.batches: list[tuple[list[EventEnvelope], Any]] = []

    async def put_many(self, events: Sequence[EventEnvelope], session: Any) -> None:
        self.batches.append((list(events), session))

    @property
    def events(self) -> list[EventEnvelope]:
        return [event for events, _ in self.batches for event in events]


def audit_log(outbox: CapturingOutbox) -> AuditLog:
    return AuditLog(cast(Outbox, outbox))


@pytest.fixture
def in_request() -> Iterator[None]:
    token = context._origin.set(
        context.RequestOrigin(
            ip="203.0.113.9",
            user_agent="tests/1.0",
            endpoint="PATCH /v1/integrations/connections/c1",
        )
    )
    yield
    context._origin.reset(token)


@pytest.mark.usefixtures("in_request")
async def test_each_entry_is_one_event_in_the_callers_session() -> None:
    outbox = CapturingOutbox()
    session = object()
    await audit_log(outbox).record_many(
        "u1",
        [
            (
                AuditAction.UPDATE,
                ResourceType.INTEGRATION,
                "c1",
                {"display_name": "Home", "password": "hunter2"},
                {"display_name": "Work", "password": "rotated"},
            ),
            (AuditAction.UPDATE, ResourceType.INTEGRATION, "c2", {"a": 1}, {"a": 1}),
            (AuditAction.CONNECT, ResourceType.INTEGRATION, "c3", None, {"provider": "ics"}),
        ],
        session=session,  # type: ignore[arg-type]
    )
    (batch,) = outbox.batches
    events, used = batch
    assert used is session
    assert [e.type for e in events] == ["integrations.audit.recorded"] * 2
    for event in events:
        assert event.source == "integrations"
        assert event.subject == "u1"
        assert untrusted_because(event) is None
    rename, connect = (AuditChangeRecorded.model_validate(e.data) for e in events)
    assert (rename.action, rename.resource_type, rename.resource_id) == (
        "update",
        "integration",
        "c1",
    )
    assert rename.old_values == {"display_name": "Home"}
    assert rename.new_values == {"display_name": "Work"}
    assert rename.actor.model_dump() == {"kind": "user", "id": "u1"}
    assert rename.ip_address == "203.0.113.9"
    assert rename.user_agent == "tests/1.0"
    assert rename.api_endpoint == "PATCH /v1/integrations/connections/c1"
    assert connect.old_values is None
    assert connect.new_values == {"provider": "ics"}
    assert rename.entry_id != connect.entry_id
    assert "hunter2" not in str([e.data for e in events])


async def test_outside_a_request_the_actor_is_the_system_and_no_origin_is_kept() -> None:
    outbox = CapturingOutbox()
    await audit_log(outbox).record(
        "u1",
        action=AuditAction.UPDATE,
        resource_type=ResourceType.INTEGRATION,
        resource_id="c1",
        old={"status": "connected"},
        new={"status": "expired"},
    )
    await audit_log(outbox).record(
        "u1",
        action=AuditAction.CREATE,
        resource_type=ResourceType.CONTACT,
        resource_id="k1",
        new={"display_name": "Ana"},
        actor=ActorKind.SYNC,
    )
    system, synced = (AuditChangeRecorded.model_validate(e.data) for e in outbox.events)
    assert system.actor.model_dump() == {"kind": "system", "id": None}
    assert synced.actor.model_dump() == {"kind": "sync", "id": None}
    for entry in (system, synced):
        assert entry.ip_address is None
        assert entry.user_agent is None
        assert entry.api_endpoint is None
    assert [batch[1] for batch in outbox.batches] == [None, None]


@pytest.mark.usefixtures("in_request")
async def test_an_entry_too_large_for_one_event_keeps_what_fits() -> None:
    """Bounded values can still add up (fifty fields of lists of long texts): the largest are
    replaced by an ellipsis until the sealed event fits the cap; the change never fails."""
    cap = 16 * 1024
    outbox = CapturingOutbox(max_event_bytes=cap)
    wide: dict[str, Any] = {"display_name": "Work"}
    wide |= {f"field_{i}": ["x" * 2_000] * 30 for i in range(60)}
    await audit_log(outbox).record(
        "u1",
        action=AuditAction.CONNECT,
        resource_type=ResourceType.INTEGRATION,
        resource_id="c1",
        new=wide,
    )
    (event,) = outbox.events
    assert sealed_size(event) <= cap
    entry = AuditChangeRecorded.model_validate(event.data)
    assert entry.new_values is not None
    assert len(entry.new_values) == MAX_FIELDS
    assert entry.new_values["display_name"] == "Work"
    assert ELIDED in entry.new_values.values()


@pytest.mark.usefixtures("in_request")
async def test_a_large_batch_is_still_one_bounded_event_per_entry() -> None:
    cap = 16 * 1024
    outbox = CapturingOutbox(max_event_bytes=cap)
    notes = {"notes": "n" * 450, "tags": [f"tag-{i}" * 20 for i in range(20)]}
    changes = [(AuditAction.CREATE, ResourceType.CONTACT, f"k{i}", None, notes) for i in range(200)]
    await audit_log(outbox).record_many("u1", changes)  # type: ignore[arg-type]
    assert len(outbox.events) == 200
    assert all(sealed_size(event) <= cap for event in outbox.events)
    assert len({event.data["entry_id"] for event in outbox.events}) == 200
