"""Confirming an e-mail address before anything else is sent to it.

Without this, anyone could make the scheduler mail whatever address they type (a relay for
spam under the operator's name). A new address gets one e-mail carrying a random token; only
its SHA-256 is stored, with an expiry, and the address is used once the token comes back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.problems import ProblemError

from muninn_scheduler.delivery.email import EmailSender
from muninn_scheduler.delivery.webhook import DeliveryError
from muninn_scheduler.notifications.models import ChannelSettings, EmailSettings

SUBJECT = "Confirm your e-mail address for Muninn notifications"

# Confirmation e-mails a user can have sent in a day: changing the address back and forth
# must not turn the confirmation itself into a way of mailing strangers.
CONFIRMATIONS_PER_DAY = 5


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class EmailState:
    """What a channel-settings update decides about the e-mail address."""

    confirmed: bool
    pending: dict[str, Any] | None = None  # stored beside the settings: hash, expiry, address
    token: str | None = None  # a fresh token to send; never stored
    sent: tuple[datetime, ...] = ()  # confirmation e-mails of the last day, this one included


class EmailConfirmations:
    def __init__(
        self, sender: EmailSender | None, *, link_template: str | None, ttl: timedelta
    ) -> None:
        self._sender = sender
        self._link_template = link_template
        self._ttl = ttl

    def decide(
        self,
        current_doc: dict[str, Any] | None,
        current: ChannelSettings,
        wanted: EmailSettings | None,
        now: datetime,
    ) -> EmailState:
        if wanted is None:
            return EmailState(confirmed=False)
        address = str(wanted.address)
        same = current.email is not None and str(current.email.address).lower() == address.lower()
        if same and current.email_confirmed:
            return EmailState(confirmed=True)
        pending = (current_doc or {}).get("email_confirmation")
        if same and pending and pending["expires_at"] > now:
            return EmailState(confirmed=False, pending=pending)
        if self._sender is None:  # no SMTP server: the address waits, unconfirmed
            return EmailState(confirmed=False)
        day_ago = now - timedelta(days=1)
        sent = sorted(
            moment
            for moment in (current_doc or {}).get("email_confirmations_sent", [])
            if moment > day_ago
        )
        if len(sent) >= CONFIRMATIONS_PER_DAY:
            wait = sent[-CONFIRMATIONS_PER_DAY] + timedelta(days=1) - now
            raise ProblemError(
                429,
                "Too many confirmation e-mails today; try again later.",
                code="too-many-confirmations",
                headers={"Retry-After": str(max(1, int(wait.total_seconds())))},
            )
        token = secrets.token_urlsafe(32)
        return EmailState(
            confirmed=False,
            pending={
                "token_hash": token_hash(token),
                "expires_at": now + self._ttl,
                "address": address,
            },
            token=token,
            sent=(*sent, now),
        )

    async def send(self, address: str, token: str) -> None:
        assert self._sender is not None  # decide() hands out tokens only with a sender
        hours = int(self._ttl.total_seconds() // 3600)
        if self._link_template:
            how = f"To confirm, open this link:\n\n{self._link_template.format(token=token)}"
        else:
            how = f"To confirm, enter this code in your Muninn app:\n\n{token}"
        text = (
            "Someone, hopefully you, asked Muninn to send notifications to this address.\n\n"
            f"{how}\n\nIt expires in {hours} hours. If this was not you, ignore this e-mail: "
            "nothing else will be sent to you.\n"
        )
        try:
            await self._sender.send(
                address, SUBJECT, text, message_id=f"confirm.{secrets.token_hex(8)}"
            )
        except DeliveryError:
            raise ProblemError(
                503,
                "The confirmation e-mail could not be sent; nothing was saved. Try again later.",
                code="email-unavailable",
            ) from None
