"""Re-issue after a name change, name change requests, and the richer public verification."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Certificate, NameChangeRequest, ReplacedCertificateCode, User
from app.services import certificates, progress, reissue
from app.services.errors import DomainError, NotFound
from app.web import current_course
from tests.factories import certificates_of, make_user
from tests.services.test_certificates import NOW, _run_together, certify, pass_quiz
from tests.services.test_eligibility_matching import attend_in_person

LATER = NOW + timedelta(days=10)


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def staff(app):
    return make_user(role="staff", name="Sam Staff")


@pytest.fixture
def mentor(app):
    return make_user(name="Maria José Gonzalez", email="maria@example.org")


def snapshot(user_id: int) -> tuple:
    """Everything a refused correction or request must leave as it was."""
    db.session.expire_all()
    return (
        db.session.get(User, user_id).name,
        sorted(
            (c.id, c.period, c.code, c.valid_from, c.valid_until) for c in certificates_of(user_id)
        ),
        db.session.scalar(sa.select(sa.func.count(ReplacedCertificateCode.id))),
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
        [(r.id, r.status) for r in reissue.requests_of(db.session, user_id)],
    )


def verify(code: str, now=LATER):
    return certificates.verify(db.session, code, "initial", now=now, course=current_course())


# Re-issue ---------------------------------------------------------------------------------------


def test_a_reissue_keeps_the_row_and_dates_and_gives_a_new_code(staff, mentor) -> None:
    certificate = certify(mentor)
    before = (certificate.id, certificate.period, certificate.valid_from, certificate.valid_until)
    old_code = certificate.code
    done = reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "Maria José Ramírez", "Name change after marriage", LATER
    )
    db.session.refresh(certificate)
    assert (
        certificate.id,
        certificate.period,
        certificate.valid_from,
        certificate.valid_until,
    ) == before
    assert certificate.code != old_code and done.codes == ((old_code, certificate.code),)
    assert db.session.get(User, mentor.id).name == "Maria José Ramírez"
    assert len(certificates_of(mentor.id)) == 1  # the gate still sees one row per period
    # The old code answers "replaced" and names nobody; the new one shows the new name masked.
    old = verify(old_code)
    assert (
        old.status == "replaced"
        and old.holder == ""
        and old.replaced_on == LATER.date().isoformat()
    )
    shown = str(old.as_json())
    assert certificates.format_code(certificate.code) not in shown
    assert "Ramírez" not in shown and "R." not in shown and "Maria" not in shown
    new = verify(certificate.code)
    assert new.status == "valid" and new.holder == "Maria R."
    assert certificates.name_matches(db.session, certificate.code, "Maria José Ramírez")
    assert certificates.name_matches(db.session, old_code, "Maria José Ramírez") is None


def test_the_audit_event_holds_both_names_and_both_codes(staff, mentor) -> None:
    certificate = certify(mentor)
    old_code = certificate.code
    reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "Maria Ramírez", "Legal change", LATER
    )
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "mentor.name_corrected")
    )
    assert event.actor_id == staff.id and event.subject_user_id == mentor.id
    assert event.detail["old_name"] == "Maria José Gonzalez"
    assert event.detail["new_name"] == "Maria Ramírez"
    assert event.detail["reason"] == "Legal change"
    db.session.refresh(certificate)
    assert event.detail["reissued"] == [
        f"{certificates.format_code(old_code)} → {certificates.format_code(certificate.code)}"
    ]


def test_the_current_certificate_and_a_future_renewal_are_both_reissued(staff, mentor) -> None:
    first = certify(mentor)
    window = first.valid_until - timedelta(days=30)
    for slug in ("alpha", "beta"):
        pass_quiz(mentor.id, slug, window)
    second = certificates_of(mentor.id)[0]
    assert second.period == 2
    old_codes = {first.code, second.code}
    done = reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "Maria Ramírez", "Legal change", window + timedelta(days=1)
    )
    assert {old for old, _new in done.codes} == old_codes
    new_codes = {c.code for c in certificates_of(mentor.id)}
    assert not new_codes & old_codes
    assert {verify(code).status for code in old_codes} == {"replaced"}


def test_a_suspended_holder_is_reissued_still_suspended(staff, mentor) -> None:
    certificate = certify(mentor)
    certificates.suspend(
        db.session, staff.id, certificate.id, "A concern", now=NOW + timedelta(days=1)
    )
    reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "Maria Ramírez", "Legal change", LATER
    )
    db.session.refresh(certificate)
    assert verify(certificate.code).status == "suspended"
    # The suspension is the holder's and carries on: lifting it later frees the new code.
    certificates.lift(
        db.session, staff.id, certificate.id, "Resolved", now=LATER + timedelta(days=1)
    )
    assert verify(certificate.code, now=LATER + timedelta(days=2)).status == "valid"


def test_a_revoked_holder_is_refused_and_nothing_changes(staff, mentor) -> None:
    certificate = certify(mentor)
    certificates.revoke(db.session, staff.id, certificate.id, "Final", now=NOW + timedelta(days=1))
    before = snapshot(mentor.id)
    with pytest.raises(DomainError, match="revoked certificate is never re-issued"):
        reissue.correct_name_and_reissue(
            db.session, staff.id, mentor.id, "Maria Ramírez", "Change", LATER
        )
    with pytest.raises(DomainError, match="revoked"):
        reissue.check_correction(db.session, mentor.id, "Maria Ramírez", LATER)
    assert snapshot(mentor.id) == before


def test_after_a_reenable_only_the_certificates_not_revoked_are_reissued(staff, mentor) -> None:
    revoked = certify(mentor)
    certificates.revoke(db.session, staff.id, revoked.id, "Final", now=NOW + timedelta(days=1))
    certificates.reenable(
        db.session, staff.id, mentor.id, "Second chance", now=NOW + timedelta(days=2)
    )
    for slug in ("alpha", "beta"):
        pass_quiz(mentor.id, slug, NOW + timedelta(days=3))
    fresh = certificates_of(mentor.id)[0]
    revoked_code, fresh_code = revoked.code, fresh.code
    done = reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "Maria Ramírez", "Change", LATER
    )
    assert [old for old, _new in done.codes] == [fresh_code]
    db.session.refresh(revoked)
    assert revoked.code == revoked_code and verify(revoked_code).status == "revoked"
    assert verify(fresh_code).status == "replaced"


def test_an_expired_certificate_is_reissued_too_and_stays_expired(staff, mentor) -> None:
    certificate = certify(mentor)
    after = certificate.valid_until + timedelta(days=5)
    old_code = certificate.code
    done = reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "Maria Ramírez", "Change", after
    )
    assert [old for old, _new in done.codes] == [old_code]
    db.session.refresh(certificate)
    assert verify(old_code, now=after).status == "replaced"
    assert verify(certificate.code, now=after).status == "expired"


def test_a_mentor_without_a_certificate_just_has_the_name_corrected(staff, mentor) -> None:
    done = reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "Maria Ramírez", "Change", LATER
    )
    assert done.codes == () and db.session.get(User, mentor.id).name == "Maria Ramírez"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Maria\x00Ramírez", "cannot be stored"),
        ("M" * 10_000, "at most 200 characters"),
        ("", "Enter the full legal name"),
        ("   \t  ", "Enter the full legal name"),
        ("\u200b\u202e", "Enter the full legal name"),
        ("Maria José Gonzalez", "already the name on record"),
    ],
)
def test_bad_names_are_refused_and_nothing_changes(staff, mentor, name, message) -> None:
    certify(mentor)
    before = snapshot(mentor.id)
    with pytest.raises(DomainError, match=message):
        reissue.correct_name_and_reissue(db.session, staff.id, mentor.id, name, "Change", LATER)
    with pytest.raises(DomainError, match=message):
        reissue.request_name_change(db.session, mentor.id, name, now=LATER)
    assert snapshot(mentor.id) == before


def test_a_reason_is_required(staff, mentor) -> None:
    before = snapshot(mentor.id)
    with pytest.raises(DomainError, match="Give a reason"):
        reissue.correct_name_and_reissue(
            db.session, staff.id, mentor.id, "Maria Ramírez", "  ", LATER
        )
    assert snapshot(mentor.id) == before


def test_staff_cannot_reissue_for_a_staff_account_or_an_unknown_id(staff, mentor) -> None:
    for target in (staff.id, 999_999):
        with pytest.raises(NotFound):
            reissue.correct_name_and_reissue(
                db.session, staff.id, target, "New Name", "Change", LATER
            )


def test_new_codes_never_reuse_a_replaced_code(staff, mentor, monkeypatch) -> None:
    certificate = certify(mentor)
    old_code = certificate.code
    reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "Maria Ramírez", "Change", LATER
    )
    assert certificates.code_in_use(db.session, old_code)
    # The random source first gives the retired code again, then a fresh one.
    retired = sum(
        certificates.CROCKFORD.index(ch) << (5 * i) for i, ch in enumerate(reversed(old_code))
    )
    draws = iter([retired, 12345])
    monkeypatch.setattr(certificates.secrets, "randbits", lambda _bits: next(draws))
    fresh = certificates.unused_code(db.session)
    expected = "".join(certificates.CROCKFORD[(12345 >> (5 * i)) & 31] for i in reversed(range(16)))
    assert fresh == expected != old_code


# Requests ---------------------------------------------------------------------------------------


def test_one_pending_request_at_a_time(mentor) -> None:
    request = reissue.request_name_change(
        db.session, mentor.id, "Maria Ramírez", "Married", now=NOW
    )
    assert request.status == "pending" and request.note == "Married"
    before = snapshot(mentor.id)
    with pytest.raises(DomainError, match="already have a request waiting"):
        reissue.request_name_change(db.session, mentor.id, "Maria R. Gonzalez", now=NOW)
    assert snapshot(mentor.id) == before


def test_approving_corrects_and_reissues(staff, mentor) -> None:
    certificate = certify(mentor)
    old_code = certificate.code
    request = reissue.request_name_change(db.session, mentor.id, "Maria Ramírez", now=NOW)
    done = reissue.approve_request(db.session, staff.id, request.id, "", now=LATER)
    db.session.refresh(request)
    assert request.status == "approved" and request.decided_by_id == staff.id
    assert done.new_name == "Maria Ramírez" and verify(old_code).status == "replaced"
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"name_request.created", "name_request.approved", "mentor.name_corrected"} <= actions
    # Once decided, the mentor may ask again.
    reissue.request_name_change(db.session, mentor.id, "Maria Ramírez Gonzalez", now=LATER)


def test_declining_keeps_the_reason_for_the_mentor(staff, mentor) -> None:
    certify(mentor)
    request = reissue.request_name_change(db.session, mentor.id, "Maria Ramírez", now=NOW)
    before_name = mentor.name
    reissue.decline_request(
        db.session, staff.id, request.id, "Please bring the court order.", now=LATER
    )
    db.session.refresh(request)
    assert (
        request.status == "declined" and request.decision_reason == "Please bring the court order."
    )
    assert db.session.get(User, mentor.id).name == before_name


def test_a_decline_needs_a_reason(staff, mentor) -> None:
    request = reissue.request_name_change(db.session, mentor.id, "Maria Ramírez", now=NOW)
    before = snapshot(mentor.id)
    with pytest.raises(DomainError, match="Give a reason"):
        reissue.decline_request(db.session, staff.id, request.id, " ", now=LATER)
    assert snapshot(mentor.id) == before


@pytest.mark.parametrize("first", ["approve", "decline"])
def test_a_decided_request_cannot_be_decided_again(staff, mentor, first) -> None:
    request = reissue.request_name_change(db.session, mentor.id, "Maria Ramírez", now=NOW)
    if first == "approve":
        reissue.approve_request(db.session, staff.id, request.id, now=LATER)
    else:
        reissue.decline_request(db.session, staff.id, request.id, "No", now=LATER)
    before = snapshot(mentor.id)
    with pytest.raises(DomainError, match="already"):
        reissue.approve_request(db.session, staff.id, request.id, now=LATER)
    with pytest.raises(DomainError, match="already"):
        reissue.decline_request(db.session, staff.id, request.id, "Again", now=LATER)
    assert snapshot(mentor.id) == before


def test_approving_for_a_revoked_holder_is_refused_and_the_request_stays(staff, mentor) -> None:
    certificate = certify(mentor)
    request = reissue.request_name_change(db.session, mentor.id, "Maria Ramírez", now=NOW)
    certificates.revoke(db.session, staff.id, certificate.id, "Final", now=NOW + timedelta(days=1))
    before = snapshot(mentor.id)
    with pytest.raises(DomainError, match="revoked"):
        reissue.approve_request(db.session, staff.id, request.id, now=LATER)
    assert snapshot(mentor.id) == before
    assert db.session.get(NameChangeRequest, request.id).status == "pending"


def test_a_forged_request_id_is_not_found(staff) -> None:
    with pytest.raises(NotFound):
        reissue.approve_request(db.session, staff.id, 424242, now=LATER)
    with pytest.raises(NotFound):
        reissue.decline_request(db.session, staff.id, 424242, "No", now=LATER)


# Richer verification ----------------------------------------------------------------------------


def test_verification_gives_the_course_version_modules_in_order_and_hours(staff, app) -> None:
    mentor = make_user(name="Maria José Gonzalez", mentor_type="survivor_mentor")
    course = current_course()
    for slug in ("gamma", "beta", "alpha"):  # opened out of course order
        progress.record_visit(db.session, mentor.id, slug, now=NOW - timedelta(minutes=20))
    for slug in ("alpha", "beta", "gamma"):
        pass_quiz(mentor.id, slug, NOW)
    certificate = certificates_of(mentor.id)[0]
    attend_in_person(staff.id, mentor, "2.5", NOW)
    found = verify(certificate.code)
    assert found.course_version == course.version == "test-1"
    assert found.modules == ("Alpha module", "Beta module", "Gamma module")
    # 20 minutes each, within three times the stated minutes (10, 5, 5 → caps 30, 15, 15).
    assert found.online_hours == round((20 + 15 + 15) / 60, 1)
    assert found.in_person_hours == 2.5
    data = found.as_json()
    assert data["modules"] == list(found.modules) and data["status"] == "valid"
    assert data["holder"] == "Maria G."


def test_hours_are_left_out_when_none_are_recorded(mentor) -> None:
    certificate = certify(mentor)
    found = verify(certificate.code)
    assert found.online_hours is None and found.in_person_hours is None
    assert found.modules == ("Alpha module", "Beta module")


# Races ------------------------------------------------------------------------------------------


def test_two_staff_correcting_at_once_reissue_once(app, staff) -> None:
    for _ in range(5):
        mentor = make_user(name="Maria José Gonzalez")
        certify(mentor)
        mentor_id, staff_id = mentor.id, staff.id

        def work(mentor_id=mentor_id, staff_id=staff_id) -> object:
            return reissue.correct_name_and_reissue(
                db.session, staff_id, mentor_id, "Maria Ramírez", "Change", LATER
            )

        results = _run_together(app, 2, work)
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], DomainError), results
        db.session.expire_all()
        replaced = db.session.scalar(
            sa.select(sa.func.count(ReplacedCertificateCode.id))
            .join(Certificate, Certificate.id == ReplacedCertificateCode.certificate_id)
            .where(Certificate.user_id == mentor_id)
        )
        assert replaced == 1


def test_two_decisions_at_once_decide_once(app, staff) -> None:
    for _ in range(5):
        mentor = make_user(name="Maria José Gonzalez")
        certify(mentor)
        request_id = reissue.request_name_change(db.session, mentor.id, "Maria Ramírez").id
        jobs = iter(["approve", "decline"])

        def work(request_id=request_id, staff_id=staff.id, jobs=jobs) -> object:
            if next(jobs) == "approve":
                return reissue.approve_request(db.session, staff_id, request_id, now=LATER)
            return reissue.decline_request(db.session, staff_id, request_id, "No", now=LATER)

        results = _run_together(app, 2, work)
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], DomainError), results
        db.session.expire_all()
        request = db.session.get(NameChangeRequest, request_id)
        name = db.session.get(User, mentor.id).name
        assert (request.status, name) in {
            ("approved", "Maria Ramírez"),
            ("declined", "Maria José Gonzalez"),
        }
