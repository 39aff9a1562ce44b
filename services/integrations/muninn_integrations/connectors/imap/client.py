"""One IMAP session over aioimaplib: a guarded connection, LOGIN, read-only commands, and
every failure turned into the port's errors with nothing secret in them."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import aioimaplib
from muninn_shared.logging import get_logger
from muninn_shared.outbound import OutboundGuard, OutboundRefusedError

from muninn_integrations.connectors.imap.mime import MimeLimits
from muninn_integrations.connectors.imap.responses import (
    FetchedMessage,
    ListedMailbox,
    MailboxStatus,
    parse_fetch,
    parse_list,
    parse_search,
    parse_status,
    quote,
)
from muninn_integrations.connectors.port import (
    AddressRefusedError,
    CredentialsRejectedError,
    SourceRejectedError,
    SourceUnavailableError,
)

log = get_logger(__name__)

# aioimaplib logs every line sent and received at DEBUG: mail content, and LOGIN's password
# whenever quoting changed it (a quote or backslash in it) so that its scrubbing misses.
logging.getLogger("aioimaplib").setLevel(logging.WARNING)

UNREACHABLE = "The mail server could not be reached; trying again later."
REJECTED = "The mail server refused the user name or app password."
BAD_CERTIFICATE = "The mail server's TLS certificate is not valid for its name."
PLAIN_REFUSED = (
    "The mail server must be reached over TLS (the operator has not allowed plain IMAP)."
)
_CHANGE_PUSHES = (b"EXISTS", b"EXPUNGE", b"VANISHED")
_MESSAGES = re.compile(rb"MESSAGES (\d+)")
_LINE_BREAKING = re.compile(r"[\x00\r\n]")


@dataclass(frozen=True)
class ImapAccount:
    host: str
    username: str
    password: str = field(repr=False)
    port: int | None = None  # 993 with TLS, 143 without
    tls: bool = True

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.tls else 143)


@dataclass(frozen=True)
class ImapOptions:
    """Operator and sync settings. ``mailboxes`` names mailboxes, or special-use flags
    (``\\Sent``) that match whatever the server calls its sent folder; by default the inbox
    and the sent folder (flagged ``\\Sent``, or named Sent where the server flags none)."""

    mailboxes: tuple[str, ...] = ("INBOX", "\\Sent", "Sent")
    allow_plaintext: bool = False
    timeout: float = 30.0
    max_message_bytes: int = 10 * 1024 * 1024
    truncated_header_bytes: int = 256 * 1024
    truncated_text_bytes: int = 256 * 1024
    fetch_batch_bytes: int = 8 * 1024 * 1024
    mime: MimeLimits = field(default_factory=MimeLimits)
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)


class _CheckedAddressIMAP4(aioimaplib.IMAP4):  # type: ignore[misc]
    """IMAP4 (or IMAP4_SSL with a context) to an address the guard checked, while TLS still
    verifies the certificate against the host name the user gave."""

    def __init__(
        self,
        address: str,
        port: int,
        timeout: float,
        ssl_context: ssl.SSLContext | None,
        server_hostname: str,
    ) -> None:
        self._server_hostname = server_hostname
        self.lost = False
        super().__init__(host=address, port=port, timeout=timeout, ssl_context=ssl_context)

    def _connection_lost(self, _: Exception | None) -> None:
        self.lost = True

    def create_client(
        self, host: str, port: int, loop: Any, conn_lost_cb: Any = None, ssl_context: Any = None
    ) -> None:
        running = asyncio.get_running_loop()
        self.protocol = aioimaplib.IMAP4ClientProtocol(running, self._connection_lost)
        tls: dict[str, Any] = (
            {"ssl": ssl_context, "server_hostname": self._server_hostname} if ssl_context else {}
        )
        self._client_task = running.create_task(
            running.create_connection(lambda: self.protocol, host, port, **tls)
        )


@asynccontextmanager
async def source_errors() -> AsyncIterator[None]:
    """Network and protocol failures as SourceUnavailableError; the library's own text can
    carry command arguments, so it is neither chained nor logged."""
    try:
        yield
    except (OSError, TimeoutError, aioimaplib.AioImapException, ValueError, IndexError) as exc:
        log.warning("imap.unavailable", error=type(exc).__name__)
        raise SourceUnavailableError(UNREACHABLE) from None


class ImapSession:
    def __init__(self, client: Any, timeout: float) -> None:
        self._client = client
        self._timeout = timeout
        self.capabilities: frozenset[str] = frozenset()

    @classmethod
    async def open(
        cls, account: ImapAccount, options: ImapOptions, guard: OutboundGuard
    ) -> ImapSession:
        if not account.tls and not options.allow_plaintext:
            raise SourceRejectedError(PLAIN_REFUSED)
        port = account.effective_port
        try:
            addresses = await guard.addresses(account.host, port)
        except OutboundRefusedError as refused:
            log.warning("imap.host_refused", reason=refused.reason)
            raise AddressRefusedError(refused.public_message) from None
        context = (options.ssl_context or ssl.create_default_context()) if account.tls else None
        session: ImapSession | None = None
        async with source_errors():
            for position, address in enumerate(addresses):
                client = _CheckedAddressIMAP4(
                    str(address), port, options.timeout, context, account.host
                )
                try:
                    await client.wait_hello_from_server()
                except ssl.SSLCertVerificationError:
                    _close_transport(client)
                    raise SourceRejectedError(BAD_CERTIFICATE) from None
                except (OSError, TimeoutError):
                    _close_transport(client)
                    if position == len(addresses) - 1:
                        raise
                    continue
                session = cls(client, options.timeout)
                break
        assert session is not None
        await session._login(account)
        return session

    async def _login(self, account: ImapAccount) -> None:
        if _LINE_BREAKING.search(account.username + account.password):
            await self.close()
            raise CredentialsRejectedError(REJECTED)
        try:
            async with source_errors():
                response = await self._client.login(quote(account.username), account.password)
        except SourceUnavailableError:
            await self.close()
            raise
        if response.result != "OK":
            await self.close()
            if any(b"UNAVAILABLE" in bytes(line) for line in response.lines):
                raise SourceUnavailableError(UNREACHABLE)
            raise CredentialsRejectedError(REJECTED)
        async with source_errors():
            # LOGIN's own CAPABILITY code is split badly by aioimaplib; ask again.
            await asyncio.wait_for(self._client.protocol.capability(), self._timeout)
        self.capabilities = frozenset(cap.upper() for cap in self._client.protocol.capabilities)

    @property
    def usable(self) -> bool:
        state = self._client.get_state()
        return not self._client.lost and state in (aioimaplib.AUTH, aioimaplib.SELECTED)

    async def list_mailboxes(self) -> list[ListedMailbox]:
        return parse_list(await self._ok(self._client.list('""', "*")))

    async def message_count(self, mailbox: str) -> int:
        lines = await self._ok(self._client.status(quote(mailbox), "(MESSAGES)"))
        for line in lines[:-1]:
            found = _MESSAGES.search(bytes(line))
            if found:
                return int(found.group(1))
        return 0

    async def examine(self, mailbox: str) -> MailboxStatus | None:
        """Open ``mailbox`` read-only; None when the server says it does not exist."""
        argument = quote(mailbox) + (" (CONDSTORE)" if "CONDSTORE" in self.capabilities else "")
        async with source_errors():
            response = await self._client.examine(argument)
        if response.result != "OK":
            return None
        # aioimaplib only tracks SELECT; EXAMINE opens the mailbox the same way, read-only.
        self._client.protocol.state = aioimaplib.SELECTED
        async with source_errors():
            return parse_status(response.lines)

    async def uid_fetch(self, uids: Sequence[int] | str, items: str) -> list[FetchedMessage]:
        uid_set = uids if isinstance(uids, str) else ",".join(str(uid) for uid in uids)
        return parse_fetch(await self._ok(self._client.uid("fetch", uid_set, items)))

    async def uid_search(self, low: int, high: int) -> list[int]:
        lines = await self._ok(self._client.uid_search("UID", f"{low}:{high}", charset=None))
        return [uid for uid in parse_search(lines) if low <= uid <= high]

    async def idle(self, timeout: float, listening: asyncio.Event | None = None) -> bool:
        """Wait in IDLE until the open mailbox gains or loses a message, or ``timeout``."""
        async with source_errors():
            idling = await self._client.idle_start(timeout=timeout)
            if listening is not None:
                listening.set()
            changed = False
            try:
                while not changed:
                    pushed = await self._client.wait_server_push(timeout=timeout + self._timeout)
                    if pushed == aioimaplib.STOP_WAIT_SERVER_PUSH:
                        break
                    changed = any(word in bytes(line) for line in pushed for word in _CHANGE_PUSHES)
            finally:
                self._client.idle_done()
                await asyncio.wait_for(idling, self._timeout)
            return changed

    async def close(self) -> None:
        with suppress(Exception):
            if self.usable:
                await asyncio.wait_for(self._client.logout(), min(self._timeout, 5.0))
        _close_transport(self._client)

    async def _ok(self, command: Any) -> list[Any]:
        async with source_errors():
            response = await asyncio.wait_for(command, self._timeout * 4)
        if response.result != "OK":
            log.warning("imap.command_refused", result=response.result)
            raise SourceUnavailableError(UNREACHABLE)
        return list(response.lines)


def _close_transport(client: Any) -> None:
    transport = getattr(client.protocol, "transport", None)
    if transport is not None:
        transport.close()
