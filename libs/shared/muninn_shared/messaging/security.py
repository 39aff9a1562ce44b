"""How a service authenticates to Kafka: nothing locally, SCRAM over TLS when deployed.

One object for both clients a service opens, the FastStream broker and the admin client that
creates topics, so they never disagree on the protocol or the credentials.
"""

from __future__ import annotations

import ssl
from typing import Any

from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLScram256, SASLScram512

from muninn_shared.settings import ServiceSettings


class KafkaCredentialsMissingError(ValueError):
    pass


def kafka_security(settings: ServiceSettings) -> BaseSecurity | None:
    """The broker security the settings ask for; None for plaintext without authentication.

    Checked here rather than when settings load: a process that turns its Kafka use off (a
    gateway without its revocation feed, in tests) needs no credentials.
    """
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = _tls_context(settings) if protocol.endswith("SSL") else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    username = settings.kafka_sasl_username
    password = (
        settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    )
    if not username or not password:
        raise KafkaCredentialsMissingError(
            "MUNINN_KAFKA_SASL_USERNAME and MUNINN_KAFKA_SASL_PASSWORD must be set when "
            f"MUNINN_KAFKA_SECURITY_PROTOCOL is {protocol}"
        )
    scram = SASLScram512 if settings.kafka_sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
    return scram(username, password, ssl_context=context, use_ssl=protocol == "SASL_SSL")


def admin_client_options(security: BaseSecurity | None) -> dict[str, Any]:
    """The same security as keyword arguments of aiokafka's clients."""
    return parse_security(security) if security is not None else {}


def _tls_context(settings: ServiceSettings) -> ssl.SSLContext:
    # Certificates and host names are verified: a CA file only adds the cluster's own CA.
    cafile = str(settings.kafka_ssl_ca_file) if settings.kafka_ssl_ca_file else None
    return ssl.create_default_context(cafile=cafile)
