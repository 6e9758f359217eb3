"""Youth codes: the program's format, and never a date, a phone number or a name."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from app import StartupError, create_app
from app.extensions import db
from app.models import AuditEvent, MatchYouth, utcnow
from app.services.matching import DEFAULT_YOUTH_CODE_PATTERN, clean_youth_codes
from config import Config
from tests.conftest import config_for
from tests.factories import make_user, post_form, sign_in
from tests.services.test_eligibility_matching import eligible_mentor


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.mark.parametrize("code", ["YTH-1234", "yth-1234", " AB-12 ", "Y-1", "ABCD-123456"])
def test_codes_in_the_default_format_are_kept_in_capitals(code: str) -> None:
    assert clean_youth_codes([code]) == ([code.strip().upper()], [])


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("MARIA-GARCIA-2009", "looks like a name"),
        ("JaneDoe", "looks like a name"),
        ("Jane-1", "looks like a name"),
        ("2009-05-01", "looks like a date"),
        ("05/01/2009", "looks like a date"),
        ("YTH-20090501", "looks like a date"),
        ("555-867-5309", "looks like a phone number"),
        ("5558675309", "looks like a phone number"),
        ("YTH\u202e-1234", "invisible or text-direction character"),
        ("YTH-\u200b1234", "invisible or text-direction character"),
        ("\u2066YTH-1234\u2069", "invisible or text-direction character"),
        ("YTH-1234567", "youth-code format"),
        ("<script>", "youth-code format"),
    ],
)
def test_codes_that_could_identify_a_young_person_are_refused_without_repeating_them(
    code: str, why: str
) -> None:
    codes, problems = clean_youth_codes(["YTH-1", code])
    assert codes == ["YTH-1"]
    assert len(problems) == 1 and why in problems[0] and "line 2" in problems[0]
    assert code.strip() not in problems[0]


def test_the_refusals_hold_whatever_format_the_program_chooses() -> None:
    loose = r"^[A-Z0-9-]{3,32}$"
    assert clean_youth_codes(["KX7-Q9Z"], loose) == (["KX7-Q9Z"], [])
    for code in ("MARIA-GARCIA-2009", "2009-05-01", "555-867-5309", "JANEDOE"):
        assert clean_youth_codes([code], loose)[0] == []


def test_the_default_setting_is_the_services_default() -> None:
    assert Config.YOUTH_CODE_PATTERN == DEFAULT_YOUTH_CODE_PATTERN


def test_the_match_form_uses_the_programs_pattern_and_never_logs_a_refused_code(
    app, client, caplog
) -> None:
    app.config["YOUTH_CODE_PATTERN"] = r"^CASE[0-9]{4}$"
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    sign_in(client, staff)
    data = {"model": "one_to_one", "mentors": str(mentor.id)}
    data["started_on"] = utcnow().date().isoformat()
    with caplog.at_level(logging.DEBUG):
        refused = post_form(
            client, "/staff/matches/new", {**data, "youth_codes": "Maria-2009"}, page="/staff/"
        )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    # Given back in the text box to correct, and nowhere else on the page.
    assert "looks like a name" in page and page.count("Maria-2009") == 1
    assert "Maria-2009" not in caplog.text
    assert "Maria-2009" not in str(db.session.scalars(sa.select(AuditEvent.detail)).all())
    wrong_format = post_form(
        client, "/staff/matches/new", {**data, "youth_codes": "YTH-1234"}, page="/staff/"
    )
    assert "format" in wrong_format.get_data(as_text=True)
    accepted = post_form(
        client, "/staff/matches/new", {**data, "youth_codes": "case0042"}, page="/staff/"
    )
    assert accepted.status_code == 302
    assert db.session.scalars(sa.select(MatchYouth.youth_code)).all() == ["CASE0042"]


def test_the_form_shows_the_programs_example(app, client) -> None:
    app.config["YOUTH_CODE_EXAMPLE"] = "CASE0001"
    sign_in(client, make_user(role="staff"))
    assert "like CASE0001" in client.get("/staff/matches/new").get_data(as_text=True)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"YOUTH_CODE_PATTERN": "^[A-Z"}, "not a valid regular expression"),
        ({"YOUTH_CODE_PATTERN": "^[0-9]{4}$"}, "does not follow"),
        ({"YOUTH_CODE_EXAMPLE": "Jane-Doe"}, "looks like a name"),
    ],
)
def test_the_app_refuses_to_start_with_unusable_youth_code_settings(
    database_url: str, settings: dict, message: str
) -> None:
    with pytest.raises(StartupError) as raised:
        create_app(config_for(database_url, **settings))
    assert message in str(raised.value)
