"""The HTTP side of the Google fake (``google_fake``): OAuth endpoints, Calendar v3, Gmail v1
and People v1, answering in Google's documented shapes (errors included)."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from muninn_devstack.google_fake import AccessToken, FakeGoogle, Grant, PendingCode, s256

CALENDAR_SCOPES = (
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
)
GMAIL_SCOPES = ("https://www.googleapis.com/auth/gmail.readonly",)
HISTORY_TYPES = {
    "messagesAdded": "messageAdded",
    "messagesDeleted": "messageDeleted",
    "labelsAdded": "labelAdded",
    "labelsRemoved": "labelRemoved",
}
PEOPLE_SCOPES = ("https://www.googleapis.com/auth/contacts.readonly",)


def google_error(
    code: int, message: str, status: str, reason: str | None = None, **headers: str
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if reason is not None:
        error["errors"] = [{"message": message, "domain": "global", "reason": reason}]
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]
    return JSONResponse({"error": error}, status_code=code, headers=headers or None)


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def page_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def read_page_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def truthy(value: str | None) -> bool:
    return (value or "").lower() == "true"


def create_app(fake: FakeGoogle) -> FastAPI:
    app = FastAPI(title="Google fake")

    # -- OAuth 2.0 ---------------------------------------------------------------------------

    @app.get("/o/oauth2/v2/auth")
    async def authorize(request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != fake.client_id:
            return Response("Error 401: invalid_client", status_code=401)
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in fake.redirect_uris:
            return Response("Error 400: redirect_uri_mismatch", status_code=400)
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
            return Response("Error 400: invalid_request (PKCE S256 required)", status_code=400)
        asked = (query.get("scope") or "").split()
        with fake.lock:
            granted = [s for s in asked if fake.consent_scopes is None or s in fake.consent_scopes]
            code = "4/" + secrets.token_urlsafe(24)
            fake.codes[code] = PendingCode(redirect_uri, query.get("code_challenge", ""), granted)
        answer = {"state": query.get("state", ""), "code": code, "scope": " ".join(granted)}
        return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)

    def client_of(form: dict[str, str], request: Request) -> tuple[str, str]:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            pair = base64.b64decode(header[6:]).decode()
            client, _, secret = pair.partition(":")
            return client, secret
        return form.get("client_id", ""), form.get("client_secret", "")

    @app.post("/token")
    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        client, secret = client_of(form, request)
        if client != fake.client_id or secret != fake.client_secret:
            return oauth_error(401, "invalid_client", "The OAuth client was not found.")
        grant_type = form.get("grant_type")
        with fake.lock:
            if grant_type == "authorization_code":
                pending = fake.codes.get(form.get("code", ""))
                if pending is None or pending.used:
                    return oauth_error(400, "invalid_grant", "Malformed auth code.")
                pending.used = True
                if form.get("redirect_uri") != pending.redirect_uri:
                    return oauth_error(400, "redirect_uri_mismatch", "Bad Request")
                if s256(form.get("code_verifier", "")) != pending.challenge:
                    return oauth_error(400, "invalid_grant", "Invalid code verifier.")
                refresh = "1//" + secrets.token_urlsafe(24)
                grant = Grant(scopes=pending.scopes, refresh_token=refresh)
                fake.grants[refresh] = grant
                return JSONResponse(
                    {
                        "access_token": fake.new_access(grant),
                        "expires_in": fake.access_ttl,
                        "refresh_token": refresh,
                        "scope": " ".join(grant.scopes),
                        "token_type": "Bearer",
                    }
                )
            if grant_type == "refresh_token":
                found = fake.grants.get(form.get("refresh_token", ""))
                if found is None or found.revoked:
                    return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
                fake.refreshes += 1
                return JSONResponse(
                    {
                        "access_token": fake.new_access(found),
                        "expires_in": fake.access_ttl,
                        "scope": " ".join(found.scopes),
                        "token_type": "Bearer",
                    }
                )
        return oauth_error(400, "unsupported_grant_type", "Invalid grant_type.")

    @app.post("/revoke")
    async def revoke(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        value = form.get("token") or request.query_params.get("token", "")
        with fake.lock:
            grant = fake.grants.get(value)
            if grant is None and value in fake.access:
                grant = fake.access[value].grant
            if grant is None or grant.revoked:
                return oauth_error(400, "invalid_token", "Token expired or revoked")
            grant.revoked = True
            fake.revocations.append(value)
        return Response(status_code=200)

    # -- every API call: bearer token, scope, injected failures --------------------------------

    @app.middleware("http")
    async def api_guard(request: Request, call_next: Any) -> Response:
        path = request.url.path
        api = next(
            (
                scopes
                for prefix, scopes in (
                    ("/calendar/v3/", CALENDAR_SCOPES),
                    ("/gmail/v1/", GMAIL_SCOPES),
                    ("/v1/people", PEOPLE_SCOPES),
                )
                if path.startswith(prefix)
            ),
            None,
        )
        if api is None:
            response: Response = await call_next(request)
            return response
        with fake.lock:
            fake.requests.append((request.method, path))
            bearer = request.headers.get("Authorization", "")[7:]
            held: AccessToken | None = fake.access.get(bearer)
            if held is None or held.expires_at <= time.time() or held.grant.revoked:
                return google_error(
                    401,
                    "Request had invalid authentication credentials. Expected OAuth 2 access "
                    "token, login cookie or other valid authentication credential.",
                    "UNAUTHENTICATED",
                    **{"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
                )
            if not set(api) & set(held.grant.scopes):
                return google_error(
                    403,
                    "Request had insufficient authentication scopes.",
                    "PERMISSION_DENIED",
                    "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                )
            failure = next((f for f in fake.failures if path.startswith(f.prefix)), None)
            if failure is not None:
                fake.failures.remove(failure)
                headers = (
                    {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
                )
                if failure.status == 429:
                    return google_error(
                        429,
                        "Rate Limit Exceeded",
                        "RESOURCE_EXHAUSTED",
                        "rateLimitExceeded",
                        **headers,
                    )
                return google_error(
                    failure.status, "Backend Error", "UNAVAILABLE", "backendError", **headers
                )
        response = await call_next(request)
        return response

    register_calendar(app, fake)
    register_gmail(app, fake)
    register_people(app, fake)
    return app


# -- Calendar v3 -----------------------------------------------------------------------------


def register_calendar(app: FastAPI, fake: FakeGoogle) -> None:
    @app.get("/calendar/v3/users/me/calendarList")
    async def calendar_list() -> Response:
        with fake.lock:
            return JSONResponse(
                {
                    "kind": "calendar#calendarList",
                    "etag": f'"{fake.seq}"',
                    "items": list(fake.calendars.values()),
                }
            )

    @app.get("/calendar/v3/calendars/{calendar_id}/events")
    async def list_events(calendar_id: str, request: Request) -> Response:
        query = request.query_params
        with fake.lock:
            if calendar_id not in fake.events:
                return google_error(404, "Not Found", "NOT_FOUND", "notFound")
            if fake.calendars[calendar_id]["accessRole"] == "freeBusyReader":
                return google_error(403, "Forbidden", "PERMISSION_DENIED", "forbidden")
            state = read_page_token(query.get("pageToken"))
            if state is None:
                since: int | None = None
                if query.get("syncToken"):
                    since = int(query["syncToken"].split(":")[-1])
                    if since < fake.calendar_token_floor:
                        return google_error(
                            410,
                            "Sync token is no longer valid, a full sync is required.",
                            "GONE",
                            "fullSyncRequired",
                        )
                state = {"since": since, "snap": fake.seq, "off": 0}
            since = state["since"]
            ical_uid = query.get("iCalUID")
            show_deleted = truthy(query.get("showDeleted")) or since is not None
            chosen = []
            for event_id, event in sorted(fake.events[calendar_id].items()):
                if ical_uid is not None and event.get("iCalUID") != ical_uid:
                    continue
                if since is not None and fake.event_changed[(calendar_id, event_id)] <= since:
                    continue
                if event.get("status") == "cancelled" and not show_deleted:
                    continue
                chosen.append(event)
            size = min(int(query.get("maxResults", "250")), 2500)
            window = chosen[state["off"] : state["off"] + size]
            answer: dict[str, Any] = {
                "kind": "calendar#events",
                "summary": fake.calendars[calendar_id]["summary"],
                "timeZone": fake.calendars[calendar_id]["timeZone"],
                "items": window,
            }
            if state["off"] + size < len(chosen):
                answer["nextPageToken"] = page_token({**state, "off": state["off"] + size})
            elif ical_uid is None:
                answer["nextSyncToken"] = f"sync:{state['snap']}"
            return JSONResponse(answer)

    def condition_failed(calendar_id: str, event_id: str, request: Request) -> Response | None:
        event = fake.events.get(calendar_id, {}).get(event_id)
        if event is None:
            return google_error(404, "Not Found", "NOT_FOUND", "notFound")
        if event.get("status") == "cancelled":
            return google_error(410, "Resource has been deleted", "GONE", "deleted")
        wanted = request.headers.get("If-Match")
        if wanted is not None and wanted != event["etag"]:
            return google_error(
                412, "Precondition Failed", "FAILED_PRECONDITION", "conditionNotMet"
            )
        return None

    @app.post("/calendar/v3/calendars/{calendar_id}/events")
    async def insert_event(calendar_id: str, request: Request) -> Response:
        body = await request.json()
        with fake.lock:
            if calendar_id not in fake.calendars:
                return google_error(404, "Not Found", "NOT_FOUND", "notFound")
            if fake.calendars[calendar_id]["accessRole"] not in ("owner", "writer"):
                return google_error(403, "Forbidden", "PERMISSION_DENIED", "requiredAccessLevel")
            if "start" not in body or "end" not in body:
                return google_error(400, "Missing end time.", "INVALID_ARGUMENT", "required")
            body.pop("id", None)
            return JSONResponse(fake.put_event(calendar_id, body))

    @app.get("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    async def get_event(calendar_id: str, event_id: str) -> Response:
        with fake.lock:
            event = fake.events.get(calendar_id, {}).get(event_id)
            if event is None:
                return google_error(404, "Not Found", "NOT_FOUND", "notFound")
            return JSONResponse(event)

    @app.patch("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    async def patch_event(calendar_id: str, event_id: str, request: Request) -> Response:
        body = await request.json()
        with fake.lock:
            refused = condition_failed(calendar_id, event_id, request)
            if refused is not None:
                return refused
            if fake.calendars[calendar_id]["accessRole"] not in ("owner", "writer"):
                return google_error(403, "Forbidden", "PERMISSION_DENIED", "requiredAccessLevel")
            body.pop("id", None)
            return JSONResponse(fake.change_event(calendar_id, event_id, **body))

    @app.delete("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    async def delete_event(calendar_id: str, event_id: str, request: Request) -> Response:
        with fake.lock:
            refused = condition_failed(calendar_id, event_id, request)
            if refused is not None:
                return refused
            fake.delete_event(calendar_id, event_id)
        return Response(status_code=204)


# -- Gmail v1 --------------------------------------------------------------------------------


def register_gmail(app: FastAPI, fake: FakeGoogle) -> None:
    def labels_of(query: str | None) -> set[str] | None:
        """The labels a ``q`` of ``in:label`` terms joined by OR asks for (None: all)."""
        if not query:
            return None
        terms = [t for t in query.split() if t.upper() != "OR"]
        return {t.split(":", 1)[1].upper() for t in terms if t.lower().startswith("in:")}

    @app.get("/gmail/v1/users/me/profile")
    async def profile() -> Response:
        with fake.lock:
            return JSONResponse(
                {
                    "emailAddress": fake.account,
                    "messagesTotal": len(fake.messages),
                    "threadsTotal": len({m.thread_id for m in fake.messages.values()}),
                    "historyId": str(fake.history_id),
                }
            )

    @app.get("/gmail/v1/users/me/messages")
    async def list_messages(request: Request) -> Response:
        query = request.query_params
        wanted = labels_of(query.get("q"))
        with fake.lock:
            found = sorted(fake.messages.values(), key=lambda m: (-m.internal_ms, m.id))
            found = [m for m in found if wanted is None or wanted & set(m.labels)]
            state = read_page_token(query.get("pageToken")) or {"off": 0}
            size = min(int(query.get("maxResults", "100")), 500)
            window = found[state["off"] : state["off"] + size]
            answer: dict[str, Any] = {
                "messages": [{"id": m.id, "threadId": m.thread_id} for m in window],
                "resultSizeEstimate": len(found),
            }
            if state["off"] + size < len(found):
                answer["nextPageToken"] = page_token({"off": state["off"] + size})
            return JSONResponse(answer)

    @app.get("/gmail/v1/users/me/messages/{message_id}")
    async def get_message(message_id: str, request: Request) -> Response:
        shape = request.query_params.get("format", "full")
        with fake.lock:
            message = fake.messages.get(message_id)
            if message is None:
                return google_error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
            answer: dict[str, Any] = {
                "id": message.id,
                "threadId": message.thread_id,
                "labelIds": message.labels,
                "snippet": message.raw.split(b"\r\n\r\n", 1)[-1][:100].decode(errors="replace"),
                "sizeEstimate": len(message.raw),
                "historyId": str(message.history_id),
                "internalDate": str(message.internal_ms),
            }
            if shape == "raw":
                answer["raw"] = base64.urlsafe_b64encode(message.raw).decode()
            elif shape in ("metadata", "full"):
                answer["payload"] = {
                    "mimeType": "message/rfc822",
                    "headers": fake.message_headers(message),
                }
            return JSONResponse(answer)

    @app.get("/gmail/v1/users/me/history")
    async def history(request: Request) -> Response:
        query = request.query_params
        with fake.lock:
            start = int(query.get("startHistoryId", "0"))
            if start < fake.history_floor:
                return google_error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
            kinds = set(query.getlist("historyTypes")) or None
            records = [
                r
                for r in fake.history
                if int(r["id"]) > start
                and (kinds is None or any(HISTORY_TYPES.get(k) in kinds for k in r))
            ]
            state = read_page_token(query.get("pageToken")) or {"off": 0}
            size = min(int(query.get("maxResults", "100")), 500)
            window = records[state["off"] : state["off"] + size]
            answer: dict[str, Any] = {"historyId": str(fake.history_id)}
            if window:
                answer["history"] = window
            if state["off"] + size < len(records):
                answer["nextPageToken"] = page_token({"off": state["off"] + size})
            return JSONResponse(answer)


# -- People v1 -------------------------------------------------------------------------------


def register_people(app: FastAPI, fake: FakeGoogle) -> None:
    @app.get("/v1/people/me")
    async def me(request: Request) -> Response:
        if not request.query_params.get("personFields"):
            return google_error(400, "personFields mask is required.", "INVALID_ARGUMENT")
        return JSONResponse(
            {
                "resourceName": "people/me",
                "etag": "%me",
                "names": [{"displayName": "Ana", "metadata": {"primary": True}}],
                "emailAddresses": [{"value": fake.account, "metadata": {"primary": True}}],
            }
        )

    @app.get("/v1/people/me/connections")
    async def connections(request: Request) -> Response:
        query = request.query_params
        if not query.get("personFields"):
            return google_error(400, "personFields mask is required.", "INVALID_ARGUMENT")
        with fake.lock:
            since: int | None = None
            if query.get("syncToken"):
                since = int(query["syncToken"].split(":")[-1])
                if since < fake.people_token_floor:
                    if fake.people_expiry_status == 410:
                        return google_error(
                            410, "Sync token expired.", "GONE", "EXPIRED_SYNC_TOKEN"
                        )
                    return google_error(
                        400,
                        "Sync token is expired. Clear local cache and retry call without the "
                        "sync token.",
                        "FAILED_PRECONDITION",
                        "EXPIRED_SYNC_TOKEN",
                    )
            state = read_page_token(query.get("pageToken")) or {"off": 0, "snap": fake.seq}
            chosen = [
                person
                for name, person in sorted(fake.people.items())
                if (since is None and not person["metadata"].get("deleted"))
                or (since is not None and fake.person_changed[name] > since)
            ]
            size = min(int(query.get("pageSize", "100")), 1000)
            window = chosen[state["off"] : state["off"] + size]
            answer: dict[str, Any] = {
                "connections": window,
                "totalPeople": len(chosen),
                "totalItems": len(chosen),
            }
            if state["off"] + size < len(chosen):
                answer["nextPageToken"] = page_token({**state, "off": state["off"] + size})
            elif truthy(query.get("requestSyncToken")):
                answer["nextSyncToken"] = f"people:{state['snap']}"
            return JSONResponse(answer)
