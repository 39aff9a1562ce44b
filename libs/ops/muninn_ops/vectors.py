"""The memory service's vector index, rebuilt from MongoDB after a restore.

MongoDB is the record and the vector index is derived from it: every memory and document
chunk carries ``index_state``, and the memory service's index sweep writes the vectors of
any record marked ``pending`` (``muninn_memory.indexing``). Marking every record pending in
the restored memory database therefore makes a fresh, empty index — an embedded Qdrant's
new data directory, or a Qdrant server without a snapshot — whole again once memory starts,
with the embedding model it runs now. Records that are no longer searchable (superseded,
deleted) are swept too and simply stay out of the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from muninn_shared.content_schema import SCHEMAS, ContentService
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]

INDEXED_COLLECTIONS = ("memories", "document_chunks")
"""The collections the index mirrors (memory's ``IndexSource``s)."""
PENDING = "pending"
"""``muninn_memory.indexing.models.PENDING``: what the sweep picks up."""


@dataclass(frozen=True)
class ReindexReport:
    database: str
    marked: dict[str, int]


async def mark_for_reindex(memory_database: AsyncDatabase[Doc]) -> ReindexReport:
    """Mark every memory and document chunk pending, so memory's sweep re-embeds them."""
    marked: dict[str, int] = {}
    memory_schema = SCHEMAS[ContentService.MEMORY]
    for name in INDEXED_COLLECTIONS:
        # The content schema declares memory's collections: a rename there fails here, loudly.
        memory_schema.collection(name)
        await memory_database[name].update_many(
            {"index_state": {"$ne": PENDING}}, {"$set": {"index_state": PENDING}}
        )
        marked[name] = await memory_database[name].count_documents({"index_state": PENDING})
    return ReindexReport(memory_database.name, marked)
