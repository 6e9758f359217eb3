"""Eligibility to be matched: the one rule every page, report, API and match asks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.content.model import Course
from app.models import Certificate, ScreeningRecord, User, utcnow
from app.services import certificates as certs


@dataclass(frozen=True)
class Reason:
    """Why a mentor is not eligible, worded for staff and, kindly, for the mentor."""

    code: str
    staff_text: str
    mentor_text: str


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the mentor's eligibility checklist."""

    label: str
    done: bool
    text: str


@dataclass(frozen=True)
class Eligibility:
    """The answer: eligible or not, why not, and the checklist behind it."""

    eligible: bool
    reasons: tuple[Reason, ...]
    checklist: tuple[ChecklistItem, ...]
    certificate: Certificate | None
    certificate_status: str | None


def latest_screening(records: Iterable[ScreeningRecord]) -> dict[str, ScreeningRecord]:
    """The record that counts for each step: the latest recorded."""
    latest: dict[str, ScreeningRecord] = {}
    for record in sorted(records, key=lambda r: (r.recorded_at, r.id)):
        latest[record.step] = record
    return latest


def evaluate(
    user: User,
    certificates: Sequence[Certificate],
    screening: Iterable[ScreeningRecord],
    course: Course,
    now: datetime,
) -> Eligibility:
    """Decide eligibility from already-loaded facts; pure, so one and many mentors share it."""
    reasons: list[Reason] = []
    checklist: list[ChecklistItem] = []
    if not user.is_active:
        reasons.append(
            Reason(
                "inactive",
                "Account is deactivated.",
                "Your account is not active. Please contact your coordinator.",
            )
        )

    certificate = _counting_certificate(certificates, now)
    cert_status = certs.status(certificate, now) if certificate else None
    if certificate is None:
        reasons.append(
            Reason(
                "no_certificate",
                "No certificate yet: training not finished.",
                "Finish the training to earn your certificate.",
            )
        )
        checklist.append(
            ChecklistItem(
                "Training certificate", False, "Finish the training to earn your certificate."
            )
        )
    elif cert_status == certs.VALID:
        checklist.append(
            ChecklistItem(
                "Training certificate", True, f"Valid until {certificate.valid_until:%-d %B %Y}."
            )
        )
    elif cert_status == certs.EXPIRED:
        reasons.append(
            Reason(
                "certificate_expired",
                "Certificate expired.",
                "Your certificate has expired. Pass the quizzes again to renew it.",
            )
        )
        checklist.append(
            ChecklistItem(
                "Training certificate", False, "Expired. Pass the quizzes again to renew it."
            )
        )
    elif cert_status == certs.SUSPENDED:
        reasons.append(
            Reason(
                "certificate_suspended",
                "Certificate suspended.",
                "Your certificate is on hold while your program looks into something. Your coordinator will be in touch, and you are welcome to contact them.",
            )
        )
        checklist.append(
            ChecklistItem(
                "Training certificate", False, "On hold for now. Your coordinator will be in touch."
            )
        )
    else:
        reasons.append(
            Reason(
                "certificate_revoked",
                "Certificate revoked.",
                "Your certificate is no longer active. Please talk with your coordinator about what comes next.",
            )
        )
        checklist.append(
            ChecklistItem(
                "Training certificate",
                False,
                "No longer active. Please talk with your coordinator.",
            )
        )

    latest = latest_screening(screening)
    for step in course.screening_for(user.mentor_type):
        label = course.screening_steps.get(step, step)
        record = latest.get(step)
        if record is None:
            reasons.append(
                Reason(
                    f"pending:{step}", f"{label}: pending.", f"{label}: waiting for your program."
                )
            )
            checklist.append(ChecklistItem(label, False, "Waiting for your program."))
        elif record.result != "cleared":
            reasons.append(
                Reason(
                    f"not_cleared:{step}",
                    f"{label}: not cleared.",
                    f"{label}: please contact your coordinator.",
                )
            )
            checklist.append(ChecklistItem(label, False, "Please contact your coordinator."))
        else:
            checklist.append(
                ChecklistItem(label, True, f"Done on {record.completed_on:%-d %B %Y}.")
            )
    return Eligibility(
        eligible=not reasons and user.role == "mentor",
        reasons=tuple(reasons),
        checklist=tuple(checklist),
        certificate=certificate,
        certificate_status=cert_status,
    )


def _counting_certificate(certificates: Sequence[Certificate], now: datetime) -> Certificate | None:
    """The certificate that decides: in force now if any, else the most recent one."""
    started = [c for c in certificates if c.valid_from <= now] or list(certificates)
    return max(started, key=lambda c: c.period, default=None)


def eligibility(
    session: Session, user: User, course: Course, now: datetime | None = None
) -> Eligibility:
    """Eligibility of one mentor."""
    return eligibility_for_many(session, [user], course, now)[user.id]


def eligibility_for_many(
    session: Session, users: Sequence[User], course: Course, now: datetime | None = None
) -> dict[int, Eligibility]:
    """Eligibility of many mentors in two queries, whatever their number."""
    now = now or utcnow()
    ids = [user.id for user in users]
    by_user_certs: dict[int, list[Certificate]] = defaultdict(list)
    by_user_screening: dict[int, list[ScreeningRecord]] = defaultdict(list)
    if ids:
        for certificate in session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id.in_(ids))
            .options(selectinload(Certificate.actions))
        ):
            by_user_certs[certificate.user_id].append(certificate)
        for record in session.scalars(
            sa.select(ScreeningRecord).where(ScreeningRecord.user_id.in_(ids))
        ):
            by_user_screening[record.user_id].append(record)
    return {
        user.id: evaluate(user, by_user_certs[user.id], by_user_screening[user.id], course, now)
        for user in users
    }
