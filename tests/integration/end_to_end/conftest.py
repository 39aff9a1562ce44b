"""The whole suite as processes, for the tests in this package only.

Package-scoped: once these tests are done the services stop, so they neither consume the
events later tests publish nor compete with them for the machine.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from muninn_devstack.demo import integrations_env

from tests.integration.e2e import OPERATOR_EMAIL, REQUEST_TIMEOUT
from tests.integration.end_to_end.pim import relationships_env
from tests.integration.fake_llm import MODEL as FAKE_MODEL
from tests.integration.fake_llm import serve_fake_llm
from tests.integration.infra import Infra, provide_infra
from tests.integration.suite import Suite, provide_suite


@pytest.fixture(scope="package")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    """One pair of servers for the whole package: the suite outlives each module."""
    with provide_infra(tmp_path_factory.mktemp("infra")) as provided:
        yield provided


@pytest.fixture(scope="package")
def fake_llm() -> Iterator[str]:
    """Base URL of a slow OpenAI-compatible server (see tests/integration/fake_llm.py)."""
    with serve_fake_llm() as base_url:
        yield base_url


@pytest.fixture(scope="package")
def suite(infra: Infra, fake_llm: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """Every service and the gateway as processes on free ports (see tests/integration/suite.py)."""
    env = {
        "MUNINN_LLM_PROVIDERS": json.dumps(
            [{"name": "slowfake", "base_url": fake_llm, "default_model": FAKE_MODEL}]
        ),
        # A generation whose process died turns into a visible error within seconds.
        "MUNINN_GENERATION_LEASE_SECONDS": "4",
        "MUNINN_GENERATION_SAVE_INTERVAL_SECONDS": "0.5",
        "MUNINN_GENERATION_SWEEP_INTERVAL_SECONDS": "1",
    }
    # As in `make run-demo`: integrations alone may reach the calendar and mail servers the
    # tests start on loopback (over plain HTTP and IMAP). Briefings go out a minute before a
    # meeting and are looked for every few seconds, so one can be seen delivered.
    service_env = {
        "integrations": {**integrations_env({}), **relationships_env()},
        # One account runs the instance (muninn admin users / reembed).
        "identity": {"MUNINN_OPERATOR_EMAILS": OPERATOR_EMAIL},
        # Memory extracts with the LLM port (the fake answers "no facts": the rules' facts
        # stand), so its model calls are recorded as usage like any provider's.
        "memory": {"MUNINN_MEMORY_LLM_BASE_URL": fake_llm, "MUNINN_MEMORY_LLM_MODEL": FAKE_MODEL},
    }
    with provide_suite(infra, tmp_path_factory.mktemp("suite"), env, service_env) as running:
        yield running


@pytest.fixture(autouse=True)
def log_tails_on_failure(request: pytest.FixtureRequest, suite: Suite) -> Iterator[None]:
    """A failing test prints the end of every service log (shown with its report)."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        print(f"\n===== service logs =====\n{suite.tails(20)}")


@pytest.fixture
async def client(suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the gateway, as a user's app would be."""
    async with httpx.AsyncClient(base_url=suite.gateway_url, timeout=REQUEST_TIMEOUT) as http:
        yield http
