"""Quiz attempts: drawing, opaque form fields, submission, cool-downs and pre-checks."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from app.content.model import Course, Module, Option, Question, Quiz
from app.content.question_types import question_type
from app.models import ModuleRead, QuizAttempt, User, utcnow
from app.services import certificates, standing
from app.services.errors import DomainError, NotAllowed, NotFound
from app.services.grading import Grade, grade_attempt
from app.services.standing import ModuleState

FIELD_PREFIX = "q-"


class AlreadySubmitted(DomainError):
    """The attempt was graded before; its result stands."""

    def __init__(self, attempt_id: int) -> None:
        super().__init__("This attempt was already submitted. Here is its result.")
        self.attempt_id = attempt_id


class CoolingDown(NotAllowed):
    """Too many failed attempts in a row: the quiz reopens at `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            "You have reached the number of attempts in a row for this quiz. "
            "Take time to re-read the module; the quiz reopens later."
        )
        self.until = until


class SubmissionError(DomainError):
    """A posted answer does not fit the drawn attempt; nothing was recorded."""


@dataclass(frozen=True)
class DrawnOption:
    """An option as the page shows it: an opaque value and its text, never its correctness."""

    value: str
    text_html: str


@dataclass(frozen=True)
class DrawnQuestion:
    """A question as the page shows it."""

    number: int
    field: str
    question: Question
    options: tuple[DrawnOption, ...]

    @property
    def several_answers(self) -> bool:
        """Whether more than one option may be chosen (the question type says)."""
        return question_type(self.question.type).several_answers


def _token(salt: str, *parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[:12]


def drawn_questions(attempt: QuizAttempt, quiz: Quiz) -> list[DrawnQuestion]:
    """The attempt's questions in their stored order, with opaque field names and values."""
    drawn = []
    for number, item in enumerate(attempt.draw, start=1):
        question = quiz.question(item["question"])
        options = tuple(
            DrawnOption(
                value=_token(attempt.salt, question.id, option_id),
                text_html=question.option(option_id).text_html,
            )
            for option_id in item["options"]
        )
        drawn.append(
            DrawnQuestion(
                number=number,
                field=FIELD_PREFIX + _token(attempt.salt, question.id),
                question=question,
                options=options,
            )
        )
    return drawn


def _require_quiz(course: Course, slug: str) -> tuple[Module, Quiz]:
    module, quiz = course.module(slug), course.quiz(slug)
    if module is None or quiz is None:
        raise NotFound(gettext("There is no quiz with that name."))
    return module, quiz


def has_read(session: Session, user_id: int, slug: str) -> bool:
    """Whether the mentor marked the module read (at any version)."""
    return (
        session.scalar(
            sa.select(ModuleRead.id)
            .where(ModuleRead.user_id == user_id, ModuleRead.module_slug == slug)
            .limit(1)
        )
        is not None
    )


def has_passed(session: Session, user_id: int, slug: str) -> bool:
    """Whether the mentor has ever passed the module's quiz."""
    return (
        session.scalar(
            sa.select(QuizAttempt.id)
            .where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.module_slug == slug,
                QuizAttempt.kind == "quiz",
                QuizAttempt.passed.is_(True),
            )
            .limit(1)
        )
        is not None
    )


def attempts_for(
    session: Session, user_id: int, slug: str | None = None, kind: str | None = None
) -> list[QuizAttempt]:
    """A mentor's attempts, oldest first, optionally for one module and kind."""
    query = sa.select(QuizAttempt).where(QuizAttempt.user_id == user_id)
    if slug is not None:
        query = query.where(QuizAttempt.module_slug == slug)
    if kind is not None:
        query = query.where(QuizAttempt.kind == kind)
    return list(session.scalars(query.order_by(QuizAttempt.started_at, QuizAttempt.id)))


def quiz_state(
    session: Session,
    user: User,
    course: Course,
    slug: str,
    now: datetime | None = None,
    mine: standing.Standing | None = None,
) -> ModuleState:
    """Whether the quiz is open to the mentor now, and why not: read from their standing.

    `mine` is the mentor's standing when the caller has it already.
    """
    now = now or utcnow()
    _require_quiz(course, slug)
    state = (mine or standing.for_mentor(session, user, course, now)).module(slug)
    # A module outside the mentor's path (staff trying it out) is judged by the same rules.
    return state or _off_path_state(session, user, course, slug, now)


def _draw(quiz: Quiz, count: int, rng: random.Random) -> list[dict[str, object]]:
    questions = rng.sample(list(quiz.questions), count)
    draw = []
    for question in questions:
        option_ids = [option.id for option in question.options]
        if quiz.shuffle:
            rng.shuffle(option_ids)
        draw.append({"question": question.id, "options": option_ids})
    return draw


def open_attempt(session: Session, user_id: int, slug: str, kind: str) -> QuizAttempt | None:
    """The mentor's unfinished attempt at this module and kind, if any."""
    return session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.module_slug == slug,
            QuizAttempt.kind == kind,
            QuizAttempt.submitted_at.is_(None),
        )
    )


def _is_stale(attempt: QuizAttempt, quiz: Quiz) -> bool:
    """Whether the quiz file changed so that the stored draw no longer fits it."""
    for item in attempt.draw:
        if not quiz.has_question(item["question"]):
            return True
        if sorted(item["options"]) != sorted(o.id for o in quiz.question(item["question"]).options):
            return True
    return False


def _off_path_state(
    session: Session, user: User, course: Course, slug: str, now: datetime
) -> ModuleState:
    """A module outside the mentor's path, judged by the same two rules as one on it."""
    module = course.module(slug)
    assert module is not None
    facts = standing.load_facts(session, [user], now)[user.id]
    passed = {a.module_slug for a in facts.attempts if a.kind == "quiz" and a.passed}
    read = slug in facts.reads
    mine = [a for a in facts.attempts if a.module_slug == slug and a.kind == "quiz"]
    quiz = course.quiz(slug)
    return ModuleState(
        module=module,
        read=read,
        passed=slug in passed,
        best_score=None,
        attempts=len(mine),
        cooldown_until=standing.cooldown_until(mine, quiz, now) if quiz else None,
        locked_reason=standing.lock_reason(course, module, read, passed),
        needed=False,
    )


def start_attempt(
    session: Session,
    user_id: int,
    course: Course,
    slug: str,
    *,
    kind: str = "quiz",
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> QuizAttempt:
    """Return the mentor's unfinished attempt, or draw a new one if the rules allow it."""
    now = now or utcnow()
    _module, quiz = _require_quiz(course, slug)
    existing = open_attempt(session, user_id, slug, kind)
    if existing is not None and not _is_stale(existing, quiz):
        return existing
    if existing is not None:
        session.delete(existing)  # an unanswered draw of questions that no longer exist
        session.flush()
    if kind == "quiz":
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        state = quiz_state(session, user, course, slug, now)
        if state.locked_reason:
            raise NotAllowed(state.locked_reason)
        if state.cooldown_until is not None:
            raise CoolingDown(state.cooldown_until)
        count = quiz.draw
    elif kind == "precheck":
        if not precheck_offered(session, user_id, course, slug):
            raise NotAllowed(gettext("The pre-check for this module is no longer offered."))
        count = min(course.precheck_questions, len(quiz.questions))
    else:
        raise NotFound()
    rng = rng or random.SystemRandom()
    attempt = QuizAttempt(
        user_id=user_id,
        module_slug=slug,
        kind=kind,
        content_version=quiz.version,
        draw=_draw(quiz, count, rng),
        salt=secrets.token_hex(16),
        started_at=now,
    )
    session.add(attempt)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        # Another request started one at the same moment: use that draw.
        session.rollback()
        existing = open_attempt(session, user_id, slug, kind)
        if existing is None:
            raise
        return existing
    return attempt


def get_attempt(session: Session, user_id: int, attempt_id: int) -> QuizAttempt:
    """The mentor's own attempt; anyone else's looks exactly like a missing one."""
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound(gettext("There is no such attempt."))
    return attempt


def _parse_answers(
    attempt: QuizAttempt, quiz: Quiz, form: Mapping[str, Sequence[str]]
) -> dict[str, frozenset[str]]:
    by_field = {item.field: item for item in drawn_questions(attempt, quiz)}
    chosen: dict[str, frozenset[str]] = {}
    for field, values in form.items():
        if not field.startswith(FIELD_PREFIX):
            continue
        drawn = by_field.get(field)
        if drawn is None:
            raise SubmissionError(
                gettext("An answer was sent for a question that is not in this attempt.")
            )
        values = [value for value in values if value != ""]
        if len(set(values)) != len(values):
            raise SubmissionError(
                gettext("Question %(number)s: the same answer was sent twice.", number=drawn.number)
            )
        if len(values) > 1 and not drawn.several_answers:
            raise SubmissionError(
                gettext("Question %(number)s: choose only one answer.", number=drawn.number)
            )
        option_ids = {
            _token(attempt.salt, drawn.question.id, option.id): option.id
            for option in drawn.question.options
        }
        if any(value not in option_ids for value in values):
            raise SubmissionError(
                gettext(
                    "Question %(number)s: an answer was sent that is not one of its options.",
                    number=drawn.number,
                )
            )
        chosen[drawn.question.id] = frozenset(option_ids[value] for value in values)
    return chosen


def submit_attempt(
    session: Session,
    user_id: int,
    attempt_id: int,
    form: Mapping[str, Sequence[str]],
    course: Course,
    *,
    now: datetime | None = None,
    validity_months: int = 12,
) -> tuple[QuizAttempt, Grade]:
    """Grade the mentor's attempt exactly once against its stored draw; commits.

    A pass that completes the mentor's path issues the certificate in the same transaction.
    """
    now = now or utcnow()
    attempt = get_attempt(session, user_id, attempt_id)
    if attempt.is_submitted:
        raise AlreadySubmitted(attempt.id)
    _module, quiz = _require_quiz(course, attempt.module_slug)
    if _is_stale(attempt, quiz):
        session.delete(attempt)
        session.commit()
        raise NotAllowed(
            gettext("This quiz was updated since you opened it. Please start it again.")
        )
    chosen = _parse_answers(attempt, quiz, form)
    # Everything below sees what a concurrent submission or staff decision committed first.
    certificates.lock_holder(session, user_id)
    if attempt.kind == "quiz":
        until = standing.cooldown_until(
            attempts_for(session, user_id, attempt.module_slug, "quiz"), quiz, now
        )
        if until is not None:
            session.rollback()
            raise CoolingDown(until)
    drawn_ids = [item["question"] for item in attempt.draw]
    grade = grade_attempt(quiz, drawn_ids, chosen)
    precheck = attempt.kind == "precheck"
    # Conditional on still being open: two racing submissions cannot both be graded.
    updated = session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(
            submitted_at=now,
            answers={qid: sorted(options) for qid, options in chosen.items()},
            score=grade.score,
            passed=None if precheck else grade.passed,
            critical_missed=None if precheck else grade.critical_missed,
            content_version=quiz.version,
        )
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        session.rollback()
        raise AlreadySubmitted(attempt.id)
    if grade.passed and not precheck:
        # One load of the mentor's facts, under the lock and after the pass, serves both.
        facts = standing.load_facts(session, [attempt.user], now)[user_id]
        standing.record_refreshers(session, attempt.user, course, attempt.module_slug, now, facts)
        standing.issue_if_complete(session, attempt.user, course, now, validity_months, facts)
    session.commit()
    session.refresh(attempt)
    return attempt, grade


def precheck_offered(session: Session, user_id: int, course: Course, slug: str) -> bool:
    """Whether the ungraded pre-check is still offered: before the module is read, once."""
    if not standing.precheck_open(course, slug, read=False, taken=False):
        return False
    if has_read(session, user_id, slug):
        return False
    done = session.scalar(
        sa.select(QuizAttempt.id)
        .where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.module_slug == slug,
            QuizAttempt.kind == "precheck",
            QuizAttempt.submitted_at.is_not(None),
        )
        .limit(1)
    )
    return standing.precheck_open(course, slug, read=False, taken=done is not None)


def skip_precheck(
    session: Session, user_id: int, course: Course, slug: str, now: datetime | None = None
) -> None:
    """Record that the mentor chose not to take the pre-check (no score; never offered again)."""
    now = now or utcnow()
    _module, quiz = _require_quiz(course, slug)
    if not precheck_offered(session, user_id, course, slug):
        return
    attempt = open_attempt(session, user_id, slug, "precheck")
    if attempt is None:
        attempt = QuizAttempt(
            user_id=user_id,
            module_slug=slug,
            kind="precheck",
            content_version=quiz.version,
            draw=[],
            salt=secrets.token_hex(16),
            started_at=now,
        )
        session.add(attempt)
    attempt.submitted_at = now
    attempt.score = None
    attempt.answers = None
    session.commit()


@dataclass(frozen=True)
class ReviewedQuestion:
    """One question on the result page, with only what the result may reveal."""

    number: int
    question: Question
    chosen: tuple[Option, ...]
    correct: bool
    correct_options: tuple[Option, ...] | None
    review_anchor: str | None
    review_title: str | None
    show_explanation: bool


def review(attempt: QuizAttempt, course: Course) -> list[ReviewedQuestion]:
    """What the result page shows per question: correct options only after a pass."""
    module, quiz = _require_quiz(course, attempt.module_slug)
    answers = attempt.answers or {}
    reviewed = []
    for number, item in enumerate(attempt.draw, start=1):
        if not quiz.has_question(item["question"]):
            continue
        question = quiz.question(item["question"])
        chosen_ids = set(answers.get(question.id, []))
        chosen = tuple(question.option(oid) for oid in item["options"] if oid in chosen_ids)
        correct = question_type(question.type).grade(question, frozenset(chosen_ids))
        passed = bool(attempt.passed)
        reviewed.append(
            ReviewedQuestion(
                number=number,
                question=question,
                chosen=chosen,
                correct=correct,
                correct_options=(
                    tuple(
                        question.option(oid)
                        for oid in item["options"]
                        if oid in question.correct_ids
                    )
                    if passed
                    else None
                ),
                review_anchor=question.review,
                review_title=module.heading_title(question.review) if question.review else None,
                # After a failed attempt an explanation of a missed question would give the answer
                # away; the review link teaches instead until the quiz is passed.
                show_explanation=passed or correct,
            )
        )
    return reviewed
