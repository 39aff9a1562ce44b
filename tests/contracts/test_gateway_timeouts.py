"""The gateway waits at least as long as the service behind it may take to answer.

A connect check against a slow calendar server (a large calendar listed for the first time)
took 22 s while the gateway gave up after its default 10 s: the user saw a 504 for an account
that was in fact connected.
"""

from __future__ import annotations

from muninn_byod.migrations.service import PREVIEW_SECONDS
from muninn_byod.settings import ByodSettings
from muninn_gateway.settings import GatewaySettings
from muninn_integrations.settings import IntegrationsSettings
from muninn_memory.settings import MemorySettings
from pydantic_settings import BaseSettings


def _most(model: type[BaseSettings], field: str) -> float:
    for rule in model.model_fields[field].metadata:
        if hasattr(rule, "le"):
            return float(rule.le)
    raise AssertionError(f"{field} has no upper bound")


def test_connecting_an_account_is_waited_for_as_long_as_its_check_may_take() -> None:
    timeouts = GatewaySettings().route_read_timeouts
    assert timeouts["/v1/integrations"] > _most(
        IntegrationsSettings, "connect_check_timeout_seconds"
    )


def test_registering_a_database_is_waited_for_as_long_as_its_checks_may_take() -> None:
    timeouts = GatewaySettings().route_read_timeouts
    assert timeouts["/v1/byod"] > _most(ByodSettings, "byod_register_deadline_seconds")
    assert timeouts["/v1/byod"] > PREVIEW_SECONDS


def test_a_calendar_write_is_waited_for_as_long_as_the_server_may_take() -> None:
    timeouts = GatewaySettings().route_read_timeouts
    write_timeout = 2 * IntegrationsSettings().connector_timeout_seconds
    assert timeouts["/v1/calendar"] > write_timeout


def test_a_memory_write_that_waits_for_its_job_is_waited_for() -> None:
    """A wait=true write under load took longer than the default 10 s: clients got a 504 for
    a memory that was stored (found by the scale-out test)."""
    timeouts = GatewaySettings().route_read_timeouts
    assert timeouts["/v1/memories"] > MemorySettings().ingestion_wait_timeout_seconds
