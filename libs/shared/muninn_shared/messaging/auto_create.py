"""Keep a process that must not create topics from having the broker create them for it.

Besides the admin client's CreateTopics (``ensure_topics``, skipped when
``MUNINN_KAFKA_CREATE_TOPICS=false``), a topic is also created by the broker itself when a
client's metadata request names a missing one and asks for auto-creation: aiokafka's
producers and consumers always ask, and a broker with ``auto.create.topics.enable=true`` (its
default) obliges as soon as a consumer subscribes or a producer publishes. Compose and the
Kubernetes cluster turn auto-creation off and give services no Create ACL; this makes the
process itself never ask, whatever the broker allows.

aiokafka offers no client option for it (the Java consumer's ``allow.auto.create.topics``), so
the metadata request class its client builds is replaced by one whose default comes from a
context variable: only clients started where :func:`forbid_topic_auto_creation` ran (and the
tasks they start, which inherit the context) stop asking. An explicit
``allow_auto_topic_creation`` argument is still honoured.
"""

from __future__ import annotations

from contextvars import ContextVar

import aiokafka.client
from aiokafka.protocol.metadata import MetadataRequest

_auto_create_topics: ContextVar[bool] = ContextVar("muninn_kafka_auto_create_topics", default=True)


class _ContextualMetadataRequest(MetadataRequest):  # type: ignore[misc]
    def __init__(
        self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = None
    ) -> None:
        if allow_auto_topic_creation is None:
            allow_auto_topic_creation = _auto_create_topics.get()
        super().__init__(topics, allow_auto_topic_creation)


def forbid_topic_auto_creation() -> None:
    """From here on, in this context and the tasks started from it, Kafka clients' metadata
    requests ask the broker not to create missing topics."""
    aiokafka.client.MetadataRequest = _ContextualMetadataRequest  # type: ignore[misc]
    _auto_create_topics.set(False)


def topic_auto_creation_allowed() -> bool:
    return _auto_create_topics.get()
