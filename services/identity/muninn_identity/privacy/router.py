"""/v1/me/export and erasure (DELETE /v1/me)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse
from muninn_shared.http.scopes import ADMIN, READS

from muninn_identity.deps import ActiveUser, ClientInfo, Services, TokenHolder
from muninn_identity.privacy.models import ErasureStatus, ExportArchive

router = APIRouter(prefix="/v1/me", tags=["privacy"])


@router.post(
    "/export",
    response_model=ExportArchive,
    summary="Download everything Muninn holds about you (GDPR Art. 20)",
    description="One JSON archive gathered from every service. Secrets (password and key hashes) are left out.",
    openapi_extra=READS,
)
async def export(user: ActiveUser, services: Services, client: ClientInfo) -> JSONResponse:
    archive = await services.privacy.export(user.user_id, client)
    return JSONResponse(
        archive.model_dump(mode="json"),
        headers={
            "Content-Disposition": f'attachment; filename="muninn-export-{user.user_id}.json"'
        },
    )


@router.delete(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Erase your account and all your data everywhere (GDPR Art. 17)",
    description="Signs you out everywhere at once; every service deletes your data and confirms. "
    "Follow `status_url` for progress.",
    openapi_extra=ADMIN,
)
async def erase(
    user: ActiveUser, services: Services, client: ClientInfo, response: Response
) -> ErasureStatus:
    result = await services.privacy.request_erasure(user.user_id, client)
    response.headers["Location"] = result.status_url
    return result


@router.get("/erasure/{erasure_id}", summary="Progress of an erasure")
async def erasure_status(erasure_id: str, holder: TokenHolder, services: Services) -> ErasureStatus:
    return await services.privacy.status(holder.user_id, erasure_id)
