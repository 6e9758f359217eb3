"""The funder summary: the federal mentoring performance measures over any date range.

Mentors recruited, the share completing training, the share whose knowledge increased from
pre-check to first pass, mentors matched, and matches lasting 6 and 12 months. Counts only, never
a name, so the summary and its CSV can go to a funder as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.models import Certificate, Match, MatchMentor, User
from app.services.certificates import add_months
from app.services.csv_export import Column, words_for
from app.services.reports import DateRange, gain_pairs


@dataclass(frozen=True)
class Share:
    """`part` of `whole`, with the share when there is anything to divide."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        """The share in percent, or None when the whole is zero."""
        return 100 * self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class FunderSummary:
    """The performance measures for one date range."""

    date_range: DateRange
    recruited: int
    completed_training: Share
    knowledge_increased: Share
    mentors_matched: int
    matches_started: int
    lasted_6_months: Share
    lasted_12_months: Share


def _recruited(session: Session, span: DateRange) -> list[int]:
    return list(
        session.scalars(
            sa.select(User.id).where(
                User.role == "mentor", User.created_at >= span.lower, User.created_at < span.upper
            )
        )
    )


def _certified_by(session: Session, ids: list[int], span: DateRange) -> int:
    if not ids:
        return 0
    return (
        session.scalar(
            sa.select(sa.func.count(sa.distinct(Certificate.user_id))).where(
                Certificate.user_id.in_(ids), Certificate.issued_at < span.upper
            )
        )
        or 0
    )


def _knowledge(session: Session, span: DateRange) -> Share:
    """Mentors whose first passes in the range beat their pre-checks on average."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for user_id, _slug, precheck, passing in gain_pairs(
        session, date_from=span.start, date_to=span.end
    ):
        totals[user_id][0] += precheck
        totals[user_id][1] += passing
    return Share(sum(post > pre for pre, post in totals.values()), len(totals))


def _lasting(matches: list[Match], months: int, today: date) -> Share:
    """Of the matches old enough to have lasted `months`, those that did (or still run)."""
    measured = [m for m in matches if add_months(m.started_on, months) <= today]
    lasted = [
        m for m in measured if m.ended_on is None or m.ended_on >= add_months(m.started_on, months)
    ]
    return Share(len(lasted), len(measured))


def funder_summary(session: Session, date_from: date, date_to: date, today: date) -> FunderSummary:
    """The performance measures for mentors recruited and matches started in the range."""
    span = DateRange(date_from, date_to)
    recruited = _recruited(session, span)
    matches = list(
        session.scalars(
            sa.select(Match).where(Match.started_on >= span.start, Match.started_on <= span.end)
        )
    )
    matched_mentors = (
        session.scalar(
            sa.select(sa.func.count(sa.distinct(MatchMentor.user_id))).where(
                MatchMentor.match_id.in_([m.id for m in matches])
            )
        )
        if matches
        else 0
    )
    return FunderSummary(
        date_range=span,
        recruited=len(recruited),
        completed_training=Share(_certified_by(session, recruited, span), len(recruited)),
        knowledge_increased=_knowledge(session, span),
        mentors_matched=matched_mentors or 0,
        matches_started=len(matches),
        lasted_6_months=_lasting(matches, 6, today),
        lasted_12_months=_lasting(matches, 12, today),
    )


# Every key is documented in docs/csv-columns.md; a key never changes once released.
MEASURES = {
    "mentors_recruited": _l("Mentors recruited"),
    "completed_training": _l("Completed training"),
    "knowledge_increased": _l("Knowledge increased"),
    "mentors_matched": _l("Mentors matched"),
    "matches_lasting_6_months": _l("Matches lasting 6 months"),
    "matches_lasting_12_months": _l("Matches lasting 12 months"),
}
COLUMNS = (
    Column("measure", _l("Measure"), words_for(MEASURES)),
    Column("count", _l("Count")),
    Column("out_of", _l("Out of")),
    Column("percent", _l("Percent")),
    Column("definition", _l("Definition")),
)
DEFINITIONS = {
    "mentors_recruited": _l("Mentor accounts registered in the range."),
    "completed_training": _l(
        "Of the mentors recruited in the range, those holding a certificate by the end of the "
        "range."
    ),
    "knowledge_increased": _l(
        "Of the mentors with a pre-check and a first pass in the range, those whose first-pass "
        "scores beat their pre-check scores (summed over their modules)."
    ),
    "mentors_matched": _l("Mentors in a match that started in the range."),
    "matches_lasting_6_months": _l(
        "Of the matches started in the range that began 6 months ago or more, those that lasted "
        "6 months (ended later, or still open)."
    ),
    "matches_lasting_12_months": _l("The same for 12 months."),
}


def rows(summary: FunderSummary) -> Iterator[list[Any]]:
    """The summary as CSV rows: measure, count, out of, percent, definition (a lazy string: in
    the reader's language, or English in the keyed file)."""

    def share(name: str, value: Share) -> list[Any]:
        percent = "" if value.percent is None else f"{value.percent:.1f}"
        return [name, value.part, value.whole, percent, DEFINITIONS[name]]

    yield ["mentors_recruited", summary.recruited, "", "", DEFINITIONS["mentors_recruited"]]
    yield share("completed_training", summary.completed_training)
    yield share("knowledge_increased", summary.knowledge_increased)
    yield [
        "mentors_matched",
        summary.mentors_matched,
        "",
        "",
        DEFINITIONS["mentors_matched"],
    ]
    yield share("matches_lasting_6_months", summary.lasted_6_months)
    yield share("matches_lasting_12_months", summary.lasted_12_months)
