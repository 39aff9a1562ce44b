from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_memory.relations.inference import ends, infer, relation_id

AT = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def memory(memory_id: str, type_: str = "personal_info", **fields: Any) -> dict[str, Any]:
    return {
        "_id": memory_id,
        "type": type_,
        "status": fields.pop("status", "active"),
        "content": fields.pop("content", memory_id),
        "occurred_at": AT,
        "created_at": fields.pop("created_at", AT),
        "provenance": {"message_ids": fields.pop("message_ids", [])},
        **fields,
    }


def test_what_memory_already_knows_becomes_typed_relations() -> None:
    lisbon = memory(
        "lisbon",
        supersedes="berlin",
        lineage_id="berlin",
        message_ids=["m2"],
        entity_ids=["e-lisbon", "e-me"],
        entity_names=["Lisbon", "Me"],
        created_at=AT + timedelta(days=30),
    )
    berlin = memory("berlin", status="superseded", superseded_by="lisbon", message_ids=["m1"])
    said_berlin = memory("said-berlin", "conversation", message_ids=["m1"], outdated_by="lisbon")
    said_lisbon = memory("said-lisbon", "conversation", message_ids=["m2"])
    also_said = memory("flat", message_ids=["m2"])
    neighbour = memory(
        "cafe", entity_ids=["e-lisbon"], entity_names=["Lisbon"], created_at=AT - timedelta(days=3)
    )
    found = {
        r.other_id: r
        for r in infer(
            lisbon,
            versions=[berlin, lisbon],
            same_message=[said_lisbon, also_said, lisbon],
            corrected_messages=[said_berlin],
            correction=None,
            sharing_entities=[neighbour, also_said, said_lisbon],
        )
    }
    assert set(found) == {"berlin", "said-berlin", "said-lisbon", "flat", "cafe"}
    assert (found["berlin"].type, found["berlin"].direction, found["berlin"].strength) == (
        "updates",
        "outgoing",
        1.0,
    )
    assert (found["said-berlin"].type, found["said-berlin"].direction) == ("contradicts", "mutual")
    assert (found["said-lisbon"].type, found["said-lisbon"].direction) == (
        "follows_from",
        "outgoing",
    )
    assert (found["flat"].type, found["flat"].strength) == ("related", 0.8), "the most specific"
    cafe = found["cafe"]
    assert (cafe.type, cafe.strength, cafe.reason) == ("related", 0.5, "both about Lisbon")
    assert found["berlin"].at == AT + timedelta(days=30), "known since the later was stored"


def test_the_other_side_sees_the_same_relation_the_other_way() -> None:
    berlin = memory("berlin", status="superseded", superseded_by="lisbon", message_ids=["m1"])
    lisbon = memory("lisbon", supersedes="berlin", message_ids=["m2"])
    said_berlin = memory("said-berlin", "conversation", message_ids=["m1"], outdated_by="lisbon")
    [updated] = infer(
        berlin,
        versions=[berlin, lisbon],
        same_message=[],
        corrected_messages=[],
        correction=None,
        sharing_entities=[],
    )
    assert (updated.other_id, updated.type, updated.direction) == ("lisbon", "updates", "incoming")
    [message_side] = infer(
        said_berlin,
        versions=[],
        same_message=[said_berlin],
        corrected_messages=[],
        correction=lisbon,
        sharing_entities=[],
    )
    assert (message_side.other_id, message_side.type) == ("lisbon", "contradicts")
    [fact_side] = infer(
        memory("fact-m1", message_ids=["m1"]),
        versions=[],
        same_message=[said_berlin],
        corrected_messages=[],
        correction=None,
        sharing_entities=[],
    )
    assert (fact_side.type, fact_side.direction) == ("follows_from", "outgoing")
    [message_view] = infer(
        said_berlin,
        versions=[],
        same_message=[memory("fact-m1", message_ids=["m1"])],
        corrected_messages=[],
        correction=None,
        sharing_entities=[],
    )
    assert (message_view.type, message_view.direction) == ("follows_from", "incoming")

    # One id whichever side it is read from: a removed relation stays removed both ways.
    assert relation_id("updates", *ends("lisbon", "berlin", "outgoing")) == relation_id(
        "updates", *ends("berlin", "lisbon", "incoming")
    )
    assert relation_id("related", "a", "b") == relation_id("related", "b", "a")
    assert relation_id("supports", "a", "b") != relation_id("supports", "b", "a")


def test_stored_messages_are_not_related_by_entity_alone() -> None:
    mary = memory("fact", entity_ids=["e1"])
    message = memory("msg", "conversation", entity_ids=["e1"])
    assert (
        infer(
            mary,
            versions=[],
            same_message=[],
            corrected_messages=[],
            correction=None,
            sharing_entities=[message],
        )
        == []
    )
