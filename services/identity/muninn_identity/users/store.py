"""MongoDB persistence of users, their credentials and presence."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document, update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

USERS = "users"
CREDENTIALS = "credentials"
PRESENCE = "presence"


class UserStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._users = db[USERS]
        self._credentials = db[CREDENTIALS]
        self._presence = db[PRESENCE]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._users, "email_normalized", unique=True)
        await ensure_index(self._users, [("last_active_at", DESCENDING)])
        await ensure_index(self._users, "user_id", unique=True)
        # The operator's list of accounts, newest first (one page per request).
        await ensure_index(self._users, [("created_at", DESCENDING), ("_id", DESCENDING)])
        await ensure_index(self._credentials, "user_id", unique=True)
        await ensure_index(self._presence, [("is_online", ASCENDING)])

    async def insert(self, user: Document, password_hash: str, session: AsyncClientSession) -> None:
        await self._users.insert_one(user, session=session)
        await self._credentials.insert_one(
            {
                "_id": user["_id"],
                "user_id": user["_id"],
                "password_hash": password_hash,
                "updated_at": user["created_at"],
            },
            session=session,
        )

    async def get(self, user_id: str) -> Document | None:
        return await self._users.find_one({"_id": user_id})

    async def by_email(self, email_normalized: str) -> Document | None:
        return await self._users.find_one({"email_normalized": email_normalized})

    async def page(
        self, *, contains: str | None, status: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Document], str | None]:
        """Accounts newest first; ``contains`` is matched as plain text (escaped, any case)
        in the email or the name, never as a pattern of the caller's."""
        query: Document = {}
        if status is not None:
            query["status"] = status
        if contains:
            literal = {"$regex": re.escape(contains), "$options": "i"}
            query["$or"] = [{"email_normalized": literal}, {"name": literal}]
        return await fetch_page(self._users, query, limit=limit, cursor=cursor, convert=dict)

    async def password_hash(self, user_id: str) -> str | None:
        doc = await self._credentials.find_one({"_id": user_id})
        return None if doc is None else str(doc["password_hash"])

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self._credentials.update_one(
            {"_id": user_id},
            {"$set": {"password_hash": password_hash, "updated_at": datetime.now(UTC)}},
        )

    async def update(
        self, user_id: str, changes: Document, session: AsyncClientSession | None = None
    ) -> Document | None:
        changes = {**changes, "updated_at": datetime.now(UTC)}
        return await update_one_and_read(
            self._users,
            {"_id": user_id, "status": "active"},
            {"$set": changes},
            session=session,
        )

    async def touch(self, user_id: str, *, login: bool = False) -> None:
        """Record activity, at most once a minute per user unless it is a login."""
        now = datetime.now(UTC)
        changes: Document = {"last_active_at": now}
        query: Document = {"_id": user_id}
        if login:
            changes["last_login_at"] = now
        else:
            query["last_active_at"] = {"$lt": now - timedelta(minutes=1)}
        await self._users.update_one(query, {"$set": changes})

    async def mark_erasing(self, user_id: str, session: AsyncClientSession) -> bool:
        result = await self._users.update_one(
            {"_id": user_id, "status": "active"},
            {"$set": {"status": "erasing", "updated_at": datetime.now(UTC)}},
            session=session,
        )
        return result.modified_count == 1

    async def erasing_user_ids(self) -> list[str]:
        return [doc["_id"] async for doc in self._users.find({"status": "erasing"}, {"_id": 1})]

    async def get_presence(self, user_id: str) -> Document | None:
        return await self._presence.find_one({"_id": user_id})

    async def set_presence(
        self, user_id: str, is_online: bool, conversation_id: str | None
    ) -> Document:
        now = datetime.now(UTC)
        doc = await update_one_and_read(
            self._presence,
            {"_id": user_id},
            {
                "$set": {
                    "user_id": user_id,
                    "is_online": is_online,
                    "last_seen_at": now,
                    "current_conversation_id": conversation_id,
                }
            },
            upsert=True,
        )
        await self._users.update_one({"_id": user_id}, {"$set": {"last_active_at": now}})
        assert doc is not None
        return doc
