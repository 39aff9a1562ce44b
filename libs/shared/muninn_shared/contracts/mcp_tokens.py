"""Identity's ``POST /internal/oauth/exchange``: the gateway trades an MCP access token.

Tokens issued to MCP clients are bound to the MCP resource (their audience is its URL), so no
service accepts them. The gateway's MCP endpoint exchanges one for a short-lived token of the
usual audience, with the same user, session and scopes, to call the services as that user.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from muninn_shared.http.scopes import Scope
from muninn_shared.strict import Strict


class McpTokenExchange(Strict):
    token: str = Field(min_length=1, max_length=4096)


class McpTokenGrant(BaseModel):
    user_id: str = Field(min_length=1)
    session_id: str = Field(min_length=1, description="The grant's refresh-token family.")
    client_id: str = Field(min_length=1)
    scopes: list[Scope]
    access_token: str = Field(min_length=1)
    expires_in: int = Field(ge=0)
