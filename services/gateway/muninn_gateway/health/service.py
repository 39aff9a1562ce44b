"""The gateway is ready when the services it routes to are: one check per service.

A service with several replicas is ready when any of them is: the proxy sends requests past
a dead replica to a live one, so one replica down is no reason to take the gateway out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import httpx
from muninn_shared.http.health import ReadinessCheck


def upstream_checks(
    client: httpx.AsyncClient, service_urls: Mapping[str, Sequence[str]], *, timeout: float
) -> dict[str, ReadinessCheck]:
    def check_one(url: str) -> ReadinessCheck:
        async def check() -> None:
            response = await client.get(f"{url}/readyz", timeout=timeout)
            if response.status_code != 200:
                raise RuntimeError(f"/readyz answered {response.status_code}")

        return check

    def check_any(urls: Sequence[str]) -> ReadinessCheck:
        async def check() -> None:
            answers = await asyncio.gather(
                *(client.get(f"{url}/readyz", timeout=timeout) for url in urls),
                return_exceptions=True,
            )
            failures: list[str] = []
            for url, answer in zip(urls, answers, strict=True):
                if isinstance(answer, httpx.Response) and answer.status_code == 200:
                    return
                seen = (
                    f"/readyz answered {answer.status_code}"
                    if isinstance(answer, httpx.Response)
                    else type(answer).__name__
                )
                failures.append(f"{url}: {seen}")
            raise RuntimeError("no replica is ready: " + "; ".join(failures))

        return check

    def check_for(urls: Sequence[str]) -> ReadinessCheck:
        return check_one(urls[0]) if len(urls) == 1 else check_any(urls)

    return {name: check_for(urls) for name, urls in sorted(service_urls.items())}
