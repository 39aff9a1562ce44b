"""HTML mail bodies to plain text with the stdlib parser: scripts and styles dropped, link
text kept, whitespace collapsed, output bounded."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
_BREAKS = frozenset(
    {"br", "p", "div", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"}
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextCollector(HTMLParser):
    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self._max_chars = max_chars
        self._size = 0
        self._skip_depth = 0
        self.pieces: list[str] = []
        self.full = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip_depth += 1
        elif tag in _BREAKS:
            self._add("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self._add("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BREAKS:
            self._add("\n")
        elif tag in ("td", "th"):
            self._add(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._add(data)

    def _add(self, text: str) -> None:
        if self.full:
            return
        # Whitespace runs collapse later, so allow slack before judging the text full.
        room = self._max_chars * 2 - self._size
        if len(text) >= room:
            text = text[:room]
            self.full = True
        self.pieces.append(text)
        self._size += len(text)


def html_to_text(html: str, *, max_chars: int) -> tuple[str, bool]:
    """The readable text of ``html`` and whether it was cut at ``max_chars``."""
    collector = _TextCollector(max_chars)
    try:
        collector.feed(html)
        collector.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    text = collapse_whitespace("".join(collector.pieces))
    if len(text) > max_chars:
        return text[:max_chars], True
    return text, collector.full


def collapse_whitespace(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
