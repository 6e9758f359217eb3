"""Quiz pages through the real app: no answers in the HTML, bad input refused, nothing changed."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import QuizAttempt, utcnow
from app.services import progress, quizzes
from app.web import current_course
from tests.conftest import csrf_from
from tests.factories import make_user, sign_in
from tests.services.test_quizzes import answers_for

TOKEN = re.compile(r"^[0-9a-f]{12}$")


def start_via_pages(client, slug: str) -> QuizAttempt:
    page = client.get(f"/modules/{slug}/quiz")
    response = client.post(
        f"/modules/{slug}/quiz", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert response.status_code == 302 and "/attempts/" in response.location, response.location
    attempt_id = int(response.location.rstrip("/").split("/")[-1])
    return db.session.get(QuizAttempt, attempt_id)


def submit(client, attempt: QuizAttempt, form: dict, with_csrf: bool = True):
    data = dict(form)
    if with_csrf:
        data["csrf_token"] = csrf_from(client.get("/training").get_data(as_text=True))
    return client.post(f"/attempts/{attempt.id}", data=data)


def assert_unchanged(attempt_id: int) -> None:
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.submitted_at is None and attempt.score is None and attempt.answers is None


class TestRealQuizzes:
    """Every quiz in quizzes/, as a mentor sees it."""

    @pytest.fixture
    def app_config(self):
        return {}

    def test_attempt_pages_carry_no_trace_of_correctness(self, app, client) -> None:
        mentor = make_user(mentor_type="survivor_mentor")
        sign_in(client, mentor)
        course = current_course()
        for slug, quiz in course.quizzes.items():
            progress.mark_read(db.session, mentor.id, course, slug)
            attempt = start_via_pages(client, slug)
            html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
            names = set(re.findall(r'<input type="(?:radio|checkbox)" name="([^"]+)"', html))
            values = re.findall(r'<input type="(?:radio|checkbox)"[^>]* value="([^"]+)"', html)
            assert len(names) == quiz.draw
            assert all(name.startswith("q-") and TOKEN.match(name[2:]) for name in names)
            assert values and all(TOKEN.match(value) for value in values)
            assert not re.search(r"<[^>]*correct[^>]*>", html, re.IGNORECASE), slug
            for item in attempt.draw:
                question = quiz.question(item["question"])
                assert question.explanation_html not in html
                assert f'"{question.id}"' not in html
            # Right and wrong options are rendered with exactly the same markup.
            skeletons = {
                re.sub(r'(value|id|for|name)="[^"]*"', "", block.split("<label")[0])
                for block in re.findall(r'<div class="choice">(.*?)</div>', html, re.S)
            }
            assert len(skeletons) <= 2  # one for radios, one for checkboxes

    def test_option_order_varies_across_attempts_when_shuffled(self, app) -> None:
        course = current_course()
        for slug, quiz in course.quizzes.items():
            assert quiz.shuffle, slug
            orders: dict[str, set[tuple[str, ...]]] = defaultdict(set)
            for _ in range(8):
                mentor = make_user(mentor_type="survivor_mentor")
                progress.mark_read(db.session, mentor.id, course, slug)
                attempt = quizzes.start_attempt(db.session, mentor.id, course, slug)
                for item in attempt.draw:
                    orders[item["question"]].add(tuple(item["options"]))
            assert any(len(seen) > 1 for seen in orders.values()), slug


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def mentor_client(app, client):
    mentor = make_user()
    sign_in(client, mentor)
    progress.mark_read(db.session, mentor.id, current_course(), "alpha")
    client.mentor = mentor
    return client


def test_reloading_the_attempt_shows_the_same_draw(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    first = mentor_client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    again = start_via_pages(mentor_client, "alpha")
    assert again.id == attempt.id
    assert mentor_client.get(f"/attempts/{attempt.id}").get_data(as_text=True).count(
        "q-"
    ) == first.count("q-")
    assert re.findall(r'value="([0-9a-f]{12})"', first) == re.findall(
        r'value="([0-9a-f]{12})"',
        mentor_client.get(f"/attempts/{attempt.id}").get_data(as_text=True),
    )


def test_questions_are_fieldsets_with_legends(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    html = mentor_client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert html.count('<fieldset class="question"') == 4
    assert html.count("<legend>") == 4


def test_passing_shows_score_and_every_explanation(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    response = submit(mentor_client, attempt, answers_for(attempt))
    assert response.status_code == 302
    html = mentor_client.get(response.location).get_data(as_text=True)
    assert "Passed" in html and "Your score 100%" in html and "Pass mark 75%" in html
    assert "Safety first" in html or "Because" in html


def test_a_failed_result_names_what_to_review_without_revealing_answers(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    response = submit(mentor_client, attempt, answers_for(attempt, correct=False))
    html = mentor_client.get(response.location).get_data(as_text=True)
    assert "Not passed yet" in html
    assert "What to review" in html
    assert re.search(r'href="/modules/alpha#(first|second)-section"', html)
    quiz = current_course().quiz("alpha")
    for item in attempt.draw:
        for option in quiz.question(item["question"]).options:
            if option.correct and len(quiz.question(item["question"]).options) > 2:
                assert option.text_html not in html, option.text_html
    assert "The correct answer" not in html


def test_a_missed_critical_question_is_explained_on_the_result(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    drawn = [i["question"] for i in attempt.draw]
    response = submit(mentor_client, attempt, answers_for(attempt, correct=False))
    html = mentor_client.get(response.location).get_data(as_text=True)
    if "a4" in drawn:
        assert "safety, boundaries or reporting" in html


def test_an_option_from_another_question_is_refused(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    form = answers_for(attempt)
    fields = list(form)
    form[fields[0]] = form[fields[1]][:1]
    response = submit(mentor_client, attempt, form)
    assert response.status_code == 400
    assert "not one of its options" in response.get_data(as_text=True)
    assert_unchanged(attempt.id)


def test_a_question_not_in_the_draw_is_refused(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    undrawn = next(
        q.id
        for q in current_course().quiz("alpha").questions
        if q.id not in [i["question"] for i in attempt.draw]
    )
    form = answers_for(attempt)
    form["q-" + quizzes._token(attempt.salt, undrawn)] = ["whatever"]
    response = submit(mentor_client, attempt, form)
    assert response.status_code == 400
    assert "not in this attempt" in response.get_data(as_text=True)
    assert_unchanged(attempt.id)


def test_the_same_option_twice_is_refused(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    form = answers_for(attempt)
    field = next(iter(form))
    form[field] = form[field][:1] * 2
    response = submit(mentor_client, attempt, form)
    assert response.status_code == 400
    assert "same answer was sent twice" in response.get_data(as_text=True)
    assert_unchanged(attempt.id)


def test_two_answers_to_a_single_choice_question_are_refused(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    quiz = current_course().quiz("alpha")
    drawn = next(d for d in quizzes.drawn_questions(attempt, quiz) if not d.several_answers)
    form = answers_for(attempt)
    form[drawn.field] = [option.value for option in drawn.options[:2]]
    response = submit(mentor_client, attempt, form)
    assert response.status_code == 400
    assert "choose only one answer" in response.get_data(as_text=True)
    assert_unchanged(attempt.id)


def test_another_mentors_attempt_is_404_and_unchanged(app, client) -> None:
    owner = make_user()
    progress.mark_read(db.session, owner.id, current_course(), "alpha")
    attempt = quizzes.start_attempt(db.session, owner.id, current_course(), "alpha")
    form = answers_for(attempt)
    sign_in(client, make_user())
    assert client.get(f"/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/attempts/{attempt.id}/result").status_code == 404
    assert submit(client, attempt, form).status_code == 404
    assert_unchanged(attempt.id)


def test_resubmitting_shows_the_result_and_changes_nothing(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    submit(mentor_client, attempt, answers_for(attempt, correct=False))
    response = submit(mentor_client, attempt, answers_for(attempt))
    assert response.status_code == 302 and response.location.endswith(
        f"/attempts/{attempt.id}/result"
    )
    assert "already submitted" in mentor_client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).passed is False


def test_submitting_during_a_cooldown_is_refused(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    now = utcnow()
    for minutes in (1, 2):
        db.session.add(
            QuizAttempt(
                user_id=mentor_client.mentor.id,
                module_slug="alpha",
                kind="quiz",
                content_version="x",
                draw=[],
                salt="s",
                started_at=now - timedelta(minutes=5),
                submitted_at=now - timedelta(minutes=minutes),
                answers={},
                score=0,
                passed=False,
                critical_missed=False,
            )
        )
    db.session.commit()
    response = submit(mentor_client, attempt, answers_for(attempt))
    assert response.status_code == 302
    page = mentor_client.get(response.location).get_data(as_text=True)
    assert "reopens" in page
    assert_unchanged(attempt.id)


def test_a_cooldown_page_says_when_the_quiz_reopens(mentor_client) -> None:
    for _ in range(2):
        attempt = start_via_pages(mentor_client, "alpha")
        submit(mentor_client, attempt, answers_for(attempt, correct=False))
    html = mentor_client.get("/modules/alpha/quiz").get_data(as_text=True)
    assert "paused until" in html and "Re-read the module" in html
    count = db.session.scalar(sa.select(sa.func.count(QuizAttempt.id)))
    response = mentor_client.post("/modules/alpha/quiz", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == count
    dashboard = mentor_client.get("/training").get_data(as_text=True)
    assert "Quiz reopens" in dashboard


def test_the_quiz_of_an_unread_module_does_not_open(app, client) -> None:
    sign_in(client, make_user())
    html = client.get("/modules/alpha/quiz").get_data(as_text=True)
    assert "Read the module and mark it read" in html
    response = client.post("/modules/alpha/quiz", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 0


def test_a_submission_without_csrf_is_refused(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    response = submit(mentor_client, attempt, answers_for(attempt), with_csrf=False)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert_unchanged(attempt.id)


def test_a_100_kb_field_is_refused(mentor_client) -> None:
    attempt = start_via_pages(mentor_client, "alpha")
    form = answers_for(attempt)
    form["note"] = "x" * 100_000
    response = submit(mentor_client, attempt, form)
    assert response.status_code == 413
    assert_unchanged(attempt.id)


def test_unknown_quiz_and_attempt_are_404(mentor_client) -> None:
    assert mentor_client.get("/modules/nope/quiz").status_code == 404
    assert mentor_client.get("/attempts/999999").status_code == 404


def test_the_precheck_result_shows_the_score_only(app, client) -> None:
    sign_in(client, make_user())
    page = client.get("/modules/alpha").get_data(as_text=True)
    assert "Before you read: a short pre-check" in page
    response = client.post(
        "/modules/alpha/precheck", data={"csrf_token": csrf_from(page), "start": "1"}
    )
    attempt = db.session.get(QuizAttempt, int(response.location.split("/")[-1]))
    assert attempt.kind == "precheck"
    response = submit(client, attempt, answers_for(attempt))
    html = client.get(response.location).get_data(as_text=True)
    assert "You answered 100% correctly before reading" in html
    assert "Because" not in html and "Your answers" not in html
    assert "Before you read" not in client.get("/modules/alpha").get_data(as_text=True)


def test_skipping_the_precheck(app, client) -> None:
    sign_in(client, make_user())
    page = client.get("/modules/alpha").get_data(as_text=True)
    response = client.post(
        "/modules/alpha/precheck", data={"csrf_token": csrf_from(page), "skip": "1"}
    )
    assert response.status_code == 302
    assert "Before you read" not in client.get("/modules/alpha").get_data(as_text=True)
