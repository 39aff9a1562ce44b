from __future__ import annotations

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
