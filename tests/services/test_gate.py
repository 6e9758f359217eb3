"""The match gate under the sequences that used to leak: renewals, type changes, races."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate, CertificateAction, User
from app.services import certificates, matching, mentors, progress, quizzes, standing
from app.services.errors import DomainError
from app.web import current_course
from tests.factories import certificates_of, make_user, status_of
from tests.services.test_certificates import NOW, _run_together, certify, pass_quiz
from tests.services.test_eligibility_matching import clear_all
from tests.services.test_quizzes import answers_for

POSTGRESQL = os.environ.get("MENTOR_READY_TEST_DB") == "postgresql"


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def renewed_mentor(staff_id: int) -> tuple[User, Certificate, Certificate]:
    """A cleared mentor who passed everything again near the end: two certificates, one future."""
    mentor = make_user()
    first = certify(mentor)
    clear_all(staff_id, mentor)
    window = first.valid_until - timedelta(days=10)
    for slug in ("alpha", "beta"):
        pass_quiz(mentor.id, slug, window)
    second = certificates_of(mentor.id)[0]
    assert second.period == 2 and second.valid_from == first.valid_until
    return mentor, first, second


def choices(at) -> list[int]:
    return [
        user.id for user, _matched in matching.eligible_candidates(db.session, current_course(), at)
    ]


@pytest.mark.parametrize("action", ["revoke", "suspend"])
def test_a_decision_on_the_current_certificate_reaches_the_renewal_issued_earlier(
    app, action
) -> None:
    staff = make_user(role="staff")
    mentor, first, second = renewed_mentor(staff.id)
    decided_at = first.valid_until - timedelta(days=5)
    getattr(certificates, action)(db.session, staff.id, first.id, "A concern", now=decided_at)
    expected = "revoked" if action == "revoke" else "suspended"
    after_start = second.valid_from + timedelta(days=1)
    for certificate in (first, second):
        assert status_of(certificate, after_start) == expected
        public = certificates.verify(db.session, certificate.code, "initial", now=after_start)
        assert public is not None and public.status == expected
    verdict = standing.for_mentor(db.session, mentor, current_course(), after_start)
    assert not verdict.eligible and f"certificate_{expected}" in [r.code for r in verdict.reasons]
    assert mentor.id not in choices(after_start)
    with pytest.raises(matching.MatchRefused):
        matching.create_match(
            db.session,
            staff.id,
            current_course(),
            model="one_to_one",
            mentor_ids=[mentor.id],
            youth_codes=["YTH-101"],
            started_on=after_start.date(),
            now=after_start,
        )


def test_a_revocation_is_final_for_later_passes_until_staff_re_enable(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    first = certify(mentor)
    clear_all(staff.id, mentor)
    certificates.revoke(db.session, staff.id, first.id, "Final", now=NOW + timedelta(days=1))
    later = first.valid_until + timedelta(days=1)
    for slug in ("alpha", "beta"):
        pass_quiz(mentor.id, slug, later)
    assert len(certificates_of(mentor.id)) == 1
    with pytest.raises(DomainError, match="revoked"):
        certificates.lift(db.session, staff.id, first.id, "Oops", now=later)

    reenabled = later + timedelta(minutes=1)
    certificates.reenable(db.session, staff.id, mentor.id, "Cleared by review", now=reenabled)
    events = db.session.scalars(
        sa.select(CertificateAction.action).order_by(CertificateAction.id)
    ).all()
    assert events == ["revoke", "reenable"]
    # Passes before the re-enable do not count: the mentor earns the new one by passing again.
    verdict = standing.for_mentor(db.session, mentor, current_course(), reenabled)
    assert verdict.still_to_pass == ("Alpha module", "Beta module")
    again = later + timedelta(hours=1)
    for slug in ("alpha", "beta"):
        pass_quiz(mentor.id, slug, again)
    newest = certificates_of(mentor.id)[0]
    assert newest.period == 2 and status_of(newest, again) == "valid"
    assert status_of(first, again) == "revoked"
    assert standing.for_mentor(db.session, mentor, current_course(), again).eligible


def test_re_enabling_a_mentor_who_is_not_revoked_is_refused_and_changes_nothing(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certify(mentor)
    with pytest.raises(DomainError, match="re-enabled"):
        certificates.reenable(db.session, staff.id, mentor.id, "Why not", now=NOW)
    with pytest.raises(DomainError, match="re-enabled"):
        certificates.reenable(db.session, staff.id, make_user().id, "No certificate", now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(CertificateAction.id))) == 0


def test_a_type_change_needs_the_new_path_before_the_mentor_counts_again(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user(mentor_type="community_volunteer")
    first = certify(mentor)
    clear_all(staff.id, mentor)
    assert first.modules == ["alpha", "beta"]
    at = NOW + timedelta(days=3)
    mentors.change_mentor_type(db.session, staff.id, mentor.id, "survivor_mentor", now=at)
    clear_all(staff.id, mentor, at=at)
    verdict = standing.for_mentor(db.session, mentor, current_course(), at)
    assert not verdict.eligible
    assert [r.code for r in verdict.reasons] == ["path_not_covered"]
    assert verdict.still_to_pass == ("Gamma module",)
    assert verdict.next_step is not None and verdict.next_step.slug == "gamma"
    assert mentor.id not in choices(at)

    pass_quiz(mentor.id, "gamma", at)
    newest = certificates_of(mentor.id)[0]
    assert newest.period == 2 and newest.modules == ["alpha", "beta", "gamma"]
    assert newest.valid_until == first.valid_until  # the older passes are not made any younger
    verdict = standing.for_mentor(db.session, mentor, current_course(), at)
    assert verdict.eligible and verdict.counting.id == newest.id
    # Passing it again issues nothing more.
    pass_quiz(mentor.id, "gamma", at + timedelta(hours=1))
    assert len(certificates_of(mentor.id)) == 2


def test_changing_to_a_shorter_path_keeps_the_certificate_counting(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user(mentor_type="survivor_mentor")
    certify(mentor)
    clear_all(staff.id, mentor)
    mentors.change_mentor_type(db.session, staff.id, mentor.id, "care_provider", now=NOW)
    assert standing.for_mentor(db.session, mentor, current_course(), NOW).eligible


def test_an_unknown_type_is_refused_and_nothing_changes(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    with pytest.raises(DomainError):
        mentors.change_mentor_type(db.session, staff.id, mentor.id, "superhero", now=NOW)
    db.session.expire_all()
    assert db.session.get(User, mentor.id).mentor_type == "community_volunteer"


def test_a_matched_mentor_is_told_they_are_matched(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certify(mentor)
    clear_all(staff.id, mentor)
    matching.create_match(
        db.session,
        staff.id,
        current_course(),
        model="group",
        mentor_ids=[mentor.id],
        youth_codes=["YTH-201", "YTH-202"],
        started_on=NOW.date(),
        now=NOW,
    )
    verdict = standing.for_mentor(db.session, mentor, current_course(), NOW)
    assert verdict.matched and [m.model for m in verdict.matches] == ["group"]


# Races -------------------------------------------------------------------------------------------


def _two_open_last_quizzes() -> tuple[int, list[tuple[int, dict]]]:
    """A survivor mentor who passed alpha, with beta and gamma (the last two) open at once."""
    course = current_course()
    mentor = make_user(mentor_type="survivor_mentor")
    pass_quiz(mentor.id, "alpha", NOW)
    opened = []
    for slug in ("beta", "gamma"):
        progress.mark_read(db.session, mentor.id, course, slug, now=NOW)
        attempt = quizzes.start_attempt(db.session, mentor.id, course, slug, now=NOW)
        opened.append((attempt.id, answers_for(attempt)))
    return mentor.id, opened


def test_two_last_quizzes_submitted_at_once_issue_exactly_one_certificate(app) -> None:
    course = current_course()
    repetitions = 50 if POSTGRESQL else 10
    for _ in range(repetitions):
        mentor_id, opened = _two_open_last_quizzes()
        work = iter(opened)

        def submit(mentor_id=mentor_id, work=work) -> object:
            attempt_id, form = next(work)
            return quizzes.submit_attempt(db.session, mentor_id, attempt_id, form, course, now=NOW)

        results = _run_together(app, 2, submit)
        assert not [r for r in results if isinstance(r, Exception)], results
        db.session.expire_all()
        issued = db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(Certificate.user_id == mentor_id)
        )
        assert issued == 1, f"{issued} certificates for one mentor who passed everything"


def test_a_revocation_racing_a_resubmission_leaves_no_certificate_in_force(app) -> None:
    course = current_course()
    staff = make_user(role="staff")
    for _ in range(10 if POSTGRESQL else 4):
        mentor = make_user()
        first = certify(mentor)
        window = first.valid_until - timedelta(days=5)
        pass_quiz(mentor.id, "alpha", window)
        attempt = quizzes.start_attempt(db.session, mentor.id, course, "beta", now=window)
        form, mentor_id, attempt_id, first_id = (
            answers_for(attempt),
            mentor.id,
            attempt.id,
            first.id,
        )
        jobs = iter(["submit", "revoke"])

        def work(
            mentor_id=mentor_id,
            attempt_id=attempt_id,
            form=form,
            first_id=first_id,
            jobs=jobs,
            window=window,
        ):
            if next(jobs) == "submit":
                return quizzes.submit_attempt(
                    db.session, mentor_id, attempt_id, form, course, now=window
                )
            return certificates.revoke(db.session, staff.id, first_id, "Concern", now=window)

        results = _run_together(app, 2, work)
        assert not [r for r in results if isinstance(r, Exception)], results
        db.session.expire_all()
        later = first.valid_until + timedelta(days=1)
        for certificate in certificates_of(mentor_id):
            assert status_of(certificate, later) == "revoked"
        assert not standing.for_mentor(
            db.session, db.session.get(User, mentor_id), course, later
        ).eligible


def test_a_suspension_racing_a_match_refuses_it_or_flags_it_for_review(app) -> None:
    course = current_course()
    staff = make_user(role="staff")
    for number in range(10 if POSTGRESQL else 4):
        mentor = make_user()
        certificate = certify(mentor)
        clear_all(staff.id, mentor)
        mentor_id, certificate_id = mentor.id, certificate.id
        jobs = iter(["match", "suspend"])

        def work(mentor_id=mentor_id, certificate_id=certificate_id, jobs=jobs, number=number):
            if next(jobs) == "match":
                match = matching.create_match(
                    db.session,
                    staff.id,
                    course,
                    model="one_to_one",
                    mentor_ids=[mentor_id],
                    youth_codes=[f"YTH-{300 + number}"],
                    started_on=NOW.date(),
                    now=NOW,
                )
                return ("match", match.id)
            certificates.suspend(db.session, staff.id, certificate_id, "Concern", now=NOW)
            return ("suspended", certificate_id)

        results = _run_together(app, 2, work)
        unexpected = [
            r
            for r in results
            if isinstance(r, Exception) and not isinstance(r, matching.MatchRefused)
        ]
        assert not unexpected, results
        db.session.expire_all()
        made = [r[1] for r in results if isinstance(r, tuple) and r[0] == "match"]
        if made:
            flagged = {match.id for match, _ in matching.needing_review(db.session, course, NOW)}
            assert made[0] in flagged
        else:
            assert any(isinstance(r, matching.MatchRefused) for r in results)


def test_two_staff_suspending_at_once_record_one_decision(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certificate = certify(mentor)
    certificate_id = certificate.id

    def suspend() -> object:
        return certificates.suspend(db.session, staff.id, certificate_id, "Concern", now=NOW)

    results = _run_together(app, 2, suspend)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and "already suspended" in refused[0].message, results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CertificateAction.id))) == 1
