"""In-person training: sessions for several mentors, the hours they count, what is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, InPersonSession, ModuleRead, ModuleVisit
from app.services import in_person, progress, reports, screening, standing
from app.services.errors import DomainError
from app.web import current_course
from tests.factories import make_user
from tests.services.test_certificates import NOW, certify
from tests.services.test_eligibility_matching import clear_all


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def session_input(attendees, **changes) -> in_person.SessionInput:
    values = {
        "held_on": NOW.date(),
        "topic": "Meeting youth where they are",
        "hours": "1.5",
        "facilitator": "Ms. Rivera",
        "mentor_ids": attendees,
    }
    values.update(changes)
    return in_person.SessionInput(**values)


def test_one_session_counts_for_every_mentor_who_attended(app) -> None:
    staff = make_user(role="staff")
    first, second = make_user(), make_user(mentor_type="survivor_mentor")
    in_person.record_session(db.session, staff.id, session_input([first.id, second.id]), now=NOW)
    hours = in_person.hours_by_mentor(db.session, [first.id, second.id])
    assert hours == {first.id: 1.5, second.id: 1.5}
    events = db.session.scalars(
        sa.select(AuditEvent.subject_user_id).where(AuditEvent.action == "in_person.recorded")
    ).all()
    assert sorted(events) == sorted([first.id, second.id])


def test_the_hours_a_type_needs_come_before_eligibility(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certify(mentor)
    clear_all(staff.id, mentor, result="cleared")
    # clear_all attended the two default hours; a fresh mentor who only screened is not eligible.
    assert standing.for_mentor(db.session, mentor, current_course(), NOW).eligible
    other = make_user()
    certify(other)
    for step in current_course().screening_for(other.mentor_type):
        screening.record_result(
            db.session,
            staff.id,
            other.id,
            current_course(),
            step=step,
            result="cleared",
            completed_on=NOW.date(),
            now=NOW,
        )
    verdict = standing.for_mentor(db.session, other, current_course(), NOW)
    assert [r.code for r in verdict.reasons] == ["in_person_hours"]
    item = next(i for i in verdict.checklist if i.label == "In-person training")
    assert not item.done and item.text.startswith("0 of 2 hours attended so far")
    in_person.record_session(db.session, staff.id, session_input([other.id], hours="1"), now=NOW)
    assert not standing.for_mentor(db.session, other, current_course(), NOW).eligible
    in_person.record_session(db.session, staff.id, session_input([other.id], hours="1"), now=NOW)
    verdict = standing.for_mentor(db.session, other, current_course(), NOW)
    assert verdict.eligible and verdict.in_person_hours == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hours": "-1"}, "hours"),
        ({"hours": "0"}, "hours"),
        ({"hours": "13"}, "hours"),
        ({"hours": "1e9"}, "hours"),
        ({"hours": "NaN"}, "hours"),
        ({"hours": "1.25"}, "hours"),
        ({"hours": "two"}, "hours"),
        ({"held_on": date(1999, 12, 31)}, "held_on"),
        ({"held_on": NOW.date() + timedelta(days=1)}, "held_on"),
        ({"held_on": None}, "held_on"),
        ({"topic": "   "}, "topic"),
        ({"topic": "x" * 201}, "topic"),
        ({"facilitator": ""}, "facilitator"),
        ({"mentor_ids": []}, "mentor_ids"),
    ],
)
def test_bad_sessions_are_refused_and_nothing_is_stored(app, changes, field) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    with pytest.raises(DomainError) as refused:
        in_person.record_session(
            db.session, staff.id, session_input([mentor.id], **changes), now=NOW
        )
    assert refused.value.field == field and refused.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(InPersonSession.id))) == 0


def test_staff_and_unknown_people_are_not_attendees(app) -> None:
    staff = make_user(role="staff")
    with pytest.raises(DomainError, match="Choose attendees"):
        in_person.record_session(db.session, staff.id, session_input([staff.id]), now=NOW)
    with pytest.raises(DomainError, match="Choose attendees"):
        in_person.record_session(db.session, staff.id, session_input([987654]), now=NOW)


def test_course_yaml_sets_hours_per_type(tmp_path) -> None:
    from app.content import load_course
    from tests.conftest import FIXTURE_COURSE

    modules = tmp_path / "modules"
    modules.mkdir()
    for path in (FIXTURE_COURSE / "modules").iterdir():
        (modules / path.name).write_text(path.read_text())
    course_yaml = modules / "course.yaml"
    course_yaml.write_text(
        course_yaml.read_text() + "in_person_hours:\n  all: 6\n  survivor_mentor: 8\n"
    )
    course = load_course(modules, FIXTURE_COURSE / "quizzes")
    assert course.in_person_hours_for("community_volunteer") == 6
    assert course.in_person_hours_for("survivor_mentor") == 8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("in_person_hours:\n  all: -2\n", "between 0 and 200"),
        ("in_person_hours:\n  all: 500\n", "between 0 and 200"),
        ("in_person_hours:\n  wizard: 2\n", "unknown mentor type 'wizard'"),
        ("in_person_hours:\n  all: lots\n", "must be a number"),
        ("in_person_hours: 2\n", "must be a mapping"),
    ],
)
def test_bad_hours_in_course_yaml_are_named_with_their_line(tmp_path, text, message) -> None:
    from app.content import ContentError, load_course
    from tests.conftest import FIXTURE_COURSE

    modules = tmp_path / "modules"
    modules.mkdir()
    for path in (FIXTURE_COURSE / "modules").iterdir():
        (modules / path.name).write_text(path.read_text())
    course_yaml = modules / "course.yaml"
    course_yaml.write_text(course_yaml.read_text() + text)
    with pytest.raises(ContentError) as error:
        load_course(modules, FIXTURE_COURSE / "quizzes")
    assert "course.yaml:" in str(error.value) and message in str(error.value)


def test_reports_count_reading_time_and_in_person_hours_apart(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    course = current_course()
    progress.record_visit(db.session, mentor.id, "alpha", now=NOW)
    progress.record_visit(db.session, mentor.id, "alpha", now=NOW + timedelta(minutes=5))
    progress.mark_read(db.session, mentor.id, course, "alpha", now=NOW + timedelta(minutes=12))
    # Opened one day and read the next: capped at three times the stated minutes.
    progress.record_visit(db.session, mentor.id, "beta", now=NOW)
    progress.mark_read(db.session, mentor.id, course, "beta", now=NOW + timedelta(days=1))
    in_person.record_session(db.session, staff.id, session_input([mentor.id], hours="2"), now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(ModuleVisit.id))) == 2
    assert db.session.scalar(sa.select(sa.func.count(ModuleRead.id))) == 2
    hours = reports.all_reports(
        db.session, course, NOW.date() - timedelta(days=1), NOW.date() + timedelta(days=2)
    ).training_hours
    beta_cap = 3 * course.module("beta").minutes
    assert hours.modules_read == 2 and hours.reads_timed == 2
    assert hours.online_minutes == 12 + beta_cap
    assert hours.in_person_hours == 2 and hours.sessions == 1 and hours.in_person_mentors == 1
