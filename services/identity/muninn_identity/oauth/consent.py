"""The consent page: the user signs in and allows (or denies) an MCP client, in one form.

Identity keeps no browser sessions, so the page asks for the account's e-mail and password
each time. The form carries a one-time token stored (as a digest) with the parked request and
replaced at every rendering: a page from another origin cannot read it, so it cannot submit
the form for the user (synchronizer-token CSRF defence), and a submitted page cannot be
submitted again. The page may not be framed.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass

from mcp.server.auth.provider import construct_redirect_uri
from muninn_shared.problems import ProblemError
from pydantic import ValidationError

from muninn_identity.audit.models import RequestInfo
from muninn_identity.auth.models import Credentials
from muninn_identity.auth.service import AuthService
from muninn_identity.digests import secret_digest
from muninn_identity.oauth.models import ConsentRequest
from muninn_identity.oauth.server import CONSENT_PATH, McpAuthorizationServer
from muninn_identity.oauth.store import OAuthStore
from muninn_identity.oauth.validation import redirect_target

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
SCOPE_WORDS = {
    "read": "read your memories, reminders, tasks, contacts and calendar",
    "write": "add and change memories, reminders and tasks",
}


@dataclass(frozen=True)
class Page:
    status: int
    body: str


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class ConsentForm:
    request_id: str
    form_token: str
    decision: str
    email: str
    password: str


class ConsentPages:
    def __init__(
        self, server: McpAuthorizationServer, store: OAuthStore, auth: AuthService
    ) -> None:
        self._server = server
        self._store = store
        self._auth = auth

    async def show(self, request_id: str) -> Page:
        pending = await self._store.request(request_id[:100])
        if pending is None:
            return _expired()
        return await self._render(pending, status=200)

    async def decide(self, form: ConsentForm, client: RequestInfo) -> Page | Redirect:
        pending = await self._store.request(form.request_id[:100])
        if pending is None or form.decision not in ("allow", "deny"):
            return _expired()
        if form.decision == "deny":
            if not await self._store.take_request(pending.id, secret_digest(form.form_token)):
                return _expired()
            return Redirect(_answer(pending, error="access_denied"))
        try:
            credentials = Credentials(email=form.email, password=form.password)
            user_id = await self._auth.check_credentials(credentials, client)
        except (ValidationError, ProblemError) as exc:
            if isinstance(exc, ProblemError) and exc.status >= 500:
                raise
            return await self._render(pending, status=401, error="The e-mail or password is wrong.")
        # Only now is the page used up: a mistyped password gets a fresh form.
        if not await self._store.take_request(pending.id, secret_digest(form.form_token)):
            return _expired()
        code = await self._server.issue_code(pending, user_id)
        return Redirect(_answer(pending, code=code))

    async def _render(self, pending: ConsentRequest, *, status: int, error: str = "") -> Page:
        form_token = secrets.token_urlsafe(32)
        await self._store.set_form_token(pending.id, secret_digest(form_token))
        name = await self._server.client_name(pending.client_id)
        redirect_host = redirect_target(pending.redirect_uri)
        scopes = "".join(f"<li>{html.escape(SCOPE_WORDS.get(s, s))}</li>" for s in pending.scopes)
        notice = f'<p class="error">{html.escape(error)}</p>' if error else ""
        body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect {html.escape(name)} to Muninn</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}
label{{display:block;margin:.6rem 0}}input{{width:100%;padding:.4rem}}.error{{color:#b00}}
button{{padding:.5rem 1rem;margin-right:.5rem}}</style></head>
<body><h1>Connect {html.escape(name)}</h1>
<p><strong>{html.escape(name)}</strong> (answers go to <code>{html.escape(redirect_host)}</code>)
asks to use your Muninn account to:</p><ul>{scopes}</ul>
{notice}
<form method="post" action="{CONSENT_PATH}">
<input type="hidden" name="request" value="{html.escape(pending.id)}">
<input type="hidden" name="form_token" value="{html.escape(form_token)}">
<label>E-mail <input type="email" name="email" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</form></body></html>"""
        return Page(status=status, body=body)


def _answer(pending: ConsentRequest, **params: str) -> str:
    return construct_redirect_uri(pending.redirect_uri, state=pending.state, **params)


def _expired() -> Page:
    return Page(
        status=400,
        body='<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Muninn</title>'
        "</head><body><h1>This page has expired</h1><p>Start connecting again from your "
        "application.</p></body></html>",
    )
