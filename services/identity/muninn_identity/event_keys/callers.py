"""Which service is calling an internal endpoint: its own credential, checked against hashes.

Identity holds only the SHA-256 of each service's secret (``MUNINN_SERVICE_CREDENTIAL_HASHES``)
and lets a service fetch event keys only if ``MUNINN_EVENT_KEY_READERS`` names it. A missing or
wrong credential is ``401``; a genuine service that is not allowed is ``403``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

from fastapi import Header, Request
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from muninn_shared.service_credentials import credential_matches

log = get_logger(__name__)


class ServiceCallers:
    def __init__(self, hashes: Mapping[str, Sequence[str]], readers: Sequence[str]) -> None:
        self._hashes = {service: list(accepted) for service, accepted in hashes.items()}
        self._readers = frozenset(readers)

    def event_key_reader(self, service: str | None, credential: str | None) -> str:
        """The calling service if it may read event keys, else the problem to answer."""
        accepted = self._hashes.get(service or "", [])
        if not credential or not accepted or not credential_matches(credential, accepted):
            log.warning("internal call refused: unknown service credential", service=service)
            raise ProblemError(
                401,
                "A service credential is required (x-muninn-service and "
                "x-muninn-service-credential).",
                code="service-credential-required",
                headers={"WWW-Authenticate": 'MuninnService realm="internal"'},
            )
        if service not in self._readers:
            log.warning("internal call refused: service may not read event keys", service=service)
            raise ProblemError(
                403, f"{service} may not read event keys.", code="service-not-allowed"
            )
        return service


async def event_key_reader(
    request: Request,
    service: Annotated[str | None, Header(alias="x-muninn-service")] = None,
    credential: Annotated[str | None, Header(alias="x-muninn-service-credential")] = None,
) -> str:
    callers: ServiceCallers = request.app.state.service_callers
    return callers.event_key_reader(service, credential)
