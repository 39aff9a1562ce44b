"""Topics are created with their retention set on the topic: dead letters live a week at most."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from muninn_shared.events import Topic, dead_letter_topic
from muninn_shared.messaging.broker import ensure_topics

from tests.integration.infra import Infra

WEEK_MS = 7 * 24 * 60 * 60 * 1000
# DescribeConfigs: the value was set on the topic itself, not inherited from a broker default.
TOPIC_CONFIG_SOURCE = 1


async def retention_of(bootstrap: str, topics: list[str]) -> dict[str, tuple[int, int]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, name, {"retention.ms": None})
                for name in topics
            ]
        )
    finally:
        await admin.close()
    found: dict[str, tuple[int, int]] = {}
    for response in responses:
        for resource in response.resources:
            _, _, _, name, entries = resource
            for entry in entries:
                if entry[0] == "retention.ms":
                    found[name] = (int(entry[1]), int(entry[3]))
    return found


async def test_dead_letter_topics_keep_messages_a_week_at_most(infra: Infra) -> None:
    await ensure_topics(infra.kafka_bootstrap)
    topic = Topic.CONVERSATION_MESSAGES.value
    dlq = dead_letter_topic(topic)

    retention = await retention_of(infra.kafka_bootstrap, [dlq, topic])

    assert retention[dlq] == (WEEK_MS, TOPIC_CONFIG_SOURCE)
    assert retention[topic] == (WEEK_MS, TOPIC_CONFIG_SOURCE)
