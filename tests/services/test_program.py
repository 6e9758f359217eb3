"""The program profile: defaults, audited changes, time zones, placeholders filled from it."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, ProgramProfile
from app.services import program, progress, quizzes
from app.services.errors import DomainError
from app.web import current_course
from tests.factories import make_user
from tests.services.test_quizzes import answers_for

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


QUESTION = replace(
    FILLED,
    question_prompt="Who do you tell first, and how fast? <b>",
    question_answer="Dana Ortiz, within the hour",
    question_wrong="Nobody until the next check-in\nThe youth's friends\n",
    question_explanation="Dana first, always.",
)


def _seed_drawing(quiz, question_id: str) -> int:
    """A seed whose draw includes `question_id`, as quizzes.start_attempt draws."""
    for seed in range(500):
        if any(
            q.id == question_id for q in random.Random(seed).sample(list(quiz.questions), quiz.draw)
        ):
            return seed
    raise AssertionError("never drawn")


def test_the_programs_question_joins_the_boundaries_pool_and_is_graded_critical(app) -> None:
    base = current_course().quiz(program.QUESTION_QUIZ)
    assert base is not None and not base.has_question(program.QUESTION_ID)
    admin = make_user(role="admin")
    program.update_profile(db.session, admin.id, QUESTION)
    course = current_course()
    quiz = course.quiz(program.QUESTION_QUIZ)
    assert quiz is not None and len(quiz.questions) == len(base.questions) + 1
    assert quiz.version != base.version
    question = quiz.question(program.QUESTION_ID)
    assert question.critical and question.type == "single"
    assert question.prompt_html == "Who do you tell first, and how fast? &lt;b&gt;"
    assert question.review in course.module(program.QUESTION_QUIZ).anchors
    assert current_course() is course, "built once per profile version"

    mentor = make_user()
    progress.mark_read(db.session, mentor.id, course, program.QUESTION_QUIZ, now=NOW)
    seed = _seed_drawing(quiz, program.QUESTION_ID)
    attempt = quizzes.start_attempt(
        db.session, mentor.id, course, program.QUESTION_QUIZ, now=NOW, rng=random.Random(seed)
    )
    assert attempt.content_version == quiz.version
    answers = answers_for(attempt, correct=True)
    wrong_here = answers_for(attempt, correct=False)
    field = next(
        drawn.field
        for drawn in quizzes.drawn_questions(attempt, quiz)
        if drawn.question.id == program.QUESTION_ID
    )
    answers[field] = wrong_here[field]  # everything right but the program's question
    graded, grade = quizzes.submit_attempt(
        db.session, mentor.id, attempt.id, answers, course, now=NOW
    )
    assert not graded.passed
    assert grade.critical_missed


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"question_answer": ""}, "question_answer"),
        ({"question_wrong": "Only one wrong answer"}, "question_wrong"),
        ({"question_wrong": "a\nb\nc\nd\ne"}, "question_wrong"),
        ({"question_wrong": "dana ortiz, within the hour\nNobody"}, "question_wrong"),
        ({"question_prompt": ""}, "question_prompt"),
    ],
)
def test_a_half_written_program_question_is_refused(app, changes: dict, field: str) -> None:
    admin = make_user(role="admin")
    with pytest.raises(DomainError) as refused:
        program.update_profile(db.session, admin.id, replace(QUESTION, **changes))
    assert refused.value.field == field


def test_clearing_the_question_takes_it_out_of_the_pool(app) -> None:
    admin = make_user(role="admin")
    program.update_profile(db.session, admin.id, QUESTION)
    assert current_course().quiz(program.QUESTION_QUIZ).has_question(program.QUESTION_ID)
    program.update_profile(db.session, admin.id, FILLED)
    assert not current_course().quiz(program.QUESTION_QUIZ).has_question(program.QUESTION_ID)
