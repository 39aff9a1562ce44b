"""The revocation feed's consumer is paced against the development broker, as the services' are."""

from __future__ import annotations

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
    # The pacing patches a class for the whole process: put aiokafka's method back after.
    monkeypatch.setattr(Fetcher, "_proc_fetch_request", Fetcher._proc_fetch_request)
    if _paced():
        pytest.skip("an earlier test in this process installed the pacing for good")

    cache, feed = revocations_from(_settings(pace=False))
    assert cache is not None
    assert feed is not None
    assert not _paced(), "a production process never patches aiokafka"

    revocations_from(_settings(pace=True))
    assert _paced()
