"""Staff reports: quiz and question statistics, knowledge gain, time to certificate.

Every report takes a date range of whole UTC days, both ends included, and counts the attempts of
mentor accounts only. Reports carry counts and means, never a mentor's name or email, so an export
cannot leak who struggled.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.content.markup import plain_text
from app.content.model import Course
from app.content.question_types import question_type
from app.models import Certificate, QuizAttempt, User
from app.services.csv_export import Column, words_for
from app.services.dates import parse_day
from app.services.errors import DomainError
from app.services.training_hours import TrainingHours, training_hours

DEFAULT_DAYS = 365
FLAG_BELOW = 0.5
# A share from a handful of answers says nothing about the question: flag only from this many.
FLAG_MIN_ANSWERS = 10


# Date range --------------------------------------------------------------------------------------


class InvalidDateRange(DomainError):
    """The typed dates do not make a usable range; `errors` maps "from"/"to" to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()), field=next(iter(errors)))
        self.errors = errors


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def lower(self) -> datetime:
        """The first instant in the range."""
        return datetime.combine(self.start, time.min, UTC)

    @property
    def upper(self) -> datetime:
        """The first instant after the range."""
        return _day_after(self.end)


def _day_after(day: date) -> datetime:
    # date.max has no next day; the last representable instant is after anything stored.
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.combine(day + timedelta(days=1), time.min, UTC)


def default_range(today: date) -> DateRange:
    """The last 365 days, today included."""
    return DateRange(today - timedelta(days=DEFAULT_DAYS - 1), today)


def parse_range(date_from: str | None, date_to: str | None, today: date) -> DateRange:
    """The range typed as YYYY-MM-DD (blank ends take the default); InvalidDateRange if unusable."""
    default = default_range(today)
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    latest_year = today.year + 1
    for key, text, label, fallback in (
        ("from", date_from, gettext("start"), default.start),
        ("to", date_to, gettext("end"), default.end),
    ):
        text = (text or "").strip()
        if not text:
            days[key] = fallback
            continue
        try:
            days[key] = parse_day(text[:40], label, latest_year)
        except ValueError as error:
            errors[key] = str(error)
    if not errors and days["from"] > days["to"]:
        errors["to"] = gettext("The end date must be on or after the start date.")
    if errors:
        raise InvalidDateRange(errors)
    return DateRange(days["from"], days["to"])


def _submitted_in(date_from: date, date_to: date) -> sa.ColumnElement[bool]:
    span = DateRange(date_from, date_to)
    return sa.and_(QuizAttempt.submitted_at >= span.lower, QuizAttempt.submitted_at < span.upper)


def _by_mentors() -> sa.ColumnElement[bool]:
    # Staff and trainers trying a quiz out would skew figures that are about mentors.
    return QuizAttempt.user_id.in_(sa.select(User.id).where(User.role == "mentor"))


def _first_passes(date_from: date | None, date_to: date | None) -> sa.Subquery:
    """Each (mentor, module) whose first passing quiz attempt was submitted in the range (or ever)."""
    ranked = (
        sa.select(
            QuizAttempt.user_id,
            QuizAttempt.module_slug,
            QuizAttempt.score,
            QuizAttempt.submitted_at,
            sa.func.row_number()
            .over(
                partition_by=(QuizAttempt.user_id, QuizAttempt.module_slug),
                order_by=(QuizAttempt.submitted_at, QuizAttempt.id),
            )
            .label("rank"),
        )
        .where(QuizAttempt.kind == "quiz", QuizAttempt.passed.is_(True), _by_mentors())
        .subquery()
    )
    query = sa.select(
        ranked.c.user_id, ranked.c.module_slug, ranked.c.score, ranked.c.submitted_at
    ).where(ranked.c.rank == 1)
    if date_from is not None and date_to is not None:
        span = DateRange(date_from, date_to)
        query = query.where(ranked.c.submitted_at >= span.lower, ranked.c.submitted_at < span.upper)
    return query.subquery()


def _mean(total: float | None, count: int) -> float | None:
    return float(total) / count if count and total is not None else None


# Per quiz ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizStats:
    """One quiz over the range: attempts, passes, mean score, mean attempts to pass."""

    slug: str
    title: str
    attempts: int
    passes: int
    mean_score: float | None
    passers: int
    mean_attempts_to_pass: float | None
    pass_mark: int = 0

    @property
    def pass_rate(self) -> float | None:
        """Passing attempts as a share of attempts (0 to 1), or None without attempts."""
        return self.passes / self.attempts if self.attempts else None


def quiz_stats(session: Session, course: Course, date_from: date, date_to: date) -> list[QuizStats]:
    """Per quiz, in course order: graded attempts submitted in the range and how they went."""
    totals = {
        slug: (attempts, passes or 0, score_total)
        for slug, attempts, passes, score_total in session.execute(
            sa.select(
                QuizAttempt.module_slug,
                sa.func.count(QuizAttempt.id),
                sa.func.sum(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)),
                sa.func.sum(QuizAttempt.score),
            )
            .where(QuizAttempt.kind == "quiz", _submitted_in(date_from, date_to), _by_mentors())
            .group_by(QuizAttempt.module_slug)
        )
    }
    # Every try counts towards "attempts to pass", also tries made before the range began:
    # the figure is how many it took, for mentors whose first pass falls in the range.
    first = _first_passes(date_from, date_to)
    tries = (
        sa.select(
            QuizAttempt.module_slug,
            QuizAttempt.user_id,
            sa.func.count(QuizAttempt.id).label("tries"),
        )
        .join(
            first,
            sa.and_(
                first.c.user_id == QuizAttempt.user_id,
                first.c.module_slug == QuizAttempt.module_slug,
            ),
        )
        .where(
            QuizAttempt.kind == "quiz",
            QuizAttempt.submitted_at.is_not(None),
            QuizAttempt.submitted_at <= first.c.submitted_at,
        )
        .group_by(QuizAttempt.module_slug, QuizAttempt.user_id)
        .subquery()
    )
    to_pass = {
        slug: (passers, total)
        for slug, passers, total in session.execute(
            sa.select(tries.c.module_slug, sa.func.count(), sa.func.sum(tries.c.tries)).group_by(
                tries.c.module_slug
            )
        )
    }
    stats = []
    for module in course.ordered_modules():
        quiz = course.quiz(module.slug)
        if quiz is None:
            continue
        attempts, passes, score_total = totals.get(module.slug, (0, 0, None))
        passers, tries_total = to_pass.get(module.slug, (0, None))
        stats.append(
            QuizStats(
                slug=module.slug,
                title=quiz.title,
                attempts=attempts,
                passes=int(passes),
                mean_score=_mean(score_total, attempts),
                passers=passers,
                mean_attempts_to_pass=_mean(tries_total, passers),
                pass_mark=quiz.pass_mark,
            )
        )
    return stats


# Per question ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionStats:
    """One pool question over the range: how often it was drawn and answered correctly."""

    quiz_slug: str
    quiz_title: str
    question_id: str
    prompt: str
    shown: int
    correct: int

    @property
    def share_correct(self) -> float | None:
        """Correct answers as a share of times drawn (0 to 1), or None if never drawn."""
        return self.correct / self.shown if self.shown else None

    @property
    def flagged(self) -> bool:
        """Answered correctly in under half of at least ten draws: worth the author's look."""
        share = self.share_correct
        return self.shown >= FLAG_MIN_ANSWERS and share is not None and share < FLAG_BELOW


def question_stats(
    session: Session, course: Course, date_from: date, date_to: date
) -> list[QuestionStats]:
    """Per pool question, in course and pool order, over graded quiz attempts in the range.

    Answers are re-graded against the current pool, so a question dropped from its quiz is
    left out and a corrected answer key applies to earlier attempts too.
    """
    shown: dict[tuple[str, str], int] = {}
    correct: dict[tuple[str, str], int] = {}
    rows = session.execute(
        sa.select(QuizAttempt.module_slug, QuizAttempt.draw, QuizAttempt.answers)
        .where(QuizAttempt.kind == "quiz", _submitted_in(date_from, date_to), _by_mentors())
        .execution_options(yield_per=500)
    )
    for slug, draw, answers in rows:
        quiz = course.quiz(slug)
        if quiz is None:
            continue
        answers = answers or {}
        for item in draw or []:
            question_id = item["question"]
            if not quiz.has_question(question_id):
                continue
            question = quiz.question(question_id)
            chosen = frozenset(answers.get(question_id, []))
            key = (slug, question_id)
            shown[key] = shown.get(key, 0) + 1
            if question_type(question.type).grade(question, chosen):
                correct[key] = correct.get(key, 0) + 1
    stats = []
    for module in course.ordered_modules():
        quiz = course.quiz(module.slug)
        if quiz is None:
            continue
        for question in quiz.questions:
            key = (module.slug, question.id)
            stats.append(
                QuestionStats(
                    quiz_slug=module.slug,
                    quiz_title=quiz.title,
                    question_id=question.id,
                    prompt=plain_text(question.prompt_html),
                    shown=shown.get(key, 0),
                    correct=correct.get(key, 0),
                )
            )
    return stats


# Knowledge gain ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleGain:
    """Pre-check against first passing score for one module's mentors."""

    slug: str
    title: str
    mentors: int
    improved: int
    mean_precheck: float | None
    mean_passing: float | None

    @property
    def share_improved(self) -> float | None:
        """Mentors whose passing score beat their pre-check, as a share (0 to 1)."""
        return self.improved / self.mentors if self.mentors else None

    @property
    def mean_gain(self) -> float | None:
        """Mean of (first passing score - pre-check score), in points."""
        if self.mean_passing is None or self.mean_precheck is None:
            return None
        return self.mean_passing - self.mean_precheck


@dataclass(frozen=True)
class KnowledgeGain:
    """Knowledge gain per module and across every (mentor, module) pair."""

    modules: tuple[ModuleGain, ...]
    pairs: int
    improved: int
    mean_gain: float | None

    @property
    def share_improved(self) -> float | None:
        """Pairs whose passing score beat the pre-check, as a share (0 to 1)."""
        return self.improved / self.pairs if self.pairs else None


def gain_pairs(
    session: Session,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    user_id: int | None = None,
) -> list[tuple[int, str, int, int]]:
    """(mentor, module, earliest pre-check, first passing score): the one knowledge-gain pairing.

    Limited to first passes in a date range, or to one mentor (mentor detail shows the same pairs).
    """
    ranked_pre = (
        sa.select(
            QuizAttempt.user_id,
            QuizAttempt.module_slug,
            QuizAttempt.score,
            sa.func.row_number()
            .over(
                partition_by=(QuizAttempt.user_id, QuizAttempt.module_slug),
                order_by=(QuizAttempt.submitted_at, QuizAttempt.id),
            )
            .label("rank"),
        )
        .where(
            QuizAttempt.kind == "precheck",
            QuizAttempt.submitted_at.is_not(None),
            QuizAttempt.score.is_not(None),
            _by_mentors(),
        )
        .subquery()
    )
    first = _first_passes(date_from, date_to)
    query = sa.select(first.c.user_id, first.c.module_slug, ranked_pre.c.score, first.c.score).join(
        ranked_pre,
        sa.and_(
            ranked_pre.c.user_id == first.c.user_id,
            ranked_pre.c.module_slug == first.c.module_slug,
            ranked_pre.c.rank == 1,
        ),
    )
    if user_id is not None:
        query = query.where(first.c.user_id == user_id)
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def knowledge_gain(
    session: Session, course: Course, date_from: date, date_to: date
) -> KnowledgeGain:
    """Pre-check against first passing score, for mentors whose first pass falls in the range."""
    pairs: dict[str, list[tuple[int, int]]] = {}
    for _user_id, slug, precheck, passing in gain_pairs(
        session, date_from=date_from, date_to=date_to
    ):
        pairs.setdefault(slug, []).append((precheck, passing))
    modules = []
    every: list[tuple[int, int]] = []
    for module in course.ordered_modules():
        scores = pairs.get(module.slug, [])
        every.extend(scores)
        modules.append(
            ModuleGain(
                slug=module.slug,
                title=module.title,
                mentors=len(scores),
                improved=sum(passing > precheck for precheck, passing in scores),
                mean_precheck=_mean(sum(pre for pre, _ in scores), len(scores)),
                mean_passing=_mean(sum(post for _, post in scores), len(scores)),
            )
        )
    return KnowledgeGain(
        modules=tuple(modules),
        pairs=len(every),
        improved=sum(passing > precheck for precheck, passing in every),
        mean_gain=_mean(sum(post - pre for pre, post in every), len(every)),
    )


# Time to certificate -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeToCertificate:
    """How long mentors took from registering to their first certificate."""

    certificates: int
    median_days: float | None


def time_to_certificate(
    session: Session, course: Course, date_from: date, date_to: date
) -> TimeToCertificate:
    """Median days from registration to the first certificate, for first certificates in range."""
    span = DateRange(date_from, date_to)
    first = (
        sa.select(Certificate.user_id, sa.func.min(Certificate.issued_at).label("issued_at"))
        .group_by(Certificate.user_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(User.created_at, first.c.issued_at)
        .join(first, first.c.user_id == User.id)
        .where(first.c.issued_at >= span.lower, first.c.issued_at < span.upper)
    ).all()
    days = [(issued - created).total_seconds() / 86400 for created, issued in rows]
    return TimeToCertificate(
        certificates=len(days), median_days=statistics.median(days) if days else None
    )


# Everything, and the CSV shapes ------------------------------------------------------------------


@dataclass(frozen=True)
class Reports:
    """Every report for one date range, as the reports page shows them."""

    date_range: DateRange
    quizzes: list[QuizStats]
    questions: list[QuestionStats]
    knowledge_gain: KnowledgeGain
    time_to_certificate: TimeToCertificate
    training_hours: TrainingHours

    @property
    def flagged_questions(self) -> list[QuestionStats]:
        """Questions answered correctly in under half of their draws."""
        return [question for question in self.questions if question.flagged]


def all_reports(session: Session, course: Course, date_from: date, date_to: date) -> Reports:
    """Every report over the same range."""
    return Reports(
        date_range=DateRange(date_from, date_to),
        quizzes=quiz_stats(session, course, date_from, date_to),
        questions=question_stats(session, course, date_from, date_to),
        knowledge_gain=knowledge_gain(session, course, date_from, date_to),
        time_to_certificate=time_to_certificate(session, course, date_from, date_to),
        training_hours=training_hours(
            session,
            course,
            DateRange(date_from, date_to).lower,
            DateRange(date_from, date_to).upper,
        ),
    )


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _percent(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}"


def _quiz_rows(stats: Sequence[QuizStats]) -> Iterator[list[Any]]:
    for row in stats:
        yield [
            row.slug,
            row.title,
            row.attempts,
            row.passes,
            _percent(row.pass_rate),
            _number(row.mean_score),
            row.passers,
            _number(row.mean_attempts_to_pass, 2),
        ]


def _question_rows(stats: Sequence[QuestionStats]) -> Iterator[list[Any]]:
    for row in stats:
        yield [
            row.quiz_slug,
            row.question_id,
            row.prompt,
            row.shown,
            row.correct,
            _percent(row.share_correct),
            "yes" if row.flagged else "no",
        ]


def _gain_rows(gain: KnowledgeGain) -> Iterator[list[Any]]:
    for row in gain.modules:
        yield [
            row.slug,
            row.title,
            row.mentors,
            row.improved,
            _percent(row.share_improved),
            _number(row.mean_precheck),
            _number(row.mean_passing),
            _number(row.mean_gain),
        ]
    yield [
        "all",
        ALL_MODULES,
        gain.pairs,
        gain.improved,
        _percent(gain.share_improved),
        "",
        "",
        _number(gain.mean_gain),
    ]


YES_NO = {"yes": _l("yes"), "no": _l("no")}
ALL_MODULES = _l("All modules (every mentor and module pair)")


@dataclass(frozen=True)
class Export:
    """A report as CSV: its columns (stable keys, translated headers) and what computes its rows."""

    columns: tuple[Column, ...]
    rows: Callable[[Session, Course, date, date], Iterable[Iterable[Any]]]


# Every key is documented in docs/csv-columns.md; a key never changes once released.
EXPORTS: dict[str, Export] = {
    "quizzes": Export(
        columns=(
            Column("quiz", _l("Quiz")),
            Column("title", _l("Title")),
            Column("attempts", _l("Attempts")),
            Column("passes", _l("Passes")),
            Column("pass_rate_percent", _l("Pass rate (%)")),
            Column("mean_score", _l("Mean score (out of 100)")),
            Column("mentors_first_passed", _l("Mentors who first passed")),
            Column("mean_attempts_to_pass", _l("Mean attempts to pass")),
        ),
        rows=lambda session, course, start, end: _quiz_rows(
            quiz_stats(session, course, start, end)
        ),
    ),
    "questions": Export(
        columns=(
            Column("quiz", _l("Quiz")),
            Column("question", _l("Question id")),
            Column("prompt", _l("Question")),
            Column("times_drawn", _l("Times drawn")),
            Column("times_correct", _l("Times answered correctly")),
            Column("percent_correct", _l("Answered correctly (%)")),
            Column(
                "flagged_under_50_percent",
                _l("Flagged (under 50% correct)"),
                words_for(YES_NO),
            ),
        ),
        rows=lambda session, course, start, end: _question_rows(
            question_stats(session, course, start, end)
        ),
    ),
    "knowledge-gain": Export(
        columns=(
            Column("module", _l("Module")),
            Column("title", _l("Title")),
            Column("mentors", _l("Mentors")),
            Column("improved", _l("Improved")),
            Column("percent_improved", _l("Improved (%)")),
            Column("mean_precheck_score", _l("Mean pre-check score (out of 100)")),
            Column("mean_first_passing_score", _l("Mean first passing score (out of 100)")),
            Column("mean_gain_points", _l("Mean gain (points)")),
        ),
        rows=lambda session, course, start, end: _gain_rows(
            knowledge_gain(session, course, start, end)
        ),
    ),
}
