"""User text with its whitespace made plain, before any rule reads it.

Patterns over free text (extraction in memory, plans and reviews in the scheduler) meet
whatever a client sends: 19,000 U+1680 OGHAM SPACE MARKs, zero-width spaces, control
characters. Collapsing every run to one character first, in time linear in the text, means
no pattern ever meets a long whitespace run to backtrack over.
"""

from __future__ import annotations

import re
import unicodedata


def _separator_table() -> dict[int, str | None]:
    """Control characters (``Cc``) and zero-width separators become spaces; bidirectional
    marks, soft hyphens and invisible operators are dropped. Joiners (ZWJ, ZWNJ), tag
    characters and variation selectors stay: they belong to the emoji and words they join."""
    table: dict[int, str | None] = {}
    for code in range(0x3001):  # every Cc character lies below U+00A0
        char = chr(code)
        if unicodedata.category(char) == "Cc" and not char.isspace():
            table[code] = " "
    for code in (0x180E, 0x200B, 0x2060, 0xFEFF):
        table[code] = " "
    for code in (0x00AD, 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2061, 0x2070)):
        table[code] = None
    return table


_SEPARATORS = _separator_table()
_BLANK_LINES = re.compile(r"\n{3,}")


def plain_whitespace(text: str) -> str:
    """``text`` with every run of Unicode whitespace (and control or zero-width separators)
    inside a line one space, lines stripped, any line break (CR LF, U+2028, …) a newline, and
    at most one blank line in a row. Linear in the length of ``text``; never longer than it."""
    text = text.translate(_SEPARATORS)
    # str.splitlines and str.split know every Unicode line break and whitespace character.
    lines = "\n".join(" ".join(line.split()) for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", lines).strip("\n")
