"""Scale-out on one machine: latency before and during the loss of a replica of each service.

The scenario of tests/integration/test_scale_out.py, longer and with more users: two
gateways, two conversation, memory and scheduler replicas (one identity, integrations,
byod) as processes against packaged Kafka and MongoDB servers; virtual users sign up, chat,
store memories (wait=true), search them and set reminders; after the steady phase the
second replica of each scaled service is SIGKILLed, and started again after the failure
window. Prints p50/p95 per operation for the steady phase and the failure window (kill to
restart), the answers that were not 2xx by operation and phase, and what the checks of the
test found afterwards (lost or doubled writes, reminders not fired exactly once).

    .venv/bin/python bench/scale_out.py
    .venv/bin/python bench/scale_out.py --users 8 --steady 60 --failure 30 --after 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.infra import provide_infra
from tests.integration.scale_out import (
    REPLICAS,
    STACK_ENV,
    Doc,
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
from tests.integration.suite import provide_suite
from tests.integration.tokens import provision_test_keys

SETTLE_SECONDS = 120.0


async def measure(plan: Plan, workdir: Path) -> None:
    with (
        provide_infra(workdir / "infra") as infra,
        provide_suite(infra, workdir / "stack", STACK_ENV, replicas=REPLICAS) as suite,
    ):
        print(
            f"{plan.users} users; steady {plan.steady_seconds:.0f} s, failure window "
            f"{plan.failure_seconds:.0f} s + restart, then {plan.after_seconds:.0f} s",
            flush=True,
        )
        ledger = await run_scenario(suite, plan)
        print("\n".join(latency_table(ledger)))
        print("answers that were not 2xx:", dict(sorted(ledger.failures().items())) or "none")
        print(
            f"acknowledged: {len(ledger.users)} sign-ups, {len(ledger.messages)} chat messages, "
            f"{len(ledger.memories)} memory writes, {len(ledger.reminders)} reminders"
        )
        mongo: AsyncMongoClient[Doc] = AsyncMongoClient(infra.mongo_uri, tz_aware=True)
        async with httpx.AsyncClient(base_url=suite.gateway_url, timeout=60.0) as client:
            checks = {
                "users missing": lambda: missing_users(client, ledger),
                "chat messages missing": lambda: missing_messages(client, ledger),
                "memory writes missing": lambda: missing_memories(client, ledger),
                "memories not found by every replica": lambda: unsearchable_memories(
                    client, ledger
                ),
                "reminders not fired exactly once": lambda: reminder_fires(mongo, suite, ledger),
                "events applied twice or never": lambda: events_applied_twice(mongo, suite, ledger),
            }
            for what, check in checks.items():
                complaints = await poll(check, give_up_after=SETTLE_SECONDS)
                print(f"{what}: {len(complaints)}", *complaints[:5], sep="\n  ")
        await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument("--steady", type=float, default=45.0, help="seconds before the kill")
    parser.add_argument("--failure", type=float, default=20.0, help="seconds until the restart")
    parser.add_argument("--after", type=float, default=15.0, help="seconds after the restart")
    parser.add_argument("--reminder-lead", type=float, default=10.0)
    args = parser.parse_args()
    plan = Plan(
        users=args.users,
        steady_seconds=args.steady,
        failure_seconds=args.failure,
        after_seconds=args.after,
        reminder_lead_seconds=args.reminder_lead,
    )
    with tempfile.TemporaryDirectory(prefix="muninn-scale-out-") as tmp:
        workdir = Path(tmp)
        os.environ.update(provision_test_keys(workdir / "keys"))
        asyncio.run(measure(plan, workdir))


if __name__ == "__main__":
    main()
