"""The profile cache holds each user's own profile, under their own id."""

from __future__ import annotations

import httpx
from muninn_conversation.profiles.client import ProfileClient

USERS = {
    "token-olivia": {"id": "olivia", "name": "Olivia", "assistant_name": "Huginn"},
    "token-carl": {"id": "carl", "name": "Carl", "assistant_name": "Jarvis"},
}


def identity(request: httpx.Request) -> httpx.Response:
    token = request.headers["Authorization"].removeprefix("Bearer ")
    return httpx.Response(200, json={**USERS[token], "preferences": {}})


def client() -> ProfileClient:
    return ProfileClient(
        httpx.AsyncClient(transport=httpx.MockTransport(identity)), "http://identity"
    )


async def test_a_profile_answered_for_someone_else_is_neither_used_nor_cached() -> None:
    profiles = client()
    mismatched = await profiles.context_for("olivia", "token-carl")
    assert mismatched.display_name is None, "defaults, not Carl's profile"
    assert (await profiles.context_for("olivia", "token-olivia")).display_name == "Olivia"
