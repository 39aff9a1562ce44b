"""The key ring and the envelope: parsing refuses bad keys without echoing them; seals bind owners."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from muninn_integrations.vault.envelope import (
    SealBrokenError,
    key_context,
    new_data_key,
    open_sealed,
    seal,
    secret_context,
)
from muninn_integrations.vault.keyring import (
    KeyRingRefusedError,
    development_key_ring,
    key_ring_from,
    parse_key_ring,
)
from muninn_integrations.vault.models import VaultSecret


def encoded() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_the_first_key_is_primary_and_every_key_unwraps() -> None:
    first, second = encoded(), encoded()
    ring = parse_key_ring(f"new:{first}, old:{second}")
    assert ring.primary == "new"
    assert ring.key("old") == base64.urlsafe_b64decode(second)
    assert ring.key("gone") is None
    assert first not in repr(ring)
    assert second not in repr(ring)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nocolon",
        "bad id:" + "A" * 43,
        "k1:not-base64!!",
        "k1:" + base64.urlsafe_b64encode(b"short").decode(),
    ],
)
def test_a_bad_ring_is_refused_without_showing_the_key(text: str) -> None:
    with pytest.raises(KeyRingRefusedError) as refused:
        parse_key_ring(text)
    secret_part = text.partition(":")[2]
    if secret_part:
        assert secret_part not in str(refused.value)


def test_a_key_id_twice_is_refused() -> None:
    with pytest.raises(KeyRingRefusedError, match="twice"):
        parse_key_ring(f"k1:{encoded()},k1:{encoded()}")


def test_development_ring_only_where_allowed(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    with pytest.raises(KeyRingRefusedError, match="MUNINN_ENCRYPTION_KEYS is required"):
        key_ring_from(None, development_file=path, development_allowed=False)
    assert not path.exists()
    ring = key_ring_from(None, development_file=path, development_allowed=True)
    assert path.stat().st_mode & 0o777 == 0o600
    assert development_key_ring(path) == ring


def test_a_sealed_secret_opens_only_for_its_own_owner_and_connection() -> None:
    key = new_data_key()
    sealed = seal(key, b"app-password", secret_context("ana", "c1"))
    assert open_sealed(key, sealed, secret_context("ana", "c1")) == b"app-password"
    for context in (
        secret_context("bob", "c1"),
        secret_context("ana", "c2"),
        key_context("ana", "c1"),
    ):
        with pytest.raises(SealBrokenError):
            open_sealed(key, sealed, context)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SealBrokenError):
        open_sealed(key, tampered, secret_context("ana", "c1"))
    with pytest.raises(SealBrokenError):
        open_sealed(key, b"short", secret_context("ana", "c1"))


def test_a_secret_never_shows_its_values() -> None:
    secret = VaultSecret({"password": "hunter2", "username": "ana"})
    assert secret["password"] == "hunter2"
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret}"
