"""Certificate pages, the PDF, public verification, the API and staff actions, through the app."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import CertificateAction, Match, ScreeningRecord, utcnow
from app.services import certificates
from app.web import current_course
from tests.conftest import csrf_from
from tests.factories import make_user, post_form, sign_in
from tests.services.test_certificates import certify
from tests.services.test_eligibility_matching import clear_all


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def certified(app):
    mentor = make_user(name="Maria José Gonzalez")
    certificate = certify(mentor, at=utcnow() - timedelta(days=1))
    return mentor, certificate


def test_my_training_shows_the_certificate_and_the_checklist(client, certified) -> None:
    mentor, _certificate = certified
    sign_in(client, mentor)
    html = client.get("/training").get_data(as_text=True)
    assert "Your certificate is <strong>valid</strong>" in html
    assert "Background check:</strong> Waiting for your program." in html


def test_the_holder_sees_the_certificate_page_and_a_real_pdf(client, certified) -> None:
    mentor, certificate = certified
    sign_in(client, mentor)
    code = certificates.format_code(certificate.code)
    html = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert code in html and "http://localhost/verify/" + code in html and "Valid" in html
    response = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.data))
    text = reader.pages[0].extract_text()
    assert code in text and "Maria José Gonzalez" in text
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert f"http://localhost/verify/{code}" in links


def test_another_mentor_gets_404_for_the_page_and_the_pdf(client, certified) -> None:
    _mentor, certificate = certified
    sign_in(client, make_user())
    assert client.get(f"/certificates/{certificate.id}").status_code == 404
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 404


def test_staff_can_fetch_any_certificate(client, certified) -> None:
    _mentor, certificate = certified
    sign_in(client, make_user(role="staff"))
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 200


def test_signed_out_visitors_cannot_fetch_a_certificate(client, certified) -> None:
    _mentor, certificate = certified
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 302


def test_the_public_page_shows_only_first_name_last_initial_and_status(client, certified) -> None:
    mentor, certificate = certified
    code = certificates.format_code(certificate.code)
    for typed in (code, code.lower(), code.replace("-", ""), " ".join(code.split("-"))):
        response = client.get(f"/verify/{typed}")
        assert response.status_code == 200, typed
        html = response.get_data(as_text=True)
        assert "Maria G." in html and "valid" in html
        assert "Gonzalez" not in html and mentor.email not in html


def test_the_verify_form_sends_you_to_the_result(client, certified) -> None:
    _mentor, certificate = certified
    response = client.get("/verify", query_string={"code": certificate.code.lower()})
    assert response.status_code == 302 and "/verify/" in response.location
    assert client.get("/verify").status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        "ABCD",
        "ABCD-EFGH-JKMN-PQRS",
        "ABCD-EFGH-JKMN-PQRU",
        "%3Cscript%3E",
        "0000-0000-0000-0000-0000",
    ],
)
def test_wrong_or_unknown_codes_give_the_same_404(client, certified, bad) -> None:
    response = client.get(f"/verify/{bad}")
    assert response.status_code == 404
    assert "No certificate with that code" in response.get_data(as_text=True)
    api = client.get(f"/api/v1/certificates/{bad}")
    assert api.status_code == 404 and api.is_json and api.json["status"] == 404


def test_the_api_returns_exactly_the_public_fields(client, certified) -> None:
    _mentor, certificate = certified
    response = client.get(f"/api/v1/certificates/{certificate.code.lower()}")
    assert response.status_code == 200
    # The original six fields, then only the ones added for richer verification.
    assert set(response.json) == {
        "code",
        "holder",
        "title",
        "issued_on",
        "expires_on",
        "status",
        "course_version",
        "modules",
        "online_hours",
        "in_person_hours",
        "replaced_on",
    }
    assert response.json["holder"] == "Maria G." and response.json["status"] == "valid"
    assert response.json["code"] == certificates.format_code(certificate.code)


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("Maria José Gonzalez", "matches"),
        ("  maria   jose GONZALEZ ", "matches"),
        ("Maria Gonzalez", "does not match"),
        ("Maria José Gonzales", "does not match"),
    ],
)
def test_the_name_check_answers_only_matches_or_not(client, certified, typed, answer) -> None:
    _mentor, certificate = certified
    code = certificates.format_code(certificate.code)
    page = client.get(f"/verify/{code}/name").get_data(as_text=True)
    response = client.post(
        f"/verify/{code}/name", data={"full_name": typed, "csrf_token": csrf_from(page)}
    )
    html = response.get_data(as_text=True)
    assert f"<strong>{answer}</strong>" in html
    assert "Gonzalez" not in html.replace(typed.strip(), "") or (
        answer == "matches" and "Gonzalez" not in html.split("name-answer")[1][:200]
    )


def test_the_name_check_needs_csrf(client, certified) -> None:
    _mentor, certificate = certified
    assert (
        client.post(f"/verify/{certificate.code}/name", data={"full_name": "x"}).status_code == 400
    )


def test_a_plain_look_up_sets_no_cookie(client, certified) -> None:
    """Checking a code creates no session: the name check has its own page with the token."""
    _mentor, certificate = certified
    code = certificates.format_code(certificate.code)
    for path in (f"/verify/{code}", f"/api/v1/certificates/{code}", f"/verify/{code.lower()}"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers.getlist("Set-Cookie") == [], path
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "csrf_token" not in html and "<form" not in html
    assert f'href="/verify/{code}/name"' in html and "Check the holder's full name" in html


def test_the_name_check_page_has_the_form_and_refuses_a_post_without_csrf(
    client, certified
) -> None:
    _mentor, certificate = certified
    code = certificates.format_code(certificate.code)
    page = client.get(f"/verify/{code}/name")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Full name you expect" in html and "Maria G." in html
    assert "Gonzalez" not in html
    refused = client.post(f"/verify/{code}/name", data={"full_name": "Maria José Gonzalez"})
    assert refused.status_code == 400 and "matches" not in refused.get_data(as_text=True)
    empty = client.post(
        f"/verify/{code}/name", data={"full_name": "", "csrf_token": csrf_from(html)}
    )
    assert empty.status_code == 422 and "Enter the full name you expect." in empty.get_data(
        as_text=True
    )
    assert client.get("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ/name").status_code == 404


@pytest.fixture
def limited_config(fixture_app_config):
    return {**fixture_app_config, "RATELIMIT_ENABLED": True, "VERIFY_RATE_LIMIT": "3 per minute"}


class TestRateLimit:
    @pytest.fixture
    def app_config(self, limited_config):
        return limited_config

    def test_verification_is_rate_limited_across_pages_and_api(self, client, certified) -> None:
        _mentor, certificate = certified
        assert client.get(f"/verify/{certificate.code}").status_code == 200
        assert client.get(f"/api/v1/certificates/{certificate.code}").status_code == 200
        assert client.get("/verify/ABCD").status_code == 404
        assert client.get(f"/verify/{certificate.code}").status_code == 429
        assert client.get(f"/api/v1/certificates/{certificate.code}").status_code == 429


# Staff actions through the pages -------------------------------------------------------------


def test_a_mentor_posting_to_staff_routes_gets_403_and_nothing_changes(client, certified) -> None:
    mentor, certificate = certified
    sign_in(client, mentor)
    token = csrf_from(client.get("/training").get_data(as_text=True))
    for path, data in [
        (f"/staff/certificates/{certificate.id}/revoke", {"reason": "mine"}),
        (
            f"/staff/mentors/{mentor.id}/screening",
            {"step": "interview", "result": "cleared", "completed_on": "2026-01-01"},
        ),
        (
            "/staff/matches/new",
            {
                "model": "one_to_one",
                "mentors": mentor.id,
                "youth_codes": "Y-1",
                "started_on": "2026-01-01",
            },
        ),
    ]:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403
    assert client.get("/staff/matches").status_code == 403
    assert client.get(f"/staff/mentors/{mentor.id}").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(CertificateAction.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ScreeningRecord.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0


def test_staff_record_screening_and_the_mentor_becomes_eligible(client, certified) -> None:
    mentor, _certificate = certified
    sign_in(client, make_user(role="staff"))
    html = client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    assert "Not eligible" in html and "Background check: pending." in html
    for step in ("background_check", "reference_check", "interview"):
        response = post_form(
            client,
            f"/staff/mentors/{mentor.id}/screening",
            {
                "step": step,
                "result": "cleared",
                "completed_on": utcnow().date().isoformat(),
                "note": "ok",
            },
        )
        assert response.status_code == 302
    html = client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    assert "<strong>Not eligible.</strong>" in html
    assert "In-person training: 0 of 2 hours." in html
    response = post_form(
        client,
        "/staff/in-person",
        {
            "held_on": utcnow().date().isoformat(),
            "topic": "Trauma-informed practice",
            "hours": "2",
            "facilitator": "Ms. Rivera",
            "mentors": [str(mentor.id)],
        },
    )
    assert response.status_code == 302
    html = client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    assert "<strong>Eligible.</strong>" in html and "Match this mentor" in html
    assert "2 of 2 hours attended before a match." in html


def test_a_screening_step_for_another_mentor_type_is_refused(client, certified) -> None:
    mentor, _certificate = certified
    sign_in(client, make_user(role="staff"))
    response = post_form(
        client,
        f"/staff/mentors/{mentor.id}/screening",
        {"step": "readiness_conversation", "result": "cleared", "completed_on": "2026-01-01"},
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(ScreeningRecord.id))) == 0


def test_suspending_through_the_page_needs_a_reason_and_shows_publicly(client, certified) -> None:
    _mentor, certificate = certified
    sign_in(client, make_user(role="staff"))
    post_form(client, f"/staff/certificates/{certificate.id}/suspend", {"reason": ""})
    assert db.session.scalar(sa.select(sa.func.count(CertificateAction.id))) == 0
    post_form(
        client,
        f"/staff/certificates/{certificate.id}/suspend",
        {"reason": "A concern to look into"},
    )
    assert db.session.scalar(sa.select(sa.func.count(CertificateAction.id))) == 1
    public = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert (
        "<strong>suspended</strong>" in public
        and "concern" not in public.lower().split("status")[1][:300]
    )
    post_form(
        client,
        f"/staff/certificates/{certificate.id}/revoke",
        {"reason": "Final decision", "confirmed": "yes"},
    )
    response = post_form(client, f"/staff/certificates/{certificate.id}/lift", {"reason": "Undo"})
    assert "Revocation is final" in client.get(response.location).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CertificateAction.id))) == 2


def test_staff_match_an_eligible_mentor_and_see_it_flagged_after_suspension(
    client, certified
) -> None:
    mentor, certificate = certified
    staff = make_user(role="staff")
    clear_all(staff.id, mentor, at=utcnow() - timedelta(hours=1))
    sign_in(client, staff)
    form_page = client.get("/staff/matches/new").get_data(as_text=True)
    assert "Never enter a young person" in form_page and mentor.name in form_page
    response = post_form(
        client,
        "/staff/matches/new",
        {
            "model": "one_to_one",
            "mentors": str(mentor.id),
            "youth_codes": "Y-2040",
            "started_on": utcnow().date().isoformat(),
        },
    )
    assert response.status_code == 302
    post_form(client, f"/staff/certificates/{certificate.id}/suspend", {"reason": "Concern"})
    html = client.get("/staff/matches").get_data(as_text=True)
    review = html.split("Needing review")[1].split("Open (")[0]
    assert "Y-2040" in review and "Certificate suspended" in review


def test_the_match_form_refuses_a_group_of_five_and_stores_nothing(client, certified) -> None:
    mentor, _certificate = certified
    staff = make_user(role="staff")
    clear_all(staff.id, mentor, at=utcnow() - timedelta(hours=1))
    sign_in(client, staff)
    response = post_form(
        client,
        "/staff/matches/new",
        {
            "model": "group",
            "mentors": str(mentor.id),
            "youth_codes": "A-1\nA-2\nA-3\nA-4\nA-5",
            "started_on": utcnow().date().isoformat(),
        },
    )
    assert response.status_code == 422
    assert "2 to 4 youth; 5 given" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0


def test_unknown_ids_on_staff_routes_are_404(client, app) -> None:
    sign_in(client, make_user(role="staff"))
    assert client.get("/staff/mentors/999999").status_code == 404
    assert (
        post_form(client, "/staff/certificates/999999/suspend", {"reason": "x"}).status_code == 404
    )
    assert (
        post_form(
            client, "/staff/matches/999999/end", {"reason": "x", "ended_on": "2026-01-01"}
        ).status_code
        == 404
    )
    assert current_course() is not None


def test_my_training_says_when_and_how_to_renew(client, app) -> None:
    mentor = make_user()
    certify(mentor, at=certificates.add_months(utcnow(), -12) + timedelta(days=20))
    sign_in(client, mentor)
    html = client.get("/training").get_data(as_text=True)
    assert "Time to renew." in html and "Still to pass: Alpha module, Beta module" in html
