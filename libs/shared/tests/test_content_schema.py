"""The content schema's specs: consistent with themselves and with MongoDB's conventions."""

from __future__ import annotations

from collections import Counter

import pytest
from bson import SON
from muninn_shared.content_schema import (
    CHANGELOG,
    SCHEMA_VERSION,
    SCHEMAS,
    CollectionRole,
    CollectionSpec,
    ContentService,
    IndexSpec,
    Tenancy,
    user_database_collections,
)
from muninn_shared.content_schema.specs import index
from muninn_shared.storage.indexes import index_name
from muninn_shared.storage.outbox import OUTBOX
from pymongo.helpers_shared import _gen_index_name, _index_list

ALL = [spec for schema in SCHEMAS.values() for spec in schema.collections]


def described(spec: CollectionSpec) -> str:
    return f"{spec.service}.{spec.name}"


def test_every_content_service_has_a_schema() -> None:
    assert set(SCHEMAS) == set(ContentService)
    for service, schema in SCHEMAS.items():
        assert schema.service is service
        assert all(c.service is service for c in schema.collections)
        assert all(m.service is service for m in schema.main_only)


@pytest.mark.parametrize("service", list(ContentService))
def test_collection_names_are_unique_and_never_both_declared_and_kept_on_main(
    service: ContentService,
) -> None:
    schema = SCHEMAS[service]
    names = Counter(c.name for c in schema.collections)
    assert [n for n, count in names.items() if count > 1] == []
    assert set(names) & {m.name for m in schema.main_only} == set()
    assert all(m.reason for m in schema.main_only)


@pytest.mark.parametrize("spec", ALL, ids=described)
def test_every_collection_naming_its_users_by_field_has_a_user_id_leading_index(
    spec: CollectionSpec,
) -> None:
    leading = {i.leading_field for i in spec.indexes}
    if spec.tenancy in (Tenancy.USER_ID_FIELD, Tenancy.USER_OR_SHARED):
        assert "user_id" in leading
    elif spec.tenancy is Tenancy.KEYED_BY_USER:
        # The _id is the user id: the primary key is the user's index.
        assert spec.validator["$jsonSchema"]["properties"]["_id"] == {"bsonType": "string"}
    else:
        assert spec.role is CollectionRole.INFRASTRUCTURE, "content always names its user"


@pytest.mark.parametrize("spec", ALL, ids=described)
def test_validators_require_identity_and_user_and_stay_open(spec: CollectionSpec) -> None:
    schema = spec.validator["$jsonSchema"]
    assert schema["bsonType"] == "object"
    assert schema["required"][0] == "_id"
    assert schema.get("additionalProperties", True) is True
    if spec.tenancy is Tenancy.USER_OR_SHARED:
        assert schema["properties"]["user_id"] == {"bsonType": ["string", "null"]}
    elif spec.tenancy is not Tenancy.NO_USER_DATA:
        assert schema["properties"]["user_id"] == {"bsonType": "string"}
    if spec.tenancy is not Tenancy.NO_USER_DATA:
        assert "user_id" in schema["required"]
    options = spec.collection_options()
    assert options["validationLevel"] == "moderate"
    assert options["validationAction"] == "error"


@pytest.mark.parametrize("spec", ALL, ids=described)
def test_index_names_are_unique_and_the_default_ones_are_mongodbs(spec: CollectionSpec) -> None:
    names = [i.name for i in spec.indexes]
    assert len(names) == len(set(names))
    keys = [i.keys for i in spec.indexes]
    assert len(keys) == len(set(keys)), "two indexes on the same keys"
    for wanted in spec.indexes:
        if wanted.name == index_name(list(wanted.keys)):
            assert wanted.name == _gen_index_name(_index_list(list(wanted.keys)))


def test_every_version_has_a_changelog_entry_and_no_spec_is_from_the_future() -> None:
    assert sorted(CHANGELOG) == list(range(1, SCHEMA_VERSION + 1))
    assert all(text.strip() for text in CHANGELOG.values())
    for spec in ALL:
        assert 1 <= spec.since <= SCHEMA_VERSION
        assert all(spec.since <= i.since <= SCHEMA_VERSION for i in spec.indexes)


def test_a_users_database_holds_every_service_under_distinct_names() -> None:
    stored = Counter(c.stored_as for c in user_database_collections())
    assert [name for name, count in stored.items() if count > 1] == []


def test_each_service_keeps_its_own_outbox_beside_its_content_under_its_prefix() -> None:
    for service, schema in SCHEMAS.items():
        outbox = schema.collection(OUTBOX)
        assert outbox.role is CollectionRole.INFRASTRUCTURE
        assert outbox.stored_as == f"{service.value}_outbox"
        assert {i.name for i in outbox.indexes} >= {"event_id_1", "published_at_1__id_1"}
        content = [c for c in schema.collections if c.role is CollectionRole.CONTENT]
        assert all(c.stored_as == c.name for c in content)


def test_on_main_a_service_keeps_its_own_names() -> None:
    on_main = SCHEMAS[ContentService.MEMORY].as_on_main()
    assert on_main.collection(OUTBOX).stored_as == OUTBOX
    assert [c.name for c in on_main.collections] == [
        c.name for c in SCHEMAS[ContentService.MEMORY].collections
    ]
    assert all(c.stored_as == c.name for c in on_main.collections)


def test_an_index_as_the_server_lists_it_matches_its_spec() -> None:
    spec = index(
        [("user_id", 1), ("status", 1)],
        name="one_processing",
        unique=True,
        partial_filter={"status": "processing"},
    )
    listed = {
        "v": 2,
        "key": [("user_id", 1), ("status", 1.0)],
        "unique": True,
        "partialFilterExpression": SON([("status", "processing")]),
    }
    assert spec.differences(listed) == []
    assert spec.create_options() == {
        "name": "one_processing",
        "unique": True,
        "partialFilterExpression": {"status": "processing"},
    }


@pytest.mark.parametrize(
    ("listed", "named"),
    [
        ({"key": [("user_id", 1)], "unique": True}, "keys"),
        ({"key": [("user_id", 1), ("status", 1)]}, "unique"),
        ({"key": [("user_id", 1), ("status", 1)], "unique": True, "sparse": True}, "sparse"),
        (
            {
                "key": [("user_id", 1), ("status", 1)],
                "unique": True,
                "partialFilterExpression": {"status": "queued"},
            },
            "partialFilterExpression",
        ),
    ],
)
def test_an_index_differing_in_keys_or_options_is_told_apart(
    listed: dict[str, object], named: str
) -> None:
    spec = IndexSpec(keys=(("user_id", 1), ("status", 1)), unique=True)
    [difference] = spec.differences(listed)
    assert difference.startswith(named)


def test_a_ttl_expiry_is_a_tuning_not_a_difference() -> None:
    spec = index("applied_at", expire_after_seconds=14 * 86400)
    retuned = {"key": [("applied_at", 1)], "expireAfterSeconds": 21 * 86400}
    assert spec.differences(retuned) == []
    assert spec.expiry_differs(retuned)
    assert spec.differences({"key": [("applied_at", 1)]}) == [
        "expireAfterSeconds None instead of 1209600"
    ]


def test_a_text_index_is_compared_as_mongodb_stores_it() -> None:
    spec = index([("user_id", 1), ("title", "text"), ("body", "text")], weights={"title": 3})
    assert spec.name == "user_id_1_title_text_body_text"
    assert spec.is_text
    stored = {
        "key": [("user_id", 1), ("_fts", "text"), ("_ftsx", 1)],
        "weights": SON([("body", 1), ("title", 3)]),
    }
    assert spec.differences(stored) == []
    assert spec.differences({**stored, "weights": {"title": 1, "body": 1}}) != []


def test_an_index_needs_keys() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        IndexSpec(keys=())
