"""Both sides of each HTTP contract between services use the model in muninn_shared.contracts.

The producer answers with the contract model (or memory's richer model, whose serialised form
must still validate as the contract), and the consumer reads the answer through it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast, get_type_hints

from fastapi.routing import APIRoute
from muninn_identity.api_keys.router import internal as identity_internal_api_keys
from muninn_memory.documents.models import DocumentHit
from muninn_memory.memories.models import Memory, SearchRequest, SearchResponse, SearchResult
from muninn_memory.memories.router import router as memory_router
from muninn_shared.contracts.api_keys import ApiKeyGrant, ApiKeyVerification
from muninn_shared.contracts.memory_search import MemorySearchQuery, MemorySearchResults
from muninn_shared.contracts.privacy import ServiceExport
from muninn_shared.privacy import privacy_router
from muninn_shared.runtime import ServiceRuntime

NOW = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def route(routes: list[Any], path: str) -> APIRoute:
    return next(r for r in routes if isinstance(r, APIRoute) and r.path == path)


def test_identity_answers_the_api_key_exchange_with_the_contract() -> None:
    verify = route(identity_internal_api_keys.routes, "/internal/api-keys/verify")
    assert verify.response_model is ApiKeyGrant
    assert get_type_hints(verify.endpoint)["body"] is ApiKeyVerification


def test_every_service_answers_the_privacy_export_with_the_contract() -> None:
    router = privacy_router(cast(ServiceRuntime, None))
    assert route(router.routes, "/internal/privacy/export").response_model is ServiceExport


def test_memory_search_takes_the_contract_query() -> None:
    assert issubclass(SearchRequest, MemorySearchQuery)
    assert route(memory_router.routes, "/v1/memories/search").response_model is SearchResponse


def stored_memory() -> Memory:
    return Memory.model_validate(
        {
            "id": "mem-1",
            "content": "My sister Ingrid lives in Bergen",
            "type": "relationship_info",
            "context": "family",
            "importance": 6,
            "status": "active",
            "occurred_at": NOW,
            "valid_from": NOW,
            "provenance": {"source": "api", "extraction": {"extractor": "none"}},
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


def test_memory_search_results_read_as_the_contract() -> None:
    memory = stored_memory()
    chunk = DocumentHit(
        document_id="doc-1",
        chunk_id="doc-1:3",
        title="Lease agreement",
        media_type="application/pdf",
        chunk_index=3,
        content="The tenant gives three months' notice.",
    )
    answer = SearchResponse(
        query="where does Ingrid live",
        results=[
            SearchResult(score=0.81, memory=memory, provenance=memory.provenance),
            SearchResult(kind="document", score=0.66, document=chunk, provenance=memory.provenance),
        ],
        token_count=20,
    )

    read = MemorySearchResults.model_validate_json(answer.model_dump_json())

    found_memory, found_chunk = read.results
    assert found_memory.memory is not None
    assert (found_memory.kind, found_memory.score) == ("memory", 0.81)
    assert found_memory.memory.id == "mem-1"
    assert found_memory.memory.content == memory.content
    assert found_memory.memory.type == "relationship_info"
    assert found_memory.memory.occurred_at is not None
    assert datetime.fromisoformat(found_memory.memory.occurred_at) == NOW
    assert found_chunk.document is not None
    assert (found_chunk.kind, found_chunk.document.chunk_id) == ("document", "doc-1:3")
    assert found_chunk.document.title == "Lease agreement"
    assert found_chunk.document.content == chunk.content
