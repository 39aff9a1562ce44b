"""GET /v1/admin/index: an operator follows a model switch's re-embedding as it runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from muninn_memory.admin.router import router as admin_router
from muninn_memory.admin.service import PENDING_COUNT_LIMIT, IndexAdmin
from muninn_memory.embeddings.port import Vector
from muninn_memory.indexing.service import IndexSync
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.summaries.indexing import SummarySource
from muninn_memory.vectors.edge import EdgeBackend
from muninn_memory.vectors.schema import collection_name
from muninn_shared.auth import StaticKeys, TokenVerifier
from muninn_shared.http.app import create_service_app
from muninn_shared.problems import PROBLEM_BASE
from muninn_shared.signing import SigningKeyRing, TokenIssuer

from tests.bag_embedder import BagEmbedder

RING = SigningKeyRing.generate()
ISSUER = TokenIssuer(RING, issuer="muninn", audience="muninn", ttl_seconds=60)
OPERATOR = {"read", "write", "admin", "operator"}


class HeldEmbedder(BagEmbedder):
    """Embeds ``allowed`` batches of documents, then holds the next until ``allowed`` grows."""

    def __init__(self, model_id: str, dimension: int, allowed: int | None = None) -> None:
        super().__init__(model_id, dimension)
        self.allowed = allowed
        self.calls = 0

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        self.calls += 1
        call = self.calls
        while self.allowed is not None and call > self.allowed:
            await asyncio.sleep(0.005)
        return await super().embed_documents(texts)


class Pending:
    """A record source of the index sync, as far as counting its backlog goes."""

    def __init__(self, kind: str, waiting: int) -> None:
        self.kind = kind
        self.waiting = waiting

    async def pending_count(self, db: Any, limit: int) -> int:
        return min(self.waiting, limit)


@dataclass(frozen=True)
class Services:
    index_admin: IndexAdmin


def bearer(*scopes: str, api_key_id: str | None = None) -> dict[str, str]:
    token = ISSUER.issue("op-1", scopes=scopes, session_id="s1", api_key_id=api_key_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def switching(tmp_path: Path) -> AsyncIterator[tuple[HybridIndex, HeldEmbedder]]:
    """An index moving from model A (40 memories) to model B, held after its first page."""
    first = HybridIndex(EdgeBackend(tmp_path), BagEmbedder("model-a", 32), reembed_batch=16)
    await first.upsert(
        [IndexedMemory(f"m{i}", "ann", f"note {i} about the garden", "fact") for i in range(40)]
    )
    await first.close()
    held = HeldEmbedder("model-b", 48, allowed=1)
    second = HybridIndex(EdgeBackend(tmp_path), held, reembed_batch=16)
    await second.open()
    yield second, held
    held.allowed = None
    await second.close()


async def test_an_operator_sees_the_reembedding_progress(
    switching: tuple[HybridIndex, HeldEmbedder],
) -> None:
    index, held = switching
    sync = IndexSync(index, sweep_db=None, tombstones=None)  # type: ignore[arg-type]
    sync.register(Pending("memory", 7))  # type: ignore[arg-type]
    sync.register(Pending("document", 2))  # type: ignore[arg-type]
    sync.register(Pending(SummarySource.kind, 3))  # type: ignore[arg-type]
    app = create_service_app(service="memory", title="t", description="t", routers=[admin_router])
    app.state.token_verifier = TokenVerifier(
        StaticKeys(RING.jwks()), issuer="muninn", audience="muninn"
    )
    app.state.services = Services(
        IndexAdmin(index=index, index_sync=sync, instance_id="memory-1", shared=False)
    )
    old, new = collection_name("model-a", 32), collection_name("model-b", 48)

    async def copied_a_page() -> None:
        while index.migration_status().copied < 16:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(copied_a_page(), 30)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://memory") as client:
        running = await client.get("/v1/admin/index", headers=bearer(*OPERATOR))
        assert running.status_code == 200, running.text
        body = running.json()
        assert body["instance_id"] == "memory-1"
        assert body["shared"] is False
        assert body["embedding_model"] == "model-b"
        assert body["read_collection"] == old  # reads stay on the old model until the end
        migration = body["migration"]
        assert (migration["state"], migration["source"], migration["target"]) == (
            "running",
            old,
            new,
        )
        assert migration["copied"] == 16
        assert migration["total"] == 40
        assert migration["progress"] == pytest.approx(0.4)
        assert body["pending"] == {
            "memories": 7,
            "document_chunks": 2,
            "summaries": 3,
            "limit": PENDING_COUNT_LIMIT,
        }

        # Every scope of the account, or a key claiming more, is not an operator's.
        for refused in (
            bearer("read", "write", "admin"),
            bearer(*OPERATOR, api_key_id="key-1"),
        ):
            response = await client.get("/v1/admin/index", headers=refused)
            assert response.status_code == 403, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["type"] == PROBLEM_BASE + "operator-only"

        held.allowed = None
        await asyncio.wait_for(index.wait_for_migration(), 30)
        done = (await client.get("/v1/admin/index", headers=bearer(*OPERATOR))).json()
        assert done["read_collection"] == new
        assert done["migration"]["state"] == "complete"
        assert done["migration"]["copied"] == 40
        assert done["migration"]["progress"] == 1.0
        assert done["migration"]["error"] is None
