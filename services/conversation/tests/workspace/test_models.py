"""Validation rules of the workspace models and helpers (no database)."""

from __future__ import annotations

import pytest
from muninn_conversation.bookmarks.models import BookmarkCreate, BookmarkPatch
from muninn_conversation.notes.models import NoteCreate, NotePatch
from muninn_conversation.notes.service import excerpt, title_from
from muninn_conversation.projects.models import ProjectCreate, ProjectFileIn, ProjectPatch
from muninn_conversation.snippets.models import SnippetCreate, SnippetPatch
from muninn_conversation.tags.models import (
    TagCreate,
    TagPatch,
    normalize_tag,
    normalize_tags,
    replace_tag,
)
from muninn_conversation.tags.service import tag_param
from muninn_shared.problems import ProblemError
from pydantic import ValidationError


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Work", "work"),
        ("  Deep   Work ", "deep work"),
        ("ÉTÉ", "été"),
        ("x" * 40, "x" * 40),
        ("c++", "c++"),
    ],
)
def test_tags_are_normalised(raw: str, stored: str) -> None:
    assert normalize_tag(raw) == stored


@pytest.mark.parametrize("raw", ["", "   ", "x" * 41, "a,b", "a/b", "tab\x00"])
def test_invalid_tags_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="tag"):
        normalize_tag(raw)
    with pytest.raises(ProblemError) as problem:
        tag_param(raw)
    assert problem.value.status == 422
    assert problem.value.code == "invalid-tag"


def test_tag_lists_drop_duplicates_after_normalising() -> None:
    assert normalize_tags(["Work", "work ", "Home"]) == ["work", "home"]
    with pytest.raises(ValidationError):
        NoteCreate(content="x", tags=[f"t{i}" for i in range(51)])


def test_replace_tag_keeps_order_and_never_duplicates() -> None:
    assert replace_tag(["a", "old", "b"], "old", "new") == ["a", "new", "b"]
    assert replace_tag(["new", "old", "b"], "old", "new") == ["new", "b"]
    assert replace_tag(["a", "old"], "old", None) == ["a"]


def test_tag_patch_needs_a_change_and_a_name_cannot_be_null() -> None:
    with pytest.raises(ValidationError):
        TagPatch()
    with pytest.raises(ValidationError):
        TagPatch(name=None)
    assert TagPatch(color=None).model_fields_set == {"color"}
    with pytest.raises(ValidationError):
        TagCreate(name="ok", color="red")


def test_note_needs_content_or_a_source_message() -> None:
    with pytest.raises(ValidationError):
        NoteCreate(title="empty")
    with pytest.raises(ValidationError):
        NoteCreate(message_id="m1")
    assert NoteCreate(conversation_id="c1", message_id="m1").content is None
    with pytest.raises(ValidationError):
        NoteCreate(content="x", owner="someone")  # type: ignore[call-arg]


def test_note_patch_rules() -> None:
    with pytest.raises(ValidationError):
        NotePatch()
    with pytest.raises(ValidationError):
        NotePatch(title=None)
    assert NotePatch(project_id=None).model_dump(exclude_unset=True) == {"project_id": None}
    assert NotePatch(tags=["A", "a"]).tags == ["a"]


def test_titles_come_from_the_first_markdown_line() -> None:
    assert title_from("\n\n# Trip to Oslo\n- pack") == "Trip to Oslo"
    assert title_from("- [ ] buy milk") == "[ ] buy milk"
    assert title_from("   \n") == "Untitled note"
    assert len(title_from("word " * 100)) == 120
    assert excerpt("a\n\nb   c") == "a b c"
    assert excerpt("x" * 300, 10) == "x" * 9 + "…"


def test_project_models() -> None:
    assert ProjectCreate(name="  Home   reno ").name == "Home reno"
    for bad in ({"name": "   "}, {"name": "x", "color": "#12345"}, {"name": "x", "extra": 1}):
        with pytest.raises(ValidationError):
            ProjectCreate.model_validate(bad)
    with pytest.raises(ValidationError):
        ProjectPatch()
    with pytest.raises(ValidationError):
        ProjectPatch(is_archived=None)
    assert ProjectPatch(description=None).model_dump(exclude_unset=True) == {"description": None}
    with pytest.raises(ValidationError):
        ProjectFileIn(filename="a.pdf", mime_type="pdf", size=1)


def test_snippet_models() -> None:
    snippet = SnippetCreate(title="t", content="c", language=" Python ", tags=["Code"])
    assert (snippet.language, snippet.tags) == ("python", ["code"])
    with pytest.raises(ValidationError):
        SnippetCreate(title="t", content="c", message_id="m")
    with pytest.raises(ValidationError):
        SnippetCreate(title="t", content="")
    with pytest.raises(ValidationError):
        SnippetPatch(content=None)


def test_bookmark_models() -> None:
    assert BookmarkCreate(conversation_id="c", message_id="m").note is None
    with pytest.raises(ValidationError):
        BookmarkCreate(conversation_id="c")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        BookmarkPatch(note="x" * 2001)
