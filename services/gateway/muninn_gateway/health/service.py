"""The gateway is ready when the services it routes to are: one check per service."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from muninn_shared.http.health import ReadinessCheck


def upstream_checks(
    client: httpx.AsyncClient, service_urls: Mapping[str, str], *, timeout: float
) -> dict[str, ReadinessCheck]:
    def check_for(url: str) -> ReadinessCheck:
        async def check() -> None:
            response = await client.get(f"{url}/readyz", timeout=timeout)
            if response.status_code != 200:
                raise RuntimeError(f"/readyz answered {response.status_code}")

        return check

    return {name: check_for(url) for name, url in sorted(service_urls.items())}
