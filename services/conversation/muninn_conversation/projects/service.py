"""Projects: CRUD, their contents (conversations, notes, files) and project instructions.

A project belongs to one user; anyone else gets 404 for it. Only conversations the user
owns count as the project's: a conversation's owner decides which project it is in.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from muninn_conversation.conversations.models import Conversation
from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.reading import MessageReader
from muninn_conversation.notes.project_notes import ProjectNotes
from muninn_conversation.owned import new_owned, now, owned_or_404
from muninn_conversation.projects.models import (
    Project,
    ProjectContents,
    ProjectCounts,
    ProjectCreate,
    ProjectFile,
    ProjectFileIn,
    ProjectPage,
    ProjectPatch,
)
from muninn_conversation.projects.store import ProjectStore

Doc = dict[str, Any]


def project_from_doc(doc: Doc, counts: ProjectCounts | None = None) -> Project:
    fields = {
        k: v for k, v in doc.items() if k in Project.model_fields and k not in ("id", "counts")
    }
    return Project(id=doc["_id"], counts=counts, **fields)


def _project_file(file: Doc, file_id: str, created_at: datetime, **origin: Any) -> ProjectFile:
    """A file's metadata (``file``: filename, mime_type, size, storage_ref) as the API shows it."""
    return ProjectFile(
        id=file_id,
        filename=file["filename"],
        mime_type=file["mime_type"],
        size=file["size"],
        storage_ref=file.get("storage_ref"),
        created_at=created_at,
        **origin,
    )


def file_from_doc(doc: Doc) -> ProjectFile:
    return _project_file(doc, doc["_id"], doc["created_at"])


def attachment_file(doc: Doc) -> ProjectFile:
    """An attachment unwound from its message (see ``MessageReader.attachments_in``)."""
    attachment = doc["attachments"]
    return _project_file(
        attachment,
        attachment["id"],
        doc["created_at"],
        source="message",
        conversation_id=doc["conversation_id"],
        message_id=doc["_id"],
    )


def _name_taken() -> ProblemError:
    return ProblemError(
        409, "You already have a project with this name.", code="project-name-taken"
    )


class ProjectService:
    def __init__(
        self,
        client: AsyncMongoClient[Doc],
        store: ProjectStore,
        notes: ProjectNotes,
        conversations: ConversationService,
        messages: MessageReader,
    ) -> None:
        self._client = client
        self._store = store
        self._notes = notes
        self._conversations = conversations
        self._messages = messages

    async def _doc(self, user_id: str, project_id: str) -> Doc:
        return await owned_or_404(self._store, user_id, project_id, "Project")

    async def create(self, user_id: str, body: ProjectCreate) -> Project:
        doc = new_owned(
            user_id, **body.model_dump(), name_key=body.name.casefold(), is_archived=False
        )
        try:
            await self._store.insert(doc)
        except DuplicateKeyError:
            raise _name_taken() from None
        return project_from_doc(doc, ProjectCounts())

    async def get(self, user_id: str, project_id: str) -> Project:
        doc = await self._doc(user_id, project_id)
        return project_from_doc(doc, await self._counts(user_id, project_id))

    async def _counts(self, user_id: str, project_id: str) -> ProjectCounts:
        conversation_ids = await self._conversations.ids_in_project(user_id, project_id)
        files = await self._store.count_files(user_id, project_id)
        files += await self._messages.count_attachments_in(conversation_ids)
        notes = await self._notes.count(user_id, project_id)
        return ProjectCounts(conversations=len(conversation_ids), notes=notes, files=files)

    async def list(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        archived: bool = False,
        q: str | None = None,
    ) -> ProjectPage:
        query: Doc = {"user_id": user_id, "is_archived": archived}
        if q:
            query["name"] = {"$regex": re.escape(q), "$options": "i"}
        docs, next_cursor = await self._store.newest_page(query, limit=limit, cursor=cursor)
        return ProjectPage(items=[project_from_doc(d) for d in docs], next_cursor=next_cursor)

    async def update(self, user_id: str, project_id: str, patch: ProjectPatch) -> Project:
        await self._doc(user_id, project_id)
        changes = patch.model_dump(exclude_unset=True)
        if "name" in changes:
            changes["name_key"] = changes["name"].casefold()
        changes["updated_at"] = now()
        try:
            doc = await self._store.update(user_id, project_id, changes)
        except DuplicateKeyError:
            raise _name_taken() from None
        if doc is None:
            raise not_found("Project")
        return project_from_doc(doc, await self._counts(user_id, project_id))

    async def delete(self, user_id: str, project_id: str) -> None:
        """Delete the project and its file records; its conversations and notes stay, unfiled."""
        await self._doc(user_id, project_id)

        async def work(session: AsyncClientSession) -> bool:
            await self._notes.unfile(user_id, project_id, session)
            await self._conversations.unfile(user_id, project_id, session)
            return await self._store.delete(user_id, project_id, session)

        if not await in_transaction(self._client, work):
            raise not_found("Project")

    async def contents(
        self, user_id: str, project_id: str, *, limit: int, include_archived: bool
    ) -> ProjectContents:
        doc = await self._doc(user_id, project_id)
        archived = None if include_archived else False
        conversations = await self._conversations.owned_in_project(
            user_id, project_id, limit=limit, archived=archived
        )
        notes = await self._notes.summaries(
            user_id, project_id, limit=limit, include_archived=include_archived
        )
        conversation_ids = await self._conversations.ids_in_project(user_id, project_id)
        files = [
            file_from_doc(f) for f in await self._store.files(user_id, project_id, limit=limit)
        ]
        files += [
            attachment_file(a)
            for a in await self._messages.attachments_in(conversation_ids, limit=limit)
        ]
        files.sort(key=lambda f: (f.created_at, f.id), reverse=True)
        return ProjectContents(
            project=project_from_doc(doc, await self._counts(user_id, project_id)),
            conversations=conversations,
            notes=notes,
            files=files[:limit],
        )

    async def add_file(self, user_id: str, project_id: str, body: ProjectFileIn) -> ProjectFile:
        await self._doc(user_id, project_id)
        doc: Doc = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "project_id": project_id,
            **body.model_dump(),
            "created_at": now(),
        }
        await self._store.insert_file(doc)
        return file_from_doc(doc)

    async def delete_file(self, user_id: str, project_id: str, file_id: str) -> None:
        await self._doc(user_id, project_id)
        if not await self._store.delete_file(user_id, project_id, file_id):
            raise not_found("File")

    async def add_conversation(
        self, user_id: str, project_id: str, conversation_id: str
    ) -> Conversation:
        """File a conversation under the project; only its owner may."""
        await self._doc(user_id, project_id)
        await self._conversations.authorize(conversation_id, user_id, Operation.CHANGE_SETTINGS)
        await self._conversations.set_project(conversation_id, project_id)
        return await self._conversations.get(conversation_id, user_id)

    async def remove_conversation(
        self, user_id: str, project_id: str, conversation_id: str
    ) -> None:
        await self._doc(user_id, project_id)
        conversation, _ = await self._conversations.authorize(
            conversation_id, user_id, Operation.CHANGE_SETTINGS
        )
        if conversation.get("project_id") != project_id:
            raise not_found("Conversation in this project")
        await self._conversations.set_project(conversation_id, None)

    async def exists(self, user_id: str, project_id: str) -> bool:
        """Whether the user has this project (another user's id finds nothing)."""
        return await self._store.get(user_id, project_id) is not None

    async def instructions(self, project_id: str | None, owner_id: str) -> str | None:
        """The project instructions for a conversation's prompt (``None`` when there are none).

        Looked up with the conversation owner's id: a project id set on someone else's
        conversation never leaks another user's instructions.
        """
        if not project_id:
            return None
        doc = await self._store.get(owner_id, project_id)
        if doc is None or not doc.get("instructions"):
            return None
        return str(doc["instructions"])
