"""Dates people type (one plausible range for every date field and filter) and dates they read."""

from __future__ import annotations

import functools
import re
from datetime import date

from babel.dates import format_date as babel_format_date
from flask_babel import get_locale, gettext

from app.content.translations import SOURCE_LANGUAGE

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
        raise ValueError(
            gettext("Enter the %(label)s date as YYYY-MM-DD, for example 2026-01-31.", label=label)
        )
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            gettext(
                "The %(label)s date %(text)s does not exist on the calendar.",
                label=label,
                text=text,
            )
        ) from None
    if not EARLIEST_DAY.year <= day.year <= latest_year:
        raise ValueError(
            gettext(
                "The %(label)s date must be between %(first)s and %(last)s.",
                label=label,
                first=EARLIEST_DAY.year,
                last=latest_year,
            )
        )
    return day


def past_day_problem(day: date, today: date) -> str | None:
    """Why `day` cannot be the date something happened (before 2000 or after today), or None."""
    if day > today:
        return gettext("The date cannot be in the future.")
    if day < EARLIEST_DAY:
        return gettext("The date must be between %(day)s and today.", day=EARLIEST_DAY.isoformat())
    return None


@functools.lru_cache(maxsize=4096)
def long_date(day: date, language: str) -> str:
    """`day` in words in `language` (a key of LANGUAGES): "5 March 2026", "5 de marzo de 2026"."""
    return babel_format_date(
        day, ENGLISH_LONG_DATE if language == SOURCE_LANGUAGE else "long", locale=language
    )


def long_day(day: date) -> str:
    """`day` in words in the reader's language (the request's, or the one an e-mail is written
    in); English outside a request."""
    locale = get_locale()
    return long_date(day, locale.language if locale is not None else SOURCE_LANGUAGE)
