from __future__ import annotations

from datetime import UTC, datetime, timedelta

from muninn_memory.entities.recognize import alias_key, recognize
from muninn_memory.entities.service import importance, relation_strength


def mentions(text: str) -> list[tuple[str | None, str, str | None]]:
    return [(m.name, m.type, m.role) for m in recognize(text).mentions]


def test_people_with_roles_titles_and_aliases() -> None:
    [mary] = recognize("Dr. Mary is my dentist.").mentions
    assert (mary.name, mary.type, mary.role) == ("Dr. Mary", "person", "dentist")
    assert set(mary.aliases) == {"Dr. Mary", "Mary", "my dentist", "the dentist"}
    assert alias_key("Dr. Mary") == alias_key("Mary") == "mary"


def test_bare_role_is_reported_for_resolution() -> None:
    assert mentions("I have to see the dentist tomorrow.") == [(None, "person", "dentist")]


def test_places_organisations_events_projects() -> None:
    assert ("Berlin", "place", "home") in mentions("I live in Berlin.")
    assert ("Acme Corp", "organization", "employer") in mentions(
        "I work at Acme Corp as an engineer."
    )
    assert ("Web Summit", "event", None) in mentions("I'm going to the Web Summit in Lisbon.")
    assert ("Phoenix", "project", None) in mentions("We are working on Project Phoenix.")
    assert ("Google", "organization", None) in mentions("Tom got promoted yesterday at Google.")


def test_pets_and_links() -> None:
    recognition = recognize("My sister Anna lives in Rome.")
    names = [m.name for m in recognition.mentions]
    assert names == ["Anna", "Rome"]
    assert recognition.links == [(0, 1, "lives in")]
    assert mentions("I just adopted a cat named Miso.") == [("Miso", "person", "pet")]


def test_importance_and_strength_grow_with_mentions() -> None:
    assert importance({"mention_count": 1}) < importance({"mention_count": 20})
    assert importance({"mention_count": 3, "roles": ["sister"]}) > importance({"mention_count": 3})
    assert relation_strength("works at", 1) > relation_strength("mentioned with", 1)
    assert relation_strength("mentioned with", 50) == 10


def test_keys_of_a_corrected_entity_follow_its_names_and_roles() -> None:
    from muninn_memory.entities.service import keys_for

    assert keys_for("Dr. Mary Johnson", ("Mary", "my dentist"), ("dentist",), "person") == [
        "first:mary",
        "mary",
        "mary johnson",
        "role:dentist",
    ]
    assert keys_for("Acme", (), (), "organization") == ["acme"]


def test_relinking_a_memory_moves_or_drops_an_entity_and_keeps_names_in_step() -> None:
    from muninn_memory.entities.corrections import _relinked

    memory = {"entity_ids": ["ann", "rome", "anna"], "entity_names": ["Ann", "Rome", "Anna"]}
    # Ann merged into Anna (renamed Anna Berg): one link, the new name, order kept.
    assert _relinked(memory, {"ann": "anna"}, {"anna": "Anna Berg"}) == (
        ["anna", "rome"],
        ["Anna Berg", "Rome"],
    )
    assert _relinked(memory, {"rome": None}, {}) == (["ann", "anna"], ["Ann", "Anna"])
    assert _relinked({"entity_ids": ["x"]}, {}, {}) == (["x"], [""])


class _History:
    """Entity deletions as the store answers them: keys and when."""

    def __init__(self, deleted: dict[str, datetime]) -> None:
        self.deleted = deleted
        self.asked: list[list[str]] = []

    async def deleted_after(
        self, user_id: str, keys: list[str], at: datetime, session: object
    ) -> bool:
        self.asked.append(keys)
        return any(k in self.deleted and self.deleted[k] >= at for k in keys)


async def test_a_deleted_entity_is_not_made_again_from_what_was_said_before() -> None:
    from muninn_memory.entities.recognize import EntityMention
    from muninn_memory.entities.service import EntityService

    deleted_at = datetime(2024, 5, 1, tzinfo=UTC)
    history = _History({"ann kowalski": deleted_at, "role:dentist": deleted_at})
    service = EntityService(history)  # type: ignore[arg-type]
    before, after = deleted_at - timedelta(days=1), deleted_at + timedelta(days=1)
    ann = EntityMention("Ann Kowalski", "person", None, ("Ann Kowalski",))
    assert await service._deleted_by_user("u", ann, before, None)
    assert not await service._deleted_by_user("u", ann, after, None)
    dentist = EntityMention(None, "person", "dentist", ("my dentist", "the dentist"))
    assert await service._deleted_by_user("u", dentist, before, None)
    assert history.asked[-1] == ["role:dentist"]
    other = EntityMention("Tom", "person", None, ("Tom",))
    assert not await service._deleted_by_user("u", other, before, None)
