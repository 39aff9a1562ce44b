"""Connecting a Google account through the service API against the local Google fake:
start, the consent page's redirect, complete; a state of another user, used twice or
expired is refused with nothing stored; disconnecting revokes the grant at Google."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from muninn_devstack.google_fake import ACCOUNT, CLIENT_ID

from tests.integration.integrations.app_support import me
from tests.integration.integrations.google_support import (
    ALL_SCOPES,
    REDIRECT_URI,
    Running,
    authorize,
    contacts,
    event_titles,
    google,
    mail,
    mail_subjects,
    person,
    running,
    sign_in,
    sync,
    timed,
)

__all__ = ["google", "running"]  # fixtures


async def test_signing_in_connects_the_account_with_its_scopes_and_no_token(
    running: Running,
) -> None:
    ana = me()
    offered = await running.client.get("/v1/integrations/providers", headers=ana)
    google_info = {p["provider"]: p for p in offered.json()["items"]}["google"]
    assert (google_info["auth"], google_info["writable"]) == ("oauth", True)

    started = await running.client.post("/v1/integrations/oauth/google/start", headers=ana)
    assert started.status_code == 200, started.text
    body = started.json()
    query = {k: v[0] for k, v in parse_qs(urlsplit(body["authorize_url"]).query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256, no padding
    assert query["state"] == body["state"]
    assert query["access_type"] == "offline"
    assert sorted(query["scope"].split()) == sorted(ALL_SCOPES)
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    # The state is stored hashed only.
    assert await running.db["oauth_states"].count_documents({"_id": body["state"]}) == 0
    stored = await running.db["oauth_states"].find_one({})
    assert stored is not None
    assert body["state"] not in str(stored)

    redirect = await authorize(running, body["authorize_url"])
    done = await running.client.post(
        "/v1/integrations/oauth/google/complete",
        json={"code": redirect["code"], "state": redirect["state"]},
        headers=ana,
    )
    assert done.status_code == 201, done.text
    connection = done.json()
    assert connection["provider"] == "google"
    assert connection["status"] == "connected"
    assert connection["username"] == ACCOUNT
    assert sorted(connection["scopes"]) == sorted(ALL_SCOPES)
    assert datetime.fromisoformat(connection["token_expires_at"]) > datetime.now(UTC)
    assert {(c["kind"], c["name"]) for c in connection["collections"]} == {
        ("calendar_event", "Ana"),
        ("email", "Gmail"),
        ("contact", "Google Contacts"),
    }
    for token in list(running.fake.access) + list(running.fake.grants):
        assert token not in done.text
    listed = await running.client.get("/v1/integrations/connections", headers=ana)
    assert [c["id"] for c in listed.json()["items"]] == [connection["id"]]
    # The vault holds the tokens sealed: no token in the clear anywhere in the database.
    for name in await running.db.list_collection_names():
        async for doc in running.db[name].find({}):
            for token in list(running.fake.access) + list(running.fake.grants):
                assert token not in str(doc), name

    # The same state again: refused, nothing more stored.
    again = await running.client.post(
        "/v1/integrations/oauth/google/complete",
        json={"code": redirect["code"], "state": redirect["state"]},
        headers=ana,
    )
    assert again.status_code == 400
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["type"].endswith("oauth-state-invalid")

    # Signing in again with the same account renews that connection, it adds none.
    renewed = await sign_in(running, ana)
    assert renewed["id"] == connection["id"]
    listed = await running.client.get("/v1/integrations/connections", headers=ana)
    assert len(listed.json()["items"]) == 1


async def test_a_state_of_another_user_or_expired_is_refused_and_nothing_stored(
    running: Running,
) -> None:
    ana, eve = me(), me()
    started = (await running.client.post("/v1/integrations/oauth/google/start", headers=ana)).json()
    redirect = await authorize(running, started["authorize_url"])
    stolen = await running.client.post(
        "/v1/integrations/oauth/google/complete",
        json={"code": redirect["code"], "state": redirect["state"]},
        headers=eve,
    )
    assert stolen.status_code == 400
    assert stolen.json()["type"].endswith("oauth-state-invalid")
    assert (await running.client.get("/v1/integrations/connections", headers=eve)).json()[
        "items"
    ] == []
    assert running.fake.grants == {}  # the code was never exchanged

    # The owner's flow is untouched by the attempt... until it expires.
    await running.db["oauth_states"].update_many(
        {}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    late = await running.client.post(
        "/v1/integrations/oauth/google/complete",
        json={"code": redirect["code"], "state": redirect["state"]},
        headers=ana,
    )
    assert late.status_code == 400
    assert late.json()["type"].endswith("oauth-state-invalid")
    assert (await running.client.get("/v1/integrations/connections", headers=ana)).json()[
        "items"
    ] == []

    # A code Google does not know (or a verifier that does not match it) is refused too.
    fresh = (await running.client.post("/v1/integrations/oauth/google/start", headers=ana)).json()
    forged = await running.client.post(
        "/v1/integrations/oauth/google/complete",
        json={"code": "4/not-a-code", "state": fresh["state"]},
        headers=ana,
    )
    assert forged.status_code == 400
    assert forged.json()["type"].endswith("oauth-code-rejected")

    unknown = await running.client.post("/v1/integrations/oauth/dropbox/start", headers=ana)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    password = await running.client.post(
        "/v1/integrations/connections",
        json={"provider": "google", "server_url": "https://www.google.com"},
        headers=ana,
    )
    assert password.status_code == 422
    assert password.json()["type"].endswith("wrong-connect-flow")
    anonymous = await running.client.post("/v1/integrations/oauth/google/start")
    assert anonymous.status_code == 401


async def test_only_the_products_granted_are_connected(running: Running) -> None:
    # The user unticks Gmail on the consent page.
    running.fake.consent_scopes = [s for s in ALL_SCOPES if "gmail" not in s]
    connection = await sign_in(running, me())
    assert "https://www.googleapis.com/auth/gmail.readonly" not in connection["scopes"]
    assert {c["kind"] for c in connection["collections"]} == {"calendar_event", "contact"}

    running.fake.consent_scopes = []
    bea = me()
    started = (await running.client.post("/v1/integrations/oauth/google/start", headers=bea)).json()
    redirect = await authorize(running, started["authorize_url"])
    nothing = await running.client.post(
        "/v1/integrations/oauth/google/complete",
        json={"code": redirect["code"], "state": redirect["state"]},
        headers=bea,
    )
    assert nothing.status_code == 422
    assert nothing.json()["type"].endswith("scopes-not-granted")
    assert (await running.client.get("/v1/integrations/connections", headers=bea)).json()[
        "items"
    ] == []
    # The useless grant is not left behind at Google.
    assert len(running.fake.revocations) == 1


async def test_asking_for_contacts_only_syncs_contacts_only(running: Running) -> None:
    running.fake.put_person(person("Beatriz", "Costa", "bea@example.org"))
    running.fake.put_event(ACCOUNT, timed("Review", 5, 10))
    running.fake.add_message(mail("Hello Ana"))
    ana = me()
    connection = await sign_in(running, ana, {"products": ["contacts"]})
    assert connection["scopes"] == ["https://www.googleapis.com/auth/contacts.readonly"]
    assert [c["kind"] for c in connection["collections"]] == ["contact"]
    job = await sync(running, ana, connection["id"])
    assert job["status"] == "completed", job
    assert set(await contacts(running, ana)) == {"Beatriz Costa"}
    assert await event_titles(running, ana) == []
    assert await mail_subjects(running, ana) == []
    assert not any(path.startswith(("/gmail", "/calendar")) for _, path in running.fake.requests)


async def test_disconnecting_revokes_the_grant_at_google(running: Running) -> None:
    ana = me()
    connection = await sign_in(running, ana)
    (refresh_token,) = running.fake.grants
    gone = await running.client.delete(
        f"/v1/integrations/connections/{connection['id']}", headers=ana
    )
    assert gone.status_code == 204
    assert running.fake.revocations == [refresh_token]
    assert running.fake.grants[refresh_token].revoked is True
    assert await running.db["vault_entries"].count_documents({"_id": connection["id"]}) == 0

    # A revocation Google refuses (already revoked there) does not stop the disconnect.
    bea = me()
    second = await sign_in(running, bea)
    running.fake.revoke_all()
    gone = await running.client.delete(f"/v1/integrations/connections/{second['id']}", headers=bea)
    assert gone.status_code == 204
    assert (await running.client.get("/v1/integrations/connections", headers=bea)).json()[
        "items"
    ] == []
