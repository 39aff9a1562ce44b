"""The retention sweep reaches every user with a retention period, not only the first 10,000."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from muninn_memory.lifecycle.service import LifecycleService
from muninn_memory.profiles.models import MemoryProfile
from muninn_memory.profiles.store import PROFILES, ProfileStore
from pymongo import AsyncMongoClient

USERS_WITH_RETENTION = 10_050

Doc = dict[str, Any]


class RecordingLifecycle(LifecycleService):
    """The real sweep loop; each user's deletion is only recorded."""

    def __init__(self, profiles: ProfileStore) -> None:
        self._profiles = profiles
        self.retained: list[str] = []

    async def retain(self, profile: MemoryProfile, now: datetime) -> int:
        self.retained.append(profile.user_id)
        return 1


async def test_the_retention_sweep_covers_every_user(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    db = mongo[f"retention_{unique}"]
    store = ProfileStore(db)
    await store.ensure_indexes()
    with_retention = [f"user-{n:05d}" for n in range(USERS_WITH_RETENTION)]
    await db[PROFILES].insert_many(
        [{"_id": u, "user_id": u, "data_retention_days": 30} for u in with_retention]
        + [
            {"_id": f"keeper-{n}", "user_id": f"keeper-{n}", "data_retention_days": 0}
            for n in range(5)
        ]
    )

    sweep = RecordingLifecycle(store)
    removed = await sweep.apply_retention(datetime.now(UTC))

    assert removed == USERS_WITH_RETENTION
    assert sorted(sweep.retained) == with_retention


async def test_paging_reaches_every_profile_once(mongo: AsyncMongoClient[Doc], unique: str) -> None:
    db = mongo[f"retention_pages_{unique}"]
    store = ProfileStore(db)
    users = [f"u{n:03d}" for n in range(23)]
    await db[PROFILES].insert_many(
        [{"_id": u, "user_id": u, "data_retention_days": n + 1} for n, u in enumerate(users)]
    )

    seen = [p async for p in store.with_retention(page_size=5)]

    assert [p.user_id for p in seen] == users
    assert [p.data_retention_days for p in seen] == list(range(1, 24))
