"""Erasing a user also takes their custom advisors off everyone else's boards.

The generic erasure deletes the user's own documents (advisors, board, notes and summaries
of conversations they own) by ``user_id``; other users' board entries and notes of the
erased advisors are not the user's documents, so they are removed here, as deleting the
advisor would.
"""

from __future__ import annotations

from typing import Any

from muninn_shared.privacy import ExtraEraser
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.advisors.store import ADVISOR_MEMORIES, ADVISORS, BOARD


def advisor_eraser(db: AsyncDatabase[dict[str, Any]]) -> ExtraEraser:
    async def erase(user_id: str, session: AsyncClientSession) -> dict[str, int]:
        owned = [
            d["_id"]
            async for d in db[ADVISORS].find({"user_id": user_id}, {"_id": 1}, session=session)
        ]
        if not owned:
            return {}
        boards = await db[BOARD].delete_many({"advisor_id": {"$in": owned}}, session=session)
        notes = await db[ADVISOR_MEMORIES].delete_many(
            {"advisor_id": {"$in": owned}}, session=session
        )
        counts = {
            "board_entries_of_erased_advisors": boards.deleted_count,
            "notes_of_erased_advisors": notes.deleted_count,
        }
        return {name: count for name, count in counts.items() if count}

    return erase
