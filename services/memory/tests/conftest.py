"""Shared test doubles: the in-memory MemoryIndex for the feature layer's unit tests."""

from __future__ import annotations

import pytest

from tests.keyword_index import KeywordIndex


@pytest.fixture
def memory_index() -> KeywordIndex:
    return KeywordIndex()
