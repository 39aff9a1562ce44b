from __future__ import annotations

import pytest
from muninn_memory.documents.chunking import chunk_sections
from muninn_memory.documents.indexing import ChunkSource, chunk_index_text
from muninn_memory.documents.parsing import (
    MARKDOWN,
    PDF,
    PLAIN,
    Section,
    UnreadableDocumentError,
    markdown_sections,
    media_type_of,
    sections_of,
)
from muninn_memory.extraction.text import estimate_tokens


def test_media_type_from_declared_type_name_or_content() -> None:
    assert media_type_of("text/markdown; charset=utf-8", None, b"# x") == MARKDOWN
    assert media_type_of("application/octet-stream", "notes.MD", b"# x") == MARKDOWN
    assert media_type_of(None, None, b"%PDF-1.7 ...") == PDF
    assert media_type_of("application/octet-stream", None, b"plain words") == PLAIN
    assert media_type_of("image/png", "a.png", b"\x89PNG") is None
    assert media_type_of(None, None, b"\xff\xfe\x00\xd8binary") is None


def test_markdown_sections_keep_their_heading_path() -> None:
    text = "Intro line\n# Guide\n## Setup\nInstall it.\n```\n# not a heading\n```\n## Use\nRun it."
    sections = markdown_sections(text)
    assert [(s.heading, s.text.splitlines()[0]) for s in sections] == [
        (None, "Intro line"),
        ("Guide > Setup", "Install it."),
        ("Guide > Use", "Run it."),
    ]
    assert "# not a heading" in sections[1].text


def test_unreadable_documents_say_why() -> None:
    with pytest.raises(UnreadableDocumentError, match="PDF"):
        sections_of(b"%PDF-1.4 garbage", PDF)
    with pytest.raises(UnreadableDocumentError, match="no text"):
        sections_of(b"  \n ", PLAIN)
    with pytest.raises(UnreadableDocumentError, match="UTF-8"):
        sections_of(b"\xff\xfe\x00\xd8\x00", PLAIN)


def test_chunks_fit_the_window_overlap_and_cover_everything() -> None:
    paragraphs = [f"Paragraph {i} talks about topic {i} at some length here." for i in range(60)]
    chunks = chunk_sections(
        [Section("\n\n".join(paragraphs), page=3)], max_tokens=60, overlap_tokens=15
    )
    assert len(chunks) > 5
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(estimate_tokens(c.text) <= 60 for c in chunks)
    assert all(c.page == 3 for c in chunks)
    joined = "\n\n".join(c.text for c in chunks)
    assert all(p in joined for p in paragraphs), "no text is lost"
    last_of_first = chunks[0].text.split("\n\n")[-1]
    assert chunks[1].text.startswith(last_of_first), "consecutive chunks overlap"


def test_a_sentence_longer_than_a_chunk_is_cut_at_words() -> None:
    long_sentence = " ".join(f"word{i}" for i in range(400))
    chunks = chunk_sections([Section(long_sentence)], max_tokens=50, overlap_tokens=0)
    assert len(chunks) > 1
    assert all(estimate_tokens(c.text) <= 50 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == long_sentence.split()


def test_a_chunk_is_indexed_with_its_title_and_heading_as_a_document() -> None:
    doc = {
        "_id": "c1",
        "user_id": "u1",
        "content": "Hold reset for five seconds.",
        "title": "Boiler manual",
        "heading": "Setup > Reset",
        "context": "family",
        "deleted": False,
    }
    assert chunk_index_text(doc) == "Boiler manual > Setup > Reset: Hold reset for five seconds."
    source = ChunkSource(store=None)  # type: ignore[arg-type]  # to_indexed needs no store
    indexed = source.to_indexed(doc)
    assert (indexed.type, indexed.source, indexed.user_id) == ("document", "document", "u1")
    assert source.searchable(doc)
    assert not source.searchable({**doc, "deleted": True})
