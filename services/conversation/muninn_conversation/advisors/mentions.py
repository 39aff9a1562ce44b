"""``@mentions`` of advisors in a message: which advisors of a conversation were addressed.

An advisor answers to its handle (``@career-coach``), its full name (``@Maya Okafor``,
``@maya_okafor``, ``@MayaOkafor``) and its first name (``@Maya``), case-insensitively. A
name two advisors of the conversation share addresses neither, rather than guessing. An
``@`` inside a word (an e-mail address) is not a mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[\w-]")


@dataclass(frozen=True)
class MentionTarget:
    advisor_id: str
    handle: str
    name: str


def slugify(text: str, *, separator: str = "-", limit: int = 40) -> str:
    """Lowercase ASCII-ish slug of a name, for default handles."""
    slug = re.sub(r"[^\w]+", separator, text.strip().lower(), flags=re.UNICODE).strip(
        separator + "_"
    )
    return slug[:limit].rstrip(separator + "_")


def aliases(target: MentionTarget) -> set[str]:
    name = " ".join(target.name.lower().split())
    found = {target.handle.lower(), name}
    words = name.split(" ")
    if len(words) > 1:
        found.update({"".join(words), "_".join(words), "-".join(words), ".".join(words), words[0]})
    return {a for a in found if a}


def alias_table(targets: Iterable[MentionTarget]) -> dict[str, str]:
    """Alias → advisor id, without the aliases that would be ambiguous."""
    owners: dict[str, set[str]] = {}
    for target in targets:
        for alias in aliases(target):
            owners.setdefault(alias, set()).add(target.advisor_id)
    return {alias: next(iter(ids)) for alias, ids in owners.items() if len(ids) == 1}


def _ends_cleanly(text: str, end: int) -> bool:
    """The alias is not the start of a longer word (``@maya`` must not match ``@mayadev``)."""
    if end >= len(text):
        return True
    if _WORD.match(text[end]):
        return False
    # "@maya." ends a sentence; "@maya.dev" is some other name.
    return not (text[end] == "." and end + 1 < len(text) and _WORD.match(text[end + 1]))


def find_mentions(text: str, targets: Iterable[MentionTarget]) -> list[str]:
    """Advisor ids mentioned in ``text``, in order of first mention, each once."""
    table = alias_table(targets)
    if not table or "@" not in text:
        return []
    by_length = sorted(table, key=len, reverse=True)
    lowered = text.lower()
    found: list[str] = []
    for match in re.finditer("@", text):
        start = match.start()
        if start > 0 and _WORD.match(text[start - 1]):
            continue
        rest = lowered[start + 1 :]
        for alias in by_length:
            if rest.startswith(alias) and _ends_cleanly(lowered, start + 1 + len(alias)):
                advisor_id = table[alias]
                if advisor_id not in found:
                    found.append(advisor_id)
                break
    return found
