"""The vocabulary of memory relations (no imports: memory's search results name them too)."""

from __future__ import annotations

from typing import Literal

RelationType = Literal["related", "contradicts", "updates", "follows_from", "supports", "part_of"]
MUTUAL: frozenset[str] = frozenset({"related", "contradicts"})
"""Types that read the same from either memory; the others go from one to the other."""
RelationSource = Literal["inferred", "user"]
Direction = Literal["outgoing", "incoming", "mutual"]

TYPES_DESCRIPTION = (
    "related: about the same thing; contradicts: they disagree; updates: a newer version of "
    "the other; follows_from: concluded from the other (a fact from the message it was "
    "said in); supports: evidence for the other; part_of: a part of the other."
)
