"""The merged OpenAPI document: fetched from the services, cached, refreshed on a TTL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from muninn_shared.logging import get_logger

from muninn_gateway.openapi.merge import Document, DocumentMerger
from muninn_gateway.routing.table import PublicRoutes, RouteTable
from muninn_gateway.settings import is_routed_path

log = get_logger(__name__)


class OpenApiCatalogue:
    """A service that is down keeps its last good document (or none yet); the rest still show."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        routes: RouteTable,
        public: PublicRoutes,
        service_urls: Mapping[str, str],
        own_document: Callable[[], Document],
        info: dict[str, Any],
        ttl_seconds: float,
        fetch_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._routes = routes
        self._public = public
        self._urls = {name: service_urls[name] for name in routes.services}
        self._own_document = own_document
        self._info = info
        self._ttl = ttl_seconds
        self._timeout = fetch_timeout
        self._clock = clock
        self._documents: dict[str, Document] = {}
        self._status: dict[str, str] = {}
        self._merged: Document | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def document(self) -> Document:
        if self._merged is None or self._clock() - self._fetched_at >= self._ttl:
            async with self._lock:
                if self._merged is None or self._clock() - self._fetched_at >= self._ttl:
                    await self.refresh()
        assert self._merged is not None
        return self._merged

    async def refresh(self) -> None:
        names = list(self._urls)
        fetched = await asyncio.gather(*(self._fetch(name) for name in names))
        for name, document in zip(names, fetched, strict=True):
            if document is not None:
                self._documents[name] = document
                self._status[name] = "ok"
            else:
                self._status[name] = "stale" if name in self._documents else "unavailable"
        self._merged = self._merge()
        self._fetched_at = self._clock()

    async def _fetch(self, service: str) -> Document | None:
        try:
            response = await self._client.get(
                f"{self._urls[service]}/openapi.json", timeout=self._timeout
            )
            if response.status_code != 200:
                raise ValueError(f"answered {response.status_code}")
            document = response.json()
            if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
                raise ValueError("not an OpenAPI document")
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("openapi document unavailable", service=service, error=repr(exc))
            return None
        return document

    def _merge(self) -> Document:
        merger = DocumentMerger()
        merger.add("gateway", self._own_document(), lambda path: not is_routed_path(path))
        for service in sorted(self._documents):
            merger.add(service, self._documents[service], self._owned_by(service))
        info = {**self._info, "x-muninn-services": dict(sorted(self._status.items()))}
        return merger.document(info=info, is_public=self._is_public)

    def _owned_by(self, service: str) -> Callable[[str], bool]:
        def owned(path: str) -> bool:
            return self._routes.service_for(path) == service

        return owned

    def _is_public(self, method: str, path: str) -> bool:
        return not is_routed_path(path) or self._public.is_public(method, path)
