"""Certificates: codes, exactly-once issue (also under concurrency), status, renewal, staff actions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.models import AuditEvent, Certificate, CertificateAction
from app.services import certificates, progress, quizzes, standing
from app.services.errors import DomainError
from app.web import current_course
from tests.factories import certificates_of, latest_certificate, make_user, status_of
from tests.services.test_quizzes import answers_for

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def pass_quiz(user_id: int, slug: str, at: datetime) -> tuple:
    course = current_course()
    progress.mark_read(db.session, user_id, course, slug, now=at)
    attempt = quizzes.start_attempt(db.session, user_id, course, slug, now=at)
    return quizzes.submit_attempt(
        db.session, user_id, attempt.id, answers_for(attempt), course, now=at
    )


def certify(user, at: datetime = NOW) -> Certificate:
    for module in current_course().modules_for(user.mentor_type):
        pass_quiz(user.id, module.slug, at)
    certificate = latest_certificate(user.id)
    assert certificate is not None
    return certificate


# Codes -------------------------------------------------------------------------------------------


def test_codes_are_16_crockford_characters_shown_in_four_groups() -> None:
    code = certificates.new_code()
    assert len(code) == 16 and set(code) <= set(certificates.CROCKFORD)
    assert len({certificates.new_code() for _ in range(1000)}) == 1000
    shown = certificates.format_code(code)
    assert len(shown) == 19 and shown.count("-") == 3


@given(st.text(alphabet=certificates.CROCKFORD, min_size=16, max_size=16))
def test_typed_codes_are_normalised(code: str) -> None:
    messy = " " + "-".join(code[i : i + 4] for i in range(0, 16, 4)).lower() + " "
    assert certificates.normalise_code(messy) == code
    assert certificates.normalise_code(code.replace("0", "O").replace("1", "I")) == code
    assert certificates.normalise_code(code.replace("1", "l")) == code


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "ABC",
        "ABCD-EFGH-JKMN-PQR",
        "ABCD-EFGH-JKMN-PQRST",
        "ABCD-EFGH-JKMN-PQRU",
        "ÄBCD-EFGH-JKMN-PQRS",
        "<script>alert(1)</script>",
        "x" * 500,
    ],
)
def test_malformed_codes_are_refused(bad: str) -> None:
    assert certificates.normalise_code(bad) is None


def test_public_name_is_first_name_and_last_initial() -> None:
    assert certificates.public_name("Maria Gonzalez", "initial") == "Maria G."
    assert certificates.public_name("Maria  de la Cruz", "initial") == "Maria C."
    assert certificates.public_name("Maria Gonzalez", "full") == "Maria Gonzalez"
    assert certificates.public_name("Cher", "initial") == "Cher"


def test_add_months_keeps_the_day_or_uses_the_last_of_a_shorter_month() -> None:
    assert certificates.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert certificates.add_months(datetime(2026, 3, 1, tzinfo=UTC), 12) == datetime(
        2027, 3, 1, tzinfo=UTC
    )


# Issue ------------------------------------------------------------------------------------------


def test_passing_the_last_required_quiz_issues_the_certificate(app) -> None:
    mentor = make_user()
    pass_quiz(mentor.id, "alpha", NOW)
    assert certificates_of(mentor.id) == []
    pass_quiz(mentor.id, "beta", NOW + timedelta(hours=1))
    [certificate] = certificates_of(mentor.id)
    assert certificate.period == 1
    assert certificate.valid_from == NOW + timedelta(hours=1)
    assert certificate.valid_until == datetime(2027, 3, 1, 13, 0, tzinfo=UTC)
    assert certificate.course_version == "test-1"
    assert status_of(certificate, NOW + timedelta(days=1)) == "valid"


def test_survivor_mentors_need_their_extra_module(app) -> None:
    mentor = make_user(mentor_type="survivor_mentor")
    pass_quiz(mentor.id, "alpha", NOW)
    pass_quiz(mentor.id, "beta", NOW)
    assert certificates_of(mentor.id) == []
    pass_quiz(mentor.id, "gamma", NOW)
    assert len(certificates_of(mentor.id)) == 1


def test_the_database_refuses_a_second_certificate_for_the_same_period(app) -> None:
    mentor = make_user()
    first = certify(mentor)
    db.session.add(
        Certificate(
            user_id=mentor.id,
            period=first.period,
            code=certificates.new_code(),
            issued_at=NOW,
            valid_from=NOW,
            valid_until=NOW + timedelta(days=1),
            course_title="x",
            course_version="x",
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def _run_together(app, count: int, work) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def run() -> None:
        with app.app_context():
            barrier.wait()
            try:
                outcome = work()
            except Exception as error:
                outcome = error
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_concurrent_passing_submissions_issue_exactly_one_certificate(app) -> None:
    mentor = make_user()
    pass_quiz(mentor.id, "alpha", NOW)
    course = current_course()
    progress.mark_read(db.session, mentor.id, course, "beta", now=NOW)
    attempt = quizzes.start_attempt(db.session, mentor.id, course, "beta", now=NOW)
    form = answers_for(attempt)
    mentor_id, attempt_id = mentor.id, attempt.id

    def submit() -> object:
        return quizzes.submit_attempt(db.session, mentor_id, attempt_id, form, course, now=NOW)

    results = _run_together(app, 20, submit)
    graded = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, quizzes.AlreadySubmitted)]
    assert len(graded) == 1 and len(refused) == 19, results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1


def test_twenty_concurrent_issuers_create_exactly_one_certificate(app) -> None:
    mentor = make_user()
    pass_quiz(mentor.id, "alpha", NOW)
    # Beta is passed directly in the database, so that twenty callers race to issue.
    course = current_course()
    progress.mark_read(db.session, mentor.id, course, "beta", now=NOW)
    attempt = quizzes.start_attempt(db.session, mentor.id, course, "beta", now=NOW)
    attempt.submitted_at, attempt.score, attempt.passed, attempt.answers = NOW, 100, True, {}
    db.session.commit()
    mentor_id = mentor.id

    def issue() -> object:
        from app.models import User

        user = db.session.get(User, mentor_id)
        issued = standing.issue_if_complete(db.session, user, course, NOW, 12)
        db.session.commit()
        return issued.id if issued else None

    results = _run_together(app, 20, issue)
    assert not [r for r in results if isinstance(r, Exception)], results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1
    # Every caller either issued that one certificate or found it already issued.
    assert len(set(results) - {None}) == 1


# Status, renewal ------------------------------------------------------------------------------


def test_status_follows_dates(app) -> None:
    certificate = certify(make_user())
    assert status_of(certificate, certificate.valid_until - timedelta(seconds=1)) == "valid"
    assert status_of(certificate, certificate.valid_until) == "expired"


def test_renewal_opens_60_days_before_expiry_and_starts_when_the_old_one_ends(app) -> None:
    mentor = make_user()
    first = certify(mentor)
    too_early = first.valid_until - timedelta(days=61)

    def certify_again(at: datetime) -> None:
        for slug in ("alpha", "beta"):
            pass_quiz(mentor.id, slug, at)

    certify_again(too_early)
    assert len(certificates_of(mentor.id)) == 1
    window = first.valid_until - timedelta(days=59)
    certify_again(window)
    second = latest_certificate(mentor.id)
    assert second.period == 2 and second.code != first.code
    assert second.valid_from == first.valid_until
    assert status_of(first, first.valid_until + timedelta(days=1)) == "expired"
    assert status_of(second, first.valid_until + timedelta(days=1)) == "valid"


def test_renewal_after_expiry_starts_now(app) -> None:
    mentor = make_user()
    first = certify(mentor)
    later = first.valid_until + timedelta(days=30)
    for slug in ("alpha", "beta"):
        pass_quiz(mentor.id, slug, later)
    second = latest_certificate(mentor.id)
    assert second.period == 2 and second.valid_from == later


def test_passes_before_the_renewal_window_do_not_count_towards_renewal(app) -> None:
    mentor = make_user()
    first = certify(mentor)
    pass_quiz(mentor.id, "alpha", first.valid_until - timedelta(days=90))
    pass_quiz(mentor.id, "beta", first.valid_until - timedelta(days=30))
    assert len(certificates_of(mentor.id)) == 1


# Staff actions ---------------------------------------------------------------------------------


def test_suspend_lift_and_revoke_are_recorded_and_audited(app) -> None:
    staff = make_user(role="staff")
    certificate = certify(make_user())
    certificates.suspend(
        db.session, staff.id, certificate.id, "A concern was raised", now=NOW + timedelta(days=1)
    )
    assert status_of(certificate, NOW + timedelta(days=2)) == "suspended"
    certificates.lift(
        db.session, staff.id, certificate.id, "Looked into; resolved", now=NOW + timedelta(days=3)
    )
    assert status_of(certificate, NOW + timedelta(days=4)) == "valid"
    certificates.revoke(
        db.session, staff.id, certificate.id, "Serious breach", now=NOW + timedelta(days=5)
    )
    assert status_of(certificate, NOW + timedelta(days=6)) == "revoked"
    actions = db.session.scalars(
        sa.select(CertificateAction.action).order_by(CertificateAction.id)
    ).all()
    assert actions == ["suspend", "lift", "revoke"]
    audited = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("certificate.%"))
    ).all()
    assert sorted(audited) == ["certificate.lift", "certificate.revoke", "certificate.suspend"]


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_suspension_or_revocation_needs_a_reason(app, reason: str) -> None:
    staff = make_user(role="staff")
    certificate = certify(make_user())
    for action in (certificates.suspend, certificates.revoke):
        with pytest.raises(DomainError):
            action(db.session, staff.id, certificate.id, reason, now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(CertificateAction.id))) == 0


def test_a_revoked_certificate_cannot_be_lifted_or_suspended(app) -> None:
    staff = make_user(role="staff")
    certificate = certify(make_user())
    certificates.revoke(db.session, staff.id, certificate.id, "Final", now=NOW)
    for action in (certificates.lift, certificates.suspend, certificates.revoke):
        with pytest.raises(DomainError, match="final"):
            action(db.session, staff.id, certificate.id, "Try", now=NOW + timedelta(days=1))
    assert db.session.scalar(sa.select(sa.func.count(CertificateAction.id))) == 1


def test_lifting_needs_a_suspension(app) -> None:
    staff = make_user(role="staff")
    certificate = certify(make_user())
    with pytest.raises(DomainError, match="Only a suspended"):
        certificates.lift(db.session, staff.id, certificate.id, "Nothing to lift", now=NOW)


def test_lifting_an_expired_certificate_leaves_it_expired(app) -> None:
    staff = make_user(role="staff")
    certificate = certify(make_user())
    certificates.suspend(db.session, staff.id, certificate.id, "Concern", now=NOW)
    after = certificate.valid_until + timedelta(days=1)
    certificates.lift(db.session, staff.id, certificate.id, "Resolved", now=after)
    assert status_of(certificate, after) == "expired"


def test_no_new_certificate_while_suspended_or_after_revocation(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    first = certify(mentor)
    certificates.revoke(db.session, staff.id, first.id, "Final", now=NOW)
    later = first.valid_until + timedelta(days=1)
    for slug in ("alpha", "beta"):
        pass_quiz(mentor.id, slug, later)
    assert len(certificates_of(mentor.id)) == 1


def test_the_renewal_state_guides_a_certified_mentor(app) -> None:
    mentor = make_user()
    first = certify(mentor)
    course = current_course()
    before = standing.for_mentor(db.session, mentor, course, NOW + timedelta(days=1)).renewal
    assert (
        before is not None
        and not before.is_open
        and before.opens_at == first.valid_until - timedelta(days=60)
    )
    window = first.valid_until - timedelta(days=30)
    opened = standing.for_mentor(db.session, mentor, course, window).renewal
    assert opened.is_open and opened.still_to_pass == ("Alpha module", "Beta module")
    pass_quiz(mentor.id, "alpha", window)
    assert standing.for_mentor(db.session, mentor, course, window).renewal.still_to_pass == (
        "Beta module",
    )
    pass_quiz(mentor.id, "beta", window)
    renewed = standing.for_mentor(db.session, mentor, course, window).renewal
    assert (
        renewed.next_certificate is not None
        and renewed.next_certificate.valid_from == first.valid_until
    )
    assert standing.for_mentor(db.session, make_user(), course, NOW).renewal is None
