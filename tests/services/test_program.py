"""The program profile: defaults, audited changes, time zones, placeholders filled from it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, ProgramProfile
from app.services import program
from app.services.errors import DomainError
from app.web import current_course
from tests.factories import make_user

NOW = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)

FILLED = program.ProfileInput(
    name="Riverside Youth Mentoring",
    description="Mentoring for youth in Riverside County.",
    coordinator_name="Dana Ortiz",
    coordinator_role="Mentor coordinator",
    coordinator_email="dana@riverside.example.org",
    coordinator_phone="555-0100",
    coordinator_hours="Weekdays 9-5",
    first_contact="Call Dana within the hour.",
    after_hours="On-call line 555-0199",
    hotline="State hotline 1-800-555-0123",
    must_report_directly=True,
    emergency="Call 911.",
    time_zone="America/Chicago",
    mentor_types=["community_volunteer", "care_provider"],
    match_models=["one_to_one", "group"],
    required_placeholders=["reporting_chain"],
)


def test_a_fresh_install_has_working_defaults_and_an_open_checklist(app) -> None:
    profile = program.current_profile(db.session)
    assert profile.version == 0
    assert profile.time_zone == "UTC" and program.zone(profile).key == "UTC"
    assert profile.match_models == ["one_to_one", "group", "team", "e_mentoring", "blended"]
    assert len(profile.mentor_types) == 4
    assert not program.setup_complete(profile)
    assert [step.done for step in program.setup_steps(profile)] == [False] * 4
    assert db.session.scalar(sa.select(sa.func.count(ProgramProfile.id))) == 0


def test_saving_the_profile_is_audited_with_what_changed(app) -> None:
    admin = make_user(role="admin")
    program.update_profile(db.session, admin.id, FILLED, now=NOW)
    profile = program.current_profile(db.session)
    assert profile.version == 1 and program.setup_complete(profile)
    program.update_profile(db.session, admin.id, replace(FILLED, hotline="1-800-555-0999"), now=NOW)
    program.update_profile(db.session, admin.id, replace(FILLED, hotline="1-800-555-0999"), now=NOW)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "program.profile_changed")
        .order_by(AuditEvent.id)
    ).all()
    assert len(events) == 2, "saving without a change records nothing"
    assert events[1].actor_id == admin.id
    assert events[1].detail == {
        "changed": {"hotline": ["State hotline 1-800-555-0123", "1-800-555-0999"]}
    }
    assert program.current_profile(db.session).version == 2


@pytest.mark.parametrize("zone", ["Mars/Olympus", "america/chicago", "", " UTC", "../etc/passwd"])
def test_a_time_zone_that_does_not_exist_is_refused(app, zone: str) -> None:
    admin = make_user(role="admin")
    with pytest.raises(DomainError) as refused:
        program.update_profile(db.session, admin.id, replace(FILLED, time_zone=zone))
    assert refused.value.field == "time_zone"
    assert program.current_profile(db.session).version == 0


def test_unknown_types_and_models_are_refused(app) -> None:
    admin = make_user(role="admin")
    with pytest.raises(DomainError):
        program.update_profile(db.session, admin.id, replace(FILLED, match_models=["pairs"]))
    with pytest.raises(DomainError):
        program.update_profile(db.session, admin.id, replace(FILLED, match_models=[]))
    with pytest.raises(DomainError):
        program.update_profile(db.session, admin.id, replace(FILLED, mentor_types=["wizard"]))
    with pytest.raises(DomainError):
        program.update_profile(
            db.session, admin.id, replace(FILLED, required_placeholders=["secret"])
        )


def test_set_recruitment_is_audited_and_keeps_the_rest(app) -> None:
    admin = make_user(role="admin")
    program.update_profile(db.session, admin.id, FILLED, now=NOW)
    program.set_recruitment(db.session, admin.id, ["team", "blended"], ["survivor_mentor"], now=NOW)
    profile = program.current_profile(db.session)
    assert profile.match_models == ["team", "blended"]
    assert profile.mentor_types == ["survivor_mentor"]
    assert profile.coordinator_name == "Dana Ortiz"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "program.recruitment_changed")
    ).one()
    assert event.detail["changed"]["match_models"] == [["one_to_one", "group"], ["team", "blended"]]
    with pytest.raises(DomainError):
        program.set_recruitment(db.session, admin.id, ["pairs"], ["survivor_mentor"])


def test_set_recruitment_works_on_a_fresh_install(app) -> None:
    admin = make_user(role="admin")
    program.set_recruitment(db.session, admin.id, ["group"], ["care_provider"], now=NOW)
    profile = program.current_profile(db.session)
    assert profile.match_models == ["group"] and profile.version == 1
    assert not program.setup_complete(profile)


def test_profile_text_is_stored_verbatim_and_filled_escaped(app) -> None:
    admin = make_user(role="admin")
    script = '<script>alert("x")</script>\n<b onmouseover=x>Dana</b>'
    program.update_profile(db.session, admin.id, replace(FILLED, first_contact=script))
    profile = program.current_profile(db.session)
    assert profile.first_contact == script
    module = current_course().module("boundaries-safety-reporting")
    assert module is not None
    html = program.module_html(module, profile)
    assert "<script>" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;<br>\n&lt;b onmouseover=x&gt;" in html


def test_unset_placeholders_fall_back_and_required_ones_are_named(app) -> None:
    profile = program.current_profile(db.session)
    module = current_course().module("boundaries-safety-reporting")
    assert module is not None
    html = program.module_html(module, profile)
    assert "has not written its reporting chain here yet" in html
    assert program.required_unset(profile) == set()
    admin = make_user(role="admin")
    program.update_profile(
        db.session,
        admin.id,
        replace(FILLED, hotline="", required_placeholders=["reporting_chain", "hotline", "name"]),
    )
    assert program.required_unset(program.current_profile(db.session)) == {
        "reporting_chain",
        "hotline",
    }


def test_a_module_is_filled_once_per_profile_version(app) -> None:
    admin = make_user(role="admin")
    program.update_profile(db.session, admin.id, FILLED)
    module = current_course().module("youth-in-crisis")
    assert module is not None
    first = program.module_html(module, program.current_profile(db.session))
    assert program.module_html(module, program.current_profile(db.session)) is first
    program.update_profile(db.session, admin.id, replace(FILLED, after_hours="Text 555-0111"))
    again = program.module_html(module, program.current_profile(db.session))
    assert "Text 555-0111" in again and "Text 555-0111" not in first
