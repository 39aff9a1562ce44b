"""The services the dev stack starts pace their fetches only against the packaged broker."""

from __future__ import annotations

from muninn_devstack.topology import PACE_EMPTY_FETCHES_ENV, StackConfig
from muninn_shared.settings import SERVICE_NAMES, ServiceSettings


def stack(*, development_broker: bool) -> StackConfig:
    return StackConfig(
        kafka_bootstrap="127.0.0.1:19092",
        mongo_uri="mongodb://127.0.0.1:27027/?directConnection=true",
        development_broker=development_broker,
    )


def test_services_on_the_packaged_broker_pace_empty_fetches() -> None:
    config = stack(development_broker=True)
    for service in SERVICE_NAMES:
        env = config.env_for(service)
        assert env[PACE_EMPTY_FETCHES_ENV] == "true"


def test_services_on_a_real_broker_do_not() -> None:
    config = stack(development_broker=False)
    assert all(PACE_EMPTY_FETCHES_ENV not in config.env_for(s) for s in SERVICE_NAMES)


def test_the_variable_is_the_setting() -> None:
    field = PACE_EMPTY_FETCHES_ENV.removeprefix("MUNINN_").lower()
    assert field in ServiceSettings.model_fields
