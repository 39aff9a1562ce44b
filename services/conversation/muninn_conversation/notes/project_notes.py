"""The notes filed under a project, as the projects feature counts, lists and unfiles them."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.notes.models import NoteSummary
from muninn_conversation.notes.service import summary_from_doc
from muninn_conversation.notes.store import NoteStore

Doc = dict[str, Any]


class ProjectNotes:
    def __init__(self, store: NoteStore) -> None:
        self._store = store

    async def count(self, user_id: str, project_id: str) -> int:
        return await self._store.count({"user_id": user_id, "project_id": project_id})

    async def summaries(
        self, user_id: str, project_id: str, *, limit: int, include_archived: bool
    ) -> list[NoteSummary]:
        """The newest notes of the project."""
        query: Doc = {"user_id": user_id, "project_id": project_id}
        if not include_archived:
            query["is_archived"] = False
        return [
            summary_from_doc(d) for d in await self._store.page(query, limit=limit, before=None)
        ]

    async def unfile(self, user_id: str, project_id: str, session: AsyncClientSession) -> int:
        """Take the user's notes out of a project that is going away."""
        return await self._store.detach_project(user_id, project_id, session)
