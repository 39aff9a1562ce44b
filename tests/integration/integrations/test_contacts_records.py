"""Contacts through the real app and MongoDB: the sink merges, archives, sweeps and purges;
the API lists, searches, edits, archives and deletes, each user seeing only their own."""

from __future__ import annotations

import uuid
from typing import Any

from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.contacts.models import Birthday, Contact, LabeledValue
from muninn_integrations.sync.sinks import Action

from tests.integration.integrations.records_support import (
    HOSTILE,
    Running,
    new_user,
    running,
    scope,
)

__all__ = ["running"]

CONTACT = RecordKind.CONTACT


def card(
    uid: str, name: str, *, email: str | None = None, phone: str | None = None, **extra: Any
) -> Contact:
    return Contact(
        uid=uid,
        full_name=name,
        emails=[LabeledValue(value=email)] if email else [],
        phones=[LabeledValue(value=phone)] if phone else [],
        **extra,
    )


def change(external_id: str, record: Contact | None, etag: str | None = "e1") -> Change[Any]:
    return Change(CONTACT, external_id, "/ab/default/", record, etag)


async def contacts_of(running: Running, headers: dict[str, str], **params: Any) -> list[Any]:
    return await running.items_at("/v1/contacts", headers, **params)


async def test_apply_is_idempotent_and_updates_and_deletions_propagate(running: Running) -> None:
    ana, headers = new_user("ana")
    conn = uuid.uuid4().hex
    ana_card = card(
        "c1", "Ana Silva", email="ana@x.example", birthday=Birthday(month=4, day=15, year=1990)
    )
    page = [
        change("/ab/c1.vcf", ana_card),
        change("/ab/c2.vcf", card("c2", "Rui", email="r@x.example")),
    ]

    first = await running.apply(scope(ana, conn), page, CONTACT)
    assert [a.action for a in first] == [Action.CREATED, Action.CREATED]
    assert first[0].data["name"] == "Ana Silva"
    assert first[0].data["birthday"] == "1990-04-15"
    assert first[0].data["is_archived"] is False
    before = await running.db["contacts"].find({"user_id": ana}).sort("_id").to_list(None)

    assert await running.apply(scope(ana, conn), page, CONTACT) == []  # a replayed page
    after = await running.db["contacts"].find({"user_id": ana}).sort("_id").to_list(None)
    assert after == before

    edited = card("c1", "Ana Silva", email="ana@x.example", organization="Acme")
    [updated] = await running.apply(scope(ana, conn), [change("/ab/c1.vcf", edited, "e2")], CONTACT)
    assert (updated.action, updated.record_id) == (Action.UPDATED, first[0].record_id)
    assert updated.data["company"] == "Acme"
    # Only the etag moved: nothing a consumer could see changed.
    assert (
        await running.apply(scope(ana, conn), [change("/ab/c1.vcf", edited, "e3")], CONTACT) == []
    )

    [gone] = await running.apply(scope(ana, conn), [change("/ab/c2.vcf", None)], CONTACT)
    assert gone.action is Action.DELETED
    assert gone.data["is_archived"] is True
    assert await running.apply(scope(ana, conn), [change("/ab/c2.vcf", None)], CONTACT) == []
    archived = await contacts_of(running, headers, archived="true")
    assert [c["display_name"] for c in archived] == ["Rui"]
    assert archived[0]["sources"] == []
    assert [c["display_name"] for c in await contacts_of(running, headers)] == ["Ana Silva"]


async def test_a_contact_from_two_sources_is_one_contact(running: Running) -> None:
    ana, headers = new_user("ana")
    carddav, google = uuid.uuid4().hex, uuid.uuid4().hex
    made = await running.client.post(
        "/v1/contacts",
        json={"first_name": "Marta", "phones": [{"value": "+351 912 345 678"}], "tags": ["family"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    marta_id = made.json()["id"]

    [merged] = await running.apply(
        scope(ana, carddav),
        [change("m1", card("m1", "Marta Reis", phone="912345678", email="marta@x.example"))],
        CONTACT,
    )
    assert (merged.action, merged.record_id) == (Action.UPDATED, marta_id)
    [again] = await running.apply(
        scope(ana, google),
        [change("people/9", card("g9", "Marta R.", email="MARTA@x.example", title="Dr"))],
        CONTACT,
    )
    assert again.record_id == marta_id

    [marta] = await contacts_of(running, headers)
    assert marta["id"] == marta_id
    assert marta["first_name"] == "Marta"  # set by hand
    assert marta["title"] == "Dr"
    assert marta["tags"] == ["family"]
    assert {s["connection_id"] for s in marta["sources"]} == {carddav, google}
    assert [e["value"] for e in marta["emails"]] == ["marta@x.example"]

    # One source deleting it removes that source only; the contact stays.
    await running.apply(scope(ana, google), [change("people/9", None)], CONTACT)
    marta = (await running.client.get(f"/v1/contacts/{marta_id}", headers=headers)).json()
    assert [s["connection_id"] for s in marta["sources"]] == [carddav]
    assert marta["title"] is None
    # A synced contact is not deleted here: archived instead.
    refused = await running.client.delete(f"/v1/contacts/{marta_id}", headers=headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "archive it instead" in refused.json()["detail"]
    # Made by hand, so the last source going leaves it as it was, not archived.
    await running.apply(scope(ana, carddav), [change("m1", None)], CONTACT)
    marta = (await running.client.get(f"/v1/contacts/{marta_id}", headers=headers)).json()
    assert (marta["is_archived"], marta["sources"], marta["display_name"]) == (
        False,
        [],
        "Marta Reis",
    )
    assert (
        await running.client.delete(f"/v1/contacts/{marta_id}", headers=headers)
    ).status_code == 204
    assert (
        await running.client.get(f"/v1/contacts/{marta_id}", headers=headers)
    ).status_code == 404


async def test_an_archived_contact_comes_back_when_a_source_brings_it_again(
    running: Running,
) -> None:
    ana, _ = new_user("ana")
    conn = uuid.uuid4().hex
    [made] = await running.apply(
        scope(ana, conn), [change("a", card("a", "Leo", email="leo@x.example"))], CONTACT
    )
    await running.apply(scope(ana, conn), [change("a", None)], CONTACT)
    [back] = await running.apply(
        scope(ana, conn), [change("b", card("b", "Leo", email="leo@x.example"))], CONTACT
    )
    assert (back.record_id, back.action, back.data["is_archived"]) == (
        made.record_id,
        Action.UPDATED,
        False,
    )


async def test_sweep_removes_only_the_stale_sources_of_that_connection(running: Running) -> None:
    ana, headers = new_user("ana")
    conn, other = uuid.uuid4().hex, uuid.uuid4().hex
    await running.apply(
        scope(ana, conn, "job-1"),
        [
            change("a", card("a", "Old", email="old@x.example")),
            change("b", card("b", "Kept", email="kept@x.example")),
        ],
        CONTACT,
    )
    await running.apply(
        scope(ana, other, "job-x"), [change("z", card("z", "Other", email="o@x.example"))], CONTACT
    )
    # A second full sync sees only "b" (unchanged: only stamped with the new generation).
    assert (
        await running.apply(
            scope(ana, conn, "job-2"),
            [change("b", card("b", "Kept", email="kept@x.example"))],
            CONTACT,
        )
        == []
    )
    swept = await running.sweep(scope(ana, conn, "job-2"), CONTACT)
    assert [(a.action, a.data["name"]) for a in swept] == [(Action.DELETED, "Old")]
    assert await running.sweep(scope(ana, conn, "job-2"), CONTACT) == []
    assert sorted(c["display_name"] for c in await contacts_of(running, headers)) == [
        "Kept",
        "Other",
    ]


async def test_purge_removes_what_only_that_connection_brought(running: Running) -> None:
    ana, headers = new_user("ana")
    conn, other = uuid.uuid4().hex, uuid.uuid4().hex
    await running.apply(
        scope(ana, conn),
        [
            change("a", card("a", "Only here", email="a@x.example")),
            change("s", card("s", "Shared", email="s@x.example")),
        ],
        CONTACT,
    )
    await running.apply(
        scope(ana, other), [change("s2", card("s2", "Shared", email="s@x.example"))], CONTACT
    )
    purged = await running.purge(ana, conn, CONTACT)
    [shared] = await contacts_of(running, headers)
    assert shared["display_name"] == "Shared"
    # The contact only this account brought is announced gone; the shared one is not.
    gone = [a.record_id for a in purged if a.action is Action.DELETED]
    assert len(gone) == 1
    assert shared["id"] not in gone
    assert [s["connection_id"] for s in shared["sources"]] == [other]
    assert await running.db["contact_sources"].count_documents({"connection_id": conn}) == 0


async def test_the_api_edits_searches_archives_and_pages(running: Running) -> None:
    _, headers = new_user("ana")
    names = ["Élodie Durand", "Eloise Park", "Bruno Costa"]
    for name in names:
        made = await running.client.post(
            "/v1/contacts",
            json={
                "display_name": name,
                "emails": [{"value": f"{name.split()[1].lower()}@x.example"}],
                "tags": ["work"] if name.startswith("B") else [],
            },
            headers=headers,
        )
        assert made.status_code == 201, made.text
    assert {c["display_name"] for c in await contacts_of(running, headers, q="elo")} == {
        "Élodie Durand",
        "Eloise Park",
    }
    assert [c["display_name"] for c in await contacts_of(running, headers, q="costa@")] == [
        "Bruno Costa"
    ]
    assert [c["display_name"] for c in await contacts_of(running, headers, q="el du")] == [
        "Élodie Durand"
    ]
    assert [c["display_name"] for c in await contacts_of(running, headers, tag="work")] == [
        "Bruno Costa"
    ]
    assert await contacts_of(running, headers, q=".*") == []

    first = await running.client.get("/v1/contacts", params={"limit": 2}, headers=headers)
    body = first.json()
    assert len(body["items"]) == 2
    assert body["next_cursor"]
    rest = await running.client.get(
        "/v1/contacts", params={"limit": 2, "cursor": body["next_cursor"]}, headers=headers
    )
    assert [c["display_name"] for c in body["items"] + rest.json()["items"]] == names[::-1]

    bruno = body["items"][0]["id"] if body["items"][0]["display_name"].startswith("B") else None
    assert bruno is not None
    patched = await running.client.patch(
        f"/v1/contacts/{bruno}",
        json={"birthday": "--02-29", "company": "Acme", "notes": "climbs", "tags": ["work", "gym"]},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["birthday"], patched.json()["company"], patched.json()["tags"]) == (
        "--02-29",
        "Acme",
        ["work", "gym"],
    )
    archived = await running.client.post(f"/v1/contacts/{bruno}/archive", headers=headers)
    assert archived.json()["is_archived"] is True
    assert bruno not in {c["id"] for c in await contacts_of(running, headers)}
    assert (await running.client.post(f"/v1/contacts/{bruno}/unarchive", headers=headers)).json()[
        "is_archived"
    ] is False


async def test_another_users_contacts_are_not_found(running: Running) -> None:
    _, ana = new_user("ana")
    _, eve = new_user("eve")
    made = await running.client.post(
        "/v1/contacts", json={"display_name": "Ana's friend"}, headers=ana
    )
    contact_id = made.json()["id"]
    for method, path, body in [
        ("GET", f"/v1/contacts/{contact_id}", None),
        ("PATCH", f"/v1/contacts/{contact_id}", {"notes": "mine now"}),
        ("POST", f"/v1/contacts/{contact_id}/archive", None),
        ("POST", f"/v1/contacts/{contact_id}/unarchive", None),
        ("DELETE", f"/v1/contacts/{contact_id}", None),
    ]:
        answer = await running.client.request(method, path, json=body, headers=eve)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert await contacts_of(running, eve) == []
    still = await running.client.get(f"/v1/contacts/{contact_id}", headers=ana)
    assert (still.status_code, still.json()["notes"], still.json()["is_archived"]) == (
        200,
        None,
        False,
    )


async def test_refusals_are_problems_and_hostile_input_is_no_500(running: Running) -> None:
    _, headers = new_user("ana")
    for body in [
        {},
        {"display_name": "A", "birthday": "1990-02-30"},
        {"emails": [{"value": "x"}]},
        {"display_name": "A", "is_archived": True},
        [],
    ]:
        answer = await running.client.post("/v1/contacts", json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    for params in [
        {"limit": 0},
        {"limit": 101},
        {"q": "x" * 101},
        {"cursor": "not-a-cursor"},
        {"archived": "maybe"},
    ]:
        answer = await running.client.get("/v1/contacts", params=params, headers=headers)
        assert answer.status_code in (400, 422), (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for text in HOSTILE:
        for path in (f"/v1/contacts/{text}", f"/v1/contacts?q={text}", f"/v1/contacts?tag={text}"):
            answer = await running.client.get(path, headers=headers)
            assert answer.status_code < 500, (path, answer.text)
    assert (await running.client.get("/v1/contacts")).status_code == 401
