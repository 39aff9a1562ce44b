"""Update-and-return one document as its collection grows, on the embedded MongoDB server.

Every store answers an edit with the document as it is afterwards. findAndModify does that
in one command, but the embedded MongoDB-protocol server (secantusdb, what `make run` and the
tests use) walks the whole collection for it, even when the query names the ``_id``; the
stores use ``muninn_shared.storage.mongo.update_one_and_read`` instead (an update, then a
read by ``_id``), which goes by index. This prints both per collection size:

    .venv/bin/python bench/mongo_updates.py [--sizes 100 1000 3000 10000] [--repeat 30]

Each figure is the median and p95 of ``--repeat`` calls, in milliseconds, on a document
matched by ``_id`` and on one matched by a unique secondary key (``user_id`` + ``name``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from muninn_devstack.servers import running_mongo
from muninn_shared.storage.mongo import create_mongo_client, update_one_and_read
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

Doc = dict[str, Any]
USERS = 100


async def timed(call: Callable[[], Awaitable[object]], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


EDIT = {"$inc": {"edits": 1}}


async def find_and_modify(collection: AsyncCollection[Doc], query: Doc) -> Doc | None:
    return await collection.find_one_and_update(query, EDIT, return_document=ReturnDocument.AFTER)


async def update_and_read(collection: AsyncCollection[Doc], query: Doc) -> Doc | None:
    return await update_one_and_read(collection, query, EDIT)


async def grow(collection: AsyncCollection[Doc], have: int, size: int) -> None:
    await collection.insert_many(
        [
            {
                "_id": uuid.uuid4().hex,
                "user_id": f"user-{i % USERS}",
                "name": f"item-{i}",
                "status": "active",
                "edits": 0,
                "content": "a note of a few hundred characters " * 8,
            }
            for i in range(have, size)
        ]
    )


async def measure(uri: str, sizes: list[int], repeat: int) -> None:
    client = create_mongo_client(uri)
    collection = client["bench_updates"]["items"]
    await collection.create_index([("user_id", 1), ("name", 1)], unique=True)
    print(
        f"{'documents':>9} | {'findAndModify by _id':>20} | {'update+read by _id':>18} | "
        f"{'findAndModify by key':>20} | {'update+read by key':>18}"
    )
    have = 0
    for size in sizes:
        await grow(collection, have, size)
        have = size
        target = await collection.find_one({"name": "item-5"})
        assert target is not None
        by_id = {"_id": target["_id"], "status": "active"}
        by_key = {"user_id": target["user_id"], "name": "item-5"}
        figures = [
            await timed(functools.partial(update, collection, query), repeat)
            for query in (by_id, by_key)
            for update in (find_and_modify, update_and_read)
        ]
        cells = " | ".join(f"{p50:8.1f} / {p95:7.1f}" for p50, p95 in figures)
        print(f"{size:>9} | {cells}")
    print("(median / p95 ms per call)")
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 3000, 10000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="muninn-bench-updates-") as workdir,
        running_mongo(Path(workdir)) as uri,
    ):
        asyncio.run(measure(uri, sorted(args.sizes), args.repeat))


if __name__ == "__main__":
    main()
