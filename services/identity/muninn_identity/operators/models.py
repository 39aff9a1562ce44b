"""What an operator sees of the accounts of their instance: who, since when, in what state.

Never content, preferences or secrets: an operator runs the instance, they do not read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field

AccountStatus = Literal["active", "erasing"]
"""An account is active, or being erased (``DELETE /v1/me``) until every service confirmed;
then it is gone."""


class AdminUser(BaseModel):
    id: str
    email: str
    name: str | None = Field(default=None, description="The display name the user chose")
    status: AccountStatus
    created_at: datetime
    last_login_at: datetime | None = Field(
        default=None, description="The last sign-in with the password (not a token refresh)"
    )
    last_active_at: datetime | None = Field(
        default=None, description="The last request the account made, to the minute"
    )
    operator: bool = Field(description="Listed in MUNINN_OPERATOR_EMAILS")


class AdminUserPage(CursorPage[AdminUser]):
    pass
