"""Wait until the broker holds every topic the event catalogue needs.

    python -m muninn_shared.messaging.wait_for_topics --timeout 300

Where the platform provisions the topics (``MUNINN_KAFKA_CREATE_TOPICS=false``: Strimzi's
KafkaTopics, Compose's kafka-setup), a service started before them would fail its consumers;
run as an init container, this holds the pod back until they exist. It connects with the
service's own settings (``MUNINN_KAFKA_*``, SCRAM over TLS included) and only lists topics:
it never creates one. Exit status 0 once all exist, 1 on timeout naming the missing ones.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from faststream.security import BaseSecurity

from muninn_shared.events.catalogue import all_topics
from muninn_shared.logging import configure_logging, get_logger
from muninn_shared.messaging.security import admin_client_options, kafka_security
from muninn_shared.settings import ServiceSettings

log = get_logger(__name__)

TIMEOUT_EXIT_STATUS = 1


class TopicsMissingError(TimeoutError):
    def __init__(self, missing: Sequence[str], waited_seconds: float) -> None:
        self.missing = sorted(missing)
        super().__init__(
            f"after {waited_seconds:.0f} s these Kafka topics still do not exist: "
            f"{', '.join(self.missing)}"
        )


async def existing_topics(
    bootstrap: str, *, security: BaseSecurity | None, timeout: float
) -> set[str]:
    """The broker's topic names: one metadata request for all topics (which, unlike a request
    naming topics, can never make a broker auto-create one)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=max(1000, int(timeout * 1000)),
        **admin_client_options(security),
    )
    try:
        await asyncio.wait_for(admin.start(), timeout)
        return set(await asyncio.wait_for(admin.list_topics(), timeout))
    finally:
        await admin.close()


async def wait_for_topics(
    bootstrap: str,
    *,
    security: BaseSecurity | None = None,
    topics: Sequence[str] | None = None,
    timeout: float = 300.0,
    interval: float = 2.0,
) -> None:
    """Return once every topic in ``topics`` (default: the catalogue's topics and their
    dead-letter topics) exists; raise :class:`TopicsMissingError` after ``timeout`` seconds."""
    wanted = set(topics if topics is not None else all_topics())
    started = time.monotonic()
    deadline = started + timeout
    missing = sorted(wanted)
    while True:
        remaining = deadline - time.monotonic()
        try:
            missing = sorted(
                wanted
                - await existing_topics(
                    bootstrap, security=security, timeout=max(1.0, min(remaining, 15.0))
                )
            )
        except (KafkaError, OSError, TimeoutError) as exc:
            # The broker may still be starting: keep waiting, the missing list unchanged.
            log.warning("kafka not reachable yet", bootstrap=bootstrap, error=repr(exc))
        else:
            if not missing:
                log.info("kafka topics present", count=len(wanted))
                return
            log.info("waiting for kafka topics", missing=missing, count=len(missing))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TopicsMissingError(missing, time.monotonic() - started)
        await asyncio.sleep(min(interval, remaining))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m muninn_shared.messaging.wait_for_topics",
        description="Wait until every topic of the event catalogue exists on the broker "
        "(MUNINN_KAFKA_* settings).",
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait (default 300)"
    )
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between checks (default 2)"
    )
    args = parser.parse_args(argv)
    settings = ServiceSettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    try:
        asyncio.run(
            wait_for_topics(
                settings.kafka_bootstrap,
                security=kafka_security(settings),
                timeout=args.timeout,
                interval=args.interval,
            )
        )
    except TopicsMissingError as exc:
        log.error("kafka topics missing", missing=exc.missing, bootstrap=settings.kafka_bootstrap)
        print(f"wait_for_topics: {exc}", file=sys.stderr)
        return TIMEOUT_EXIT_STATUS
    return 0


if __name__ == "__main__":
    sys.exit(main())
