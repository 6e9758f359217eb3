"""Dates written the way the reader's language writes them (Babel), for pages and e-mails.

The locale is Flask-Babel's: the request's language on a page, the recipient's inside
`force_locale` when an e-mail is written. CSV files and the API keep ISO dates and never call these.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from babel import Locale
from flask_babel import get_locale

from app.content.translations import SOURCE_LANGUAGE
from app.services.dates import long_date


def _locale() -> Locale:
    """The locale dates are written in: the reader's (or the one an e-mail is forced to)."""
    return get_locale() or Locale.parse(SOURCE_LANGUAGE)


def _day(value: date, locale: Locale) -> str:
    return long_date(value, locale.language)


def format_datetime(value: datetime | None, zone: tzinfo = UTC) -> str:
    """A date and time people read easily, in `zone` (the program's time zone on pages), written
    the way the reader's language writes dates; the zone keeps its usual abbreviation (EST)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # stored times are UTC
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(zone)
    locale = _locale()
    return f"{_day(value.date(), locale)}, {value:%H:%M %Z}"


def format_date(value: Any, zone: tzinfo = UTC) -> str:
    """A date people read easily, in the reader's language; a moment in time becomes its date in
    `zone`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone).date()
    return _day(value, _locale())
