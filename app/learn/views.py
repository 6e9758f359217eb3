"""My training and the module pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app import current_course
from app.extensions import db
from app.learn.forms import MarkReadForm, PrecheckForm
from app.services import progress, quizzes
from app.services.eligibility import eligibility
from app.services.errors import DomainError

bp = Blueprint("learn", __name__)


@bp.get("/training")
@login_required
def dashboard() -> ResponseReturnValue:
    """My training: progress, the next step and every module's status."""
    course = current_course()
    return render_template(
        "learn/dashboard.html",
        overview=progress.training_overview(db.session, current_user, course),
        eligibility=eligibility(db.session, current_user, course),
    )


@bp.get("/modules/<slug>")
@login_required
def module(slug: str) -> ResponseReturnValue:
    """A module: content note first, then objectives, contents, text and reflection."""
    course = current_course()
    page = course.module(slug)
    if page is None:
        abort(404)
    quiz = course.quiz(slug)
    return render_template(
        "learn/module.html",
        module=page,
        quiz=quiz,
        read=quizzes.has_read(db.session, current_user.id, slug),
        passed=quizzes.has_passed(db.session, current_user.id, slug),
        precheck_offered=quizzes.precheck_offered(db.session, current_user.id, course, slug),
        mark_read_form=MarkReadForm(),
        precheck_form=PrecheckForm(),
    )


@bp.post("/modules/<slug>/read")
@login_required
def mark_read(slug: str) -> ResponseReturnValue:
    """Record that the mentor read the module to the end."""
    course = current_course()
    if course.module(slug) is None:
        abort(404)
    if MarkReadForm().validate_on_submit():
        progress.mark_read(db.session, current_user.id, course, slug)
        flash("Marked as read. The quiz is open when you are ready.", "success")
    return redirect(url_for("learn.module", slug=slug, _anchor="next-step"))


@bp.post("/modules/<slug>/precheck")
@login_required
def precheck(slug: str) -> ResponseReturnValue:
    """Start or skip the ungraded pre-check."""
    course = current_course()
    if course.module(slug) is None or course.quiz(slug) is None:
        abort(404)
    form = PrecheckForm()
    if not form.validate_on_submit():
        abort(400)
    if form.skip.data:
        quizzes.skip_precheck(db.session, current_user.id, course, slug)
        flash("Pre-check skipped. Read on whenever you are ready.", "info")
        return redirect(url_for("learn.module", slug=slug))
    try:
        attempt = quizzes.start_attempt(db.session, current_user.id, course, slug, kind="precheck")
    except DomainError as error:
        flash(error.message, "info")
        return redirect(url_for("learn.module", slug=slug))
    return redirect(url_for("quiz.take", attempt_id=attempt.id))
