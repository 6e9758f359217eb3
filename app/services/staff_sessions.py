"""How long a staff session lasts, and when a sensitive action asks for the password again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)
REAUTHENTICATE_AFTER = timedelta(minutes=15)
# Between the password and the second factor: long enough to open the app, short for a stolen tab.
PENDING_LIMIT = timedelta(minutes=5)

# Lazy: each is read in the language of the page that flashes it.
IDLE_MESSAGE = lazy_gettext(
    "You were signed out after 30 minutes without activity. Please sign in again."
)
ABSOLUTE_MESSAGE = lazy_gettext("Staff sessions last at most 12 hours. Please sign in again.")


def timestamp(moment: datetime) -> int:
    """A moment as whole seconds since the epoch, the form kept in the session cookie."""
    return int(moment.timestamp())


def moment(value: object) -> datetime | None:
    """A timestamp read back from the session; None when missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)


def expiry_reason(
    signed_in_at: datetime | None, last_seen: datetime | None, now: datetime
) -> object | None:
    """Why a staff session has ended (idle, too old, or never completed), or None if it goes on."""
    if signed_in_at is None or last_seen is None:
        # No record of a full sign-in (an old cookie, a remember-me cookie): sign in again.
        return ABSOLUTE_MESSAGE
    if now - signed_in_at >= ABSOLUTE_LIMIT:
        return ABSOLUTE_MESSAGE
    if now - last_seen >= IDLE_LIMIT:
        return IDLE_MESSAGE
    return None


def needs_password(authenticated_at: datetime | None, now: datetime) -> bool:
    """Whether a sensitive action must first ask for the password again."""
    return authenticated_at is None or now - authenticated_at >= REAUTHENTICATE_AFTER


def pending_expired(started_at: datetime | None, now: datetime) -> bool:
    """Whether a sign-in waiting for its second factor has waited too long."""
    return started_at is None or now - started_at >= PENDING_LIMIT
