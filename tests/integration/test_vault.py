"""The credentials vault against a real MongoDB-protocol server: sealed at rest, rotated, destroyed."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from muninn_shared.privacy import SECRET_FIELD_SUFFIXES
from muninn_shared.vault.envelope import SealBrokenError
from muninn_shared.vault.keyring import parse_key_ring
from muninn_shared.vault.service import SecretTooLargeError, UnknownKeyError, Vault
from muninn_shared.vault.store import VAULT, VaultStore
from pymongo import AsyncMongoClient


def encoded() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def keys() -> dict[str, str]:
    return {"k1": encoded(), "k2": encoded()}


def vault_with(db: Any, text: str) -> Vault:
    return Vault(VaultStore(db), parse_key_ring(text))


async def test_a_secret_is_sealed_at_rest_and_opens_for_its_owner_only(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str, keys: dict[str, str]
) -> None:
    db = mongo[f"vault_{unique}"]
    vault = vault_with(db, f"k1:{keys['k1']}")
    await vault.put("ana", "c1", {"username": "ana", "password": "correct horse"})

    stored = await db[VAULT].find_one({"_id": "c1"})
    assert stored is not None
    raw = repr(stored).encode()
    assert b"correct horse" not in raw
    assert b"correct horse" not in stored["secret_ciphertext"]
    # An export redacts every field that holds key material or the secret.
    assert all(
        name.endswith(SECRET_FIELD_SUFFIXES)
        for name in stored
        if name not in {"_id", "user_id", "key_id", "created_at", "updated_at"}
    )

    secret = await vault.get("ana", "c1")
    assert secret is not None
    assert secret["password"] == "correct horse"
    assert await vault.get("bob", "c1") is None

    # A refreshed token replaces the secret and keeps the creation time.
    await vault.put("ana", "c1", {"access_token": "t2"})
    again = await vault.get("ana", "c1")
    assert again is not None
    assert dict(again) == {"access_token": "t2"}
    after = await db[VAULT].find_one({"_id": "c1"})
    assert after is not None
    assert after["created_at"] == stored["created_at"]

    # A token refreshed after the connection was disconnected does not bring it back.
    assert await vault.put("ana", "c1", {"access_token": "t3"}, only_existing=True) is True
    assert await vault.destroy("ana", "c1")
    assert await vault.put("ana", "c1", {"access_token": "t4"}, only_existing=True) is False
    assert await db[VAULT].count_documents({"_id": "c1"}) == 0


async def test_a_copied_ciphertext_does_not_open_for_another_connection(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str, keys: dict[str, str]
) -> None:
    db = mongo[f"vault_{unique}"]
    vault = vault_with(db, f"k1:{keys['k1']}")
    await vault.put("ana", "c1", {"password": "p1"})
    await vault.put("mallory", "c2", {"password": "p2"})
    stolen = await db[VAULT].find_one({"_id": "c1"})
    assert stolen is not None
    await db[VAULT].update_one(
        {"_id": "c2"},
        {
            "$set": {
                "data_key_ciphertext": stolen["data_key_ciphertext"],
                "secret_ciphertext": stolen["secret_ciphertext"],
            }
        },
    )
    with pytest.raises(SealBrokenError):
        await vault.get("mallory", "c2")


async def test_rotation_rewraps_every_key_and_old_keys_can_then_go(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str, keys: dict[str, str]
) -> None:
    db = mongo[f"vault_{unique}"]
    old = vault_with(db, f"k1:{keys['k1']}")
    for n in range(5):
        await old.put(f"user{n}", f"c{n}", {"password": f"p{n}"})

    rotated = vault_with(db, f"k2:{keys['k2']},k1:{keys['k1']}")
    assert await rotated.rewrap(batch_size=2) == 5
    assert await rotated.rewrap() == 0
    assert await db[VAULT].count_documents({"key_id": "k2"}) == 5

    only_new = vault_with(db, f"k2:{keys['k2']}")
    for n in range(5):
        secret = await only_new.get(f"user{n}", f"c{n}")
        assert secret is not None
        assert secret["password"] == f"p{n}"

    # The old ring alone no longer opens anything, and says which key is missing.
    with pytest.raises(UnknownKeyError, match="k2"):
        await old.get("user0", "c0")


async def test_destroying_an_entry_destroys_its_data_key(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str, keys: dict[str, str]
) -> None:
    db = mongo[f"vault_{unique}"]
    vault = vault_with(db, f"k1:{keys['k1']}")
    await vault.put("ana", "c1", {"password": "p"})
    assert not await vault.destroy("bob", "c1")
    assert await vault.destroy("ana", "c1")
    assert await vault.get("ana", "c1") is None
    assert await db[VAULT].count_documents({}) == 0


async def test_an_oversized_secret_is_refused_and_nothing_is_stored(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str, keys: dict[str, str]
) -> None:
    db = mongo[f"vault_{unique}"]
    vault = vault_with(db, f"k1:{keys['k1']}")
    with pytest.raises(SecretTooLargeError):
        await vault.put("ana", "c1", {"blob": "x" * 70_000})
    assert await db[VAULT].count_documents({}) == 0
