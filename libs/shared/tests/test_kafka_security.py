"""Kafka clients authenticate with SCRAM over TLS when the settings say so, both the same way."""

from __future__ import annotations

import ssl

import certifi
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from faststream.security import SASLScram256, SASLScram512
from muninn_shared.messaging.broker import create_broker
from muninn_shared.messaging.security import (
    KafkaCredentialsMissingError,
    admin_client_options,
    kafka_security,
)
from muninn_shared.settings import ServiceSettings
from pydantic import SecretStr


def test_the_local_stack_stays_plaintext() -> None:
    settings = ServiceSettings()
    assert settings.kafka_security_protocol == "PLAINTEXT"
    assert kafka_security(settings) is None
    assert admin_client_options(None) == {}


async def test_scram_over_tls_reaches_the_broker_and_the_admin_client() -> None:
    settings = ServiceSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="memory",
        kafka_sasl_password=SecretStr("s3cret"),
        kafka_ssl_ca_file=certifi.where(),
    )
    security = kafka_security(settings)
    assert isinstance(security, SASLScram512)
    assert security.use_ssl
    context = security.ssl_context
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname

    options = admin_client_options(security)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "memory"
    assert options["sasl_plain_password"] == "s3cret"
    assert options["ssl_context"] is context
    # Both clients accept them as they are.
    AIOKafkaAdminClient(bootstrap_servers="kafka:9092", **options)
    create_broker("kafka:9092", client_id="t", tracer_provider=None, security=security)


def test_the_mechanism_and_plaintext_sasl_are_honoured() -> None:
    security = kafka_security(
        ServiceSettings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="SCRAM-SHA-256",
            kafka_sasl_username="byod",
            kafka_sasl_password=SecretStr("pw"),
        )
    )
    assert isinstance(security, SASLScram256)
    assert admin_client_options(security)["security_protocol"] == "SASL_PLAINTEXT"


def test_sasl_without_credentials_is_refused_at_start() -> None:
    settings = ServiceSettings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="memory")
    with pytest.raises(KafkaCredentialsMissingError, match="MUNINN_KAFKA_SASL_PASSWORD"):
        kafka_security(settings)
