"""The IMAP connector's refusals before any network (no network)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from muninn_integrations.connectors.imap import ImapAccount, ImapConnector, ImapOptions
from muninn_integrations.connectors.port import SourceRejectedError
from muninn_shared.outbound import OutboundGuard, OutboundPolicy

SECRET = "s3cret-app-password"


def account(host: str = "127.0.0.1", *, tls: bool = True) -> ImapAccount:
    return ImapAccount(host=host, username="ana", password=SECRET, port=1, tls=tls)


async def test_a_private_host_is_refused_by_the_guard() -> None:
    mail = ImapConnector(account("10.1.2.3"), OutboundGuard())
    with pytest.raises(SourceRejectedError) as refused:
        await mail.check()
    assert "public internet" in refused.value.public_message


async def test_plain_imap_needs_the_operator() -> None:
    allowed = OutboundGuard(OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),)))
    mail = ImapConnector(account(tls=False), allowed, ImapOptions(allow_plaintext=False))
    with pytest.raises(SourceRejectedError) as refused:
        await mail.changes(None, page_size=10)
    assert "TLS" in refused.value.public_message


def test_the_password_never_shows() -> None:
    mail = ImapConnector(account(), OutboundGuard())
    assert SECRET not in repr(account())
    assert SECRET not in repr(mail)
