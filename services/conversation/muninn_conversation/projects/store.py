"""Projects and the files attached to them, in MongoDB.

A project's conversations and notes point at it (``project_id`` on their documents); its
files are either attached to the project directly (``project_files``) or to messages in its
conversations (the messages feature embeds those).
"""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.owned import OwnedDocuments

Doc = dict[str, Any]
PROJECTS = "projects"
PROJECT_FILES = "project_files"


class ProjectStore(OwnedDocuments):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db[PROJECTS])
        self._projects = self._owned
        self._files = db[PROJECT_FILES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._projects,
            [("user_id", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(
            self._projects, [("user_id", ASCENDING), ("name_key", ASCENDING)], unique=True
        )
        await ensure_index(
            self._files,
            [("user_id", ASCENDING), ("project_id", ASCENDING), ("created_at", DESCENDING)],
        )

    async def delete(
        self, user_id: str, project_id: str, session: AsyncClientSession | None = None
    ) -> bool:
        """The project and its files go (its conversations and notes are unfiled by their features)."""
        await self._files.delete_many(
            {"user_id": user_id, "project_id": project_id}, session=session
        )
        return await super().delete(user_id, project_id, session)

    # Files.

    async def insert_file(self, doc: Doc) -> None:
        await self._files.insert_one(doc)

    async def files(self, user_id: str, project_id: str, *, limit: int) -> list[Doc]:
        cursor = self._files.find({"user_id": user_id, "project_id": project_id})
        return [
            d
            async for d in cursor.sort([("created_at", DESCENDING), ("_id", DESCENDING)]).limit(
                limit
            )
        ]

    async def count_files(self, user_id: str, project_id: str) -> int:
        return await self._files.count_documents({"user_id": user_id, "project_id": project_id})

    async def delete_file(self, user_id: str, project_id: str, file_id: str) -> bool:
        result = await self._files.delete_one(
            {"_id": file_id, "user_id": user_id, "project_id": project_id}
        )
        return result.deleted_count == 1
