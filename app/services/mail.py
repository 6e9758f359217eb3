"""Outgoing email: SMTP when configured, otherwise written to the log."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger("mentor_ready.mail")


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send mail."""

    server: str
    port: int
    username: str
    password: str
    use_tls: bool
    sender: str


def send_mail(settings: MailSettings, to: str, subject: str, body: str) -> None:
    """Send a plain-text message, or log it when no SMTP server is configured."""
    if not settings.server:
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
