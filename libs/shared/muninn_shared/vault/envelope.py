"""AES-256-GCM envelope encryption: a data key per record, wrapped by a key-encryption key.

Both layers bind associated data naming the owner and the record, so a wrapped key or a
sealed secret copied onto another record (or another user) does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from muninn_shared.vault.keyring import KEY_BYTES

NONCE_BYTES = 12


class SealBrokenError(RuntimeError):
    """A ciphertext does not open: wrong key, wrong owner, or tampered with."""


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def open_sealed(key: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    if len(sealed) <= NONCE_BYTES:
        raise SealBrokenError("ciphertext too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
    except InvalidTag:
        raise SealBrokenError("ciphertext does not open") from None


def key_context(user_id: str, record_id: str) -> bytes:
    """Associated data of a wrapped data key."""
    return f"muninn-vault-key\x00{user_id}\x00{record_id}".encode()


def secret_context(user_id: str, record_id: str) -> bytes:
    """Associated data of a sealed secret."""
    return f"muninn-vault-secret\x00{user_id}\x00{record_id}".encode()
