"""Documents and their chunks as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field


class Document(BaseModel):
    id: str
    title: str
    filename: str | None = None
    media_type: str = Field(examples=["application/pdf", "text/markdown", "text/plain"])
    size_bytes: int
    context: str
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    page_count: int | None = Field(default=None, description="PDF pages with text.")
    chunk_count: int
    token_count: int = Field(description="Estimated tokens of the extracted text.")
    occurred_at: datetime = Field(description="The date the document is about, or its upload.")
    created_at: datetime
    updated_at: datetime


class DocumentPage(CursorPage[Document]):
    pass


class DocumentChunk(BaseModel):
    id: str
    document_id: str
    index: int
    content: str
    page: int | None = None
    heading: str | None = Field(
        default=None, description="Markdown heading path, e.g. 'Setup > Linux'."
    )
    token_count: int
    embedding_model: str | None = None


class DocumentChunkPage(CursorPage[DocumentChunk]):
    pass


class DocumentHit(BaseModel):
    """A matching chunk in search results, with the document it belongs to."""

    document_id: str
    chunk_id: str
    title: str
    filename: str | None = None
    media_type: str
    chunk_index: int
    page: int | None = None
    heading: str | None = None
    content: str
