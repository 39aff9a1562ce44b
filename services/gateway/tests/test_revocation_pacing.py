"""The revocation feed's consumer is paced against the development broker, as the services' are."""

from __future__ import annotations

import inspect

import pytest
from aiokafka.consumer.fetcher import Fetcher
from muninn_gateway.revocation.wiring import revocations_from
from muninn_gateway.settings import GatewaySettings
from muninn_shared.messaging.pacing import _PACED_MARKER


def _settings(*, pace: bool) -> GatewaySettings:
    return GatewaySettings(
        kafka_bootstrap="127.0.0.1:9",
        revocation_feed_enabled=True,
        kafka_pace_empty_fetches=pace,
    )


def _paced() -> bool:
    return bool(getattr(Fetcher._proc_fetch_request, _PACED_MARKER, False))


def test_the_feed_paces_empty_fetches_only_when_the_settings_ask(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The pacing patches a class for the whole process (an earlier test may have installed
    # it): start from aiokafka's own method, and put back what was there after.
    monkeypatch.setattr(Fetcher, "_proc_fetch_request", inspect.unwrap(Fetcher._proc_fetch_request))

    cache, feed = revocations_from(_settings(pace=False))
    assert cache is not None
    assert feed is not None
    assert not _paced(), "a production process never patches aiokafka"

    revocations_from(_settings(pace=True))
    assert _paced()
