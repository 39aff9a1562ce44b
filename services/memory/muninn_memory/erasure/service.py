"""Erasing a user also erases their vectors, queued jobs and profile, wherever those live."""

from __future__ import annotations

from muninn_shared.privacy import ExtraEraser
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.ingestion.models import JOBS
from muninn_memory.ingestion.service import IngestionService
from muninn_memory.profiles.models import PROFILES
from muninn_memory.profiles.service import ProfileService
from muninn_memory.retrieval.port import MemoryIndex


def memory_eraser(
    index: MemoryIndex, ingestion: IngestionService, profiles: ProfileService
) -> ExtraEraser:
    async def erase(user_id: str, session: AsyncClientSession) -> dict[str, int]:
        # Vectors first: if the transaction is retried this runs again, and deleting twice is harmless.
        vectors = await index.count(user_id)
        await index.delete_user(user_id)
        erased = {"memory_vectors": vectors} if vectors else {}
        queued = await ingestion.erase_user(user_id, session)
        if queued:
            erased[JOBS] = queued
        if profile := await profiles.erase(user_id, session):
            erased[PROFILES] = profile
        return erased

    return erase
