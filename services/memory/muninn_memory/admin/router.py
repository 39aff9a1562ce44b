"""/v1/admin/index: the vector index's state, for the instance's operator."""

from __future__ import annotations

from fastapi import APIRouter
from muninn_shared.auth import CurrentOperator
from muninn_shared.http.scopes import OPERATOR

from muninn_memory.admin.models import IndexState
from muninn_memory.deps import Services

router = APIRouter(prefix="/v1/admin/index", tags=["admin"])


@router.get(
    "",
    summary="The embedding model, the collection read and a re-embedding's progress (operators only)",
    openapi_extra=OPERATOR,
)
async def get_index(operator: CurrentOperator, services: Services) -> IndexState:
    return await services.index_admin.state()
