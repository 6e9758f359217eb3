"""Quizzes: the intro page, the attempt, submission and the result."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from app import labels
from app.extensions import db
from app.languages import not_translated_note, shown_course
from app.quiz.forms import StartQuizForm, SubmitAttemptForm
from app.services import completion, program, quizzes, standing
from app.services.errors import DomainError, NotFound
from app.templating import format_datetime
from app.web import current_course, program_profile

bp = Blueprint("quiz", __name__)


def _when(moment: datetime) -> str:
    """A moment in the program's time zone, as pages show it."""
    return format_datetime(moment, program.zone(program_profile()))


@bp.get("/modules/<slug>/quiz")
@login_required
def start(slug: str) -> ResponseReturnValue:
    """What the quiz asks of the mentor, and whether it is open to them now."""
    course, shown = current_course(), shown_course()
    module, quiz = shown.module(slug), shown.quiz(slug)
    if module is None or quiz is None:
        abort(404)
    attempts = quizzes.attempts_for(db.session, current_user.id, slug, "quiz")
    state = quizzes.quiz_state(db.session, current_user, course, slug)
    return render_template(
        "quiz/start.html",
        module=module,
        quiz=quiz,
        language_note=not_translated_note(slug),
        form=StartQuizForm(),
        lock_reason=labels.lock_reason(state.locked_reason),
        cooldown_until=state.cooldown_until,
        # The unfinished attempt is among the mentor's attempts already loaded.
        open_attempt=next((a for a in attempts if not a.is_submitted), None),
        submitted=[a for a in attempts if a.is_submitted],
    )


@bp.post("/modules/<slug>/quiz")
@login_required
def begin(slug: str) -> ResponseReturnValue:
    """Draw an attempt, or return to the unfinished one."""
    if not StartQuizForm().validate_on_submit():
        abort(400)
    try:
        attempt = quizzes.start_attempt(db.session, current_user.id, current_course(), slug)
    except NotFound:
        abort(404)
    except quizzes.CoolingDown as error:
        flash(
            gettext(
                "%(reason)s It reopens on %(when)s.", reason=error.message, when=_when(error.until)
            ),
            "info",
        )
        return redirect(url_for("quiz.start", slug=slug))
    except DomainError as error:
        flash(labels.lock_reason(error.message), "info")
        return redirect(url_for("quiz.start", slug=slug))
    return redirect(url_for("quiz.take", attempt_id=attempt.id))


def _render_attempt(
    attempt: quizzes.QuizAttempt, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    # Texts in the reader's language; the draw, ids and option order are the attempt's own.
    shown = shown_course()
    quiz = shown.quiz(attempt.module_slug)
    module = shown.module(attempt.module_slug)
    if quiz is None or module is None:
        abort(404)
    return (
        render_template(
            "quiz/take.html",
            attempt=attempt,
            quiz=quiz,
            module=module,
            language_note=not_translated_note(attempt.module_slug),
            questions=quizzes.drawn_questions(attempt, quiz),
            form=SubmitAttemptForm(),
            error=error,
        ),
        status,
    )


@bp.get("/attempts/<int:attempt_id>")
@login_required
def take(attempt_id: int) -> ResponseReturnValue:
    """The drawn questions, in their stored order; never which option is correct."""
    try:
        attempt = quizzes.get_attempt(db.session, current_user.id, attempt_id)
    except NotFound:
        abort(404)
    if attempt.is_submitted:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    return _render_attempt(attempt)


@bp.post("/attempts/<int:attempt_id>")
@login_required
def submit(attempt_id: int) -> ResponseReturnValue:
    """Grade the attempt once; refuse answers that do not fit its draw."""
    try:
        attempt, _grade = quizzes.submit_attempt(
            db.session,
            current_user.id,
            attempt_id,
            request.form.to_dict(flat=False),
            current_course(),
            validity_months=current_app.config["CERTIFICATE_VALIDITY_MONTHS"],
        )
    except NotFound:
        abort(404)
    except quizzes.AlreadySubmitted as error:
        flash(error.message, "info")
        return redirect(url_for("quiz.result", attempt_id=attempt_id))
    except quizzes.CoolingDown as error:
        attempt = quizzes.get_attempt(db.session, current_user.id, attempt_id)
        flash(
            gettext(
                "%(reason)s It reopens on %(when)s.", reason=error.message, when=_when(error.until)
            ),
            "info",
        )
        return redirect(url_for("quiz.start", slug=attempt.module_slug))
    except quizzes.SubmissionError as error:
        attempt = quizzes.get_attempt(db.session, current_user.id, attempt_id)
        return _render_attempt(attempt, error=error.message, status=400)
    except DomainError as error:
        flash(error.message, "info")
        return redirect(url_for("learn.dashboard"))
    return redirect(url_for("quiz.result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int) -> ResponseReturnValue:
    """Score and feedback: what to review after a failure, everything after a pass."""
    course = current_course()
    try:
        attempt = quizzes.get_attempt(db.session, current_user.id, attempt_id)
    except NotFound:
        abort(404)
    if not attempt.is_submitted:
        return redirect(url_for("quiz.take", attempt_id=attempt.id))
    shown = shown_course()
    quiz, module = shown.quiz(attempt.module_slug), shown.module(attempt.module_slug)
    if quiz is None or module is None:
        abort(404)
    # One standing for both the cool-down and what the pass leads to.
    mine = standing.for_mentor(db.session, current_user, course)
    state = quizzes.quiz_state(db.session, current_user, course, attempt.module_slug, mine=mine)
    after = completion.after_pass(db.session, current_user, course, attempt, mine=mine)
    return render_template(
        "quiz/result.html",
        attempt=attempt,
        quiz=quiz,
        module=module,
        language_note=not_translated_note(attempt.module_slug),
        # Graded already; the review only pairs the stored answers with texts to show.
        reviewed=quizzes.review(attempt, shown) if attempt.kind == "quiz" else [],
        cooldown_until=state.cooldown_until,
        finish=after.finish if after else None,
        next_module=shown.module(after.next_module.slug) if after and after.next_module else None,
        coordinator_html=program.coordinator_html(program_profile()) if after else None,
    )
