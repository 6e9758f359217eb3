"""The match gate under the sequences that used to leak: renewals, type changes, races."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate, CertificateAction, CertificateRefresher, ModuleRead, User
from app.services import certificates, matching, mentors, progress, quizzes, standing
from app.services.errors import DomainError
from app.web import current_course
from tests.conftest import FIXTURE_COURSE
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


# Refreshers: the fixture course whose beta module is at version 2 from 1 June 2026 -------------

REVISED_COURSE = {
    "MODULES_DIR": str(FIXTURE_COURSE.parent / "course_v2" / "modules"),
    "QUIZZES_DIR": str(FIXTURE_COURSE.parent / "course_v2" / "quizzes"),
}
revised = pytest.mark.parametrize("app_config", [REVISED_COURSE])
CHANGED = NOW.replace(month=6, day=1)  # the change takes effect
DUE_ON = "31 July 2026"  # 1 June + 60 days
OVERDUE = NOW.replace(month=8, day=1, hour=0)  # the day after, from midnight UTC


def certify_on_old_text(mentor, at=NOW) -> Certificate:
    """Certified while the beta module still had its first text (what the mentor read)."""
    certificate = certify(mentor, at)
    db.session.execute(
        sa.update(ModuleRead)
        .where(ModuleRead.user_id == mentor.id, ModuleRead.module_slug == "beta")
        .values(content_version="first-text")
    )
    db.session.commit()
    return certificate


def refresh(mentor_id: int, at) -> None:
    """Re-read the changed module and pass its quiz at `at`."""
    pass_quiz(mentor_id, "beta", at)


def refreshers_of(certificate_id: int) -> list[tuple[str, int]]:
    return [
        (r.module_slug, r.version)
        for r in db.session.scalars(
            sa.select(CertificateRefresher).where(
                CertificateRefresher.certificate_id == certificate_id
            )
        )
    ]


@revised
def test_a_change_asks_for_a_refresher_and_an_overdue_one_stops_the_certificate_counting(
    app,
) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certificate = certify_on_old_text(mentor)
    clear_all(staff.id, mentor)
    assert certificate.module_versions == {"alpha": 1, "beta": 1}

    before = standing.for_mentor(db.session, mentor, current_course(), CHANGED - timedelta(days=1))
    assert before.eligible and before.refreshers == ()
    assert before.certificate_label == "Valid"

    during = standing.for_mentor(db.session, mentor, current_course(), CHANGED)
    assert during.eligible and during.counting.id == certificate.id
    assert during.certificate_label == f"Refresher due by {DUE_ON}"
    beta = during.module("beta")
    assert beta.status == "Refresher due"
    assert [c.summary for c in beta.refresher.changes] == [
        "A youth missing from care who walks in: tell staff at once."
    ]
    assert beta.locked_reason is not None and "read it again" in beta.locked_reason
    assert during.next_step.endpoint == "learn.module" and during.next_step.slug == "beta"
    assert "Refresher due by" in during.checklist[0].text and during.checklist[0].done
    assert mentor.id in choices(CHANGED)

    last_day = OVERDUE - timedelta(seconds=1)
    assert standing.for_mentor(db.session, mentor, current_course(), last_day).eligible
    late = standing.for_mentor(db.session, mentor, current_course(), OVERDUE)
    assert not late.eligible and late.counting is None
    assert [r.code for r in late.reasons] == ["refresher_overdue"]
    assert late.certificate_label == "Refresher overdue"
    assert late.certificate.id == certificate.id and not late.checklist[0].done
    assert late.module("beta").status == "Refresher overdue"
    assert mentor.id not in choices(OVERDUE)
    with pytest.raises(matching.MatchRefused):
        matching.create_match(
            db.session,
            staff.id,
            current_course(),
            model="one_to_one",
            mentor_ids=[mentor.id],
            youth_codes=["YTH-301"],
            started_on=OVERDUE.date(),
            now=OVERDUE,
        )
    # The public status of the certificate itself is unchanged: the refresher is about matching.
    assert status_of(certificate, OVERDUE) == "valid"

    # Re-reading and passing again, even late, makes it count again.
    back = OVERDUE + timedelta(days=2)
    refresh(mentor.id, back)
    assert refreshers_of(certificate.id) == [("beta", 2)]
    again = standing.for_mentor(db.session, mentor, current_course(), back)
    assert again.eligible and again.refreshers == () and again.certificate_label == "Valid"
    assert len(certificates_of(mentor.id)) == 1


@revised
def test_a_refresher_taken_in_time_keeps_the_mentor_eligible(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certificate = certify_on_old_text(mentor)
    clear_all(staff.id, mentor)
    refresh(mentor.id, CHANGED + timedelta(days=10))
    assert refreshers_of(certificate.id) == [("beta", 2)]
    later = standing.for_mentor(db.session, mentor, current_course(), OVERDUE + timedelta(days=30))
    assert later.eligible and later.refreshers == ()
    # Passing once more records nothing new.
    refresh(mentor.id, OVERDUE)
    assert refreshers_of(certificate.id) == [("beta", 2)]


@revised
def test_a_pass_before_re_reading_or_before_the_change_is_no_refresher(app) -> None:
    mentor = make_user()
    certificate = certify_on_old_text(mentor)
    # After the change, the quiz stays closed until the module is read again.
    with pytest.raises(DomainError, match="read it again"):
        quizzes.start_attempt(db.session, mentor.id, current_course(), "beta", now=CHANGED)
    # A quiz with nothing due is the normal quiz: no refresher, no error.
    pass_quiz(mentor.id, "alpha", CHANGED)
    assert refreshers_of(certificate.id) == []

    early = make_user()
    early_certificate = certify_on_old_text(early)
    # Read the new text and passed again before the change took effect: nothing was due yet.
    pass_quiz(early.id, "beta", CHANGED - timedelta(hours=13))
    assert refreshers_of(early_certificate.id) == []
    due = standing.for_mentor(db.session, early, current_course(), CHANGED)
    assert due.module("beta").refresher is not None and due.module("beta").quiz_open
    refresh(early.id, CHANGED)
    assert refreshers_of(early_certificate.id) == [("beta", 2)]


@revised
def test_a_certificate_issued_after_the_change_needs_no_refresher(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certificate = certify(mentor, at=CHANGED + timedelta(days=3))
    clear_all(staff.id, mentor, at=CHANGED + timedelta(days=3))
    assert certificate.module_versions == {"alpha": 1, "beta": 2}
    verdict = standing.for_mentor(
        db.session, mentor, current_course(), OVERDUE + timedelta(days=90)
    )
    assert verdict.eligible and verdict.refreshers == ()


@revised
def test_a_renewal_issued_before_the_change_needs_the_refresher_too(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    first = certify_on_old_text(mentor, at=NOW.replace(year=2025, month=7, day=15))
    clear_all(staff.id, mentor, at=NOW.replace(year=2025, month=7, day=15))
    for slug in ("alpha", "beta"):
        pass_quiz(mentor.id, slug, NOW.replace(month=5, day=20))
    second = certificates_of(mentor.id)[0]
    assert second.period == 2 and second.module_versions == {"alpha": 1, "beta": 1}
    after_start = second.valid_from + timedelta(days=70)  # and past the grace period
    late = standing.for_mentor(db.session, mentor, current_course(), after_start)
    assert late.certificate.id == second.id and not late.eligible
    refresh(mentor.id, CHANGED + timedelta(days=1))
    assert refreshers_of(first.id) == [("beta", 2)] and refreshers_of(second.id) == [("beta", 2)]
    assert standing.for_mentor(db.session, mentor, current_course(), after_start).eligible


@pytest.mark.parametrize("app_config", [{**REVISED_COURSE, "REFRESHER_GRACE_DAYS": 10}])
def test_the_grace_period_is_a_setting(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certify_on_old_text(mentor)
    clear_all(staff.id, mentor)
    due = standing.for_mentor(db.session, mentor, current_course(), CHANGED)
    assert due.certificate_label == "Refresher due by 11 June 2026"
    midnight = CHANGED.replace(hour=0)
    assert standing.for_mentor(
        db.session, mentor, current_course(), midnight + timedelta(days=10, hours=23)
    ).eligible
    assert not standing.for_mentor(
        db.session, mentor, current_course(), midnight + timedelta(days=11)
    ).eligible


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
