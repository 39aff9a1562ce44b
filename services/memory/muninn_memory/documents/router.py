"""/v1/documents: upload (multipart ``file`` or the raw file as the body), list, read, delete."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.problems import ProblemError
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from muninn_memory.deps import Services
from muninn_memory.documents.models import Document, DocumentChunkPage, DocumentPage
from muninn_memory.documents.service import Upload

router = APIRouter(prefix="/v1/documents", tags=["documents"])

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "context": {"type": "string"},
                        "tags": {"type": "string", "description": "Comma-separated."},
                        "metadata": {"type": "string", "description": "A JSON object."},
                        "occurred_at": {"type": "string", "format": "date-time"},
                    },
                }
            },
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "text/markdown": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}
_DATETIME = TypeAdapter(datetime)


def _bad(detail: str) -> ProblemError:
    return ProblemError(400, detail, code="bad-upload")


async def _read_body(request: Request, limit: int) -> bytes:
    data = bytearray()
    async for part in request.stream():
        data.extend(part)
        if len(data) > limit:
            raise ProblemError(
                413, f"Documents are limited to {limit} bytes.", code="document-too-large"
            )
    return bytes(data)


def _field(form: Any, name: str, fallback: str | None) -> str | None:
    value = form.get(name)
    if value is None:
        return fallback
    if not isinstance(value, str):
        raise _bad(f"'{name}' must be a text field.")
    return value


async def _upload_from(
    request: Request,
    limit: int,
    *,
    title: str | None,
    context: str | None,
    tags: list[str],
    filename: str | None,
) -> Upload:
    content_type = request.headers.get("content-type", "")
    metadata: dict[str, Any] | None = None
    occurred_raw: str | None = None
    if content_type.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=1, max_fields=20)
        except Exception as exc:  # a malformed multipart body is the client's problem
            raise _bad(f"The multipart body cannot be read: {exc}") from exc
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise _bad("Send the document as the multipart field 'file'.")
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise ProblemError(
                413, f"Documents are limited to {limit} bytes.", code="document-too-large"
            )
        title = _field(form, "title", title)
        context = _field(form, "context", context)
        tag_field = _field(form, "tags", None)
        if tag_field:
            tags = [*tags, *(t.strip() for t in tag_field.split(",") if t.strip())]
        raw_metadata = _field(form, "metadata", None)
        if raw_metadata:
            try:
                metadata = json.loads(raw_metadata)
            except ValueError as exc:
                raise _bad("'metadata' must be a JSON object.") from exc
            if not isinstance(metadata, dict):
                raise _bad("'metadata' must be a JSON object.")
        occurred_raw = _field(form, "occurred_at", None)
        filename = file.filename or filename
        content_type = file.content_type or ""
    else:
        data = await _read_body(request, limit)
    occurred_at = None
    if occurred_raw:
        try:
            occurred_at = _DATETIME.validate_python(occurred_raw)
        except ValidationError as exc:
            raise _bad("'occurred_at' must be an ISO 8601 date-time.") from exc
    if context is not None and not 1 <= len(context) <= 64:
        raise _bad("'context' must be 1 to 64 characters.")
    if len(tags) > 50 or any(len(t) > 100 for t in tags):
        raise _bad("At most 50 tags of up to 100 characters.")
    return Upload(
        data=data,
        filename=filename,
        content_type=content_type,
        title=title,
        context=context,
        tags=tuple(tags),
        metadata=metadata,
        occurred_at=occurred_at,
    )


@router.post(
    "",
    status_code=201,
    summary="Upload a text, markdown or PDF document; it is chunked and made searchable",
    openapi_extra=_UPLOAD_BODY,
)
async def upload_document(
    request: Request,
    principal: CurrentPrincipal,
    services: Services,
    title: Annotated[str | None, Query(max_length=300)] = None,
    context: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    tag: Annotated[list[str] | None, Query()] = None,
    filename: Annotated[
        str | None, Query(max_length=300, description="For a raw body: the file's name.")
    ] = None,
) -> Document:
    upload = await _upload_from(
        request,
        services.documents.max_bytes,
        title=title,
        context=context,
        tags=tag or [],
        filename=filename,
    )
    return await services.documents.upload(principal.user_id, upload)


@router.get("", summary="List documents, newest first")
async def list_documents(
    principal: CurrentPrincipal,
    services: Services,
    context: Annotated[str | None, Query(max_length=64)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    media_type: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> DocumentPage:
    return await services.documents.page(
        principal.user_id,
        context=context,
        tag=tag,
        media_type=media_type,
        cursor=cursor,
        limit=limit,
    )


@router.get("/{document_id}", summary="One document")
async def get_document(
    document_id: str, principal: CurrentPrincipal, services: Services
) -> Document:
    return await services.documents.get(principal.user_id, document_id)


@router.get(
    "/{document_id}/chunks",
    summary="A document's chunks, in order",
)
async def document_chunks(
    document_id: str,
    principal: CurrentPrincipal,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,9}$")] = None,
) -> DocumentChunkPage:
    return await services.documents.chunks(
        principal.user_id, document_id, start=int(cursor or 0), limit=limit
    )


@router.delete(
    "/{document_id}", status_code=204, summary="Delete a document, its chunks and their vectors"
)
async def delete_document(
    document_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.documents.delete(principal.user_id, document_id)
    return Response(status_code=204)
