"""The 401 shapes the gateway answers with."""

from __future__ import annotations

from muninn_shared.problems import ProblemError


def challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="muninn"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def unauthenticated() -> ProblemError:
    return ProblemError(
        401,
        "A bearer access token or an API key is required.",
        code="unauthenticated",
        headers=challenge(),
    )
