"""The product's words for stored codes, in the reader's language, for pages and CSV headers.

Stored values and the API stay English or codes; these tables turn them into words only when they
are shown. Each is a lazy string, so it reads in the language of the request that shows it (and
English in a keyed CSV export, which is written with the English locale).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from flask_babel import format_decimal, get_locale, gettext
from flask_babel import lazy_gettext as _l

from app.content.translations import SOURCE_LANGUAGE
from app.labels import MENTOR_TYPE_LABELS
from app.labels import MODULE_STATUS as MODULE_STATUS_LABELS
from app.services.dates import long_day
from app.services.standing import (
    CERTIFICATE_STATUS_LABELS,
    MODULE_STATUS,
    REASON_TEXT,
    REFRESHER_LABELS,
)

YES_NO = {"yes": _l("yes"), "no": _l("no")}
# The same words the mentor's own pages use (escaped like any string in a template).
MENTOR_TYPE_WORDS = MENTOR_TYPE_LABELS
# A certificate's status as a CSV cell ("none": no certificate yet).
CERTIFICATE_STATUS_CODES = {
    "none": _l("none"),
    "valid": _l("valid"),
    "expired": _l("expired"),
    "suspended": _l("suspended"),
    "revoked": _l("revoked"),
}
CERTIFICATE_STATUS_WORDS = {
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
}
NO_CERTIFICATE = _l("None")
MATCH_MODEL_WORDS = {
    "one_to_one": _l("One-to-one"),
    "group": _l("Group"),
    "team": _l("Team"),
    "e_mentoring": _l("E-mentoring"),
    "blended": _l("Blended"),
}
MATCH_MODEL_RULE_WORDS = {
    "one_to_one": _l("One-to-one"),
    "group": _l("Group (one mentor, 2–4 youth)"),
    "team": _l("Team (2 or more mentors, 2 or more youth)"),
    "e_mentoring": _l("E-mentoring (one mentor, one youth, online)"),
    "blended": _l("Blended (one-to-one youth who also meets in a group)"),
}
# The eligibility reasons of `standing.REASON_TEXT`, by code, with the same placeholders.
REASON_WORDS = {
    "inactive": _l("Account is deactivated."),
    "no_certificate": _l("No certificate yet: training not finished."),
    "path_not_covered": _l(
        "Certificate does not cover this mentor type's path: %(missing)s still to pass."
    ),
    "certificate_expired": _l("Certificate expired."),
    "certificate_suspended": _l("Certificate suspended."),
    "certificate_revoked": _l("Certificate revoked."),
    "refresher_overdue": _l(
        "Refresher overdue: %(modules)s changed and the refresher was due by %(due)s."
    ),
    "pending": _l("%(step)s: pending."),
    "not_cleared": _l("%(step)s: not cleared."),
    "in_person_hours": _l("In-person training: %(done)s of %(needed)s hours."),
}


def _pattern(template: str) -> re.Pattern[str]:
    """A pattern that reads the values back out of a text made from `template`."""
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile(
        "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.*)"
            for index, part in enumerate(parts)
        )
        + r"\Z",
        re.DOTALL,
    )


_REASON_PATTERNS = {code: _pattern(template) for code, template in REASON_TEXT.items()}


def reason(code: str, text: str) -> str:
    """One stored eligibility reason ([code, English text]) in the reader's language.

    The values inside the text (module titles, a step's name, a date) are read back from the
    stored text by the English template; a text that does not fit it is shown as stored.
    """
    base = code.split(":", 1)[0]
    if _english() or base not in REASON_WORDS:
        return text
    found = _REASON_PATTERNS[base].match(text)
    if found is None:
        return text
    values = found.groupdict()
    if "due" in values:
        values["due"] = _day(values["due"])
    return str(REASON_WORDS[base]) % values


def _english() -> bool:
    return str(get_locale() or SOURCE_LANGUAGE) == SOURCE_LANGUAGE


def decimal(value: float, digits: int = 1, *, trim: bool = False) -> str:
    """A figure with `digits` decimals (`trim`: without trailing zeros), for the reader's locale.

    English keeps the plain form pages always had ("1234.5"); another language takes Babel's
    decimal sign, without grouping ("1234,5").
    """
    value = float(value)  # a stored Decimal("2.0") reads "2", as "%g" always wrote it
    if _english():
        return f"{value:g}" if trim else f"{value:.{digits}f}"
    return format_decimal(value, "0." + ("#" if trim else "0") * digits)


def _day(text: str) -> str:
    """A day stored as English words ("5 March 2026") written for the reader."""
    try:
        return long_day(datetime.strptime(text, "%d %B %Y").date())
    except ValueError:
        return text


# The same words as the mentor's own My training page.
MODULE_STATUS_WORDS = MODULE_STATUS_LABELS
_MODULE_STATUS_CODES = {text: code for code, text in MODULE_STATUS.items()}
_STATUS_CODES = {text: code for code, text in CERTIFICATE_STATUS_LABELS.items()}
_REFRESHER_DUE = _pattern(REFRESHER_LABELS["due"])


def module_status(text: str) -> str:
    """A module's state (`ModuleState.status`, English words) in the reader's language."""
    code = _MODULE_STATUS_CODES.get(text)
    return text if _english() or code is None else str(MODULE_STATUS_WORDS[code])


def certificate_label(text: str | None) -> str:
    """A stored certificate label (a status, or a refresher due or overdue) for the reader."""
    if not text or _english():
        return text or ""
    if text == REFRESHER_LABELS["overdue"]:
        return gettext("Refresher overdue")
    if text in _STATUS_CODES:
        return str(CERTIFICATE_STATUS_WORDS[_STATUS_CODES[text]])
    found = _REFRESHER_DUE.match(text)
    if found is not None:
        return gettext("Refresher due by %(due)s", due=_day(found["due"]))
    return text


def reasons(pairs: Iterable[Iterable[str]]) -> list[str]:
    """Stored reasons ([code, text] pairs) in the reader's language."""
    return [reason(code, text) for code, text in pairs]


def word(table: Mapping[str, object], code: str | None, default: str = "") -> str:
    """`table`'s word for `code` as text, the code itself when the table lacks it."""
    if not code:
        return default
    return str(table[code]) if code in table else code


class ShownReasons:
    """A CSV cell of reasons: read when written, so it follows the locale the file is written in."""

    def __init__(self, pairs: Iterable[Iterable[str]]) -> None:
        self.pairs = [tuple(pair) for pair in pairs]

    def __str__(self) -> str:
        return "; ".join(reasons(self.pairs))


# The roster's filters and sorts (`roster.SORTS`, `CERTIFICATE_FILTERS`, `YES_NO`, `STAGES`).
ROSTER_SORTS = {
    "name": _l("Name"),
    "registered": _l("Registration date"),
    "progress": _l("Progress"),
    "expiry": _l("Certificate expiry"),
    "waiting": _l("Waiting longest"),
}
ROSTER_CERTIFICATES = {
    "none": _l("No certificate"),
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
}
ROSTER_YES_NO = {"yes": _l("Yes"), "no": _l("No")}
ROSTER_STAGES = {
    "in_training": _l("In training (started, no valid certificate yet)"),
    "ready": _l("Ready to match (eligible, not in an open match)"),
    "expiring": _l("Certificate expiring within 30 days"),
    "screening": _l("Certified, screening not finished"),
    "stalled": _l("No progress for 30 days"),
    "refresher": _l("Refresher due or overdue (a module changed since their certificate)"),
}
