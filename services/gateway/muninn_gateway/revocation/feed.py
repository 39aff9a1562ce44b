"""Every gateway replica reads every revocation, straight from Kafka.

No consumer group: each replica assigns itself every partition of the sessions topic, so no
replica misses the revocations another one read. On start it replays the last token
lifetime (everything older covers only expired tokens) and does not serve until it has read
up to the end offsets it found, so a restarted gateway refuses what was revoked while it was
down.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from faststream.security import BaseSecurity
from muninn_shared.background import BackgroundTasks
from muninn_shared.events import EventEnvelope
from muninn_shared.events.catalogue import Topic
from muninn_shared.events.payloads import SessionRevoked
from muninn_shared.logging import get_logger
from muninn_shared.messaging.auto_create import forbid_topic_auto_creation
from muninn_shared.messaging.broker import ensure_topics
from muninn_shared.messaging.security import admin_client_options
from pydantic import ValidationError

from muninn_gateway.revocation.cache import RevocationCache

log = get_logger(__name__)

TOPIC = Topic.IDENTITY_SESSIONS.value
REVOKED = "identity.session.revoked"
PRODUCER = "identity"
FOLLOW_TASK = "revocation-feed"


class RevocationFeedError(RuntimeError):
    """The feed could not catch up; the gateway must not serve without it."""


class RevocationFeed:
    def __init__(
        self,
        bootstrap: str,
        cache: RevocationCache,
        *,
        background: BackgroundTasks,
        replay_seconds: float,
        client_id: str,
        fetch_max_wait_ms: int,
        security: BaseSecurity | None = None,
        create_topic: bool = True,
    ) -> None:
        self._bootstrap = bootstrap
        self._cache = cache
        self._replay_seconds = replay_seconds
        self._client_id = client_id
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._security = security
        self._create_topic = create_topic
        self._consumer: AIOKafkaConsumer | None = None
        self._background = background
        self._caught_up = asyncio.Event()
        self._targets: dict[TopicPartition, int] = {}
        self.applied = 0

    @property
    def healthy(self) -> bool:
        following = self._background.status().get(FOLLOW_TASK) == "running"
        return self._caught_up.is_set() and following

    async def start(self, *, timeout: float) -> None:
        """Connect, replay the recent revocations and return once caught up."""
        try:
            await asyncio.wait_for(self._connect(), timeout)
            if FOLLOW_TASK not in self._background.status():
                self._background.add(FOLLOW_TASK, self._follow)
            await self._background.start()
            await asyncio.wait_for(self._caught_up.wait(), timeout)
        except (TimeoutError, KafkaError, OSError) as exc:
            await self.stop()
            raise RevocationFeedError(
                f"could not read the revocations from Kafka ({self._bootstrap}): {exc!r}"
            ) from exc
        log.info("revocation feed caught up", applied=self.applied, cached=len(self._cache))

    async def _connect(self) -> None:
        if self._create_topic:
            await ensure_topics(self._bootstrap, topics=[TOPIC], security=self._security)
        else:
            forbid_topic_auto_creation()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            **admin_client_options(self._security),
            client_id=self._client_id,
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=self._fetch_max_wait_ms,
        )
        await consumer.start()
        self._consumer = consumer
        await consumer.topics()  # fills the metadata partitions_for_topic reads
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or []]
        if not partitions:
            raise RevocationFeedError(f"topic {TOPIC} has no partitions")
        consumer.assign(partitions)
        since_ms = int((time.time() - self._replay_seconds) * 1000)
        try:
            found = await consumer.offsets_for_times(dict.fromkeys(partitions, since_ms))
        except KafkaError:
            found = {}  # a broker without timestamp lookups: replay what it keeps
        for partition in partitions:
            offset = found.get(partition)
            if offset is not None:
                consumer.seek(partition, offset.offset)
            elif partition in found:
                await consumer.seek_to_end(partition)
            else:
                await consumer.seek_to_beginning(partition)
        self._targets = await consumer.end_offsets(partitions)
        await self._check_caught_up()

    async def _follow(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=self._fetch_max_wait_ms)
            except KafkaError as exc:
                log.warning("revocation feed fetch failed; retrying", error=repr(exc))
                await asyncio.sleep(0.5)
                continue
            for records in batches.values():
                for record in records:
                    self._apply(record.value)
            if not self._caught_up.is_set():
                await self._check_caught_up()

    def _apply(self, value: bytes | None) -> None:
        try:
            envelope = EventEnvelope.model_validate_json(value or b"")
            if envelope.type != REVOKED:
                return
            revoked = SessionRevoked.model_validate(envelope.data)
        except ValidationError:
            log.warning("unreadable message on the revocation topic skipped")
            return
        if revoked.user_id != envelope.subject or envelope.source != PRODUCER:
            log.warning("revocation not from identity or not about its subject skipped")
            return
        self._cache.apply(revoked)
        self.applied += 1

    async def _check_caught_up(self) -> None:
        assert self._consumer is not None
        for partition, target in self._targets.items():
            if await self._consumer.position(partition) < target:
                return
        self._caught_up.set()

    async def stop(self) -> None:
        await self._background.stop()
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
