"""Who may fetch event keys: a known service with its own credential, on the allow-list."""

from __future__ import annotations

from pathlib import Path

import pytest
from muninn_identity.event_keys.callers import ServiceCallers
from muninn_identity.event_keys.wrapping import (
    WrappingKeyRefusedError,
    decode_wrapping_key,
    development_wrapping_key,
    load_wrapping_key,
)
from muninn_identity.settings import IdentitySettings
from muninn_shared.problems import ProblemError
from muninn_shared.service_credentials import credential_hash

MEMORY_SECRET = "memory-secret"
GATEWAY_SECRET = "gateway-secret"


def callers() -> ServiceCallers:
    return ServiceCallers(
        {
            "memory": [credential_hash("old-memory-secret"), credential_hash(MEMORY_SECRET)],
            "gateway": [credential_hash(GATEWAY_SECRET)],
        },
        readers=["memory"],
    )


def refusal(service: str | None, credential: str | None) -> int:
    with pytest.raises(ProblemError) as refused:
        callers().event_key_reader(service, credential)
    return refused.value.status


def test_a_reader_with_its_own_credential_is_let_in_during_a_rotation_too() -> None:
    assert callers().event_key_reader("memory", MEMORY_SECRET) == "memory"
    assert callers().event_key_reader("memory", "old-memory-secret") == "memory"


def test_missing_wrong_borrowed_or_unknown_credentials_are_401() -> None:
    assert refusal(None, None) == 401
    assert refusal("memory", None) == 401
    assert refusal("memory", "guess") == 401
    assert refusal("memory", GATEWAY_SECRET) == 401
    assert refusal("conversation", MEMORY_SECRET) == 401


def test_a_genuine_service_not_on_the_allow_list_is_403() -> None:
    assert refusal("gateway", GATEWAY_SECRET) == 403


def test_prod_requires_an_operator_key_encryption_key() -> None:
    with pytest.raises(WrappingKeyRefusedError):
        load_wrapping_key(
            IdentitySettings(environment="prod", event_sealing=True, event_key_encryption_key=None)
        )
    with pytest.raises(WrappingKeyRefusedError):
        decode_wrapping_key("c2hvcnQ=")


def test_a_development_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "kek"
    first = development_wrapping_key(path)
    assert len(first) == 32
    assert development_wrapping_key(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"
