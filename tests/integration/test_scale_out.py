"""Scale-out on one machine: two replicas of the gateway, conversation, memory and scheduler
take mixed traffic while one replica of each is SIGKILLed, and nothing acknowledged is lost
or done twice.

The scenario (traffic, the kill, the restart) is tests/integration/scale_out.py; the bench
bench/scale_out.py runs it longer and prints the latencies. Nothing here is timed: the
deadlines below only bound how long the test waits for the stack to settle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.integration.infra import Infra
from tests.integration.scale_out import (
    KILLED,
    REPLICAS,
    STACK_ENV,
    Doc,
    Ledger,
    Plan,
    events_applied_twice,
    latency_table,
    missing_memories,
    missing_messages,
    missing_users,
    poll,
    reminder_fires,
    run_scenario,
    unsearchable_memories,
)
from tests.integration.suite import Suite, provide_suite

PLAN = Plan(
    users=3,
    steady_seconds=12.0,
    failure_seconds=8.0,
    after_seconds=6.0,
    reminder_lead_seconds=6.0,
)
SETTLE_SECONDS = 90.0


@pytest.fixture(scope="module")
def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with provide_suite(
        infra, tmp_path_factory.mktemp("scale-out"), STACK_ENV, replicas=REPLICAS
    ) as running:
        yield running


@pytest.fixture
async def client(stack: Suite) -> AsyncIterator[httpx.AsyncClient]:
    """The first gateway: its round robin reaches both replicas of each service."""
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60.0) as http:
        yield http


@pytest.mark.timeout(600)
async def test_nothing_acknowledged_is_lost_or_done_twice_when_a_replica_of_each_dies(
    stack: Suite, client: httpx.AsyncClient, mongo: AsyncMongoClient[Doc]
) -> None:
    ledger: Ledger = await run_scenario(stack, PLAN)
    print("\n".join(["", *latency_table(ledger), f"failures: {dict(ledger.failures())}"]))

    assert all(stack.alive(name) for name in KILLED), "the killed replicas came back"
    phases = {sample.phase for sample in ledger.samples if sample.status == 200}
    assert phases >= {"steady", "failure", "recovered"}, "traffic was served in every phase"
    assert ledger.users
    assert ledger.messages
    assert ledger.memories
    assert ledger.reminders

    context = stack.tails(15)
    checks = {
        "users": lambda: missing_users(client, ledger),
        "chat messages": lambda: missing_messages(client, ledger),
        "memory writes": lambda: missing_memories(client, ledger),
        # Each memory replica finds what any replica stored (the gateway takes turns).
        "memory searches": lambda: unsearchable_memories(client, ledger),
        "reminders fired once": lambda: reminder_fires(mongo, stack, ledger),
        "events applied once": lambda: events_applied_twice(mongo, stack, ledger),
    }
    for what, check in checks.items():
        complaints = await poll(check, give_up_after=SETTLE_SECONDS)
        assert complaints == [], f"{what}: {complaints[:10]}\n{context}"
