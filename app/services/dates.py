"""Dates people type (one plausible range for every date field and filter) and dates they read."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date as babel_format_date

# Nothing this program records (screening, matches, audit events) happened before 2000; a year
# such as 0001 or 9999 is a typing slip, and 9999-12-31 has no next day to search up to.
EARLIEST_DAY = date(2000, 1, 1)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# English keeps the house style, day first ("5 March 2026"); another language takes its own long
# date from Babel ("5 de marzo de 2026").
ENGLISH_LONG_DATE = "d MMMM y"


def parse_day(text: str, label: str, latest_year: int) -> date:
    """A YYYY-MM-DD date from 2000 to `latest_year`; ValueError with a plain message otherwise."""
    # fromisoformat alone would also accept "20260101" and week dates; people type YYYY-MM-DD.
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"Enter the {label} date as YYYY-MM-DD, for example 2026-01-31.")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"The {label} date {text} does not exist on the calendar.") from None
    if not EARLIEST_DAY.year <= day.year <= latest_year:
        raise ValueError(f"The {label} date must be between {EARLIEST_DAY.year} and {latest_year}.")
    return day


def past_day_problem(day: date, today: date) -> str | None:
    """Why `day` cannot be the date something happened (before 2000 or after today), or None."""
    if day > today:
        return "The date cannot be in the future."
    if day < EARLIEST_DAY:
        return f"The date must be between {EARLIEST_DAY.isoformat()} and today."
    return None


def long_date(day: date, language: str) -> str:
    """`day` in words in `language` (a key of LANGUAGES): "5 March 2026", "5 de marzo de 2026"."""
    return babel_format_date(
        day, ENGLISH_LONG_DATE if language == "en" else "long", locale=language
    )
