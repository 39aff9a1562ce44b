"""E-mail over SMTP (STARTTLS when the server offers it)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from muninn_scheduler.delivery.webhook import DeliveryError


def header_text(value: str) -> str:
    """One line of header text: every run of whitespace, line breaks included, becomes one
    space. The e-mail library refuses CR/LF in a header value (it would start a new header,
    e.g. a ``Bcc:``); it folds the long lines this leaves and encodes non-ASCII itself."""
    return " ".join(value.split())


@dataclass(kw_only=True, eq=False, repr=False)
class EmailSender:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    start_tls: bool | None = None
    timeout: float = 10.0

    def message(self, to: str, subject: str, text: str, *, message_id: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = header_text(to)
        message["Subject"] = header_text(subject)
        message["Message-ID"] = f"<{header_text(message_id)}@muninn>"
        message.set_content(text)
        return message

    async def send(self, to: str, subject: str, text: str, *, message_id: str) -> None:
        try:
            message = self.message(to, subject, text, message_id=message_id)
        except (ValueError, TypeError) as exc:
            raise DeliveryError(
                f"the message could not be built ({exc!r})", retryable=False
            ) from None
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"the mail server refused the recipient: {exc}", retryable=False
            ) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"sending e-mail failed ({exc!r})") from None
