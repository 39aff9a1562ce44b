"""The people a search question names: found in one database read, by the same rules."""

from __future__ import annotations

from typing import Any

from muninn_memory.entities.service import EntityService, keys_for


class _Store:
    """Entities as the store keeps them; counts the reads a lookup makes."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs
        self.reads: list[list[str]] = []

    async def by_keys(self, user_id: str, keys: list[str], session: Any = None) -> list[Any]:
        self.reads.append(list(keys))
        return [d for d in self.docs if d["user_id"] == user_id and set(d["keys"]) & set(keys)]


def person(entity_id: str, name: str, *aliases: str, type_: str = "person") -> dict[str, Any]:
    return {
        "_id": entity_id,
        "user_id": "u",
        "name": name,
        "type": type_,
        "aliases": list(aliases),
        "contact_ids": [f"c-{entity_id}"],
        "keys": keys_for(name, aliases, (), type_),
    }


async def test_names_first_names_and_aliases_resolve_in_one_read() -> None:
    store = _Store(
        [
            person("ana", "Ana Silva", "Annie"),
            person("bo", "Bo Lind"),
            person("carl1", "Carl Berg"),
            person("carl2", "Carl Moss"),
            person("acme", "Acme", type_="organization"),
        ]
    )
    service = EntityService(store)  # type: ignore[arg-type]

    found = await service.people_named("u", ["Ana Silva", "Bo", "Carl", "Annie", "Acme", "  "])

    # Ana by her full name and again by her alias (once); Bo by the only full name with that
    # first name; not Carl (two people share it), not the organisation, not the blank name.
    assert sorted(e.id for e in found) == ["ana", "bo"]
    assert sorted(c for e in found for c in e.contact_ids) == ["c-ana", "c-bo"]
    assert len(store.reads) == 1
    assert await service.people_named("u", ["  "]) == []
    assert len(store.reads) == 1, "nothing to look up costs no read"


async def test_an_exact_name_wins_over_a_first_name_and_other_users_never_match() -> None:
    store = _Store([person("ana", "Ana"), person("ana2", "Ana Silva")])
    service = EntityService(store)  # type: ignore[arg-type]
    assert [e.id for e in await service.people_named("u", ["Ana"])] == ["ana"]
    assert await service.people_named("someone-else", ["Ana"]) == []
