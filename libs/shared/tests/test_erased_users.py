"""The app-wide guard: unsafe requests by an erased user are refused before any route runs."""

from __future__ import annotations

import httpx
from fastapi import Depends, FastAPI
from muninn_shared.auth import CurrentPrincipal, StaticKeys, TokenVerifier
from muninn_shared.http.erased_users import refuse_writes_of_erased_users
from muninn_shared.http.scopes import READS
from muninn_shared.problems import install_problem_handlers
from muninn_shared.signing import SigningKeyRing, TokenIssuer
from muninn_shared.storage.tombstones import ErasureTombstones


class Tombstones(ErasureTombstones):
    def __init__(self, erased: set[str]) -> None:
        self.erased = erased
        self.lookups = 0

    async def is_erased(self, user_id: str) -> bool:
        self.lookups += 1
        return user_id in self.erased


def app_with(tombstones: Tombstones, ring: SigningKeyRing, writes: list[str]) -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_writes_of_erased_users(tombstones))])
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(
        StaticKeys(ring.jwks()), issuer="muninn", audience="muninn"
    )

    @app.post("/notes")
    async def write(principal: CurrentPrincipal) -> dict[str, str]:
        writes.append(principal.user_id)
        return {"ok": principal.user_id}

    @app.get("/notes")
    async def read(principal: CurrentPrincipal) -> dict[str, str]:
        return {"ok": principal.user_id}

    @app.post("/notes/search", openapi_extra=READS)
    async def search(principal: CurrentPrincipal) -> dict[str, str]:
        return {"ok": principal.user_id}

    @app.post("/public")
    async def public() -> dict[str, str]:
        return {"ok": "anyone"}

    return app


async def test_writes_of_erased_users_are_refused_and_nothing_else() -> None:
    ring = SigningKeyRing.generate()
    issuer = TokenIssuer(ring, issuer="muninn", audience="muninn", ttl_seconds=60)
    tombstones = Tombstones({"gone"})
    writes: list[str] = []
    transport = httpx.ASGITransport(app=app_with(tombstones, ring, writes))
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        gone = {"Authorization": f"Bearer {issuer.issue('gone')}"}
        here = {"Authorization": f"Bearer {issuer.issue('here')}"}

        refused = await client.post("/notes", headers=gone)
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("account-erased")
        assert writes == []

        assert (await client.post("/notes", headers=here)).status_code == 200
        assert writes == ["here"]
        assert (await client.get("/notes", headers=gone)).status_code == 200  # reads pass
        assert (await client.post("/public")).status_code == 200  # no credential: route decides
        bad = await client.post("/notes", headers={"Authorization": "Bearer not-a-jwt"})
        assert bad.json()["type"].endswith("invalid-token")  # the route's own answer
        lookups = tombstones.lookups
        assert (await client.get("/notes", headers=here)).status_code == 200
        assert tombstones.lookups == lookups  # safe methods cost no lookup
        searched = await client.post("/notes/search", headers=gone)
        assert searched.status_code == 200  # a POST that declares it only reads is a read
        assert tombstones.lookups == lookups
        assert writes == ["here"]
