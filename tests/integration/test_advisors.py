"""Advisors against real MongoDB and Kafka: catalogue, marketplace, board, templates, turns, memory, summaries."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from muninn_conversation.advisors.catalogue import ADVISORS, TEAMS
from muninn_conversation.advisors.erasure import advisor_eraser
from muninn_conversation.advisors.store import ADVISOR_MEMORIES, BOARD
from muninn_conversation.advisors.store import ADVISORS as ADVISORS_COLLECTION
from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.deps import ConversationServices
from muninn_conversation.main import create_app
from muninn_conversation.settings import ConversationSettings
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import erase_user_documents, in_transaction
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.conversation_app import conversation_settings, join, running
from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.paging import every_item
from tests.integration.tokens import identity_token_issuer

MAYA = "builtin-career-coach"
DANIEL = "builtin-financial-planner"
AVA = "builtin-listener"


@pytest.fixture
def settings(infra: Infra, unique: str) -> ConversationSettings:
    return conversation_settings(infra, unique)


def build_app(settings: ConversationSettings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def app_client(settings: ConversationSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(build_app(settings)) as client:
        yield client


def app_of(client: httpx.AsyncClient) -> FastAPI:
    app: FastAPI = client.app  # type: ignore[attr-defined]
    return app


def advisor_services(client: httpx.AsyncClient) -> ConversationServices:
    services: ConversationServices = app_of(client).state.services
    return services


def auth(
    settings: ConversationSettings, user_id: str, scopes: tuple[str, ...] = ("read", "write")
) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(user_id, scopes=scopes)}"}


def new_user(settings: ConversationSettings) -> tuple[str, dict[str, str]]:
    user_id = "u-" + uuid.uuid4().hex
    return user_id, auth(settings, user_id)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def all_pages(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    return await every_item(client, "/v1/advisors", headers, **params)


async def create_advisor(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    payload = {
        "persona": {
            "name": "Iris Vale",
            "title": "Negotiation Coach",
            "expertise": ["contract negotiation"],
        },
        **body,
    }
    response = await client.post("/v1/advisors", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def new_conversation(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> str:
    response = await client.post("/v1/conversations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


async def conversation_doc(
    client: httpx.AsyncClient, conversation_id: str, user_id: str
) -> dict[str, Any]:
    doc, _ = await app_of(client).state.services.conversations.authorize(
        conversation_id, user_id, Operation.READ
    )
    return dict(doc)


# -- the catalogue and the marketplace ------------------------------------------------------------


async def test_catalogue_is_seeded_once_and_kept_across_restarts(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    _, me = new_user(settings)
    first = await all_pages(app_client, me, limit=100)
    assert {a["id"] for a in first} == {a.id for a in ADVISORS}
    assert all(a["built_in"] and a["is_public"] and not a["is_mine"] for a in first)
    maya = next(a for a in first if a["id"] == MAYA)
    assert maya["persona"]["name"] == "Maya Okafor"
    assert maya["persona"]["advice_delivery"]["voice_guidelines"]
    assert maya["role_definition"]["boundaries"]
    templates = (await app_client.get("/v1/team-templates", headers=me)).json()
    assert [t["id"] for t in templates] == [t.id for t in TEAMS], "ordered by sort_order"
    assert all(len(t["advisors"]) == len(t["advisor_ids"]) for t in templates)

    restarted = build_app(settings)
    async with started(restarted, "http://conversation") as again:
        second = await all_pages(again, me, limit=100)
        assert len(second) == len(ADVISORS), "seeding twice adds nothing"
        assert {a["id"]: a["created_at"] for a in second} == {
            a["id"]: a["created_at"] for a in first
        }
        assert len((await again.get("/v1/team-templates", headers=me)).json()) == len(TEAMS)


async def test_marketplace_filters_search_and_pagination(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    _, me = new_user(settings)
    health = await all_pages(app_client, me, category="health")
    assert {a["id"] for a in health} == {"builtin-fitness-coach", "builtin-nutritionist"}
    travel = await all_pages(app_client, me, tag="Travel")
    assert [a["id"] for a in travel] == ["builtin-travel-planner"]
    featured = await all_pages(app_client, me, featured="true")
    assert {a["id"] for a in featured} == {a.id for a in ADVISORS if a.featured}
    not_featured = await all_pages(app_client, me, featured="false")
    assert {a["id"] for a in not_featured} == {a.id for a in ADVISORS if not a.featured}
    # Search covers names, titles, expertise and specialties, case-insensitively.
    assert [a["id"] for a in await all_pages(app_client, me, q="salary NEGOTIATION")] == [MAYA]
    assert [a["id"] for a in await all_pages(app_client, me, q="daniel")] == [DANIEL]
    assert [a["id"] for a in await all_pages(app_client, me, q="Travel Planner")] == [
        "builtin-travel-planner"
    ]
    assert await all_pages(app_client, me, q="(unbalanced[regex") == []

    paged = await all_pages(app_client, me, limit=3)
    assert len(paged) == len(ADVISORS) == len({a["id"] for a in paged}), (
        "pages neither repeat nor skip"
    )
    assert_problem(
        await app_client.get("/v1/advisors", params={"cursor": "garbage!"}, headers=me), 400
    )
    assert_problem(
        await app_client.get("/v1/advisors", params={"category": "Not A Slug"}, headers=me), 422
    )
    assert_problem(await app_client.get("/v1/advisors"), 401)


# -- custom advisors --------------------------------------------------------------------------------


async def test_custom_advisors_are_private_until_published_and_only_their_creator_changes_them(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    alice_id, alice = new_user(settings)
    _, bob = new_user(settings)
    iris = await create_advisor(
        app_client, alice, category="business", tags=["Sales", "negotiation"]
    )
    assert iris["handle"] == "iris-vale"
    assert iris["is_public"] is False
    assert iris["is_mine"]
    assert not iris["built_in"]
    assert iris["tags"] == ["sales", "negotiation"]

    assert_problem(await app_client.get(f"/v1/advisors/{iris['id']}", headers=bob), 404)
    assert iris["id"] not in {a["id"] for a in await all_pages(app_client, bob, limit=100)}
    assert [a["id"] for a in await all_pages(app_client, alice, mine="true")] == [iris["id"]]
    assert_problem(await app_client.put(f"/v1/advisor-board/{iris['id']}", headers=bob), 404)

    published = await app_client.patch(
        f"/v1/advisors/{iris['id']}", json={"is_public": True, "handle": "iris"}, headers=alice
    )
    assert published.status_code == 200, published.text
    assert published.json()["is_public"] is True
    assert published.json()["handle"] == "iris"
    seen_by_bob = (await app_client.get(f"/v1/advisors/{iris['id']}", headers=bob)).json()
    assert seen_by_bob["is_mine"] is False
    assert iris["id"] in {a["id"] for a in await all_pages(app_client, bob, q="negotiation coach")}

    assert_problem(
        await app_client.patch(
            f"/v1/advisors/{iris['id']}", json={"is_public": False}, headers=bob
        ),
        403,
    )
    assert_problem(await app_client.delete(f"/v1/advisors/{iris['id']}", headers=bob), 403)
    built_in = assert_problem(
        await app_client.patch(f"/v1/advisors/{MAYA}", json={"tags": ["mine"]}, headers=alice), 403
    )
    assert built_in["type"].endswith("built-in-advisor")

    persona = {**iris["persona"], "title": "Deal Coach", "bio": "Closed 400 deals."}
    renamed = await app_client.patch(
        f"/v1/advisors/{iris['id']}", json={"persona": persona}, headers=alice
    )
    assert renamed.json()["persona"]["title"] == "Deal Coach"
    assert renamed.json()["persona"]["bio"] == "Closed 400 deals."

    # Bad input changes nothing.
    before = (await app_client.get(f"/v1/advisors/{iris['id']}", headers=alice)).json()
    assert_problem(
        await app_client.patch(
            f"/v1/advisors/{iris['id']}", json={"persona": {"name": ""}}, headers=alice
        ),
        422,
    )
    assert_problem(
        await app_client.patch(f"/v1/advisors/{iris['id']}", json={}, headers=alice), 422
    )
    assert_problem(
        await app_client.post(
            "/v1/advisors", json={"persona": {"name": "No title"}}, headers=alice
        ),
        422,
    )
    assert (await app_client.get(f"/v1/advisors/{iris['id']}", headers=alice)).json() == before
    assert len(await all_pages(app_client, alice, mine="true")) == 1

    reader = auth(settings, alice_id, scopes=("read",))
    assert_problem(
        await app_client.post(
            "/v1/advisors", json={"persona": {"name": "X", "title": "Y"}}, headers=reader
        ),
        403,
    )
    assert (await app_client.get(f"/v1/advisors/{iris['id']}", headers=reader)).status_code == 200

    assert (await app_client.delete(f"/v1/advisors/{iris['id']}", headers=alice)).status_code == 204
    assert_problem(await app_client.get(f"/v1/advisors/{iris['id']}", headers=alice), 404)
    assert_problem(await app_client.delete(f"/v1/advisors/{iris['id']}", headers=alice), 404)


# -- the board and team templates ---------------------------------------------------------------


async def test_board_selection_sources_and_team_templates(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    _, me = new_user(settings)
    assert (await app_client.get("/v1/advisor-board", headers=me)).json() == {"items": []}

    picked = await app_client.put(f"/v1/advisor-board/{AVA}", headers=me)
    assert picked.status_code == 200, picked.text
    assert picked.json()["source"] == "manual"
    assert picked.json()["advisor"]["on_board"] is True
    recommended = await app_client.put(
        f"/v1/advisor-board/{MAYA}", json={"source": "recommendation"}, headers=me
    )
    assert recommended.json()["source"] == "recommendation"
    assert_problem(
        await app_client.put(
            f"/v1/advisor-board/{MAYA}", json={"source": "marketplace"}, headers=me
        ),
        422,
    )
    assert_problem(
        await app_client.put(
            f"/v1/advisor-board/{MAYA}",
            json={"source": "template", "team_id": "healthy-living"},
            headers=me,
        ),
        422,
    )
    assert_problem(await app_client.put("/v1/advisor-board/no-such-advisor", headers=me), 404)

    applied = await app_client.post("/v1/team-templates/healthy-living/apply", headers=me)
    assert applied.status_code == 200, applied.text
    result = applied.json()
    assert result["added"] == ["builtin-fitness-coach", "builtin-nutritionist"]
    assert result["already_on_board"] == [AVA], "an advisor already chosen keeps how it was chosen"
    board = {e["advisor"]["id"]: e for e in result["board"]["items"]}
    assert list(board) == [AVA, MAYA, "builtin-fitness-coach", "builtin-nutritionist"], (
        "in the order chosen"
    )
    assert board[AVA]["source"] == "manual"
    assert board["builtin-nutritionist"]["source"] == "template"
    assert board["builtin-nutritionist"]["team_id"] == "healthy-living"

    again = (await app_client.post("/v1/team-templates/healthy-living/apply", headers=me)).json()
    assert again["added"] == []
    assert len(again["board"]["items"]) == 4
    assert_problem(await app_client.post("/v1/team-templates/no-such-team/apply", headers=me), 404)

    templates = (
        await app_client.get("/v1/team-templates", params={"category": "health"}, headers=me)
    ).json()
    assert [t["id"] for t in templates] == ["healthy-living"]
    assert all(a["on_board"] for a in templates[0]["advisors"])
    marketplace = {a["id"]: a for a in await all_pages(app_client, me, limit=100)}
    assert marketplace[MAYA]["on_board"]
    assert not marketplace[DANIEL]["on_board"]

    assert (await app_client.delete(f"/v1/advisor-board/{MAYA}", headers=me)).status_code == 204
    assert_problem(await app_client.delete(f"/v1/advisor-board/{MAYA}", headers=me), 404)

    # Concurrent selections of one advisor end as one board entry, never as a 500.
    racing = await asyncio.gather(
        *(app_client.put(f"/v1/advisor-board/{DANIEL}", headers=me) for _ in range(6))
    )
    assert [r.status_code for r in racing] == [200] * 6
    board_ids = [
        e["advisor"]["id"]
        for e in (await app_client.get("/v1/advisor-board", headers=me)).json()["items"]
    ]
    assert board_ids.count(DANIEL) == 1
    assert MAYA not in {
        e["advisor"]["id"]
        for e in (await app_client.get("/v1/advisor-board", headers=me)).json()["items"]
    }


async def test_unpublished_or_deleted_advisors_leave_other_boards(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    _, alice = new_user(settings)
    _, bob = new_user(settings)
    iris = await create_advisor(app_client, alice, is_public=True)
    assert (await app_client.put(f"/v1/advisor-board/{iris['id']}", headers=bob)).status_code == 200

    await app_client.patch(f"/v1/advisors/{iris['id']}", json={"is_public": False}, headers=alice)
    assert (await app_client.get("/v1/advisor-board", headers=bob)).json()["items"] == []
    await app_client.patch(f"/v1/advisors/{iris['id']}", json={"is_public": True}, headers=alice)
    assert len((await app_client.get("/v1/advisor-board", headers=bob)).json()["items"]) == 1

    await app_client.patch(f"/v1/advisors/{iris['id']}", json={"status": "inactive"}, headers=alice)
    assert iris["id"] not in {a["id"] for a in await all_pages(app_client, bob)}, (
        "inactive advisors leave the marketplace"
    )
    assert_problem(await app_client.put(f"/v1/advisor-board/{iris['id']}", headers=alice), 409)

    assert (await app_client.delete(f"/v1/advisors/{iris['id']}", headers=alice)).status_code == 204
    assert (await app_client.get("/v1/advisor-board", headers=bob)).json()["items"] == []


# -- advisors in a conversation ---------------------------------------------------------------------


async def test_an_explicit_advisor_then_a_mention_then_the_only_advisor_answers(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    me_id, me = new_user(settings)
    advisors = advisor_services(app_client).advisors
    cid = await new_conversation(app_client, me, advisor_ids=[MAYA, DANIEL])
    listed = (await app_client.get(f"/v1/conversations/{cid}/advisors", headers=me)).json()
    assert [a["id"] for a in listed["items"]] == [MAYA, DANIEL]

    conversation = await conversation_doc(app_client, cid, me_id)
    assert await advisors.for_turn(conversation, me_id, "What should I do next?", None) is None, (
        "two advisors, no mention"
    )

    mention = await advisors.for_turn(
        conversation, me_id, "@Daniel can I afford a pay cut? cc @career-coach", None
    )
    assert mention is not None
    assert (mention.advisor_id, mention.reason, mention.mentions) == (
        DANIEL,
        "mention",
        [DANIEL, MAYA],
    )
    assert mention.persona.startswith("You are Daniel Reyes, Financial Planner.")
    assert "Maya Okafor (Career Coach, @career-coach)" in mention.persona

    explicit = await advisors.for_turn(conversation, me_id, "@daniel thoughts?", MAYA)
    assert explicit is not None
    assert (explicit.advisor_id, explicit.reason) == (MAYA, "explicit")
    outside = await advisors.for_turn(conversation, me_id, "hello", AVA)
    assert outside is not None
    assert outside.advisor_id == AVA, "any advisor the user can see may be asked explicitly"
    with pytest.raises(ProblemError) as unknown:
        await advisors.for_turn(conversation, me_id, "hello", "no-such-advisor")
    assert unknown.value.status == 404

    assert (
        await app_client.delete(f"/v1/conversations/{cid}/advisors/{DANIEL}", headers=me)
    ).status_code == 204
    conversation = await conversation_doc(app_client, cid, me_id)
    sole = await advisors.for_turn(conversation, me_id, "What should I do next?", None)
    assert sole is not None
    assert (sole.advisor_id, sole.reason) == (MAYA, "sole")

    put = await app_client.put(
        f"/v1/conversations/{cid}/advisors/{MAYA}/memory/goal",
        json={"value": "Senior PM role by June"},
        headers=me,
    )
    assert put.status_code == 200, put.text
    remembered = await advisors.for_turn(conversation, me_id, "next step?", None)
    assert remembered is not None
    assert "- goal: Senior PM role by June" in remembered.persona


async def test_who_may_change_a_conversations_advisors(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner_id, owner = new_user(settings)
    collaborator_id, collaborator = new_user(settings)
    _, stranger = new_user(settings)
    cid = await new_conversation(app_client, owner)
    await join(app_client, cid, owner, collaborator_id, collaborator)

    private = await create_advisor(app_client, owner)
    response = await app_client.put(
        f"/v1/conversations/{cid}/advisors/{private['id']}", headers=owner
    )
    assert [a["id"] for a in response.json()["items"]] == [private["id"]]
    again = await app_client.put(f"/v1/conversations/{cid}/advisors/{private['id']}", headers=owner)
    assert [a["id"] for a in again.json()["items"]] == [private["id"]], "adding twice is a no-op"

    # The owner's private advisor is usable by every participant of the conversation.
    seen = (await app_client.get(f"/v1/conversations/{cid}/advisors", headers=collaborator)).json()
    assert [a["id"] for a in seen["items"]] == [private["id"]]
    conversation = await conversation_doc(app_client, cid, owner_id)
    turn = await advisor_services(app_client).advisors.for_turn(
        conversation, collaborator_id, "@iris help", None
    )
    assert turn is not None
    assert turn.advisor_id == private["id"]

    assert_problem(
        await app_client.put(f"/v1/conversations/{cid}/advisors/{MAYA}", headers=collaborator), 403
    )
    assert_problem(await app_client.get(f"/v1/conversations/{cid}/advisors", headers=stranger), 404)
    assert_problem(
        await app_client.put(f"/v1/conversations/{cid}/advisors/{MAYA}", headers=stranger), 404
    )
    assert_problem(
        await app_client.delete(f"/v1/conversations/{cid}/advisors/{DANIEL}", headers=owner), 404
    )


async def test_advisor_memory_is_per_advisor_per_conversation_with_roles(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner_id, owner = new_user(settings)
    collaborator_id, collaborator = new_user(settings)
    viewer_id, viewer = new_user(settings)
    _, stranger = new_user(settings)
    cid = await new_conversation(app_client, owner, advisor_ids=[MAYA, DANIEL])
    other_cid = await new_conversation(app_client, owner, advisor_ids=[MAYA])
    await join(app_client, cid, owner, collaborator_id, collaborator, "collaborator")
    await join(app_client, cid, owner, viewer_id, viewer, "viewer")
    base = f"/v1/conversations/{cid}/advisors/{MAYA}/memory"

    first = await app_client.put(
        f"{base}/target_salary", json={"value": {"amount": 95000, "currency": "EUR"}}, headers=owner
    )
    assert first.status_code == 200, first.text
    assert first.json()["value"] == {"amount": 95000, "currency": "EUR"}
    assert first.json()["updated_by"] == owner_id
    updated = await app_client.put(
        f"{base}/target_salary",
        json={"value": {"amount": 100000, "currency": "EUR"}},
        headers=collaborator,
    )
    assert updated.json()["updated_by"] == collaborator_id
    assert updated.json()["created_at"] == first.json()["created_at"]
    await app_client.put(f"{base}/deadline", json={"value": "2025-06-30"}, headers=owner)
    await app_client.put(
        f"/v1/conversations/{cid}/advisors/{DANIEL}/memory/budget",
        json={"value": 3200},
        headers=owner,
    )

    notes = (await app_client.get(base, headers=viewer)).json()
    assert [(n["key"], n["value"]) for n in notes["items"]] == [
        ("deadline", "2025-06-30"),
        ("target_salary", {"amount": 100000, "currency": "EUR"}),
    ]
    assert (await app_client.get(f"{base}/deadline", headers=viewer)).json()[
        "value"
    ] == "2025-06-30"
    assert (
        await app_client.get(f"/v1/conversations/{other_cid}/advisors/{MAYA}/memory", headers=owner)
    ).json()["items"] == []
    daniel = (
        await app_client.get(f"/v1/conversations/{cid}/advisors/{DANIEL}/memory", headers=owner)
    ).json()
    assert [(n["key"], n["value"]) for n in daniel["items"]] == [("budget", 3200)]

    assert_problem(await app_client.put(f"{base}/x", json={"value": 1}, headers=viewer), 403)
    assert_problem(await app_client.delete(f"{base}/deadline", headers=viewer), 403)
    assert_problem(await app_client.get(base, headers=stranger), 404)
    assert_problem(await app_client.put(f"{base}/x", json={"value": 1}, headers=stranger), 404)
    assert_problem(await app_client.put(f"{base}/bad%20key", json={"value": 1}, headers=owner), 422)
    assert_problem(
        await app_client.put(f"{base}/big", json={"value": "x" * 9000}, headers=owner), 413
    )
    assert_problem(
        await app_client.put(f"{base}/op", json={"value": {"$set": 1}}, headers=owner), 422
    )
    assert_problem(await app_client.put(f"{base}/missing-value", json={}, headers=owner), 422)
    assert_problem(await app_client.get(f"{base}/nope", headers=owner), 404)
    foreign = await create_advisor(app_client, stranger)
    assert_problem(
        await app_client.put(
            f"/v1/conversations/{cid}/advisors/{foreign['id']}/memory/k",
            json={"value": 1},
            headers=owner,
        ),
        404,
    )
    assert len((await app_client.get(base, headers=owner)).json()["items"]) == 2, (
        "rejected writes changed nothing"
    )

    racing = await asyncio.gather(
        *(app_client.put(f"{base}/race", json={"value": n}, headers=owner) for n in range(6))
    )
    assert [r.status_code for r in racing] == [200] * 6
    assert [n["key"] for n in (await app_client.get(base, headers=owner)).json()["items"]].count(
        "race"
    ) == 1
    await app_client.delete(f"{base}/race", headers=owner)

    assert (await app_client.delete(f"{base}/deadline", headers=collaborator)).status_code == 204
    assert_problem(await app_client.delete(f"{base}/deadline", headers=owner), 404)
    assert (await app_client.delete(base, headers=owner)).status_code == 204
    assert (await app_client.get(base, headers=owner)).json()["items"] == []
    assert (
        len(
            (
                await app_client.get(
                    f"/v1/conversations/{cid}/advisors/{DANIEL}/memory", headers=owner
                )
            ).json()["items"]
        )
        == 1
    )


# -- thread summaries ---------------------------------------------------------------------------


async def test_thread_summaries_cover_the_messages_since_the_last_one(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner_id, owner = new_user(settings)
    _, stranger = new_user(settings)
    cid = await new_conversation(app_client, owner)
    assert_problem(await app_client.post(f"/v1/conversations/{cid}/summaries", headers=owner), 409)
    for text in (
        "I am planning a move to Lisbon next spring.",
        "What budget do I need for Lisbon rent?",
    ):
        response = await app_client.post(
            f"/v1/conversations/{cid}/messages", json={"content": text}, headers=owner
        )
        assert response.status_code == 201, response.text

    made = await app_client.post(f"/v1/conversations/{cid}/summaries", headers=owner)
    assert made.status_code == 201, made.text
    first = made.json()
    assert first["method"] == "extractive"
    assert first["message_count"] == 4
    assert first["content"].startswith("4 messages between User, Assistant.")
    assert "lisbon" in first["content"]
    assert "- User: I am planning a move to Lisbon next spring." in first["content"]
    assert first["created_by"] == owner_id
    assert_problem(await app_client.post(f"/v1/conversations/{cid}/summaries", headers=owner), 409)

    third = await app_client.post(
        f"/v1/conversations/{cid}/messages",
        json={"content": "And schools for two kids?"},
        headers=owner,
    )
    provided = await app_client.post(
        f"/v1/conversations/{cid}/summaries",
        json={"content": "Moving to Lisbon with two kids; rent and schools."},
        headers=owner,
    )
    assert provided.status_code == 201, provided.text
    assert provided.json()["method"] == "provided"
    assert provided.json()["message_count"] == 2
    assert provided.json()["end_message_id"] == third.json()["assistant_message"]["id"]

    listed = (await app_client.get(f"/v1/conversations/{cid}/summaries", headers=owner)).json()
    assert [s["id"] for s in listed["items"]] == [first["id"], provided.json()["id"]]
    summaries = advisor_services(app_client).summaries
    assert await summaries.context_for(cid) == "Moving to Lisbon with two kids; rent and schools."
    assert await summaries.summarize_if_long(cid, threshold=1) is None, (
        "nothing new since the last summary"
    )
    assert_problem(
        await app_client.get(f"/v1/conversations/{cid}/summaries", headers=stranger), 404
    )
    assert_problem(
        await app_client.post(
            f"/v1/conversations/{cid}/summaries", json={"up_to_message_id": "nope"}, headers=owner
        ),
        404,
    )


# -- erasure ------------------------------------------------------------------------------------------


async def test_erasing_a_user_removes_their_advisors_everywhere_and_keeps_the_catalogue(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    alice_id, alice = new_user(settings)
    bob_id, bob = new_user(settings)
    iris = await create_advisor(app_client, alice, is_public=True)
    await app_client.put(f"/v1/advisor-board/{MAYA}", headers=alice)
    await app_client.put(f"/v1/advisor-board/{iris['id']}", headers=bob)
    await app_client.put(f"/v1/advisor-board/{DANIEL}", headers=bob)
    alice_cid = await new_conversation(app_client, alice, advisor_ids=[MAYA])
    await app_client.put(
        f"/v1/conversations/{alice_cid}/advisors/{MAYA}/memory/goal",
        json={"value": "x"},
        headers=alice,
    )
    bob_cid = await new_conversation(app_client, bob, advisor_ids=[iris["id"]])
    await app_client.put(
        f"/v1/conversations/{bob_cid}/advisors/{iris['id']}/memory/k",
        json={"value": "y"},
        headers=bob,
    )

    runtime = app_of(app_client).state.runtime
    eraser = advisor_eraser(runtime.db)

    async def erase(session: AsyncClientSession) -> dict[str, int]:
        extra = await eraser(alice_id, session)
        return {**extra, **await erase_user_documents(runtime.db, alice_id, session=session)}

    deleted = await in_transaction(runtime.mongo, erase)
    assert deleted["board_entries_of_erased_advisors"] == 1
    assert deleted["notes_of_erased_advisors"] == 1
    db = runtime.db
    for collection in (ADVISORS_COLLECTION, BOARD, ADVISOR_MEMORIES):
        assert await db[collection].count_documents({"user_id": alice_id}) == 0, collection
    assert [
        e["advisor"]["id"]
        for e in (await app_client.get("/v1/advisor-board", headers=bob)).json()["items"]
    ] == [DANIEL]
    assert await db[ADVISORS_COLLECTION].count_documents({"user_id": None}) == len(ADVISORS)
    assert await db[BOARD].count_documents({"user_id": bob_id}) == 1
