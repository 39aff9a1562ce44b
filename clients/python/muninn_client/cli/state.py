"""What every command shares: the output, the credentials file, and a client built from it."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from muninn_client.auth import Tokens
from muninn_client.cli import config
from muninn_client.cli.output import Output
from muninn_client.client import DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, Muninn
from muninn_client.errors import APIError, MuninnError

T = TypeVar("T")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@dataclass
class State:
    config_path: Path
    base_url: str | None
    as_json: bool

    def output(self, as_json: bool = False) -> Output:
        return Output.create(self.as_json or as_json)

    def profile(self) -> config.Profile | None:
        return config.load(self.config_path)

    def server(self) -> str:
        profile = self.profile()
        return (
            self.base_url
            or os.environ.get(ENV_BASE_URL)
            or (profile.base_url if profile else None)
            or DEFAULT_BASE_URL
        )

    @contextmanager
    def client(self) -> Iterator[Muninn]:
        """A client with the saved credentials; a refreshed token pair is saved at once."""
        profile = self.profile()
        base_url = self.base_url or os.environ.get(ENV_BASE_URL)
        if os.environ.get(ENV_API_KEY):
            with Muninn(base_url or (profile.base_url if profile else None)) as client:
                yield client
            return
        if profile is None:
            fail("not signed in: run `muninn login` (or set MUNINN_API_KEY)", code=2)
        base_url = base_url or profile.base_url
        if profile.api_key:
            with Muninn(base_url, api_key=profile.api_key) as client:
                yield client
            return
        if not profile.access_token:
            fail("the saved profile has no credential: run `muninn login`", code=2)

        def keep(tokens: Tokens) -> None:
            profile.access_token = tokens.access_token
            profile.refresh_token = tokens.refresh_token
            profile.expires_at = tokens.expires_at
            config.save(self.config_path, profile)

        tokens = Tokens(profile.access_token, profile.refresh_token, profile.expires_at, keep)
        with Muninn(base_url, tokens=tokens) as client:
            yield client


def state_of(context: typer.Context) -> State:
    state = context.find_root().obj
    assert isinstance(state, State)
    return state


def fail(message: str, code: int = 1) -> NoReturn:
    Output.create(False).error(message)
    raise typer.Exit(code)


def handled(command: Callable[..., T]) -> Callable[..., T]:
    """API errors printed as one line (status, title, detail, field errors), exit status 1."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> T:
        try:
            return command(*args, **kwargs)
        except APIError as exc:
            fields = "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" for e in exc.errors
            )
            fail(str(exc) + (f" ({fields})" if fields else ""))
        except MuninnError as exc:
            fail(str(exc))
        except ValueError as exc:
            fail(str(exc))

    return run
