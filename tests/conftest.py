"""What every test under tests/ shares: one signing key ring for the whole run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.tokens import provision_test_keys


@pytest.fixture(scope="session", autouse=True)
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every app and process of the run signs and verifies with one test key ring."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in provision_test_keys(tmp_path_factory.mktemp("keys")).items():
            patch.setenv(name, value)
        yield
