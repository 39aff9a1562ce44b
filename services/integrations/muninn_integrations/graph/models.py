"""The contact graph's documents (``contact_links``) and answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from muninn_shared.strict import Strict
from pydantic import BaseModel, Field


class LinkType(StrEnum):
    COLLEAGUE = "colleague"
    FRIEND = "friend"
    FAMILY = "family"
    PARTNER = "partner"
    CLIENT = "client"
    VENDOR = "vendor"
    MENTOR = "mentor"
    CLASSMATE = "classmate"
    NEIGHBOUR = "neighbour"
    ACQUAINTANCE = "acquaintance"


class Evidence(BaseModel):
    record_id: str
    kind: Literal["meeting", "email"]
    at: datetime


class ContactLink(BaseModel):
    """Two of the user's contacts who know each other; stored once per pair (a < b)."""

    id: str
    a: str
    b: str
    type: LinkType
    type_source: Literal["inferred", "user"]
    strength: float = Field(ge=0, le=1)
    shared_interactions: int
    evidence: list[Evidence] = Field(default_factory=list)
    mutual_connections: int = Field(
        description="Contacts both know; counted when the link is read."
    )
    detected_at: datetime
    updated_at: datetime


class Person(BaseModel):
    id: str
    display_name: str | None = None
    company: str | None = None
    relationship_strength: float = Field(ge=0, le=1, description="How close the user is to them.")


class Relationship(BaseModel):
    """One of a contact's links, seen from that contact."""

    other: Person
    link: ContactLink


class RelationshipList(BaseModel):
    items: list[Relationship]


class GraphNode(Person):
    depth: int = Field(description="Hops from the contact asked about (0 for that contact).")


class GraphEdge(BaseModel):
    a: str
    b: str
    type: LinkType
    type_source: Literal["inferred", "user"]
    strength: float
    shared_interactions: int
    mutual_connections: int


class Neighbourhood(BaseModel):
    center: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = Field(description="More contacts were within reach than the limit.")


class PathHop(BaseModel):
    source: str = Field(description="'me' or a contact id")
    target: str
    strength: float
    type: LinkType | None = Field(
        default=None, description="The link's type; null for the user's own tie to a contact."
    )


class ConnectionPath(BaseModel):
    origin: str = Field(description="'me' or the contact id the path starts at")
    nodes: list[Person] = Field(description="The contacts along the way, in order")
    hops: list[PathHop]
    strength: float = Field(description="The product of the hops' strengths")


class Tie(BaseModel):
    a: Person
    b: Person
    link: ContactLink


class TieList(BaseModel):
    items: list[Tie]


class CompanyContact(Person):
    matched_by: Literal["company", "domain"]


class CompanyContacts(BaseModel):
    company: str
    domains: list[str] = Field(description="The company's e-mail domains that were matched")
    items: list[CompanyContact]


class Cluster(BaseModel):
    label: str | None = Field(description="The most common company, else e-mail domain")
    size: int
    members: list[Person]


class ClusterList(BaseModel):
    items: list[Cluster]


class LinkTypeBody(Strict):
    type: LinkType
