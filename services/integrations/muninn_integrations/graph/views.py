"""Stored links and contacts as the API shows them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from muninn_shared.moments import as_utc

from muninn_integrations.contacts.models import ContactPerson
from muninn_integrations.graph.models import ContactLink, Evidence, GraphEdge, LinkType, Person


def ends(docs: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({end for d in docs for end in (d["a"], d["b"])})


def person(p: ContactPerson) -> Person:
    return Person(
        id=p.id,
        display_name=p.display_name,
        company=p.company,
        relationship_strength=p.relationship_strength,
    )


def _type(doc: Mapping[str, Any]) -> LinkType:
    try:
        return LinkType(str(doc.get("type")))
    except ValueError:
        return LinkType.ACQUAINTANCE


def _tie(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a stored link says of two contacts, as a link and as a graph's edge alike."""
    return {
        "a": doc["a"],
        "b": doc["b"],
        "type": _type(doc),
        "type_source": "user" if doc.get("type_source") == "user" else "inferred",
        "strength": min(1.0, max(0.0, float(doc.get("strength") or 0))),
        "shared_interactions": int(doc.get("shared_interactions") or 0),
    }


def link(doc: Mapping[str, Any], mutual: int) -> ContactLink:
    return ContactLink(
        id=doc["_id"],
        **_tie(doc),
        evidence=[
            Evidence(record_id=e["record_id"], kind=e["kind"], at=as_utc(e["at"]))
            for e in reversed(doc.get("evidence") or [])
        ],
        mutual_connections=mutual,
        detected_at=as_utc(doc["detected_at"]),
        updated_at=as_utc(doc["updated_at"]),
    )


def edge(doc: Mapping[str, Any], mutual: int) -> GraphEdge:
    return GraphEdge(**_tie(doc), mutual_connections=mutual)
