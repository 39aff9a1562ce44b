"""The vector side of the content schema: memory's collection in the user's Qdrant.

One collection per embedding space, named after the model and its dimension
(``memories__<model slug>__<dimension>``), so changing the model is a new collection and a
re-embedding, never vectors of two models mixed. Each holds a dense vector (cosine) and a
sparse one (IDF) per point, and the payload indexes memory filters on, the user id first as
Qdrant's tenant index. This mirrors what memory's vector adapters create
(``muninn_memory.vectors``); a test keeps the two equal.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from enum import StrEnum

from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

VECTOR_COLLECTION_PREFIX = "memories"
DENSE_VECTOR = "dense"
SPARSE_VECTOR = "sparse"
TENANT_FIELD = "user_id"

_UNSAFE = re.compile(r"[^a-z0-9]+")


class PayloadKind(StrEnum):
    KEYWORD = "keyword"
    INTEGER = "integer"
    DATETIME = "datetime"


@dataclass(frozen=True)
class PayloadIndexSpec:
    field: str
    kind: PayloadKind
    is_tenant: bool = False


MEMORY_PAYLOAD_INDEXES = (
    PayloadIndexSpec(TENANT_FIELD, PayloadKind.KEYWORD, is_tenant=True),
    *(
        PayloadIndexSpec(name, PayloadKind.KEYWORD)
        for name in ("memory_id", "type", "context", "entities", "source", "contact_ids")
    ),
    PayloadIndexSpec("importance", PayloadKind.INTEGER),
    PayloadIndexSpec("part", PayloadKind.INTEGER),
    PayloadIndexSpec("occurred_at", PayloadKind.DATETIME),
)


@dataclass(frozen=True)
class VectorCollectionSpec:
    name: str
    dimension: int
    payload_indexes: tuple[PayloadIndexSpec, ...] = MEMORY_PAYLOAD_INDEXES


def model_slug(model_id: str) -> str:
    """Lowercase alphanumerics and single dashes: safe in a collection name."""
    slug = _UNSAFE.sub("-", model_id.lower()).strip("-")
    if not slug:
        raise ValueError(f"model name {model_id!r} has no usable characters")
    return slug


def memory_vector_collection(model_id: str, dimension: int) -> VectorCollectionSpec:
    if dimension < 1:
        raise ValueError("dimension must be positive")
    name = f"{VECTOR_COLLECTION_PREFIX}__{model_slug(model_id)}__{dimension}"
    return VectorCollectionSpec(name=name, dimension=dimension)


@dataclass(frozen=True)
class CollectionLayout:
    """How a collection is spread over a Qdrant cluster; fixed when it is created.

    A user's own Qdrant gets :data:`SINGLE_NODE` (what a self-hosted Qdrant is, unless its
    owner says otherwise); the hosted one gets the operator's settings
    (``MUNINN_QDRANT_SHARD_NUMBER``, ``_REPLICATION_FACTOR``, ``_WRITE_CONSISTENCY_FACTOR``).
    """

    shard_number: int = 1
    replication_factor: int = 1
    write_consistency_factor: int = 1

    def __post_init__(self) -> None:
        if min(self.shard_number, self.replication_factor, self.write_consistency_factor) < 1:
            raise ValueError("shards, replicas and write consistency are at least 1")
        if self.write_consistency_factor > self.replication_factor:
            raise ValueError("write consistency cannot exceed the replication factor")


SINGLE_NODE = CollectionLayout()


class VectorSchemaConflictError(RuntimeError):
    """The user's Qdrant holds the collection or a payload index in another shape."""


@dataclass
class VectorDeployReport:
    collection: str
    created_collection: bool = False
    created_payload_indexes: list[str] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)
    """Payload indexes the store accepted but does not keep (qdrant-client's local mode):
    filters still work there, scanning instead of using an index."""

    @property
    def changed(self) -> bool:
        return self.created_collection or bool(self.created_payload_indexes)


async def deploy_vectors(
    client: AsyncQdrantClient, spec: VectorCollectionSpec, layout: CollectionLayout = SINGLE_NODE
) -> VectorDeployReport:
    """Create ``spec``'s collection and payload indexes where missing; idempotent.

    Raises :class:`VectorSchemaConflictError` when the existing collection's vectors or an
    existing payload index differ from the spec (re-creating would drop the user's vectors).
    """
    report = VectorDeployReport(spec.name)
    if await client.collection_exists(spec.name):
        _check_vectors(spec, await client.get_collection(spec.name))
    else:
        await client.create_collection(
            spec.name,
            vectors_config={
                DENSE_VECTOR: qm.VectorParams(size=spec.dimension, distance=qm.Distance.COSINE)
            },
            sparse_vectors_config={SPARSE_VECTOR: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            shard_number=layout.shard_number,
            replication_factor=layout.replication_factor,
            write_consistency_factor=layout.write_consistency_factor,
        )
        report.created_collection = True
    present = (await client.get_collection(spec.name)).payload_schema
    missing = []
    for wanted in spec.payload_indexes:
        have = present.get(wanted.field)
        if have is None:
            missing.append(wanted)
        elif not _same_payload_index(wanted, have):
            raise VectorSchemaConflictError(
                f"{spec.name}: payload index {wanted.field!r} is {have.data_type} "
                f"(params {have.params}), the package declares {wanted.kind}"
                f"{' (tenant)' if wanted.is_tenant else ''}"
            )
    with warnings.catch_warnings():
        # Local mode warns that it keeps no payload indexes; the report says so instead.
        warnings.simplefilter("ignore")
        for wanted in missing:
            await client.create_payload_index(
                spec.name, wanted.field, field_schema=payload_schema(wanted), wait=True
            )
    kept = (await client.get_collection(spec.name)).payload_schema
    for wanted in missing:
        if wanted.field in kept:
            report.created_payload_indexes.append(wanted.field)
        else:
            report.not_kept.append(wanted.field)
    return report


def _check_vectors(spec: VectorCollectionSpec, info: qm.CollectionInfo) -> None:
    vectors = info.config.params.vectors
    dense = vectors.get(DENSE_VECTOR) if isinstance(vectors, dict) else None
    if dense is None or dense.size != spec.dimension or dense.distance != qm.Distance.COSINE:
        raise VectorSchemaConflictError(
            f"{spec.name}: dense vector is {dense}, the package declares "
            f"{spec.dimension} dimensions, cosine"
        )
    sparse = info.config.params.sparse_vectors or {}
    if SPARSE_VECTOR not in sparse or sparse[SPARSE_VECTOR].modifier != qm.Modifier.IDF:
        raise VectorSchemaConflictError(
            f"{spec.name}: sparse vector {SPARSE_VECTOR!r} with IDF is missing"
        )


def payload_schema(
    wanted: PayloadIndexSpec,
) -> qm.PayloadSchemaType | qm.KeywordIndexParams:
    if wanted.is_tenant:
        return qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True)
    return {
        PayloadKind.KEYWORD: qm.PayloadSchemaType.KEYWORD,
        PayloadKind.INTEGER: qm.PayloadSchemaType.INTEGER,
        PayloadKind.DATETIME: qm.PayloadSchemaType.DATETIME,
    }[wanted.kind]


def _same_payload_index(wanted: PayloadIndexSpec, have: qm.PayloadIndexInfo) -> bool:
    if str(have.data_type) != wanted.kind.value:
        return False
    tenant = bool(getattr(have.params, "is_tenant", False))
    return tenant == wanted.is_tenant
