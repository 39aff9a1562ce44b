from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from muninn_shared.auth import (
    JwksKeys,
    Principal,
    StaticKeys,
    TokenVerifier,
    jwks_fetcher,
    keys_of,
)
from muninn_shared.problems import ProblemError
from muninn_shared.signing import (
    KeyRingError,
    SigningKey,
    SigningKeyRing,
    TokenIssuer,
    development_key_ring,
)

ISSUER = {"issuer": "muninn", "audience": "muninn"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeIdentity:
    """Publishes a JWKS, counts fetches, and can be taken down."""

    def __init__(self, *rings: SigningKeyRing) -> None:
        self.published = {"keys": [jwk for ring in rings for jwk in ring.jwks()["keys"]]}
        self.fetches = 0
        self.down = False

    async def fetch(self) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise httpx.ConnectError("identity is down")
        return self.published


def issuer(ring: SigningKeyRing, ttl_seconds: int = 60) -> TokenIssuer:
    return TokenIssuer(ring, ttl_seconds=ttl_seconds, **ISSUER)


def verifier_of(
    identity: FakeIdentity, clock: FakeClock | None = None, *, min_refetch: float = 10.0
) -> TokenVerifier:
    keys = JwksKeys(
        identity.fetch,
        refresh_seconds=300.0,
        min_refetch_seconds=min_refetch,
        clock=clock or FakeClock(),
    )
    return TokenVerifier(keys, **ISSUER)


def watched(identity: FakeIdentity) -> tuple[TokenVerifier, FakeClock]:
    """A verifier of ``identity``'s keys, and the clock its refreshes follow."""
    clock = FakeClock()
    return verifier_of(identity, clock), clock


async def refused(verifier: TokenVerifier, token: str, code: str = "invalid-token") -> None:
    with pytest.raises(ProblemError) as raised:
        await verifier.verify(token)
    assert raised.value.status == 401
    assert raised.value.code == code


async def test_a_token_verifies_with_only_the_published_keys() -> None:
    ring = SigningKeyRing.generate()
    identity = FakeIdentity(ring)
    token = issuer(ring).issue("user-1", scopes=("read",), session_id="fam", api_key_id="key")
    assert jwt.get_unverified_header(token) == {
        "alg": "EdDSA",
        "kid": ring.signing.kid,
        "typ": "JWT",
    }
    # no private half is ever published
    assert all("d" not in jwk for jwk in identity.published["keys"])
    principal = await verifier_of(identity).verify(token)
    assert principal == Principal(
        user_id="user-1",
        scopes=frozenset({"read"}),
        session_id="fam",
        token_id=principal.token_id,
        via_api_key="key",
    )
    assert identity.fetches == 1


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda c: {**c, "exp": int(time.time()) - 5}, "token-expired"),
        (lambda c: {**c, "aud": "someone-else"}, "invalid-token"),
        (lambda c: {**c, "iss": "evil"}, "invalid-token"),
        (lambda c: {**c, "typ": "refresh"}, "invalid-token"),
    ],
)
async def test_rejects_expired_foreign_and_wrong_type_tokens(mutate, code: str) -> None:
    ring = SigningKeyRing.generate()
    claims = jwt.decode(issuer(ring).issue("u"), options={"verify_signature": False})
    signing = ring.signing
    token = jwt.encode(
        mutate(claims), signing.private_key, algorithm="EdDSA", headers={"kid": signing.kid}
    )
    await refused(verifier_of(FakeIdentity(ring)), token, code)


async def test_rejects_other_keys_the_none_algorithm_and_garbage() -> None:
    ring = SigningKeyRing.generate()
    verifier = verifier_of(FakeIdentity(ring))
    claims = jwt.decode(issuer(ring).issue("u"), options={"verify_signature": False})
    await refused(verifier, issuer(SigningKeyRing.generate()).issue("u"))
    await refused(verifier, jwt.encode(claims, key=None, algorithm="none"))
    await refused(verifier, "not-a-jwt")
    no_kid = jwt.encode(claims, ring.signing.private_key, algorithm="EdDSA")
    await refused(verifier, no_kid)
    long_kid = jwt.encode(
        claims, ring.signing.private_key, algorithm="EdDSA", headers={"kid": "k" * 500}
    )
    await refused(verifier, long_kid)


async def test_hs256_signed_with_the_public_key_is_refused() -> None:
    """Algorithm confusion: the public key is no secret, so HMAC with it proves nothing."""
    ring = SigningKeyRing.generate()
    verifier = verifier_of(FakeIdentity(ring))
    claims = jwt.decode(issuer(ring).issue("u"), options={"verify_signature": False})
    public = ring.signing.private_key.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    x = ring.jwks()["keys"][0]["x"]
    for secret in (raw, pem, x.encode()):
        forged = hmac_token({**claims, "sub": "victim"}, secret, ring.signing.kid)
        await refused(verifier, forged)


def hmac_token(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """HS256 by hand: PyJWT itself refuses to use a PEM public key as an HMAC secret."""

    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = part(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(signature)}"


async def test_an_unknown_kid_triggers_one_refetch_and_a_flood_no_more() -> None:
    old = SigningKeyRing.generate()
    identity = FakeIdentity(old)
    verifier, clock = watched(identity)
    await verifier.verify(issuer(old).issue("u"))
    assert identity.fetches == 1

    new = SigningKeyRing.generate()
    identity.published = {"keys": old.jwks()["keys"] + new.jwks()["keys"]}
    assert (await verifier.verify(issuer(new).issue("u"))).user_id == "u"
    assert identity.fetches == 2

    stranger = issuer(SigningKeyRing.generate())
    await asyncio.gather(*(refused(verifier, stranger.issue("u")) for _ in range(50)))
    await refused(verifier, stranger.issue("u"))
    assert identity.fetches == 2  # inside the interval: no fetch at all
    clock.now += 11
    await asyncio.gather(*(refused(verifier, stranger.issue("u")) for _ in range(50)))
    assert identity.fetches == 3  # one per interval, however many arrive at once


async def test_a_key_removed_from_the_jwks_stops_verifying() -> None:
    kept, removed = SigningKeyRing.generate(), SigningKeyRing.generate()
    identity = FakeIdentity(kept, removed)
    verifier, clock = watched(identity)
    token = issuer(removed).issue("u")
    await verifier.verify(token)

    identity.published = kept.jwks()
    clock.now += 301  # past the refresh period: refreshed in the background
    await verifier.verify(issuer(kept).issue("u"))
    await asyncio.sleep(0)
    await refused(verifier, token)
    await verifier.verify(issuer(kept).issue("u"))


async def test_rotation_overlap_keeps_old_tokens_valid_until_the_key_is_retired() -> None:
    ring = SigningKeyRing.generate()
    before_rotation = issuer(ring).issue("u")
    added = SigningKey.generate()
    ring = ring.with_key(added)
    assert ring.signing.kid != added.kid  # published first, not yet signing
    old_kid = ring.signing.kid
    ring = ring.promoted(added.kid)
    identity = FakeIdentity(ring)
    verifier, clock = watched(identity)

    after_rotation = issuer(ring).issue("u")
    assert jwt.get_unverified_header(after_rotation)["kid"] == added.kid
    assert (await verifier.verify(before_rotation)).user_id == "u"
    assert (await verifier.verify(after_rotation)).user_id == "u"

    with pytest.raises(KeyRingError):
        ring.without(added.kid)  # the signing key cannot be retired
    identity.published = ring.without(old_kid).jwks()
    clock.now += 301
    await verifier.verify(after_rotation)
    await asyncio.sleep(0)
    await refused(verifier, before_rotation)
    assert (await verifier.verify(after_rotation)).user_id == "u"


async def test_cached_keys_keep_serving_while_identity_is_down() -> None:
    ring = SigningKeyRing.generate()
    identity = FakeIdentity(ring)
    verifier, clock = watched(identity)
    await verifier.verify(issuer(ring).issue("u"))
    identity.down = True
    clock.now += 1000
    for _ in range(3):
        assert (await verifier.verify(issuer(ring).issue("u"))).user_id == "u"
        await asyncio.sleep(0)
    await refused(verifier, issuer(SigningKeyRing.generate()).issue("u"))


async def test_no_keys_yet_and_identity_down_is_503_not_401() -> None:
    ring = SigningKeyRing.generate()
    identity = FakeIdentity(ring)
    identity.down = True
    with pytest.raises(ProblemError) as raised:
        await verifier_of(identity).verify(issuer(ring).issue("u"))
    assert raised.value.status == 503
    assert raised.value.headers is not None
    assert "Retry-After" in raised.value.headers


async def test_identity_verifies_its_own_tokens_in_process() -> None:
    ring = SigningKeyRing.generate()
    verifier = TokenVerifier(StaticKeys(ring.jwks()), **ISSUER)
    assert (await verifier.verify(issuer(ring).issue("u"))).user_id == "u"


async def test_a_jwks_file_is_read(tmp_path: Path) -> None:
    ring = SigningKeyRing.generate()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(ring.jwks()))
    async with httpx.AsyncClient() as client:
        fetch = jwks_fetcher(path.as_uri(), client)
        keys = JwksKeys(fetch, refresh_seconds=300, min_refetch_seconds=10)
        assert (await TokenVerifier(keys, **ISSUER).verify(issuer(ring).issue("u"))).user_id == "u"
        with pytest.raises(ValueError, match="http"):
            jwks_fetcher("ftp://identity/jwks.json", client)


def test_only_ed25519_signing_keys_are_taken_from_a_jwks() -> None:
    ring = SigningKeyRing.generate()
    good = ring.jwks()["keys"][0]
    document = {
        "keys": [
            good,
            {**good, "kid": "rsa", "kty": "RSA"},
            {**good, "kid": "hmac", "alg": "HS256"},
            {**good, "kid": "enc", "use": "enc"},
            {**good, "kid": "broken", "x": "!!"},
            "not a key",
        ]
    }
    assert set(keys_of(document)) == {ring.signing.kid}


def test_the_key_ring_file_round_trips_readable_by_its_owner_only(tmp_path: Path) -> None:
    ring = SigningKeyRing.generate().with_key(SigningKey.generate())
    path = tmp_path / "keys.json"
    ring.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = SigningKeyRing.load(path)
    assert loaded.jwks() == ring.jwks()
    assert loaded.signing.kid == ring.signing.kid
    assert not loaded.development
    path.write_text(path.read_text().replace(ring.signing.kid, "someone-else", 1))
    with pytest.raises(KeyRingError):
        SigningKeyRing.load(path)


def test_a_development_ring_is_generated_once(tmp_path: Path) -> None:
    path = tmp_path / "data" / "dev.json"
    first = development_key_ring(path)
    assert first.development
    assert development_key_ring(path).signing.kid == first.signing.kid
    assert path.stat().st_mode & 0o777 == 0o600


def test_scope_check() -> None:
    reader = Principal(user_id="u", scopes=frozenset({"read"}))
    reader.require("read")
    with pytest.raises(ProblemError) as raised:
        reader.require("write")
    assert raised.value.status == 403
    Principal(user_id="u", scopes=frozenset({"admin"})).require("write")


def test_admin_does_not_make_an_operator() -> None:
    def refusal(principal: Principal) -> str | None:
        with pytest.raises(ProblemError) as raised:
            principal.require("operator")
        assert raised.value.status == 403
        return raised.value.code

    account_owner = Principal(user_id="u", scopes=frozenset({"read", "write", "admin"}))
    assert refusal(account_owner) == "operator-only"
    assert not account_owner.is_operator
    # A key's token is never an operator's, even one that claims the scope.
    key = Principal(user_id="u", scopes=frozenset({"admin", "operator"}), via_api_key="k1")
    assert refusal(key) == "operator-only"

    operator = Principal(user_id="u", scopes=frozenset({"read", "write", "admin", "operator"}))
    operator.require_operator()
    operator.require("operator")
    assert operator.is_operator
