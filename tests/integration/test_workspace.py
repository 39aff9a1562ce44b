"""Workspace content (projects, notes, tags, bookmarks, snippets) against real MongoDB and Kafka."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from muninn_conversation.notes.service import excerpt
from muninn_conversation.settings import ConversationSettings
from pymongo import AsyncMongoClient

from tests.integration.conversation_app import client, settings
from tests.integration.conversation_app import join as join_conversation
from tests.integration.paging import every_item
from tests.integration.tokens import identity_token_issuer

PROBLEM = "application/problem+json"
Doc = dict[str, Any]

__all__ = ["client", "settings"]  # one conversation service for the module


@dataclass
class User:
    id: str
    headers: dict[str, str]


def new_user(
    settings: ConversationSettings, *, scopes: tuple[str, ...] = ("read", "write")
) -> User:
    user_id = "u-" + uuid.uuid4().hex
    token = identity_token_issuer().issue(user_id, scopes=scopes)
    return User(user_id, {"Authorization": f"Bearer {token}"})


async def created(response: httpx.Response) -> Doc:
    assert response.status_code == 201, response.text
    body: Doc = response.json()
    return body


async def create(client: httpx.AsyncClient, user: User, path: str, **body: object) -> Doc:
    """POSTs ``body`` to ``path`` as ``user``, expecting 201 Created: the created document."""
    return await created(await client.post(path, json=body, headers=user.headers))


async def read(client: httpx.AsyncClient, user: User, path: str, **params: str | int | bool) -> Any:
    """The JSON body of a GET of ``path`` as ``user``, expecting 200."""
    response = await client.get(path, params=params, headers=user.headers)
    assert response.status_code == 200, (path, response.text)
    return response.json()


async def first_page_ids(
    client: httpx.AsyncClient, user: User, path: str, **params: str | int | bool
) -> list[str]:
    """The ids on the first page of a list (or search) of ``path``, in order."""
    return [item["id"] for item in (await read(client, user, path, **params))["items"]]


async def status(
    client: httpx.AsyncClient, user: User, method: str, path: str, body: object = None
) -> int:
    """The status code of one request as ``user``."""
    return (await client.request(method, path, json=body, headers=user.headers)).status_code


async def conversation(client: httpx.AsyncClient, user: User, **body: object) -> str:
    return str((await create(client, user, "/v1/conversations", **body))["id"])


async def exchange(
    client: httpx.AsyncClient, user: User, cid: str, content: str, **body: object
) -> Doc:
    return await create(client, user, f"/v1/conversations/{cid}/messages", content=content, **body)


async def note(client: httpx.AsyncClient, user: User, **body: object) -> Doc:
    return await create(client, user, "/v1/notes", **body)


async def snippet(client: httpx.AsyncClient, user: User, **body: object) -> Doc:
    return await create(client, user, "/v1/snippets", **body)


async def bookmark(client: httpx.AsyncClient, user: User, cid: str, message_id: str) -> Doc:
    return await create(client, user, "/v1/bookmarks", conversation_id=cid, message_id=message_id)


async def join(
    client: httpx.AsyncClient, owner: User, cid: str, participant: User, role: str
) -> None:
    """``owner`` invites ``participant`` to conversation ``cid`` as ``role``, who accepts."""
    await join_conversation(client, cid, owner.headers, participant.id, participant.headers, role)


async def collect(
    client: httpx.AsyncClient, user: User, path: str, **params: str | int | bool
) -> list[Doc]:
    """Every item of a cursor-paginated list, checking pages never overlap."""
    items = await every_item(client, path, user.headers, **params)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "pages overlap"
    return items


def assert_newest_first(items: list[Doc], field: str = "updated_at") -> None:
    # Compared as instants: ISO strings without a fraction ("…:55Z") sort after "…:55.033Z".
    keys = [(datetime.fromisoformat(item[field]), item["id"]) for item in items]
    assert keys == sorted(keys, reverse=True)


def ids(items: list[Doc]) -> set[str]:
    return {item["id"] for item in items}


@pytest.fixture
def me(settings: ConversationSettings) -> User:
    """A new user of the test's own, allowed to read and write."""
    return new_user(settings)


# Projects.


async def test_project_crud_counts_and_contents(client: httpx.AsyncClient, me: User) -> None:
    project = await create(
        client,
        me,
        "/v1/projects",
        name="Home renovation",
        description="Kitchen first",
        color="#336699",
        icon="🏠",
        instructions="Answer as a frugal contractor.",
    )
    pid = project["id"]
    assert project["counts"] == {"conversations": 0, "notes": 0, "files": 0}
    assert project["instructions"] == "Answer as a frugal contractor."
    duplicate = await client.post(
        "/v1/projects", json={"name": "home RENOVATION"}, headers=me.headers
    )
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"].startswith(PROBLEM)

    cid = await conversation(client, me, title="Tiles")
    filed = await client.put(f"/v1/projects/{pid}/conversations/{cid}", headers=me.headers)
    assert filed.status_code == 200, filed.text
    assert filed.json()["project_id"] == pid
    elsewhere = await conversation(client, me, title="Not in the project")
    await exchange(
        client,
        me,
        cid,
        "Here is the floor plan.",
        attachments=[
            {
                "filename": "plan.pdf",
                "mime_type": "application/pdf",
                "size": 2048,
                "storage_ref": "s3://b/plan.pdf",
            }
        ],
    )
    await exchange(
        client,
        me,
        elsewhere,
        "Unrelated photo.",
        attachments=[{"filename": "cat.jpg", "mime_type": "image/jpeg", "size": 10}],
    )
    kept = await note(client, me, title="Budget", content="Tiles: 40/m2", project_id=pid)
    await note(client, me, content="Unfiled thought")
    file = await create(
        client,
        me,
        f"/v1/projects/{pid}/files",
        filename="quote.xlsx",
        mime_type="application/vnd.ms-excel",
        size=999,
    )

    got = await read(client, me, f"/v1/projects/{pid}")
    assert got["counts"] == {"conversations": 1, "notes": 1, "files": 2}
    contents = await read(client, me, f"/v1/projects/{pid}/contents")
    assert [c["id"] for c in contents["conversations"]] == [cid]
    assert [n["id"] for n in contents["notes"]] == [kept["id"]]
    assert contents["notes"][0]["excerpt"] == "Tiles: 40/m2"
    files = {f["filename"]: f for f in contents["files"]}
    assert set(files) == {"plan.pdf", "quote.xlsx"}
    assert files["plan.pdf"]["source"] == "message"
    assert files["plan.pdf"]["conversation_id"] == cid
    assert files["plan.pdf"]["storage_ref"] == "s3://b/plan.pdf"
    assert files["quote.xlsx"] == {**files["quote.xlsx"], "source": "project", "id": file["id"]}
    assert await first_page_ids(client, me, "/v1/conversations", project_id=pid) == [cid]

    patched = await client.patch(
        f"/v1/projects/{pid}", json={"is_archived": True, "color": None}, headers=me.headers
    )
    assert patched.status_code == 200
    assert patched.json()["is_archived"] is True
    assert patched.json()["color"] is None
    assert pid not in [p["id"] for p in await collect(client, me, "/v1/projects")]
    assert pid in [p["id"] for p in await collect(client, me, "/v1/projects", archived=True)]

    assert await status(client, me, "DELETE", f"/v1/projects/{pid}/files/{file['id']}") == 204
    assert (
        await status(client, me, "DELETE", f"/v1/projects/{pid}/conversations/{elsewhere}") == 404
    )
    assert await status(client, me, "DELETE", f"/v1/projects/{pid}") == 204
    assert await status(client, me, "GET", f"/v1/projects/{pid}") == 404
    assert (await read(client, me, f"/v1/conversations/{cid}"))["project_id"] is None
    assert (await read(client, me, f"/v1/notes/{kept['id']}"))["project_id"] is None


async def test_project_pagination_and_name_search(client: httpx.AsyncClient, me: User) -> None:
    names = [f"Project {i}" for i in range(7)] + ["Garden"]
    for name in names:
        await create(client, me, "/v1/projects", name=name)
    everything = await collect(client, me, "/v1/projects", limit=3)
    assert sorted(p["name"] for p in everything) == sorted(names)
    assert_newest_first(everything)
    found = await read(client, me, "/v1/projects", q="gard")
    assert [p["name"] for p in found["items"]] == ["Garden"]


async def test_only_the_conversation_owner_files_it_under_a_project(
    client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner, collaborator = new_user(settings), new_user(settings)
    cid = await conversation(client, owner)
    await join(client, owner, cid, collaborator, "collaborator")
    theirs = await create(client, collaborator, "/v1/projects", name="Mine")
    response = await client.put(
        f"/v1/projects/{theirs['id']}/conversations/{cid}", headers=collaborator.headers
    )
    assert response.status_code == 403
    assert (await read(client, owner, f"/v1/conversations/{cid}"))["project_id"] is None


# Notes.


async def test_note_crud_filters_and_cursor(client: httpx.AsyncClient, me: User) -> None:
    pinned = await note(
        client,
        me,
        content="# Groceries\n- oat milk",
        is_pinned=True,
        tags=["Home", "home", "errands"],
    )
    assert pinned["title"] == "Groceries"
    assert pinned["tags"] == ["home", "errands"]
    assert "search_terms" not in pinned
    others = [await note(client, me, title=f"Note {i}", content=f"body {i}") for i in range(5)]

    everything = await collect(client, me, "/v1/notes", limit=2)
    assert ids(everything) == ids([pinned, *others])
    assert_newest_first(everything)
    assert await first_page_ids(client, me, "/v1/notes", pinned=True) == [pinned["id"]]
    assert await first_page_ids(client, me, "/v1/notes", tag="HOME") == [pinned["id"]]

    changed = await client.patch(
        f"/v1/notes/{others[0]['id']}",
        json={"is_archived": True, "content": "archived body"},
        headers=me.headers,
    )
    assert changed.status_code == 200
    assert changed.json()["content"] == "archived body"
    assert others[0]["id"] not in [n["id"] for n in await collect(client, me, "/v1/notes")]
    assert await first_page_ids(client, me, "/v1/notes", archived=True) == [others[0]["id"]]

    assert await status(client, me, "DELETE", f"/v1/notes/{others[1]['id']}") == 204
    gone = await client.get(f"/v1/notes/{others[1]['id']}", headers=me.headers)
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith(PROBLEM)
    assert await status(client, me, "GET", "/v1/notes?cursor=garbage!") == 400


async def test_note_search_ranks_filters_and_reindexes(
    client: httpx.AsyncClient, settings: ConversationSettings, me: User
) -> None:
    strong = await note(
        client,
        me,
        title="Sourdough starter",
        content="Feed the sourdough starter daily with flour.",
    )
    weak = await note(
        client, me, title="Weekend", content="Baked sourdough bread, then a long walk by the lake."
    )
    await note(client, me, title="Groceries", content="flour, eggs, milk")
    cafe = await note(client, me, title="Café list", content="Best cafés in Oslo", tags=["travel"])

    hits = (await read(client, me, "/v1/notes", q="sourdough"))["items"]
    assert [h["id"] for h in hits] == [strong["id"], weak["id"]]
    assert hits[0]["search"]["score"] > hits[1]["search"]["score"] > 0
    assert "sourdough" in hits[1]["search"]["excerpt"].lower()

    assert await first_page_ids(client, me, "/v1/notes", q="sourd") == [
        strong["id"],
        weak["id"],
    ], "the word being typed matches as a prefix"
    assert await first_page_ids(client, me, "/v1/notes", q="sourdough walks ") == [weak["id"]], (
        "every word must match; plurals fold"
    )
    assert await first_page_ids(client, me, "/v1/notes", q="CAFE ") == [cafe["id"]]
    assert await first_page_ids(client, me, "/v1/notes", q="travel") == [cafe["id"]], (
        "tags are searchable"
    )
    assert await first_page_ids(client, me, "/v1/notes", q="sourdough", tag="travel") == []
    assert await first_page_ids(client, me, "/v1/notes", q="the ") == []

    first = await read(client, me, "/v1/notes", q="sourdough", limit=1)
    assert [h["id"] for h in first["items"]] == [strong["id"]]
    second = await read(
        client, me, "/v1/notes", q="sourdough", limit=1, cursor=first["next_cursor"]
    )
    assert [h["id"] for h in second["items"]] == [weak["id"]]
    assert second["next_cursor"] is None

    await client.patch(
        f"/v1/notes/{weak['id']}", json={"content": "A long walk by the lake."}, headers=me.headers
    )
    assert await first_page_ids(client, me, "/v1/notes", q="sourdough ") == [strong["id"]], (
        "edits re-index"
    )

    stranger = new_user(settings)
    assert await first_page_ids(client, stranger, "/v1/notes", q="sourdough") == []


async def test_note_from_a_message(
    client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    me, stranger = new_user(settings), new_user(settings)
    cid = await conversation(client, me)
    reply = (await exchange(client, me, cid, "Remind me what a sourdough starter needs."))[
        "assistant_message"
    ]
    kept = await note(client, me, conversation_id=cid, message_id=reply["id"])
    assert kept["content"] == reply["content"]
    assert (kept["conversation_id"], kept["message_id"]) == (cid, reply["id"])
    from_message = {"conversation_id": cid, "message_id": reply["id"]}
    assert await status(client, stranger, "POST", "/v1/notes", from_message) == 404
    missing = {"conversation_id": cid, "message_id": "nope"}
    assert await status(client, me, "POST", "/v1/notes", missing) == 404
    foreign_project = await create(client, stranger, "/v1/projects", name="Theirs")
    move = {"project_id": foreign_project["id"]}
    assert await status(client, me, "PATCH", f"/v1/notes/{kept['id']}", move) == 404


# Tags.


async def test_tags_counts_rename_merge_and_delete_cascade(
    client: httpx.AsyncClient, me: User
) -> None:
    cid = await conversation(client, me, title="Model tuning")
    tagged = await client.put(f"/v1/conversations/{cid}/tags/ML", headers=me.headers)
    assert tagged.status_code == 200
    assert tagged.json() == {"tags": ["ml"]}
    assert (await client.put(f"/v1/conversations/{cid}/tags/ml", headers=me.headers)).json() == {
        "tags": ["ml"]
    }
    n = await note(client, me, content="Learning rates", tags=["ml", "ai"])
    s = await snippet(client, me, title="t", content="lr=3e-4", tags=["ml"])
    await create(client, me, "/v1/tags", name="Someday", color="#ff0000")
    assert await status(client, me, "POST", "/v1/tags", {"name": "someday"}) == 409

    tags = {t["name"]: t for t in await read(client, me, "/v1/tags")}
    assert tags["ml"]["counts"] == {"conversations": 1, "notes": 1, "snippets": 1}
    assert tags["ml"]["total"] == 3
    assert tags["ai"]["total"] == 1
    assert tags["someday"]["total"] == 0
    assert tags["someday"]["color"] == "#ff0000"

    renamed = await client.patch(
        "/v1/tags/ml", json={"name": "AI", "color": "#00ff00"}, headers=me.headers
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["counts"] == {"conversations": 1, "notes": 1, "snippets": 1}
    assert renamed.json()["color"] == "#00ff00"
    assert (await read(client, me, f"/v1/notes/{n['id']}"))["tags"] == ["ai"], (
        "merged, no duplicate"
    )
    assert (await read(client, me, f"/v1/snippets/{s['id']}"))["tags"] == ["ai"]
    assert (await read(client, me, f"/v1/conversations/{cid}"))["tags"] == ["ai"]
    assert await status(client, me, "GET", "/v1/tags/ml") == 404
    assert await first_page_ids(client, me, "/v1/conversations", tag="ai") == [cid]
    assert await first_page_ids(client, me, "/v1/notes", q="ai ") == [n["id"]], (
        "renamed tags are re-indexed for search"
    )

    assert await status(client, me, "DELETE", "/v1/tags/ai") == 204
    assert (await read(client, me, f"/v1/notes/{n['id']}"))["tags"] == []
    assert (await read(client, me, f"/v1/conversations/{cid}"))["tags"] == []
    assert [t["name"] for t in await read(client, me, "/v1/tags")] == ["someday"]
    assert await status(client, me, "DELETE", "/v1/tags/ai") == 404


async def test_tagging_notes_and_invalid_tags(client: httpx.AsyncClient, me: User) -> None:
    n = await note(client, me, content="Plain")
    assert (
        await client.put(f"/v1/notes/{n['id']}/tags/Deep%20Work", headers=me.headers)
    ).json() == {"tags": ["deep work"]}
    assert (await first_page_ids(client, me, "/v1/notes", q="deep work "))[0] == n["id"]
    assert await status(client, me, "DELETE", f"/v1/notes/{n['id']}/tags/deep%20work") == 204
    assert (await read(client, me, f"/v1/notes/{n['id']}"))["tags"] == []
    for bad in ["a,b", "x" * 41, "%20%20"]:
        response = await client.put(f"/v1/notes/{n['id']}/tags/{bad}", headers=me.headers)
        assert response.status_code == 422, bad
        assert response.headers["content-type"].startswith(PROBLEM)
    bad_body = {"content": "x", "tags": ["ok", "no,commas"]}
    assert await status(client, me, "POST", "/v1/notes", bad_body) == 422
    for i in range(50):
        await client.put(f"/v1/notes/{n['id']}/tags/t{i}", headers=me.headers)
    assert await status(client, me, "PUT", f"/v1/notes/{n['id']}/tags/one-more") == 422
    assert len((await read(client, me, f"/v1/notes/{n['id']}"))["tags"]) == 50


async def test_conversation_tags_follow_roles(
    client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner, collaborator, viewer, stranger = (new_user(settings) for _ in range(4))
    cid = await conversation(client, owner)
    for user, role in ((collaborator, "collaborator"), (viewer, "viewer")):
        await join(client, owner, cid, user, role)
    tags = f"/v1/conversations/{cid}/tags"
    assert await status(client, collaborator, "PUT", f"{tags}/shared") == 200
    assert await status(client, viewer, "PUT", f"{tags}/nope") == 403
    assert await status(client, stranger, "PUT", f"{tags}/nope") == 404
    assert await status(client, stranger, "DELETE", f"{tags}/shared") == 404
    assert (await read(client, owner, f"/v1/conversations/{cid}"))["tags"] == ["shared"]


# Bookmarks.


async def test_bookmarks(client: httpx.AsyncClient, settings: ConversationSettings) -> None:
    me, viewer, stranger = new_user(settings), new_user(settings), new_user(settings)
    cid = await conversation(client, me, title="Trip planning")
    other = await conversation(client, me, title="Other")
    first = await exchange(client, me, cid, "Which trains go from Oslo to Bergen?")
    second = await exchange(client, me, other, "Something else entirely.")
    reply = first["assistant_message"]

    body = {"conversation_id": cid, "message_id": reply["id"], "note": "train times"}
    mark = await create(client, me, "/v1/bookmarks", **body)
    assert mark["message"]["role"] == "assistant"
    assert mark["message"]["preview"] == excerpt(reply["content"], 300)
    assert mark["conversation_title"] == "Trip planning"
    again = await client.post("/v1/bookmarks", json=body, headers=me.headers)
    assert again.status_code == 200
    assert again.json()["id"] == mark["id"]
    user_mark = await bookmark(client, me, other, second["user_message"]["id"])
    wrong_pair = {"conversation_id": other, "message_id": reply["id"]}
    assert await status(client, me, "POST", "/v1/bookmarks", wrong_pair) == 404

    marks = await collect(client, me, "/v1/bookmarks", limit=1)
    assert ids(marks) == {user_mark["id"], mark["id"]}
    assert_newest_first(marks, "created_at")
    assert await first_page_ids(client, me, "/v1/bookmarks", conversation_id=cid) == [mark["id"]]
    noted = await client.patch(
        f"/v1/bookmarks/{mark['id']}", json={"note": None}, headers=me.headers
    )
    assert noted.json()["note"] is None

    assert await status(client, stranger, "POST", "/v1/bookmarks", body) == 404
    assert await status(client, stranger, "GET", f"/v1/bookmarks?conversation_id={cid}") == 404
    await join(client, me, cid, viewer, "viewer")
    theirs = await bookmark(client, viewer, cid, reply["id"])
    assert (
        await status(client, viewer, "DELETE", f"/v1/conversations/{cid}/participants/{viewer.id}")
        == 204
    )
    assert (await read(client, viewer, "/v1/bookmarks"))["items"] == [], "left: hidden"
    assert await status(client, viewer, "GET", f"/v1/bookmarks/{theirs['id']}") == 404
    assert await status(client, viewer, "DELETE", f"/v1/bookmarks/{theirs['id']}") == 204

    assert await status(client, me, "DELETE", f"/v1/bookmarks/{mark['id']}") == 204
    assert await status(client, me, "GET", f"/v1/bookmarks/{mark['id']}") == 404


# Snippets.


async def test_snippets_crud_filters_and_search(client: httpx.AsyncClient, me: User) -> None:
    code = await snippet(
        client,
        me,
        title="Parse JSON safely",
        content="def parse_json(raw):\n    return json.loads(raw)",
        language="Python",
        tags=["Code"],
    )
    prompt = await snippet(
        client,
        me,
        title="Summarise",
        content="Summarise the text below in three bullet points.",
        language="prompt",
    )
    assert code["language"] == "python"
    assert code["tags"] == ["code"]
    snippets = await collect(client, me, "/v1/snippets", limit=1)
    assert ids(snippets) == {prompt["id"], code["id"]}
    assert_newest_first(snippets)
    assert await first_page_ids(client, me, "/v1/snippets", language="PROMPT") == [prompt["id"]]
    assert await first_page_ids(client, me, "/v1/snippets", tag="code") == [code["id"]]
    hits = (await read(client, me, "/v1/snippets", q="json"))["items"]
    assert [s["id"] for s in hits] == [code["id"]]
    assert hits[0]["search"]["score"] > 0
    assert await first_page_ids(client, me, "/v1/snippets", q="bullet points") == [prompt["id"]]

    patched = await client.patch(
        f"/v1/snippets/{prompt['id']}",
        json={"content": "Translate the text below."},
        headers=me.headers,
    )
    assert patched.status_code == 200
    assert await first_page_ids(client, me, "/v1/snippets", q="bullet ") == []
    assert (
        await client.put(f"/v1/snippets/{prompt['id']}/tags/favourite", headers=me.headers)
    ).json() == {"tags": ["favourite"]}
    assert await status(client, me, "PATCH", f"/v1/snippets/{prompt['id']}", {}) == 422
    assert await status(client, me, "DELETE", f"/v1/snippets/{prompt['id']}") == 204
    assert await status(client, me, "GET", f"/v1/snippets/{prompt['id']}") == 404


# Isolation, scopes, bad input, erasure coverage.


async def test_another_users_ids_are_404_everywhere(
    client: httpx.AsyncClient, settings: ConversationSettings, mongo: AsyncMongoClient[Doc]
) -> None:
    owner, other = new_user(settings), new_user(settings)
    cid = await conversation(client, owner)
    message = (await exchange(client, owner, cid, "Private thoughts."))["user_message"]
    project = await create(client, owner, "/v1/projects", name="Secret")
    pid = project["id"]
    file = await create(
        client, owner, f"/v1/projects/{pid}/files", filename="a.txt", mime_type="text/plain", size=1
    )
    n = await note(client, owner, content="mine", tags=["private"])
    s = await snippet(client, owner, title="t", content="c", tags=["private"])
    b = await bookmark(client, owner, cid, message["id"])
    own_project = await create(client, other, "/v1/projects", name="Own")
    own_conversation = await conversation(client, other)

    table: list[tuple[str, str, Doc | None]] = [
        ("GET", f"/v1/projects/{pid}", None),
        ("PATCH", f"/v1/projects/{pid}", {"name": "Hijacked"}),
        ("DELETE", f"/v1/projects/{pid}", None),
        ("GET", f"/v1/projects/{pid}/contents", None),
        (
            "POST",
            f"/v1/projects/{pid}/files",
            {"filename": "x", "mime_type": "text/plain", "size": 1},
        ),
        ("DELETE", f"/v1/projects/{pid}/files/{file['id']}", None),
        ("PUT", f"/v1/projects/{pid}/conversations/{own_conversation}", None),
        ("PUT", f"/v1/projects/{own_project['id']}/conversations/{cid}", None),
        ("DELETE", f"/v1/projects/{pid}/conversations/{cid}", None),
        ("GET", f"/v1/notes/{n['id']}", None),
        ("PATCH", f"/v1/notes/{n['id']}", {"title": "Hijacked"}),
        ("DELETE", f"/v1/notes/{n['id']}", None),
        ("PUT", f"/v1/notes/{n['id']}/tags/x", None),
        ("DELETE", f"/v1/notes/{n['id']}/tags/private", None),
        ("POST", "/v1/notes", {"content": "x", "project_id": pid}),
        ("POST", "/v1/notes", {"conversation_id": cid, "message_id": message["id"]}),
        ("GET", f"/v1/snippets/{s['id']}", None),
        ("PATCH", f"/v1/snippets/{s['id']}", {"title": "Hijacked"}),
        ("DELETE", f"/v1/snippets/{s['id']}", None),
        ("PUT", f"/v1/snippets/{s['id']}/tags/x", None),
        ("DELETE", f"/v1/snippets/{s['id']}/tags/private", None),
        (
            "POST",
            "/v1/snippets",
            {"title": "t", "content": "c", "conversation_id": cid, "message_id": message["id"]},
        ),
        ("PUT", f"/v1/conversations/{cid}/tags/x", None),
        ("DELETE", f"/v1/conversations/{cid}/tags/x", None),
        ("GET", "/v1/tags/private", None),
        ("PATCH", "/v1/tags/private", {"name": "hijacked"}),
        ("DELETE", "/v1/tags/private", None),
        ("GET", f"/v1/bookmarks/{b['id']}", None),
        ("PATCH", f"/v1/bookmarks/{b['id']}", {"note": "x"}),
        ("DELETE", f"/v1/bookmarks/{b['id']}", None),
        ("POST", "/v1/bookmarks", {"conversation_id": cid, "message_id": message["id"]}),
        ("GET", "/v1/bookmarks?conversation_id=" + cid, None),
    ]
    failures = []
    for method, path, body in table:
        response = await client.request(method, path, json=body, headers=other.headers)
        if response.status_code != 404 or not response.headers["content-type"].startswith(PROBLEM):
            failures.append((method, path, response.status_code))
    assert failures == []

    assert (await read(client, owner, f"/v1/projects/{pid}"))["name"] == "Secret"
    assert (await read(client, owner, f"/v1/notes/{n['id']}"))["tags"] == ["private"]
    assert (await read(client, owner, f"/v1/snippets/{s['id']}"))["tags"] == ["private"]
    assert (await read(client, owner, f"/v1/bookmarks/{b['id']}"))["note"] is None
    assert (await read(client, owner, f"/v1/conversations/{cid}"))["tags"] == []
    contents = await read(client, owner, f"/v1/projects/{pid}/contents")
    assert contents["files"][0]["id"] == file["id"]
    mine = {pid, n["id"], s["id"], b["id"]}
    for path in ("/v1/projects", "/v1/notes", "/v1/snippets", "/v1/bookmarks"):
        assert not ids(await collect(client, other, path)) & mine, path
    assert [t["name"] for t in await read(client, other, "/v1/tags")] == []

    db = mongo[settings.mongo_database]
    for collection in ("projects", "project_files", "notes", "tags", "bookmarks", "snippets"):
        assert await db[collection].count_documents({"user_id": owner.id}) >= 1, collection
        assert await db[collection].count_documents({"user_id": {"$exists": False}}) == 0, (
            collection
        )


async def test_read_only_tokens_cannot_change_anything(
    client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    writer = new_user(settings)
    reader = User(
        writer.id,
        {"Authorization": f"Bearer {identity_token_issuer().issue(writer.id, scopes=('read',))}"},
    )
    n = await note(client, writer, content="x")
    attempts = [
        ("POST", "/v1/projects", {"name": "p"}),
        ("POST", "/v1/notes", {"content": "x"}),
        ("PATCH", f"/v1/notes/{n['id']}", {"title": "y"}),
        ("PUT", f"/v1/notes/{n['id']}/tags/x", None),
        ("POST", "/v1/tags", {"name": "x"}),
        ("POST", "/v1/snippets", {"title": "t", "content": "c"}),
        ("DELETE", f"/v1/notes/{n['id']}", None),
    ]
    for method, path, body in attempts:
        assert await status(client, reader, method, path, body) == 403, (method, path)
    assert (await read(client, reader, f"/v1/notes/{n['id']}"))["title"] == "x"
    assert await read(client, reader, "/v1/tags") == []


async def test_bad_input_changes_nothing(
    client: httpx.AsyncClient,
    settings: ConversationSettings,
    mongo: AsyncMongoClient[Doc],
    me: User,
) -> None:
    db = mongo[settings.mongo_database]
    bad = [
        ("POST", "/v1/projects", {"name": ""}),
        ("POST", "/v1/projects", {"name": "ok", "color": "blue"}),
        ("POST", "/v1/projects", {"name": "ok", "owner": "x"}),
        ("POST", "/v1/notes", {"title": "no content"}),
        ("POST", "/v1/notes", {"content": "x" * 200_001}),
        ("POST", "/v1/snippets", {"title": "t"}),
        ("POST", "/v1/snippets", {"title": "t", "content": "c", "language": "!!"}),
        ("POST", "/v1/tags", {"name": "a/b"}),
        ("POST", "/v1/bookmarks", {"message_id": "m"}),
    ]
    for method, path, body in bad:
        response = await client.request(method, path, json=body, headers=me.headers)
        assert response.status_code == 422, (path, body, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    for collection in ("projects", "notes", "snippets", "tags", "bookmarks"):
        assert await db[collection].count_documents({"user_id": me.id}) == 0
    assert await status(client, me, "GET", "/v1/notes?limit=0") == 422
    assert (await client.get("/v1/notes")).status_code == 401


async def test_privacy_export_includes_workspace_content(
    client: httpx.AsyncClient, me: User
) -> None:
    await create(client, me, "/v1/projects", name="Exported")
    await note(client, me, content="exported note", tags=["mine"])
    export = await read(client, me, "/internal/privacy/export")
    assert {"projects", "notes", "tags"} <= set(export["collections"])
    assert export["collections"]["notes"][0]["content"] == "exported note"
