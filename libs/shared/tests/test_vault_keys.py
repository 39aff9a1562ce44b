"""The key ring and the envelope: parsing refuses bad keys without echoing them; seals bind
owners; each service has a ring of its own."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from muninn_shared.vault.__main__ import main as vault_cli
from muninn_shared.vault.envelope import (
    SealBrokenError,
    key_context,
    new_data_key,
    open_sealed,
    seal,
    secret_context,
)
from muninn_shared.vault.keyring import (
    KeyRingRefusedError,
    development_key_ring,
    key_ring_from,
    parse_key_ring,
)
from muninn_shared.vault.models import VaultSecret
from muninn_shared.vault.settings import VaultSettings


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


def test_each_service_generates_its_own_development_ring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUNINN_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("MUNINN_DEV_ENCRYPTION_KEYS_FILE", raising=False)
    integrations = VaultSettings(service_name="integrations")
    byod = VaultSettings(service_name="byod")
    assert integrations.development_encryption_keys_file() == Path(
        ".muninn/data/integrations-encryption-keys"
    )
    assert byod.vault_key_ring().keys != integrations.vault_key_ring().keys


def test_a_configured_ring_is_used_and_off_loopback_one_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MUNINN_ENCRYPTION_KEYS", raising=False)
    key = encoded()
    configured = VaultSettings(service_name="byod", encryption_keys=f"b1:{key}")
    assert configured.vault_key_ring().primary == "b1"
    with pytest.raises(KeyRingRefusedError, match="MUNINN_ENCRYPTION_KEYS is required"):
        VaultSettings(service_name="byod", host="0.0.0.0").vault_key_ring()


def test_the_cli_makes_keys_the_ring_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    assert vault_cli(["new-key"]) == 0
    printed = capsys.readouterr().out.strip()
    ring = parse_key_ring(printed)
    assert ring.primary == printed.split(":")[0]
    with pytest.raises(SystemExit):
        vault_cli(["rewrap"])  # whose vault must be said
