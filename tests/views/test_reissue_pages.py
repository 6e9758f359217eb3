"""Name correction and re-issue through the app: staff pages, the mentor's request, verification."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import AuditEvent, NameChangeRequest, ReplacedCertificateCode, User, utcnow
from app.services import certificates, progress, reissue
from app.web import current_course
from tests.conftest import csrf_from
from tests.factories import certificates_of, make_user, post_form, sign_in
from tests.services.test_certificates import certify, pass_quiz
from tests.services.test_eligibility_matching import attend_in_person

NEW_NAME = "Maria José Ramírez"


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def mentor(app):
    return make_user(name="Maria José Gonzalez", email="maria@example.org")


@pytest.fixture
def certified(mentor):
    return certify(mentor, at=utcnow() - timedelta(days=1))


@pytest.fixture
def staff(app):
    return make_user(role="staff", name="Sam Staff")


@pytest.fixture
def staff_client(app, client, staff):
    sign_in(client, staff)
    return client


def state(user_id: int) -> tuple:
    """What a refused action must leave unchanged."""
    db.session.expire_all()
    return (
        db.session.get(User, user_id).name,
        sorted((c.id, c.code) for c in certificates_of(user_id)),
        db.session.scalar(sa.select(sa.func.count(ReplacedCertificateCode.id))),
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
        [(r.id, r.status, r.decision_reason) for r in reissue.requests_of(db.session, user_id)],
    )


def mentor_page(client, mentor_id: int) -> str:
    return f"/staff/mentors/{mentor_id}"


def correct(client, mentor_id: int, data: dict, follow: bool = True):
    return post_form(
        client,
        f"/staff/mentors/{mentor_id}/name",
        data,
        page=mentor_page(client, mentor_id),
        follow_redirects=follow,
    )


# Staff correct and re-issue ---------------------------------------------------------------------


def test_staff_see_the_form_then_a_confirmation_then_the_reissue(
    staff_client, mentor, certified
) -> None:
    html = staff_client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    assert "Correct the name and re-issue" in html and 'id="name"' in html
    before = state(mentor.id)
    old_code = certified.code
    data = {"name": NEW_NAME, "reason": "Name change after marriage"}
    page = correct(staff_client, mentor.id, data)
    html = page.get_data(as_text=True)
    # The confirmation works without script: a form posting the same fields with confirmed=yes.
    assert page.status_code == 200 and 'name="confirmed" value="yes"' in html
    assert "Maria José Gonzalez" in html and NEW_NAME in html and "replaced" in html
    assert state(mentor.id) == before
    done = correct(staff_client, mentor.id, {**data, "confirmed": "yes"})
    html = done.get_data(as_text=True)
    db.session.expire_all()
    certificate = certificates_of(mentor.id)[0]
    assert db.session.get(User, mentor.id).name == NEW_NAME
    assert certificate.id == certified.id and certificate.code != old_code
    assert certificates.format_code(certificate.code) in html and "answer “replaced”" in html
    # The staff audit log holds both names.
    audit_html = staff_client.get("/staff/audit").get_data(as_text=True)
    assert "Name corrected and certificates re-issued" in audit_html
    assert "old name: Maria José Gonzalez" in audit_html and f"new name: {NEW_NAME}" in audit_html


def test_a_revoked_mentor_is_refused_before_any_confirmation(
    staff_client, staff, mentor, certified
) -> None:
    certificates.revoke(db.session, staff.id, certified.id, "Final")
    before = state(mentor.id)
    page = correct(staff_client, mentor.id, {"name": NEW_NAME, "reason": "Change"})
    html = page.get_data(as_text=True)
    assert "a revoked certificate is never re-issued" in html and "Nothing was changed" in html
    assert 'name="confirmed"' not in html
    # Even a forged confirmation is refused by the service.
    page = correct(staff_client, mentor.id, {"name": NEW_NAME, "reason": "C", "confirmed": "yes"})
    assert "a revoked certificate is never re-issued" in page.get_data(as_text=True)
    assert state(mentor.id) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the full legal name."),
        ("   ", "Enter the full legal name."),
        ("M" * 10_000, "at most 200 characters"),
        ("\u202e\u200b", "Enter the full legal name."),
    ],
)
def test_bad_names_from_staff_are_refused_and_nothing_changes(
    staff_client, mentor, certified, name, message
) -> None:
    before = state(mentor.id)
    for confirmed in ({}, {"confirmed": "yes"}):
        page = correct(staff_client, mentor.id, {"name": name, "reason": "Change", **confirmed})
        html = page.get_data(as_text=True)
        assert message in html and "Nothing was changed" in html
    assert state(mentor.id) == before


def test_a_name_with_nul_is_refused_with_a_clear_message(staff_client, mentor, certified) -> None:
    before = state(mentor.id)
    page = correct(
        staff_client,
        mentor.id,
        {"name": "Maria\x00Ramírez", "reason": "Change", "confirmed": "yes"},
        follow=False,
    )
    assert page.status_code == 400 and "NUL character" in page.get_data(as_text=True)
    assert state(mentor.id) == before


def test_a_reason_is_required(staff_client, mentor, certified) -> None:
    before = state(mentor.id)
    page = correct(staff_client, mentor.id, {"name": NEW_NAME, "reason": "", "confirmed": "yes"})
    assert "Give a reason" in page.get_data(as_text=True)
    assert state(mentor.id) == before


def test_a_suspended_mentor_stays_suspended_after_the_reissue(
    staff_client, staff, mentor, certified
) -> None:
    certificates.suspend(db.session, staff.id, certified.id, "A concern")
    correct(staff_client, mentor.id, {"name": NEW_NAME, "reason": "C", "confirmed": "yes"})
    certificate = certificates_of(mentor.id)[0]
    html = staff_client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Status: <strong>suspended</strong>" in html


def test_an_unknown_mentor_is_404(staff_client) -> None:
    page = correct(staff_client, 424242, {"name": NEW_NAME, "reason": "C"}, follow=False)
    assert page.status_code == 404


# The holder's own pages -------------------------------------------------------------------------


def test_the_certificate_page_and_pdf_show_the_new_code_and_name(
    client, staff, mentor, certified
) -> None:
    old_code = certified.code
    reissue.correct_name_and_reissue(db.session, staff.id, mentor.id, NEW_NAME, "Change")
    certificate = certificates_of(mentor.id)[0]
    sign_in(client, mentor)
    html = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert certificates.format_code(certificate.code) in html
    assert certificates.format_code(old_code) not in html
    reader = PdfReader(
        io.BytesIO(client.get(f"/certificates/{certificate.id}/certificate.pdf").data)
    )
    text = reader.pages[0].extract_text()
    assert certificates.format_code(certificate.code) in text and NEW_NAME in text
    assert certificates.format_code(old_code) not in text


# The mentor's request ---------------------------------------------------------------------------


def ask(client, data: dict, follow: bool = True):
    return post_form(client, "/account/name", data, page="/account/name", follow_redirects=follow)


def test_a_mentor_finds_the_request_page_from_the_certificate_and_my_training(
    client, mentor, certified
) -> None:
    sign_in(client, mentor)
    assert "/account/name" in client.get(f"/certificates/{certified.id}").get_data(as_text=True)
    assert "/account/name" in client.get("/training").get_data(as_text=True)
    html = client.get("/account/name").get_data(as_text=True)
    assert "Correct your name" in html and "Maria José Gonzalez" in html


def test_a_mentor_requests_and_staff_approve(client, app, mentor, certified, staff) -> None:
    sign_in(client, mentor)
    old_code = certified.code
    html = ask(client, {"name": NEW_NAME, "note": "I married"}).get_data(as_text=True)
    assert "Your request is waiting for staff" in html
    request = reissue.pending_request(db.session, mentor.id)
    assert request.requested_name == NEW_NAME and request.user_id == mentor.id
    # A second request while one waits is refused, and nothing changes.
    before = state(mentor.id)
    page = ask(client, {"name": "Another Name"})
    assert page.status_code == 422
    assert "already have a request waiting" in page.get_data(as_text=True)
    assert state(mentor.id) == before

    staff_client = app.test_client()
    sign_in(staff_client, staff)
    dashboard = staff_client.get("/staff/").get_data(as_text=True)
    assert "Name corrections requested (1)" in dashboard and NEW_NAME in dashboard
    detail = staff_client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    assert "Name correction requested" in detail and "I married" in detail
    url = f"/staff/name-requests/{request.id}/approve"
    confirm = post_form(staff_client, url, {"reason": ""}, page=f"/staff/mentors/{mentor.id}")
    assert 'name="confirmed" value="yes"' in confirm.get_data(as_text=True)
    assert state(mentor.id) == before
    done = post_form(
        staff_client,
        url,
        {"reason": "", "confirmed": "yes"},
        page=f"/staff/mentors/{mentor.id}",
        follow_redirects=True,
    )
    assert "Request approved" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, mentor.id).name == NEW_NAME
    assert db.session.get(NameChangeRequest, request.id).status == "approved"
    assert certificates_of(mentor.id)[0].code != old_code
    # Approving it again is refused with a clear message; nothing changes.
    before = state(mentor.id)
    again = post_form(
        staff_client,
        url,
        {"reason": "", "confirmed": "yes"},
        page=f"/staff/mentors/{mentor.id}",
        follow_redirects=True,
    )
    assert "This request was already approved" in again.get_data(as_text=True)
    assert state(mentor.id) == before
    assert "Staff corrected your name" in client.get("/account/name").get_data(as_text=True)


def test_staff_decline_and_the_mentor_reads_the_reason(client, app, mentor, staff) -> None:
    request = reissue.request_name_change(db.session, mentor.id, NEW_NAME)
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    url = f"/staff/name-requests/{request.id}/decline"
    before = state(mentor.id)
    empty = post_form(
        staff_client, url, {"reason": " "}, page="/staff/", follow_redirects=True
    ).get_data(as_text=True)
    assert "Give a reason; the mentor will read it. Nothing was changed." in empty
    assert state(mentor.id) == before
    post_form(staff_client, url, {"reason": "Please bring the court order."}, page="/staff/")
    sign_in(client, mentor)
    html = client.get("/account/name").get_data(as_text=True)
    assert "Please bring the court order." in html and "You are welcome to ask again" in html
    # Declined: approving it now is refused, and nothing changes.
    before = state(mentor.id)
    again = post_form(
        staff_client,
        f"/staff/name-requests/{request.id}/approve",
        {"confirmed": "yes"},
        page="/staff/",
        follow_redirects=True,
    )
    assert "This request was already declined" in again.get_data(as_text=True)
    assert state(mentor.id) == before


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("", 422, "Enter your full legal name."),
        ("   ", 422, "Enter your full legal name."),
        ("M" * 10_000, 422, "Use at most 200 characters."),
        ("Maria\x00Ramírez", 400, "NUL character"),
        ("Maria José Gonzalez", 422, "already the name on record"),
    ],
)
def test_bad_names_from_a_mentor_are_refused(client, mentor, name, status, message) -> None:
    sign_in(client, mentor)
    before = state(mentor.id)
    page = ask(client, {"name": name}, follow=False)
    assert page.status_code == status and message in page.get_data(as_text=True)
    assert state(mentor.id) == before


def test_a_mentor_cannot_request_for_another_mentor(client, mentor) -> None:
    other = make_user(name="Other Mentor")
    sign_in(client, mentor)
    ask(client, {"name": NEW_NAME, "user_id": other.id, "mentor_id": other.id})
    assert reissue.pending_request(db.session, other.id) is None
    assert reissue.pending_request(db.session, mentor.id).requested_name == NEW_NAME


def test_mentors_cannot_correct_approve_or_decline(client, mentor, certified) -> None:
    other = make_user(name="Other Mentor")
    request = reissue.request_name_change(db.session, other.id, NEW_NAME)
    mine = reissue.request_name_change(db.session, mentor.id, "Maria Ramírez")
    sign_in(client, mentor)
    before = (state(mentor.id), state(other.id))
    for url in (
        f"/staff/mentors/{other.id}/name",
        f"/staff/mentors/{mentor.id}/name",
        f"/staff/name-requests/{request.id}/approve",
        f"/staff/name-requests/{mine.id}/approve",
        f"/staff/name-requests/{request.id}/decline",
    ):
        response = post_form(
            client, url, {"name": "X Y", "reason": "r", "confirmed": "yes"}, page="/training"
        )
        assert response.status_code == 403, url
    assert (state(mentor.id), state(other.id)) == before


def test_staff_accounts_have_no_request_page(staff_client) -> None:
    assert staff_client.get("/account/name").status_code == 403


def test_a_forged_request_id_is_404(staff_client) -> None:
    for action in ("approve", "decline"):
        response = post_form(
            staff_client,
            f"/staff/name-requests/424242/{action}",
            {"reason": "x", "confirmed": "yes"},
            page="/staff/",
        )
        assert response.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, mentor) -> None:
    request = reissue.request_name_change(db.session, mentor.id, NEW_NAME)
    before = state(mentor.id)
    assert "/sign-in" in client.get("/account/name").location
    for url in (
        "/account/name",
        f"/staff/mentors/{mentor.id}/name",
        f"/staff/name-requests/{request.id}/approve",
        f"/staff/name-requests/{request.id}/decline",
    ):
        response = post_form(client, url, {"name": "X Y", "reason": "r", "confirmed": "yes"})
        assert response.status_code == 302 and "/sign-in" in response.location, url
    assert state(mentor.id) == before


def test_csrf_is_enforced(client, app, mentor, staff) -> None:
    request = reissue.request_name_change(db.session, mentor.id, NEW_NAME)
    sign_in(client, mentor)
    before = state(mentor.id)
    assert client.post("/account/name", data={"name": "Another Name"}).status_code == 400
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    for url in (
        f"/staff/mentors/{mentor.id}/name",
        f"/staff/name-requests/{request.id}/approve",
        f"/staff/name-requests/{request.id}/decline",
    ):
        data = {"name": "X Y", "reason": "r", "confirmed": "yes"}
        assert staff_client.post(url, data=data).status_code == 400, url
    assert state(mentor.id) == before


# Verification -----------------------------------------------------------------------------------


def test_a_replaced_code_is_neutral_and_leaks_nothing(client, staff, mentor, certified) -> None:
    old = certificates.format_code(certified.code)
    reissue.correct_name_and_reissue(db.session, staff.id, mentor.id, NEW_NAME, "Change")
    new = certificates.format_code(certificates_of(mentor.id)[0].code)
    page = client.get(f"/verify/{old.lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Status: <strong>replaced</strong>" in html
    assert "ask its holder for their current certificate code" in html
    api = client.get(f"/api/v1/certificates/{old}")
    assert api.status_code == 200 and api.json["status"] == "replaced"
    assert api.json["holder"] == "" and api.json["code"] == old
    for text in (html, api.get_data(as_text=True)):
        for secret in (new, new.replace("-", ""), NEW_NAME, "Ramírez", "Maria", "Gonzalez"):
            assert secret not in text
        assert "maria@example.org" not in text and "Maria R." not in text
    # The name check does not answer for a replaced code, whatever is typed.
    # (The replaced page has no form; a token from any page with one will do.)
    token = csrf_from(client.get(f"/verify/{new}/name").get_data(as_text=True))
    checked = client.post(f"/verify/{old}/name", data={"full_name": NEW_NAME, "csrf_token": token})
    text = checked.get_data(as_text=True)
    assert "matches" not in text and NEW_NAME not in text and new not in text
    # The new code verifies as usual, with the corrected name masked.
    fresh = client.get(f"/api/v1/certificates/{new}").json
    assert fresh["status"] == "valid" and fresh["holder"] == "Maria R."


def test_verification_shows_version_modules_in_order_and_hours(client, staff) -> None:
    mentor = make_user(name="Maria José Gonzalez", mentor_type="survivor_mentor")
    now = utcnow() - timedelta(days=1)
    for slug in ("alpha", "beta", "gamma"):
        progress.record_visit(db.session, mentor.id, slug, now=now - timedelta(minutes=30))
        pass_quiz(mentor.id, slug, now)
    attend_in_person(staff.id, mentor, "3", now)
    code = certificates.format_code(certificates_of(mentor.id)[0].code)
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Course version</dt><dd>test-1" in html
    assert html.index("Alpha module") < html.index("Beta module") < html.index("Gamma module")
    assert "hours of reading recorded" in html and "3 hours attended" in html
    assert "Maria G." in html and "Gonzalez" not in html and mentor.email not in html
    data = client.get(f"/api/v1/certificates/{code}").json
    assert data["course_version"] == current_course().version == "test-1"
    assert data["modules"] == ["Alpha module", "Beta module", "Gamma module"]
    assert data["in_person_hours"] == 3.0 and isinstance(data["online_hours"], float)
    assert data["replaced_on"] is None
    # The original fields keep their names and types.
    for key in ("code", "holder", "title", "issued_on", "expires_on", "status"):
        assert isinstance(data[key], str)


def test_hours_not_recorded_are_left_out(client, certified) -> None:
    code = certificates.format_code(certified.code)
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Online training" not in html and "In-person training" not in html
    data = client.get(f"/api/v1/certificates/{code}").json
    assert data["online_hours"] is None and data["in_person_hours"] is None
