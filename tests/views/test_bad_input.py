"""Input no page can use is refused with the site's error page (never a 500) and changes nothing."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter

from app import create_app, current_course
from app.extensions import db
from app.input_checks import LARGEST_ID, BoundedIntConverter
from app.models import (
    AuditEvent,
    CertificateAction,
    JournalEntry,
    ScreeningRecord,
    SelfCarePlan,
    User,
)
from app.services import private_notes
from tests.conftest import csrf_from
from tests.factories import make_user, post_form, sign_in
from tests.services.test_certificates import certify
from tests.views.test_security import assert_site_error_page

NUL = "\x00"
HUGE_IDS = [2**31, 2**63, 2**64 + 1, 10**30]


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> User:
    """A signed-in staff member."""
    user = make_user(role="staff")
    sign_in(client, user)
    return user


def rows(model: type) -> int:
    """How many rows `model` has."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def assert_nul_refused(response) -> None:
    """A 400 in the site's look that says what was wrong."""
    assert_site_error_page(response, 400)
    assert "NUL character" in response.get_data(as_text=True)


# NUL characters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/sign-in", {"email": f"a{NUL}@example.org", "password": "whatever it is"}),
        ("/forgot-password", {"email": f"a{NUL}@example.org"}),
        (
            "/register",
            {
                "name": f"Nul{NUL} Person",
                "email": "nul@example.org",
                "password": "lantern maple orbit river 42",
                "mentor_type": "community_volunteer",
            },
        ),
        ("/verify/ABCD/name", {"full_name": f"Maria{NUL}"}),
    ],
)
def test_a_nul_in_a_signed_out_form_is_a_400(app, client, path, data) -> None:
    response = post_form(client, path, data)
    assert_nul_refused(response)
    assert rows(User) == 0


def test_a_nul_in_a_mentors_notes_and_plan_is_a_400_and_nothing_is_saved(app, client) -> None:
    sign_in(client, make_user())
    slug = current_course().ordered_modules()[0].slug
    assert_nul_refused(post_form(client, f"/modules/{slug}/journal", {"text": f"a{NUL}b"}))
    for key in private_notes.PLAN_SECTIONS:
        assert_nul_refused(post_form(client, "/self-care", {key: f"plan{NUL}"}))
    assert rows(JournalEntry) == 0 and rows(SelfCarePlan) == 0


def test_a_nul_in_staff_forms_and_filters_is_a_400_and_nothing_is_recorded(client, staff) -> None:
    mentor = make_user()
    certificate = certify(mentor)
    before = rows(AuditEvent)
    screening = {"step": "interview", "result": "cleared", "completed_on": "2026-01-01"}
    for path, data in [
        (f"/staff/mentors/{mentor.id}/screening", {**screening, "note": f"x{NUL}"}),
        (f"/staff/certificates/{certificate.id}/suspend", {"reason": f"concern{NUL}"}),
        ("/staff/matches/new", {"youth_codes": f"YTH-1{NUL}", "model": "one_to_one"}),
    ]:
        assert_nul_refused(post_form(client, path, data, page="/staff/"))
    assert rows(ScreeningRecord) == 0 and rows(CertificateAction) == 0
    assert rows(AuditEvent) == before
    for query in ("q=a%00b", "sort=%00", "page=1%00"):
        assert_nul_refused(client.get(f"/staff/mentors?{query}"))
    for query in ("actor=%00", "action=x%00", "mentor=%00", "from=2026-01-01%00", "to=%00"):
        assert_nul_refused(client.get(f"/staff/audit?{query}"))
    assert_nul_refused(client.get("/staff/reports?from=%00"))


def test_a_nul_in_a_path_or_the_api_is_refused(app, client) -> None:
    assert_nul_refused(client.get("/verify/AB%00CD"))
    assert_nul_refused(client.get("/verify?code=AB%00CD"))
    response = client.get("/api/v1/certificates/AB%00CD")
    assert response.status_code == 400 and response.is_json


# File parts where text is expected ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"), [("/sign-in", "email"), ("/register", "name"), ("/forgot-password", "email")]
)
def test_a_file_part_is_a_400_that_says_forms_take_no_files(app, client, path, field) -> None:
    token = csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(
        path,
        data={
            "csrf_token": token,
            field: (io.BytesIO(b"not text"), "note.txt"),
            "password": "lantern maple orbit river 42",
        },
        content_type="multipart/form-data",
    )
    assert_site_error_page(response, 400)
    assert "does not take files" in response.get_data(as_text=True)
    assert rows(User) == 0


def test_a_multipart_part_without_a_readable_name_is_a_400(app, client) -> None:
    for value in ((io.BytesIO(b"x"), "upload.txt"), "text"):
        response = client.post("/sign-in", data={"\r": value}, content_type="multipart/form-data")
        assert_site_error_page(response, 400)


# Ids beyond what a column holds ------------------------------------------------------------------


def test_every_int_in_a_route_is_bounded(app: Flask) -> None:
    converters = [
        (rule.rule, converter)
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if isinstance(converter, IntegerConverter)
    ]
    assert converters, "no <int:...> routes found"
    for rule, converter in converters:
        assert isinstance(converter, BoundedIntConverter), rule
        assert (converter.min, converter.max) == (1, LARGEST_ID), rule


@pytest.mark.parametrize("number", HUGE_IDS)
def test_ids_beyond_a_database_integer_are_404(client, staff, number: int) -> None:
    for path in (
        f"/staff/mentors/{number}",
        f"/certificates/{number}",
        f"/attempts/{number}",
        f"/attempts/{number}/result",
    ):
        assert_site_error_page(client.get(path), 404)
    for path in (
        f"/staff/mentors/{number}/screening",
        f"/staff/certificates/{number}/suspend",
        f"/staff/matches/{number}/end",
        f"/staff/accounts/{number}/deactivate",
        f"/admin/accounts/{number}/role",
    ):
        assert post_form(client, path, {"reason": "x"}, page="/staff/").status_code == 404


def test_typed_numbers_in_query_strings_never_break_a_page(client, staff) -> None:
    for query in ("page=²", "page=" + "9" * 5000, "page=0", "page=-1"):
        assert client.get(f"/staff/mentors?{query}").status_code == 400
        assert client.get(f"/staff/audit?{query}").status_code == 400
    for query in ("mentor=²", f"mentor={2**70}", "mentor=" + "9" * 5000):
        assert client.get(f"/staff/matches/new?{query}").status_code == 200
    response = post_form(
        client,
        "/staff/matches/new",
        {"model": "one_to_one", "mentors": str(2**70), "youth_codes": "YTH-1", "started_on": ""},
        page="/staff/",
    )
    assert response.status_code == 422


# Dates out of range ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["to=9999-12-31", "from=0001-01-01", "to=1999-12-31", "from=99999-01-01", "to=2026-02-30"],
)
def test_audit_filter_dates_out_of_range_are_refused_clearly(client, staff, query) -> None:
    response = client.get(f"/staff/audit?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "date must be between 2000 and" in page or "does not exist" in page or "YYYY" in page


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_a_screening_date_outside_2000_to_today_is_refused(client, staff, day) -> None:
    mentor = make_user()
    response = post_form(
        client,
        f"/staff/mentors/{mentor.id}/screening",
        {"step": "interview", "result": "cleared", "completed_on": day},
        page="/staff/",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "from 2000-01-01 to today" in page or "cannot be in the future" in page
    assert rows(ScreeningRecord) == 0


# Too many fields ---------------------------------------------------------------------------------


def test_ten_thousand_fields_are_a_413_everywhere(app, client) -> None:
    many = "&".join(f"f{i}=x" for i in range(10_000))
    assert_site_error_page(
        client.post("/sign-in", data=many, content_type="application/x-www-form-urlencoded"), 413
    )
    sign_in(client, make_user())
    slug = current_course().ordered_modules()[0].slug
    for path in (f"/modules/{slug}/journal", "/self-care"):
        response = client.post(
            path, data="text=a&" + many, content_type="application/x-www-form-urlencoded"
        )
        assert_site_error_page(response, 413)
    assert_site_error_page(client.get("/journal?" + many), 413)
    assert rows(JournalEntry) == 0 and rows(SelfCarePlan) == 0


def test_the_largest_quiz_of_the_real_course_fits_the_field_limit(database_url: str) -> None:
    from tests.conftest import config_for

    app = create_app(config_for(database_url))
    with app.app_context():
        for quiz in current_course().quizzes.values():
            # Every option of the questions with the most options ticked, plus token and button.
            options = sorted((len(q.options) for q in quiz.questions), reverse=True)
            assert sum(options[: quiz.draw]) + 2 < app.config["MAX_FORM_PARTS"], quiz.slug
        # current_course() read the program profile: give its connection back before disposing.
        db.session.remove()
        db.engine.dispose()
