"""Reports on a small known data set built through the real services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import QuizAttempt, User
from app.services import progress, quizzes, reports
from app.web import current_course
from tests.factories import make_user
from tests.services.test_certificates import certify
from tests.services.test_quizzes import answers_for

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def take(
    user_id: int,
    slug: str,
    at: datetime,
    *,
    kind: str = "quiz",
    correct: bool = True,
    skip: frozenset[str] = frozenset(),
    skip_one: bool = False,
) -> QuizAttempt:
    """Start and submit an attempt at `at`; `skip_one` leaves one non-critical question blank."""
    course = current_course()
    attempt = quizzes.start_attempt(db.session, user_id, course, slug, kind=kind, now=at)
    if skip_one:
        critical = {q.id for q in course.quiz(slug).questions if q.critical}
        skip = frozenset(
            [next(i["question"] for i in attempt.draw if i["question"] not in critical)]
        )
    graded, _ = quizzes.submit_attempt(
        db.session, user_id, attempt.id, answers_for(attempt, correct, skip), course, now=at
    )
    return graded


def read(user_id: int, slug: str, at: datetime) -> None:
    progress.mark_read(db.session, user_id, current_course(), slug, now=at)


@pytest.fixture
def dataset(app) -> dict[str, User]:
    """Four mentors and a staff member, with attempts in, before and after March 2026.

    alpha in March: A fails (0) then passes (100); B passes (75) then again (100); C passes
    (100) after a February failure; staff fail (left out); D passes in April (left out).
    beta in March: A passes (100); B fails (50) then passes (100).
    Pre-checks: A alpha 0 and beta 50; B alpha 100; C and D none.
    """
    a = make_user(name="Alice Ames", now=NOW - timedelta(days=10))
    b = make_user(name="Bea Brown", now=NOW - timedelta(days=20))
    c = make_user(name="=cmd|' /C calc'!A0", now=NOW - timedelta(days=30))
    d = make_user(name="@SUM(1)", now=NOW - timedelta(days=30))
    staff = make_user(role="staff", name="Sam Staff", now=NOW - timedelta(days=30))

    take(a.id, "alpha", NOW - timedelta(days=1), kind="precheck", correct=False)
    read(a.id, "alpha", NOW - timedelta(days=1))
    take(a.id, "alpha", NOW, correct=False)
    take(a.id, "alpha", NOW + timedelta(hours=1))
    take(a.id, "beta", NOW + timedelta(hours=2), kind="precheck", skip=frozenset({"b2"}))
    read(a.id, "beta", NOW + timedelta(hours=2))
    take(a.id, "beta", NOW + timedelta(hours=3))  # completes A's path: certificate

    take(b.id, "alpha", NOW, kind="precheck")
    read(b.id, "alpha", NOW)
    take(b.id, "alpha", NOW + timedelta(days=1), skip_one=True)
    take(b.id, "alpha", NOW + timedelta(days=1, minutes=30))
    read(b.id, "beta", NOW + timedelta(days=1))
    take(b.id, "beta", NOW + timedelta(days=1, hours=1), skip=frozenset({"b2"}))
    take(b.id, "beta", NOW + timedelta(days=1, hours=3))  # certificate

    read(c.id, "alpha", datetime(2026, 2, 20, tzinfo=UTC))
    take(c.id, "alpha", datetime(2026, 2, 20, tzinfo=UTC), correct=False)
    take(c.id, "alpha", datetime(2026, 3, 5, tzinfo=UTC))

    read(d.id, "alpha", datetime(2026, 4, 10, tzinfo=UTC))
    take(d.id, "alpha", datetime(2026, 4, 10, tzinfo=UTC))

    read(staff.id, "alpha", NOW)
    take(staff.id, "alpha", NOW, correct=False)
    return {"a": a, "b": b, "c": c, "d": d, "staff": staff}


def by_slug(rows, slug: str):
    return next(row for row in rows if row.slug == slug)


def test_quiz_stats_count_attempts_passes_scores_and_tries_to_pass(dataset) -> None:
    stats = reports.quiz_stats(db.session, current_course(), *MARCH)
    assert [row.slug for row in stats] == ["alpha", "beta", "gamma"]
    alpha = by_slug(stats, "alpha")
    assert (alpha.attempts, alpha.passes) == (5, 4)
    assert alpha.pass_rate == pytest.approx(0.8)
    assert alpha.mean_score == pytest.approx((0 + 100 + 75 + 100 + 100) / 5)
    # A took 2, B 1, C 2 (the February failure counts: it took two tries).
    assert alpha.passers == 3
    assert alpha.mean_attempts_to_pass == pytest.approx(5 / 3)
    beta = by_slug(stats, "beta")
    assert (beta.attempts, beta.passes, beta.passers) == (3, 2, 2)
    assert beta.mean_score == pytest.approx(250 / 3)
    assert beta.mean_attempts_to_pass == pytest.approx(1.5)
    gamma = by_slug(stats, "gamma")
    assert gamma.attempts == 0
    assert gamma.pass_rate is None and gamma.mean_score is None
    assert gamma.mean_attempts_to_pass is None


def test_the_date_range_includes_both_whole_days_and_nothing_else(dataset) -> None:
    course = current_course()
    # 1 March alone: A's alpha failure and pass and beta pass, B's alpha pre-check (not a quiz).
    first_day = by_slug(
        reports.quiz_stats(db.session, course, date(2026, 3, 1), date(2026, 3, 1)), "alpha"
    )
    assert (first_day.attempts, first_day.passes) == (2, 1)
    # February: only C's failure; nobody passed.
    february = by_slug(
        reports.quiz_stats(db.session, course, date(2026, 2, 1), date(2026, 2, 28)), "alpha"
    )
    assert (february.attempts, february.passes, february.passers) == (1, 0, 0)
    # An attempt at 23:59:59 on the last day is in; one at midnight after it is out.
    late = make_user()
    read(late.id, "alpha", NOW)
    take(late.id, "alpha", datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
    later = make_user()
    read(later.id, "alpha", NOW)
    take(later.id, "alpha", datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
    assert by_slug(reports.quiz_stats(db.session, course, *MARCH), "alpha").attempts == 6
    april = by_slug(
        reports.quiz_stats(db.session, course, date(2026, 4, 1), date(2026, 4, 30)), "alpha"
    )
    assert (april.attempts, april.passers) == (2, 2)


def test_staff_attempts_are_left_out(dataset) -> None:
    staff_attempts = db.session.scalar(
        sa.select(sa.func.count(QuizAttempt.id)).where(QuizAttempt.user_id == dataset["staff"].id)
    )
    assert staff_attempts == 1
    alpha = by_slug(reports.quiz_stats(db.session, current_course(), *MARCH), "alpha")
    assert alpha.attempts == 5


def test_knowledge_gain_compares_the_precheck_with_the_first_pass(dataset) -> None:
    gain = reports.knowledge_gain(db.session, current_course(), *MARCH)
    alpha = by_slug(gain.modules, "alpha")
    # A: 0 -> 100 (improved); B: 100 -> 75 at the first pass (not improved; the later 100 is
    # ignored).
    assert (alpha.mentors, alpha.improved) == (2, 1)
    assert alpha.share_improved == pytest.approx(0.5)
    assert alpha.mean_precheck == pytest.approx(50)
    assert alpha.mean_passing == pytest.approx(87.5)
    assert alpha.mean_gain == pytest.approx(37.5)
    beta = by_slug(gain.modules, "beta")
    # A: 50 -> 100; B took no beta pre-check, so B is not counted for beta.
    assert (beta.mentors, beta.improved) == (1, 1)
    assert beta.mean_gain == pytest.approx(50)
    gamma = by_slug(gain.modules, "gamma")
    assert gamma.mentors == 0 and gamma.share_improved is None and gamma.mean_gain is None
    assert (gain.pairs, gain.improved) == (3, 2)
    assert gain.share_improved == pytest.approx(2 / 3)
    assert gain.mean_gain == pytest.approx((100 - 25 + 50) / 3)


def test_knowledge_gain_counts_a_pair_in_the_range_of_its_first_pass(dataset) -> None:
    gain = reports.knowledge_gain(db.session, current_course(), date(2026, 3, 2), date(2026, 3, 31))
    # A passed both quizzes on 1 March; only B's alpha pair is left.
    assert (gain.pairs, gain.improved) == (1, 0)
    assert gain.mean_gain == pytest.approx(-25)


def test_a_skipped_precheck_is_not_counted(app) -> None:
    mentor = make_user()
    quizzes.skip_precheck(db.session, mentor.id, current_course(), "alpha", now=NOW)
    read(mentor.id, "alpha", NOW)
    take(mentor.id, "alpha", NOW)
    assert reports.knowledge_gain(db.session, current_course(), *MARCH).pairs == 0


def test_median_days_from_registration_to_first_certificate(app) -> None:
    def mentor(registered: datetime, *certified: datetime) -> None:
        user = make_user(now=registered)
        for at in certified:
            certify(user, at)

    mentor(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))  # 69 days
    mentor(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))  # 2 days
    mentor(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 5, 12, tzinfo=UTC))  # 32.5 days
    # A renewal in March is not a first certificate; a first certificate in April is out of range.
    mentor(
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2025, 4, 1, tzinfo=UTC),
        datetime(2026, 3, 10, tzinfo=UTC),
    )
    mentor(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC))
    timing = reports.time_to_certificate(db.session, current_course(), *MARCH)
    assert timing.certificates == 3
    assert timing.median_days == pytest.approx(32.5)
    assert reports.time_to_certificate(
        db.session, current_course(), date(2026, 5, 1), date(2026, 5, 31)
    ) == reports.TimeToCertificate(certificates=0, median_days=None)


def test_the_dataset_gives_an_even_median(dataset) -> None:
    # A: registered 10 days before, certified 3 hours after; B: 20 days before, 1 day 3 hours after.
    timing = reports.time_to_certificate(db.session, current_course(), *MARCH)
    assert timing.certificates == 2
    assert timing.median_days == pytest.approx((10.125 + 21.125) / 2)


def beta_attempt(user_id: int, at: datetime, b2_right: bool) -> None:
    read(user_id, "alpha", at)
    take(user_id, "alpha", at)
    read(user_id, "beta", at)
    take(user_id, "beta", at, skip=frozenset() if b2_right else frozenset({"b2"}))


def question(rows, slug: str, question_id: str):
    return next(r for r in rows if r.quiz_slug == slug and r.question_id == question_id)


def test_a_question_answered_correctly_under_half_of_ten_answers_is_flagged(app) -> None:
    course = current_course()
    for b2_right in (True, False, False):
        beta_attempt(make_user().id, NOW, b2_right)
    rows = reports.question_stats(db.session, course, *MARCH)
    assert [(r.quiz_slug, r.question_id) for r in rows][:2] == [("alpha", "a1"), ("alpha", "a2")]
    b1, b2 = question(rows, "beta", "b1"), question(rows, "beta", "b2")
    assert (b1.shown, b1.correct, b1.flagged) == (3, 3, False)
    assert (b2.shown, b2.correct) == (3, 1)
    # Under half, but three answers are too few to say anything about the question.
    assert b2.share_correct == pytest.approx(1 / 3) and not b2.flagged
    assert b2.prompt == "Beta two is false?"
    gamma = question(rows, "gamma", "g1")
    assert gamma.shown == 0 and gamma.share_correct is None and not gamma.flagged
    for _ in range(reports.FLAG_MIN_ANSWERS - 4):
        beta_attempt(make_user().id, NOW, False)
    b2 = question(reports.question_stats(db.session, course, *MARCH), "beta", "b2")
    assert (b2.shown, b2.correct, b2.flagged) == (9, 1, False)
    beta_attempt(make_user().id, NOW, False)
    b2 = question(reports.question_stats(db.session, course, *MARCH), "beta", "b2")
    assert (b2.shown, b2.correct, b2.flagged) == (10, 1, True)
    # Exactly half is not under half.
    for _ in range(4):
        beta_attempt(make_user().id, NOW, True)
    b2 = question(reports.question_stats(db.session, course, *MARCH), "beta", "b2")
    assert (b2.shown, b2.correct, b2.flagged) == (14, 5, True)
    for _ in range(4):
        beta_attempt(make_user().id, NOW, True)
    b2 = question(reports.question_stats(db.session, course, *MARCH), "beta", "b2")
    assert (b2.shown, b2.correct, b2.flagged) == (18, 9, False)


def test_question_stats_count_every_drawn_question_and_ignore_removed_ones(dataset) -> None:
    rows = reports.question_stats(db.session, current_course(), *MARCH)
    alpha = [r for r in rows if r.quiz_slug == "alpha"]
    # Five alpha attempts of four questions each: A's failure got all four wrong, B's first pass
    # one.
    assert sum(r.shown for r in alpha) == 20
    assert sum(r.correct for r in alpha) == 20 - 4 - 1
    attempt = db.session.scalar(
        sa.select(QuizAttempt).where(QuizAttempt.user_id == dataset["c"].id, QuizAttempt.passed)
    )
    # The content author later removed a question from the pool.
    attempt.draw = [*attempt.draw, {"question": "gone", "options": ["a", "b"]}]
    attempt.answers = {**attempt.answers, "gone": ["a"]}
    db.session.commit()
    again = reports.question_stats(db.session, current_course(), *MARCH)
    assert sum(r.shown for r in again if r.quiz_slug == "alpha") == 20
    assert all(r.question_id != "gone" for r in again)


def test_all_reports_use_a_few_queries_whatever_the_data(dataset) -> None:
    statements: list[str] = []

    def count(*args) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        reports.all_reports(db.session, current_course(), *MARCH)
        few = len(statements)
        statements.clear()
        for _ in range(3):
            beta_attempt(make_user().id, NOW + timedelta(days=3), False)
        db.session.expire_all()
        statements.clear()
        reports.all_reports(db.session, current_course(), *MARCH)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert few <= 12
    assert len(statements) == few


@pytest.mark.parametrize(
    ("typed_from", "typed_to", "field"),
    [
        ("2026-13-45", "", "from"),
        ("yesterday", "", "from"),
        ("", "2026-02-30", "to"),
        ("2026-03-10", "2026-03-01", "to"),
        ("0001-01-01", "", "from"),
        ("", "99999-01-01", "to"),
        ("20260101", "", "from"),
        ("2026-W01-1", "", "from"),
        ("x" * 5000, "", "from"),
        ("\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661", "", "from"),  # Arabic-Indic digits
    ],
)
def test_unusable_date_ranges_are_refused_with_a_message(typed_from, typed_to, field) -> None:
    with pytest.raises(reports.InvalidDateRange) as refused:
        reports.parse_range(typed_from, typed_to, date(2026, 3, 15))
    assert field in refused.value.errors
    assert refused.value.errors[field]


def test_blank_dates_default_to_the_last_365_days() -> None:
    today = date(2026, 3, 15)
    span = reports.parse_range(None, "", today)
    assert span.end == today and (span.end - span.start).days == 364
    assert reports.parse_range("2026-01-01", None, today) == reports.DateRange(
        date(2026, 1, 1), today
    )
    assert reports.parse_range(" 2026-01-01 ", "2026-01-01", today).start == date(2026, 1, 1)
