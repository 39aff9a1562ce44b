"""Counting the tags on a collection of tagged items (conversations, notes, snippets)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

Doc = dict[str, Any]


async def tag_counts(collection: AsyncCollection[Doc], match: Doc) -> dict[str, int]:
    """How many documents matching ``match`` carry each tag."""
    pipeline: list[Doc] = [
        {"$match": {**match, "tags.0": {"$exists": True}}},
        {"$project": {"tags": 1}},
        {"$unwind": "$tags"},
        {"$group": {"_id": "$tags", "n": {"$sum": 1}}},
    ]
    return {str(d["_id"]): int(d["n"]) async for d in await collection.aggregate(pipeline)}
