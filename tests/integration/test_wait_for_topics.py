"""Where the platform provisions topics: services create none, and the init container's wait
holds until the catalogue's topics all exist (a fresh broker for this module)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from muninn_shared.events.catalogue import all_topics
from muninn_shared.messaging.broker import ensure_topics
from muninn_shared.messaging.wait_for_topics import existing_topics

from tests.integration.infra import Infra

WAIT_COMMAND = [sys.executable, "-m", "muninn_shared.messaging.wait_for_topics"]


async def run_wait(infra: Infra, timeout: float) -> subprocess.CompletedProcess[str]:
    """The command the Kubernetes init container runs, configured the way a pod is."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("MUNINN_")}
    env |= {"MUNINN_KAFKA_BOOTSTRAP": infra.kafka_bootstrap, "MUNINN_LOG_FORMAT": "json"}
    return await asyncio.to_thread(
        subprocess.run,
        [*WAIT_COMMAND, "--timeout", str(timeout), "--interval", "0.5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout + 60,
    )


async def test_services_create_no_topic_when_told_not_to_and_the_wait_names_the_missing(
    infra: Infra, unique: str
) -> None:
    catalogue = set(all_topics())
    assert not catalogue & await existing_topics(infra.kafka_bootstrap, security=None, timeout=10)

    runtime = infra.runtime("gateway", kafka_create_topics=False, kafka_group_prefix=f"it{unique}.")
    await runtime.start(attempts=1)
    try:
        assert runtime.started
    finally:
        await runtime.stop()
    assert not catalogue & await existing_topics(infra.kafka_bootstrap, security=None, timeout=10)

    missing = await run_wait(infra, timeout=2)
    assert missing.returncode == 1
    assert "still do not exist" in missing.stderr
    for topic in catalogue:
        assert topic in missing.stderr, topic
    assert "waiting for kafka topics" in missing.stdout

    await ensure_topics(infra.kafka_bootstrap)
    present = await run_wait(infra, timeout=30)
    assert present.returncode == 0, present.stderr
    assert "kafka topics present" in present.stdout
