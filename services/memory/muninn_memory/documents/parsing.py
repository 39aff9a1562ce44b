"""Text out of an uploaded file: plain text and markdown as they are, PDF page by page."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PdfReadError

PDF = "application/pdf"
MARKDOWN = "text/markdown"
PLAIN = "text/plain"
SUPPORTED = (PLAIN, MARKDOWN, PDF)

_BY_SUFFIX = {
    ".txt": PLAIN,
    ".text": PLAIN,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
    ".pdf": PDF,
}


class UnreadableDocumentError(ValueError):
    """The bytes are not a document of the type they claim, or hold no text."""


@dataclass(frozen=True)
class Section:
    """A stretch of text with where it sits: its page (PDF) or heading path (markdown)."""

    text: str
    page: int | None = None
    heading: str | None = None


def media_type_of(content_type: str | None, filename: str | None, data: bytes) -> str | None:
    """The document's type from its declared content type, its file name, or its first bytes."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared in SUPPORTED:
        return declared
    if declared in ("text/x-markdown", "text/md"):
        return MARKDOWN
    suffix = re.search(r"\.[A-Za-z]+$", filename or "")
    if suffix and suffix.group(0).lower() in _BY_SUFFIX:
        return _BY_SUFFIX[suffix.group(0).lower()]
    if data.startswith(b"%PDF-"):
        return PDF
    if declared in ("", "application/octet-stream") or declared.startswith("text/"):
        try:
            data[:4096].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return PLAIN
    return None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise UnreadableDocumentError("the file is not UTF-8 text")


_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def markdown_sections(text: str) -> list[Section]:
    """Split at headings, remembering the heading path ("Guide > Setup") of each part."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_code = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            heading = " > ".join(title for _, title in path) or None
            sections.append(Section(body, heading=heading))
        lines.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, match.group(2).strip()))
            continue
        lines.append(line)
    flush()
    return sections


def pdf_sections(data: bytes) -> list[Section]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableDocumentError("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        if isinstance(exc, UnreadableDocumentError):
            raise
        raise UnreadableDocumentError(f"the PDF cannot be read ({type(exc).__name__})") from exc
    return [Section(text.strip(), page=n) for n, text in enumerate(pages, 1) if text.strip()]


def sections_of(data: bytes, media_type: str) -> list[Section]:
    if media_type == PDF:
        sections = pdf_sections(data)
    elif media_type == MARKDOWN:
        sections = markdown_sections(_decode(data))
    else:
        text = _decode(data).strip()
        sections = [Section(text)] if text else []
    if not sections:
        raise UnreadableDocumentError("the document holds no text")
    return sections
