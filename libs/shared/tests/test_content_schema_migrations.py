"""The migrations' planning: which versions a run goes through and what each brings."""

from __future__ import annotations

import pytest
from muninn_shared.content_schema import (
    CHANGELOG,
    MIGRATIONS,
    SCHEMA_VERSION,
    SCHEMAS,
    Migration,
    RenameField,
    RewriteDocuments,
    ServiceSchema,
)
from muninn_shared.content_schema.migrations import (
    check_migrations,
    introduced,
    newest_version,
    pending_versions,
)
from muninn_shared.content_schema.specs import ContentService, collection, index

V3_SCHEMA = ServiceSchema(
    ContentService.MEMORY,
    collections=(
        collection(
            ContentService.MEMORY,
            "cards",
            "cards",
            index("user_id"),
            index([("user_id", 1), ("name", 1)], since=2),
        ),
        collection(ContentService.MEMORY, "boxes", "boxes", index("user_id", since=3), since=3),
    ),
)


def test_the_packages_migrations_stay_within_its_version_and_changelog() -> None:
    by_version = check_migrations(MIGRATIONS)
    assert all(version <= SCHEMA_VERSION for version in by_version)
    assert all(version in CHANGELOG for version in by_version)
    assert newest_version(MIGRATIONS, SCHEMAS.values()) == SCHEMA_VERSION


def test_migrations_go_to_distinct_versions_above_the_first() -> None:
    with pytest.raises(ValueError, match="version 2 or later"):
        check_migrations([Migration(1, "nothing to migrate to")])
    with pytest.raises(ValueError, match="two migrations to version 2"):
        check_migrations([Migration(2, "a"), Migration(2, "b")])
    assert set(check_migrations([Migration(3, "c"), Migration(2, "b")])) == {2, 3}


def test_a_run_goes_through_every_version_above_the_recorded_one_in_order() -> None:
    assert pending_versions(1, 1) == []
    assert pending_versions(1, 4) == [2, 3, 4]
    # Never provisioned: deploy provisions at the target, nothing to rewrite.
    assert pending_versions(None, 3) == []


def test_the_newest_version_known_is_the_packages_or_what_a_test_declares_above_it() -> None:
    assert newest_version([], [V3_SCHEMA]) == 3
    assert newest_version([Migration(5, "later")], []) == 5


def test_each_version_introduces_its_own_collections_and_indexes() -> None:
    assert introduced([V3_SCHEMA], 1) == [("cards", None), ("cards", "user_id_1")]
    assert introduced([V3_SCHEMA], 2) == [("cards", "user_id_1_name_1")]
    assert introduced([V3_SCHEMA], 3) == [("boxes", None), ("boxes", "user_id_1")]
    assert introduced([V3_SCHEMA], 4) == []


def test_a_rename_selects_the_old_shape_only_and_refuses_what_mongodb_cannot_rename() -> None:
    step = RenameField("cards", "title", "name")
    assert step.selector() == {"title": {"$exists": True}}
    assert step.description == "rename cards.title to name"
    for old, new in [
        ("_id", "id"),
        ("a", "a"),
        ("a", "a.b"),
        ("a.b", "a"),
        ("$x", "y"),
        ("", "y"),
    ]:
        with pytest.raises(ValueError, match="cannot rename"):
            RenameField("cards", old, new)


def test_a_rewrite_needs_the_filter_its_update_takes_documents_out_of() -> None:
    with pytest.raises(ValueError, match="needs a filter"):
        RewriteDocuments("cards", {}, {"$set": {"kind": "card"}})
    step = RewriteDocuments(
        "cards", {"kind": {"$exists": False}}, {"$set": {"kind": "card"}}, what="backfill kind"
    )
    assert step.selector() == {"kind": {"$exists": False}}
    assert step.description == "backfill kind"
