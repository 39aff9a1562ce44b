"""Qdrant server snapshots: take one per collection and download it; upload one to recover.

For a Qdrant server (``MUNINN_QDRANT_URL``). A snapshot is taken by the server
(``create_snapshot``), then streamed to ``<directory>/<collection>.snapshot`` with its
checksum beside it (``.sha256``), so the copy outside the cluster is what the server made.
Recovering uploads the file to ``POST /collections/{name}/snapshots/upload`` with
``priority=snapshot``: the collection becomes exactly the snapshot's content.

The embedded Qdrant (Qdrant Edge inside the memory service, the default) has no snapshot
API: its vectors are rebuilt from MongoDB after a restore (:mod:`muninn_ops.vectors`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
from qdrant_client import AsyncQdrantClient

CHUNK_BYTES = 1024 * 1024
TIMEOUT = httpx.Timeout(600.0, connect=10.0)


class SnapshotChecksumError(RuntimeError):
    """The downloaded file is not what the server reported it made."""


@dataclass(frozen=True)
class CollectionSnapshot:
    collection: str
    name: str
    path: Path
    size: int
    sha256: str


def _headers(api_key: str | None) -> dict[str, str]:
    return {"api-key": api_key} if api_key else {}


async def snapshot_collections(
    url: str, directory: Path, *, api_key: str | None = None, prefix: str = ""
) -> list[CollectionSnapshot]:
    """Snapshot every collection whose name starts with ``prefix`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    client = AsyncQdrantClient(url=url, api_key=api_key, timeout=int(TIMEOUT.read or 600))
    taken: list[CollectionSnapshot] = []
    try:
        collections = (await client.get_collections()).collections
        async with httpx.AsyncClient(
            base_url=url, timeout=TIMEOUT, headers=_headers(api_key)
        ) as http:
            for collection in sorted(c.name for c in collections):
                if not collection.startswith(prefix):
                    continue
                made = await client.create_snapshot(collection, wait=True)
                if made is None:
                    raise RuntimeError(f"Qdrant made no snapshot of {collection!r}")
                taken.append(await _download(http, collection, made.name, made.checksum, directory))
                # The copy is outside now: the server's own copy would only fill its disk.
                await client.delete_snapshot(collection, made.name, wait=True)
    finally:
        await client.close()
    return taken


async def _download(
    http: httpx.AsyncClient,
    collection: str,
    snapshot: str,
    checksum: str | None,
    directory: Path,
) -> CollectionSnapshot:
    target = directory / f"{collection}.snapshot"
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    path = f"/collections/{quote(collection)}/snapshots/{quote(snapshot)}"
    async with http.stream("GET", path) as response:
        response.raise_for_status()
        with partial.open("wb") as out:
            async for chunk in response.aiter_bytes(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
    sha256 = digest.hexdigest()
    if checksum is not None and checksum != sha256:
        partial.unlink()
        raise SnapshotChecksumError(
            f"snapshot {snapshot!r} of {collection!r}: server said sha256 {checksum}, "
            f"downloaded {sha256}"
        )
    partial.replace(target)
    target.with_name(f"{collection}.sha256").write_text(f"{sha256}  {target.name}\n")
    return CollectionSnapshot(collection, snapshot, target, size, sha256)


async def recover_collections(
    url: str, directory: Path, *, api_key: str | None = None
) -> list[str]:
    """Upload every ``<collection>.snapshot`` in ``directory`` to recover that collection."""
    recovered: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT, headers=_headers(api_key)) as http:
        for snapshot in sorted(directory.glob("*.snapshot")):
            collection = snapshot.name.removesuffix(".snapshot")
            with snapshot.open("rb") as source:
                response = await http.post(
                    f"/collections/{quote(collection)}/snapshots/upload",
                    params={"priority": "snapshot", "wait": "true"},
                    files={"snapshot": (snapshot.name, source, "application/octet-stream")},
                )
            response.raise_for_status()
            recovered.append(collection)
    return recovered
