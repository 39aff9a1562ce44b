"""The credentials vault: seal a record's secret, open it when it is used,
destroy it when the record goes.

Each record (an integrations connection, a BYOD store) gets its own random data key; the
secret is sealed under it and the data key is wrapped by the ring's primary key-encryption
key. Destroying the entry destroys the data key, so nothing sealed under it opens again,
wherever a copy of the ciphertext went.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_shared.logging import get_logger
from muninn_shared.vault.envelope import (
    key_context,
    new_data_key,
    open_sealed,
    seal,
    secret_context,
)
from muninn_shared.vault.keyring import KeyRing
from muninn_shared.vault.models import MAX_SECRET_BYTES, VaultRecord, VaultSecret
from muninn_shared.vault.store import VaultStore

log = get_logger(__name__)


class UnknownKeyError(RuntimeError):
    """A data key is wrapped by a key no longer in the ring: restore that key to read it."""


class SecretTooLargeError(ValueError):
    pass


class Vault:
    def __init__(self, store: VaultStore, ring: KeyRing) -> None:
        self._store = store
        self._ring = ring

    async def put(
        self,
        user_id: str,
        record_id: str,
        secret: Mapping[str, str],
        session: AsyncClientSession | None = None,
        *,
        only_existing: bool = False,
    ) -> bool:
        """Seal ``secret`` for the record, replacing what it held (a refreshed token).
        ``only_existing``: never create the entry (a refresh finishing after a disconnect
        must not bring the secret back); False when there was none."""
        plaintext = json.dumps(dict(secret), separators=(",", ":")).encode()
        if len(plaintext) > MAX_SECRET_BYTES:
            raise SecretTooLargeError(f"a record's secret is limited to {MAX_SECRET_BYTES} bytes")
        now = datetime.now(UTC)
        existing = await self._store.get(user_id, record_id, session)
        if existing is None and only_existing:
            return False
        data_key = self._data_key(existing) if existing is not None else new_data_key()
        record = VaultRecord(
            record_id=record_id,
            user_id=user_id,
            key_id=self._ring.primary,
            data_key_ciphertext=seal(
                self._ring.keys[self._ring.primary], data_key, key_context(user_id, record_id)
            ),
            secret_ciphertext=seal(data_key, plaintext, secret_context(user_id, record_id)),
            created_at=existing.created_at if existing is not None else now,
            updated_at=now,
        )
        return await self._store.save(record, session, create=not only_existing)

    def seal_note(self, context: str, plaintext: bytes) -> tuple[str, bytes]:
        """Seal a short-lived value (an OAuth flow's PKCE verifier) under the primary key,
        bound to ``context``; the key id and the ciphertext."""
        key = self._ring.keys[self._ring.primary]
        return self._ring.primary, seal(key, plaintext, f"muninn-vault-note\x00{context}".encode())

    def open_note(self, key_id: str, sealed: bytes, context: str) -> bytes:
        key = self._ring.key(key_id)
        if key is None:
            raise UnknownKeyError(f"a note sealed by the key {key_id!r}, no longer in the ring")
        return open_sealed(key, sealed, f"muninn-vault-note\x00{context}".encode())

    async def get(self, user_id: str, record_id: str) -> VaultSecret | None:
        record = await self._store.get(user_id, record_id)
        if record is None:
            return None
        plaintext = open_sealed(
            self._data_key(record),
            record.secret_ciphertext,
            secret_context(user_id, record_id),
        )
        values = json.loads(plaintext)
        return VaultSecret({str(k): str(v) for k, v in values.items()})

    async def destroy(
        self, user_id: str, record_id: str, session: AsyncClientSession | None = None
    ) -> bool:
        return await self._store.delete(user_id, record_id, session)

    async def rewrap(self, batch_size: int = 200) -> int:
        """Wrap every data key under the primary key; the number re-wrapped.

        Safe beside running services: a key changed meanwhile (a token refresh re-sealed it
        under the primary already) is left as the other writer stored it.
        """
        rewrapped = 0
        skipped: set[str] = set()
        while True:
            records = [
                r
                for r in await self._store.wrapped_by_other_keys(
                    self._ring.primary, batch_size + len(skipped)
                )
                if r.record_id not in skipped
            ]
            if not records:
                return rewrapped
            for record in records:
                try:
                    data_key = self._data_key(record)
                except UnknownKeyError:
                    skipped.add(record.record_id)
                    log.warning(
                        "vault entry wrapped by a key not in the ring",
                        record_id=record.record_id,
                        key_id=record.key_id,
                    )
                    continue
                wrapped = seal(
                    self._ring.keys[self._ring.primary],
                    data_key,
                    key_context(record.user_id, record.record_id),
                )
                if await self._store.replace_data_key(
                    record, key_id=self._ring.primary, data_key_ciphertext=wrapped
                ):
                    rewrapped += 1
                else:
                    skipped.add(record.record_id)

    def _data_key(self, record: VaultRecord) -> bytes:
        wrapping_key = self._ring.key(record.key_id)
        if wrapping_key is None:
            raise UnknownKeyError(
                f"record {record.record_id}: its key {record.key_id!r} is not in "
                "MUNINN_ENCRYPTION_KEYS"
            )
        return open_sealed(
            wrapping_key,
            record.data_key_ciphertext,
            key_context(record.user_id, record.record_id),
        )
