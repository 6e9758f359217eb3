"""Quiz attempts through the service: draws, grading once, cool-downs, pre-checks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import QuizAttempt
from app.services import progress, quizzes, standing
from app.services.errors import NotAllowed, NotFound
from app.web import current_course
from tests.factories import make_user

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def answers_for(attempt: QuizAttempt, correct: bool = True, skip: frozenset[str] = frozenset()):
    """Form data answering every drawn question right (or wrong), as a browser would post it."""
    quiz = current_course().quiz(attempt.module_slug)
    form: dict[str, list[str]] = {}
    for drawn in quizzes.drawn_questions(attempt, quiz):
        if drawn.question.id in skip:
            continue
        chosen = []
        for shown, option_id in zip(
            drawn.options, attempt.draw[drawn.number - 1]["options"], strict=True
        ):
            is_right = option_id in drawn.question.correct_ids
            if is_right == correct:
                chosen.append(shown.value)
        if not drawn.several_answers:
            chosen = chosen[:1]
        form[drawn.field] = chosen
    return form


def read(user_id: int, slug: str = "alpha") -> None:
    progress.mark_read(db.session, user_id, current_course(), slug, now=NOW)


def test_a_quiz_opens_only_after_its_module_is_read(app) -> None:
    mentor = make_user()
    with pytest.raises(NotAllowed, match="Read the module"):
        quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 0


def test_a_quiz_opens_only_after_its_requirements_are_passed(app) -> None:
    mentor = make_user()
    read(mentor.id, "beta")
    with pytest.raises(NotAllowed, match="Alpha module"):
        quizzes.start_attempt(db.session, mentor.id, current_course(), "beta", now=NOW)


def test_the_draw_is_stored_and_reloading_returns_the_same_attempt(app) -> None:
    mentor = make_user()
    read(mentor.id)
    first = quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=NOW)
    again = quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=NOW)
    assert again.id == first.id
    assert len(first.draw) == 4
    assert all(set(item["options"]) for item in first.draw)


def test_correct_answers_pass_and_the_result_is_stored_with_the_version(app) -> None:
    mentor = make_user()
    read(mentor.id)
    attempt = quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=NOW)
    graded, grade = quizzes.submit_attempt(
        db.session, mentor.id, attempt.id, answers_for(attempt), current_course(), now=NOW
    )
    assert grade.score == 100 and graded.passed
    assert graded.content_version == current_course().quiz("alpha").version
    assert quizzes.has_passed(db.session, mentor.id, "alpha")


def test_an_unanswered_question_counts_as_wrong(app) -> None:
    mentor = make_user()
    read(mentor.id)
    attempt = quizzes.start_attempt(
        db.session, mentor.id, current_course(), "alpha", now=NOW, rng=random.Random(1)
    )
    skipped = attempt.draw[0]["question"]
    graded, _ = quizzes.submit_attempt(
        db.session,
        mentor.id,
        attempt.id,
        answers_for(attempt, skip=frozenset({skipped})),
        current_course(),
        now=NOW,
    )
    assert graded.score == 75


def test_a_submitted_attempt_cannot_be_submitted_again(app) -> None:
    mentor = make_user()
    read(mentor.id)
    attempt = quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=NOW)
    wrong = answers_for(attempt, correct=False)
    quizzes.submit_attempt(db.session, mentor.id, attempt.id, wrong, current_course(), now=NOW)
    with pytest.raises(quizzes.AlreadySubmitted):
        quizzes.submit_attempt(
            db.session, mentor.id, attempt.id, answers_for(attempt), current_course(), now=NOW
        )
    db.session.refresh(attempt)
    assert attempt.passed is False


def test_another_mentors_attempt_looks_missing_and_is_unchanged(app) -> None:
    owner, other = make_user(), make_user()
    read(owner.id)
    attempt = quizzes.start_attempt(db.session, owner.id, current_course(), "alpha", now=NOW)
    with pytest.raises(NotFound):
        quizzes.submit_attempt(
            db.session, other.id, attempt.id, answers_for(attempt), current_course(), now=NOW
        )
    db.session.refresh(attempt)
    assert attempt.submitted_at is None


def fail_once(mentor_id: int, at: datetime) -> QuizAttempt:
    attempt = quizzes.start_attempt(db.session, mentor_id, current_course(), "alpha", now=at)
    graded, _ = quizzes.submit_attempt(
        db.session,
        mentor_id,
        attempt.id,
        answers_for(attempt, correct=False),
        current_course(),
        now=at,
    )
    return graded


def test_failures_in_a_row_close_the_quiz_for_the_cooldown(app) -> None:
    mentor = make_user()
    read(mentor.id)
    quiz = current_course().quiz("alpha")
    fail_once(mentor.id, NOW)
    second = fail_once(mentor.id, NOW + timedelta(minutes=5))
    with pytest.raises(quizzes.CoolingDown) as closed:
        quizzes.start_attempt(
            db.session, mentor.id, current_course(), "alpha", now=NOW + timedelta(hours=1)
        )
    assert closed.value.until == second.submitted_at + timedelta(hours=quiz.cooldown_hours)
    # One minute before it reopens it is still closed; at the hour it opens again.
    reopen = closed.value.until
    with pytest.raises(quizzes.CoolingDown):
        quizzes.start_attempt(
            db.session, mentor.id, current_course(), "alpha", now=reopen - timedelta(minutes=1)
        )
    attempt = quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=reopen)
    assert attempt.submitted_at is None


def test_after_a_cooldown_the_mentor_gets_a_fresh_run_of_attempts(app) -> None:
    mentor = make_user()
    read(mentor.id)
    fail_once(mentor.id, NOW)
    fail_once(mentor.id, NOW + timedelta(minutes=1))
    after = NOW + timedelta(hours=25)
    fail_once(mentor.id, after)
    # One failure after the pause is not yet a new run of failures.
    assert quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=after)


def test_a_pass_resets_the_run_of_failures(app) -> None:
    mentor = make_user()
    read(mentor.id)
    fail_once(mentor.id, NOW)
    attempt = quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=NOW)
    quizzes.submit_attempt(
        db.session, mentor.id, attempt.id, answers_for(attempt), current_course(), now=NOW
    )
    fail_once(mentor.id, NOW + timedelta(minutes=2))
    assert quizzes.start_attempt(
        db.session, mentor.id, current_course(), "alpha", now=NOW + timedelta(minutes=3)
    )


def test_submitting_during_a_cooldown_is_refused_and_nothing_recorded(app) -> None:
    mentor = make_user()
    read(mentor.id)
    open_attempt = quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=NOW)
    # Two failures recorded while that attempt stayed open (another device, say).
    for minutes in (1, 2):
        db.session.add(
            QuizAttempt(
                user_id=mentor.id,
                module_slug="alpha",
                kind="quiz",
                content_version="x",
                draw=[],
                salt="s",
                started_at=NOW,
                submitted_at=NOW + timedelta(minutes=minutes),
                answers={},
                score=0,
                passed=False,
                critical_missed=False,
            )
        )
    db.session.commit()
    with pytest.raises(quizzes.CoolingDown):
        quizzes.submit_attempt(
            db.session,
            mentor.id,
            open_attempt.id,
            answers_for(open_attempt),
            current_course(),
            now=NOW + timedelta(minutes=3),
        )
    db.session.refresh(open_attempt)
    assert open_attempt.submitted_at is None and open_attempt.score is None


def test_the_precheck_is_ungraded_and_never_starts_a_cooldown(app) -> None:
    mentor = make_user()
    course = current_course()
    assert quizzes.precheck_offered(db.session, mentor.id, course, "alpha")
    for _ in range(3):
        attempt = quizzes.start_attempt(
            db.session, mentor.id, course, "alpha", kind="precheck", now=NOW
        )
        assert len(attempt.draw) == course.precheck_questions
        graded, _ = quizzes.submit_attempt(
            db.session, mentor.id, attempt.id, answers_for(attempt, correct=False), course, now=NOW
        )
        assert graded.passed is None and graded.score == 0
        break
    assert not quizzes.precheck_offered(db.session, mentor.id, course, "alpha")
    with pytest.raises(NotAllowed):
        quizzes.start_attempt(db.session, mentor.id, course, "alpha", kind="precheck", now=NOW)
    read(mentor.id)
    assert quizzes.start_attempt(db.session, mentor.id, course, "alpha", now=NOW)
    assert not quizzes.has_passed(db.session, mentor.id, "alpha")


def test_skipping_the_precheck_records_no_score_and_stops_the_offer(app) -> None:
    mentor = make_user()
    course = current_course()
    quizzes.skip_precheck(db.session, mentor.id, course, "alpha", now=NOW)
    assert not quizzes.precheck_offered(db.session, mentor.id, course, "alpha")
    skipped = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.kind == "precheck"))
    assert skipped.score is None and skipped.submitted_at is not None


def test_the_precheck_is_not_offered_once_the_module_is_read(app) -> None:
    mentor = make_user()
    read(mentor.id)
    assert not quizzes.precheck_offered(db.session, mentor.id, current_course(), "alpha")


def test_review_after_a_failure_hides_correct_options_and_points_to_sections(app) -> None:
    mentor = make_user()
    read(mentor.id)
    graded = fail_once(mentor.id, NOW)
    reviewed = quizzes.review(graded, current_course())
    assert all(item.correct_options is None for item in reviewed)
    assert all(not item.show_explanation for item in reviewed if not item.correct)
    anchors = {item.review_anchor for item in reviewed if item.review_anchor}
    assert anchors <= {"first-section", "second-section"}


def test_review_after_a_pass_shows_everything(app) -> None:
    mentor = make_user()
    read(mentor.id)
    attempt = quizzes.start_attempt(db.session, mentor.id, current_course(), "alpha", now=NOW)
    graded, _ = quizzes.submit_attempt(
        db.session, mentor.id, attempt.id, answers_for(attempt), current_course(), now=NOW
    )
    reviewed = quizzes.review(graded, current_course())
    assert all(item.correct_options and item.show_explanation for item in reviewed)


def test_a_missed_critical_question_fails_whatever_the_score(app) -> None:
    mentor = make_user()
    read(mentor.id)
    # Find a draw that includes the critical question a4, then miss only that one.
    seed = next(
        s
        for s in range(100)
        if "a4"
        in [
            i["question"]
            for i in quizzes._draw(current_course().quiz("alpha"), 4, random.Random(s))
        ]
    )
    attempt = quizzes.start_attempt(
        db.session, mentor.id, current_course(), "alpha", now=NOW, rng=random.Random(seed)
    )
    graded, grade = quizzes.submit_attempt(
        db.session,
        mentor.id,
        attempt.id,
        answers_for(attempt, skip=frozenset({"a4"})),
        current_course(),
        now=NOW,
    )
    assert grade.score == 75 and grade.critical_missed
    assert graded.passed is False and graded.critical_missed is True


def test_progress_counts_reading_and_passing(app) -> None:
    mentor = make_user()
    course = current_course()
    overview = standing.for_mentor(db.session, mentor, course, now=NOW)
    assert overview.percent == 0 and overview.next_step.slug == "alpha"
    read(mentor.id)
    overview = standing.for_mentor(db.session, mentor, course, now=NOW)
    assert overview.percent == 25 and overview.next_step.endpoint == "quiz.start"
    attempt = quizzes.start_attempt(db.session, mentor.id, course, "alpha", now=NOW)
    quizzes.submit_attempt(db.session, mentor.id, attempt.id, answers_for(attempt), course, now=NOW)
    overview = standing.for_mentor(db.session, mentor, course, now=NOW)
    assert overview.percent == 50 and overview.next_step.slug == "beta"
    assert overview.modules[0].best_score == 100 and overview.modules[0].attempts == 1
