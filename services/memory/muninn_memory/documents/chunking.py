"""Cutting a document into overlapping chunks that fit an embedding model's window.

Paragraphs stay whole when they fit; longer ones are cut at sentence ends, and a sentence
longer than a chunk at word boundaries. Consecutive chunks share a little text so a fact
that straddles a cut is still found whole in one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from muninn_memory.documents.parsing import Section
from muninn_memory.extraction.text import estimate_tokens, sentences

_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    page: int | None = None
    heading: str | None = None


def _pieces(text: str, max_tokens: int) -> list[str]:
    """Paragraphs, sentences or word runs, none longer than ``max_tokens``."""
    pieces: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        paragraph = re.sub(r"[ \t]+", " ", paragraph).strip()
        if not paragraph:
            continue
        if estimate_tokens(paragraph) <= max_tokens:
            pieces.append(paragraph)
            continue
        for sentence in sentences(paragraph):
            if estimate_tokens(sentence) <= max_tokens:
                pieces.append(sentence)
                continue
            words = sentence.split()
            run: list[str] = []
            for word in words:
                if run and estimate_tokens(" ".join([*run, word])) > max_tokens:
                    pieces.append(" ".join(run))
                    run = []
                run.append(word[: max_tokens * 4])
            if run:
                pieces.append(" ".join(run))
    return pieces


def _tail(pieces: list[str], overlap_tokens: int) -> list[str]:
    kept: list[str] = []
    for piece in reversed(pieces):
        if estimate_tokens(" ".join([piece, *kept])) > overlap_tokens:
            break
        kept.insert(0, piece)
    return kept


def chunk_sections(
    sections: list[Section], *, max_tokens: int = 200, overlap_tokens: int = 40
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        current: list[str] = []
        fresh = False  # whether ``current`` holds anything not yet in a chunk
        for piece in _pieces(section.text, max_tokens):
            if current and estimate_tokens("\n\n".join([*current, piece])) > max_tokens:
                chunks.append(_chunk(len(chunks), current, section))
                current = _tail(current, overlap_tokens)
                fresh = False
                while current and estimate_tokens("\n\n".join([*current, piece])) > max_tokens:
                    current.pop(0)
            current.append(piece)
            fresh = True
        if current and fresh:
            chunks.append(_chunk(len(chunks), current, section))
    return chunks


def _chunk(index: int, pieces: list[str], section: Section) -> Chunk:
    return Chunk(index, "\n\n".join(pieces), page=section.page, heading=section.heading)
