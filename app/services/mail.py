"""Outgoing email: SMTP when configured, otherwise written to the log."""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

log = logging.getLogger("mentor_ready.mail")

# Link tokens are 43 URL-safe characters; anything that long and random-looking is one.
_TOKEN = re.compile(r"([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{28,}")


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send mail."""

    server: str
    port: int
    username: str
    password: str
    use_tls: bool
    sender: str
    # In production a log is no place for a working link: tokens are cut short there.
    redact_logged_tokens: bool = False


def settings_from(config: Mapping[str, Any]) -> MailSettings:
    """Mail settings from the app's configuration."""
    return MailSettings(
        server=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config["MAIL_USERNAME"],
        password=config["MAIL_PASSWORD"],
        use_tls=config["MAIL_USE_TLS"],
        sender=config["MAIL_SENDER"],
        redact_logged_tokens=config.get("ENV_NAME") == "production",
    )


def redact_tokens(text: str) -> str:
    """`text` with every link token cut to its first four characters."""
    return _TOKEN.sub(r"\1…[redacted]", text)


def send_mail(settings: MailSettings, to: str, subject: str, body: str) -> None:
    """Send a plain-text message, or log it when no SMTP server is configured."""
    if not settings.server:
        if settings.redact_logged_tokens:
            body = redact_tokens(body)
        log.info("Mail to %s\nSubject: %s\n\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.server, settings.port, timeout=10) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message)
