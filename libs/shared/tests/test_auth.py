from __future__ import annotations

import time

import jwt
import pytest
from muninn_shared.auth import Principal, TokenCodec
from muninn_shared.problems import ProblemError

SECRET = "s" * 40


def codec(**overrides: object) -> TokenCodec:
    args: dict = {"issuer": "muninn", "audience": "muninn", "ttl_seconds": 60, **overrides}
    return TokenCodec(SECRET, **args)


def test_issue_and_verify_round_trip() -> None:
    token = codec().issue("user-1", scopes=("read",), session_id="fam", api_key_id="key")
    principal = codec().verify(token)
    assert principal == Principal(
        user_id="user-1",
        scopes=frozenset({"read"}),
        session_id="fam",
        token_id=principal.token_id,
        via_api_key="key",
    )


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda c: {**c, "exp": int(time.time()) - 5}, "token-expired"),
        (lambda c: {**c, "aud": "someone-else"}, "invalid-token"),
        (lambda c: {**c, "iss": "evil"}, "invalid-token"),
        (lambda c: {**c, "typ": "refresh"}, "invalid-token"),
    ],
)
def test_rejects_expired_foreign_and_wrong_type_tokens(mutate, code: str) -> None:
    claims = jwt.decode(codec().issue("u"), SECRET, algorithms=["HS256"], audience="muninn")
    token = jwt.encode(mutate(claims), SECRET, algorithm="HS256")
    with pytest.raises(ProblemError) as raised:
        codec().verify(token)
    assert raised.value.status == 401
    assert raised.value.code == code


def test_rejects_other_secret_and_none_algorithm() -> None:
    claims = jwt.decode(codec().issue("u"), SECRET, algorithms=["HS256"], audience="muninn")
    with pytest.raises(ProblemError):
        codec().verify(jwt.encode(claims, "t" * 40, algorithm="HS256"))
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(ProblemError):
        codec().verify(unsigned)


def test_short_secret_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        TokenCodec("short", issuer="i", audience="a", ttl_seconds=60)


def test_scope_check() -> None:
    reader = Principal(user_id="u", scopes=frozenset({"read"}))
    reader.require("read")
    with pytest.raises(ProblemError) as raised:
        reader.require("write")
    assert raised.value.status == 403
    Principal(user_id="u", scopes=frozenset({"admin"})).require("write")
