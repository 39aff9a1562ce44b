"""The public API's OpenAPI document, merged in-process exactly as the gateway merges it.

Each service's FastAPI app is built (no server, no connection: building an app opens
nothing) and its document merged with the gateway's own merger and route table, so the
SDK is generated from the same contract the gateway serves at /openapi.json.
"""

from __future__ import annotations

import importlib
from typing import Any

from muninn_gateway.openapi.merge import DocumentMerger
from muninn_gateway.routing.table import PublicRoutes, RouteTable
from muninn_gateway.settings import GatewaySettings
from muninn_shared.settings import CONTENT_SERVICES

Document = dict[str, Any]


def service_document(service: str) -> Document:
    main = importlib.import_module(f"muninn_{service}.main")
    document: Document = main.create_app().openapi()
    return document


def merge(documents: dict[str, Document]) -> Document:
    """Services' documents merged as the gateway merges them (its default route table)."""
    settings = GatewaySettings()
    routes = RouteTable.from_settings(settings)
    public = PublicRoutes(settings.public_routes)
    merger = DocumentMerger()
    for service in sorted(documents):

        def owned(path: str, service: str = service) -> bool:
            return routes.service_for(path) == service

        merger.add(service, documents[service], owned)
    return merger.document(
        info={"title": "Muninn API", "version": "0.1.0"}, is_public=public.is_public
    )


def merged_document() -> Document:
    """The /v1 paths of every service, built in-process."""
    return merge({service: service_document(service) for service in CONTENT_SERVICES})
