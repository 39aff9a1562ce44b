"""GET /openapi.json (the merged public API) and GET /docs (Swagger UI for it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from muninn_gateway.deps import gateway_of

OPENAPI_PATH = "/openapi.json"
DOCS_PATH = "/docs"

router = APIRouter(tags=["documentation"])


@router.get(OPENAPI_PATH, include_in_schema=False)
async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(await gateway_of(request).openapi.document())


@router.get(DOCS_PATH, include_in_schema=False)
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=OPENAPI_PATH, title="Muninn API")
