"""The index follower is for replicas with private embedded indexes, never a shared server."""

from __future__ import annotations

import pytest
from muninn_memory.settings import MemorySettings
from pydantic import ValidationError


def test_following_is_off_unless_asked_for() -> None:
    assert MemorySettings().index_follow_interval_seconds is None


def test_following_an_embedded_index_is_accepted() -> None:
    settings = MemorySettings(index_follow_interval_seconds=1.0, qdrant_path="/tmp/qdrant-2")
    assert settings.index_follow_interval_seconds == 1.0


def test_following_a_shared_qdrant_server_is_refused() -> None:
    with pytest.raises(ValidationError, match="share one index already"):
        MemorySettings(index_follow_interval_seconds=1.0, qdrant_url="http://qdrant:6333")


@pytest.mark.parametrize("interval", [0, -1])
def test_the_interval_must_be_positive(interval: float) -> None:
    with pytest.raises(ValidationError):
        MemorySettings(index_follow_interval_seconds=interval)
