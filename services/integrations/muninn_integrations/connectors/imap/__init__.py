"""IMAP mail (read-only): any provider, with an app password."""

from muninn_integrations.connectors.imap.adapter import ImapConnector
from muninn_integrations.connectors.imap.client import ImapAccount, ImapOptions
from muninn_integrations.connectors.imap.mime import MimeLimits, ParsedMail, parse_message

__all__ = [
    "ImapAccount",
    "ImapConnector",
    "ImapOptions",
    "MimeLimits",
    "ParsedMail",
    "parse_message",
]
