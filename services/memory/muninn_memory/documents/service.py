"""Uploading, listing, reading and deleting documents; their chunks for search results."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_shared.pagination import decode_cursor, one_page
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.documents.chunking import Chunk, chunk_sections
from muninn_memory.documents.indexing import KIND
from muninn_memory.documents.models import (
    Document,
    DocumentChunk,
    DocumentChunkPage,
    DocumentHit,
    DocumentPage,
)
from muninn_memory.documents.parsing import (
    SUPPORTED,
    Section,
    UnreadableDocumentError,
    media_type_of,
    sections_of,
)
from muninn_memory.documents.store import DocumentStore
from muninn_memory.extraction.signals import context_of
from muninn_memory.extraction.text import estimate_tokens
from muninn_memory.indexing.models import PENDING
from muninn_memory.indexing.service import IndexSync

Doc = dict[str, Any]
SYNC_BATCH = 64


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str | None
    content_type: str | None
    title: str | None = None
    context: str | None = None
    tags: tuple[str, ...] = ()
    metadata: dict[str, Any] | None = None
    occurred_at: datetime | None = None


def document_from_doc(doc: Mapping[str, Any]) -> Document:
    return Document(
        id=doc["_id"],
        title=doc["title"],
        filename=doc.get("filename"),
        media_type=doc["media_type"],
        size_bytes=doc["size_bytes"],
        context=doc["context"],
        tags=list(doc.get("tags") or []),
        metadata=dict(doc.get("metadata") or {}),
        page_count=doc.get("page_count"),
        chunk_count=doc["chunk_count"],
        token_count=doc["token_count"],
        occurred_at=doc["occurred_at"],
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def chunk_from_doc(doc: Doc) -> DocumentChunk:
    return DocumentChunk(
        id=doc["_id"],
        document_id=doc["document_id"],
        index=doc["index"],
        content=doc["content"],
        page=doc.get("page"),
        heading=doc.get("heading"),
        token_count=estimate_tokens(doc["content"]),
        embedding_model=doc.get("embedding_model"),
    )


def _parse(
    data: bytes, media_type: str, max_tokens: int, overlap: int
) -> tuple[list[Section], list[Chunk]]:
    sections = sections_of(data, media_type)
    return sections, chunk_sections(sections, max_tokens=max_tokens, overlap_tokens=overlap)


def _title(upload: Upload, sections: list[Section]) -> str:
    if upload.title and upload.title.strip():
        return upload.title.strip()[:300]
    if upload.filename:
        return upload.filename.rsplit("/", 1)[-1][:300]
    first = sections[0].heading or sections[0].text.split("\n", 1)[0]
    return first.strip()[:120] or "Untitled document"


@dataclass(kw_only=True, eq=False)
class DocumentService:
    """A user's documents: uploaded, parsed and chunked, listed, read and deleted."""

    client: AsyncMongoClient[Doc]
    store: DocumentStore
    index_sync: IndexSync
    max_bytes: int
    chunk_tokens: int
    overlap_tokens: int
    max_chunks: int

    async def upload(self, user_id: str, upload: Upload) -> Document:
        if not upload.data:
            raise ProblemError(422, "The file is empty.", code="empty-document")
        if len(upload.data) > self.max_bytes:
            raise ProblemError(
                413, f"Documents are limited to {self.max_bytes} bytes.", code="document-too-large"
            )
        media_type = media_type_of(upload.content_type, upload.filename, upload.data)
        if media_type is None:
            raise ProblemError(
                415,
                f"Unsupported document type; send one of {', '.join(SUPPORTED)}.",
                code="unsupported-document-type",
            )
        try:
            # PDF parsing is CPU work: keep the event loop answering other requests meanwhile.
            sections, chunks = await asyncio.to_thread(
                _parse, upload.data, media_type, self.chunk_tokens, self.overlap_tokens
            )
        except UnreadableDocumentError as exc:
            raise ProblemError(
                422, f"The document cannot be read: {exc}.", code="unreadable-document"
            ) from exc
        if len(chunks) > self.max_chunks:
            raise ProblemError(
                413,
                f"The document has more text than {self.max_chunks} chunks hold; split it.",
                code="document-too-long",
            )
        now = datetime.now(UTC)
        occurred = upload.occurred_at or now
        occurred = occurred.replace(tzinfo=UTC) if occurred.tzinfo is None else occurred
        document_id = uuid.uuid4().hex
        text = "\n\n".join(s.text for s in sections)
        title = _title(upload, sections)
        context = upload.context or context_of(text[:5000])
        document: Doc = {
            "_id": document_id,
            "user_id": user_id,
            "title": title,
            "filename": upload.filename,
            "media_type": media_type,
            "size_bytes": len(upload.data),
            "context": context,
            "tags": list(dict.fromkeys(upload.tags)),
            "metadata": upload.metadata or {},
            "page_count": len({s.page for s in sections}) if media_type.endswith("pdf") else None,
            "chunk_count": len(chunks),
            "token_count": estimate_tokens(text),
            "occurred_at": occurred,
            "created_at": now,
            "updated_at": now,
        }
        chunk_docs: list[Doc] = [
            {
                "_id": uuid.uuid4().hex,
                "user_id": user_id,
                "document_id": document_id,
                "index": chunk.index,
                "content": chunk.text,
                "page": chunk.page,
                "heading": chunk.heading,
                "title": title,
                "context": context,
                "occurred_at": occurred,
                "index_state": PENDING,
                "index_rev": 1,
                "created_at": now,
                "updated_at": now,
            }
            for chunk in chunks
        ]

        async def work(session: AsyncClientSession) -> None:
            await self.store.insert(user_id, document, chunk_docs, session)

        await in_transaction(self.client, work)
        ids = [str(c["_id"]) for c in chunk_docs]
        for start in range(0, len(ids), SYNC_BATCH):
            await self.index_sync.try_sync(user_id, ids[start : start + SYNC_BATCH], KIND)
        return document_from_doc(document)

    async def page(
        self,
        user_id: str,
        *,
        context: str | None,
        tag: str | None,
        media_type: str | None,
        cursor: str | None,
        limit: int,
    ) -> DocumentPage:
        query: Doc = {}
        if context:
            query["context"] = context
        if tag:
            query["tags"] = tag
        if media_type:
            query["media_type"] = media_type
        after = decode_cursor(cursor) if cursor else None
        docs = await self.store.page(user_id, query, after=after, limit=limit + 1)
        items, next_cursor = one_page(docs, limit, document_from_doc)
        return DocumentPage(items=items, next_cursor=next_cursor)

    async def all(self, user_id: str) -> list[Document]:
        return [document_from_doc(d) for d in await self.store.find(user_id, {})]

    async def _doc(self, user_id: str, document_id: str) -> Doc:
        doc = await self.store.get(user_id, document_id)
        if doc is None:
            raise not_found("Document")
        return doc

    async def get(self, user_id: str, document_id: str) -> Document:
        return document_from_doc(await self._doc(user_id, document_id))

    async def chunks(
        self, user_id: str, document_id: str, *, start: int, limit: int
    ) -> DocumentChunkPage:
        await self._doc(user_id, document_id)
        docs = await self.store.chunks_of(user_id, document_id, start=start, limit=limit + 1)
        next_cursor = str(docs[limit]["index"]) if len(docs) > limit else None
        return DocumentChunkPage(
            items=[chunk_from_doc(d) for d in docs[:limit]], next_cursor=next_cursor
        )

    async def delete(self, user_id: str, document_id: str) -> None:
        await self._doc(user_id, document_id)
        await self.delete_many(user_id, [document_id])

    async def old_ids(self, user_id: str, cutoff: datetime, limit: int) -> list[str]:
        return await self.store.ids_created_before(user_id, cutoff, limit)

    async def delete_many(self, user_id: str, document_ids: list[str]) -> int:
        if not document_ids:
            return 0
        removed = 0

        async def work(session: AsyncClientSession) -> None:
            nonlocal removed
            removed = await self.store.remove(user_id, document_ids, session)

        await in_transaction(self.client, work)
        chunk_ids = await self.store.chunk_ids_of(user_id, document_ids)
        for start in range(0, len(chunk_ids), SYNC_BATCH * 4):
            await self.index_sync.try_sync(user_id, chunk_ids[start : start + SYNC_BATCH * 4], KIND)
        return removed

    async def hits(self, user_id: str, chunk_ids: list[str]) -> dict[str, tuple[Doc, DocumentHit]]:
        """Search hits for these chunk ids (current ones only), keyed by chunk id."""
        chunks = [c for c in await self.store.chunks(user_id, chunk_ids) if not c.get("deleted")]
        documents = {
            d["_id"]: d
            for d in await self.store.many(user_id, sorted({c["document_id"] for c in chunks}))
        }
        found: dict[str, tuple[Doc, DocumentHit]] = {}
        for chunk in chunks:
            document = documents.get(chunk["document_id"])
            if document is None:
                continue
            found[chunk["_id"]] = (
                chunk,
                DocumentHit(
                    document_id=document["_id"],
                    chunk_id=chunk["_id"],
                    title=document["title"],
                    filename=document.get("filename"),
                    media_type=document["media_type"],
                    chunk_index=chunk["index"],
                    page=chunk.get("page"),
                    heading=chunk.get("heading"),
                    content=chunk["content"],
                ),
            )
        return found
