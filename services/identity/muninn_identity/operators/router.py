"""/v1/admin/users: the accounts of this instance, for its operator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from muninn_shared.http.scopes import OPERATOR
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_identity.deps import Operator, Services
from muninn_identity.operators.models import AccountStatus, AdminUser, AdminUserPage

router = APIRouter(prefix="/v1/admin/users", tags=["admin"])

USER_ID_MAX = 64


@router.get(
    "",
    summary="Every account of this instance, newest first (operators only)",
    openapi_extra=OPERATOR,
)
async def list_users(
    operator: Operator,
    services: Services,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            # MongoDB refuses a pattern holding NUL: refused here, as the caller's mistake.
            pattern=r"^[^\x00-\x1f\x7f]+$",
            description="Only accounts whose email or name contains this text (any case; "
            "taken literally, not as a pattern)",
        ),
    ] = None,
    status: Annotated[
        AccountStatus | None, Query(description="Only accounts in this state")
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> AdminUserPage:
    return await services.operators.users(
        contains=q, status=status, limit=limit, cursor=cursor or None
    )


@router.get(
    "/{user_id}",
    summary="One account of this instance (operators only)",
    openapi_extra=OPERATOR,
)
async def get_user(
    user_id: Annotated[str, Path(max_length=USER_ID_MAX)],
    operator: Operator,
    services: Services,
) -> AdminUser:
    return await services.operators.user(user_id)
