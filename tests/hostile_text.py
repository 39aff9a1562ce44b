"""Hostile text for the language rules' tests: long runs of one adversarial piece.

Whitespace of every kind, invisible separators, the rules' own words and punctuation,
repeated up to 8,000 times: what would make a backtracking pattern take quadratic time.
"""

from __future__ import annotations

from hypothesis import strategies as st

WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()] + ["\ufeff"]
UNUSUAL_SPACES = ["\u1680", "\u3000", "\u2003", "\u00a0", "\t", "\u200b", "\x1f"]
"""Characters a run of which must read as one plain space."""
SEPARATORS = ["\u200b", "\u2060", "\u180e", "\u200e", "\u202e", "\x00", "\x1b", "\x7f"]


def repeated_pieces(
    words: list[str], punctuation: list[str], *, separators: list[str] = SEPARATORS
) -> st.SearchStrategy[str]:
    """One adversarial piece, repeated: whitespace, a separator, one of ``words`` or of
    ``punctuation``, or any short text."""
    unit = st.one_of(
        st.sampled_from(WHITESPACE + separators),
        st.sampled_from(words),
        st.sampled_from(punctuation),
        st.text(min_size=1, max_size=3),
    )
    return st.builds(lambda piece, times: piece * times, unit, st.integers(1, 8_000))
