"""Sealed secrets in MongoDB, one document per record (connection, store).

Field names end in ``_ciphertext`` so a data export redacts them; the user id on each
document lets erasure remove them with the rest of the user's data.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.vault.models import VaultRecord, vault_record

VAULT = "vault_entries"


class VaultStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._entries = db[VAULT]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._entries, "user_id")
        await ensure_index(self._entries, "key_id")

    async def get(
        self, user_id: str, record_id: str, session: AsyncClientSession | None = None
    ) -> VaultRecord | None:
        doc = await self._entries.find_one({"_id": record_id, "user_id": user_id}, session=session)
        return vault_record(doc) if doc is not None else None

    async def save(
        self,
        record: VaultRecord,
        session: AsyncClientSession | None = None,
        *,
        create: bool = True,
    ) -> bool:
        """Store the entry; with ``create=False`` only over an entry that still exists."""
        result = await self._entries.update_one(
            {"_id": record.record_id, "user_id": record.user_id},
            {
                "$set": {
                    "key_id": record.key_id,
                    "data_key_ciphertext": record.data_key_ciphertext,
                    "secret_ciphertext": record.secret_ciphertext,
                    "updated_at": record.updated_at,
                },
                "$setOnInsert": {"created_at": record.created_at},
            },
            upsert=create,
            session=session,
        )
        return result.matched_count == 1 or result.upserted_id is not None

    async def delete(
        self, user_id: str, record_id: str, session: AsyncClientSession | None = None
    ) -> bool:
        result = await self._entries.delete_one(
            {"_id": record_id, "user_id": user_id}, session=session
        )
        return result.deleted_count == 1

    async def wrapped_by_other_keys(self, key_id: str, limit: int) -> list[VaultRecord]:
        cursor = self._entries.find({"key_id": {"$ne": key_id}}).limit(limit)
        return [vault_record(doc) async for doc in cursor]

    async def replace_data_key(
        self, record: VaultRecord, *, key_id: str, data_key_ciphertext: bytes
    ) -> bool:
        """Re-wrapped key, stored only if nobody changed the entry since it was read."""
        result = await self._entries.update_one(
            {
                "_id": record.record_id,
                "key_id": record.key_id,
                "data_key_ciphertext": record.data_key_ciphertext,
            },
            {"$set": {"key_id": key_id, "data_key_ciphertext": data_key_ciphertext}},
        )
        return result.modified_count == 1
