"""My training and the module pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from app import labels
from app.extensions import db
from app.languages import english_only, not_translated_note, note, shown_course
from app.learn.forms import (
    JournalForm,
    MarkReadForm,
    PositionForm,
    PrecheckForm,
    SelfCarePlanForm,
)
from app.services import private_notes, program, progress, quizzes, standing
from app.services.errors import DomainError, NotFound
from app.web import attach_error, current_course, program_profile

bp = Blueprint("learn", __name__)


@bp.get("/training")
@login_required
def dashboard() -> ResponseReturnValue:
    """My training: progress, the next step and every module's status."""
    if current_user.is_staff:
        return redirect(url_for("staff.dashboard"))
    course = current_course()
    # Rules read the English course; titles and section names come in the reader's language.
    shown = shown_course()
    english = english_only()
    mine = standing.for_mentor(db.session, current_user, course)

    def title_of(slug: str) -> str:
        module = shown.module(slug)
        return module.title if module else slug

    return render_template(
        "learn/dashboard.html",
        standing=mine,
        shown=shown,
        title_of=title_of,
        certificate_label=labels.certificate_label(mine),
        still_to_pass=[title_of(state.module.slug) for state in mine.modules if state.needed],
        renewal_to_pass=[title_of(slug) for slug in mine.renewal.still_to_pass_slugs]
        if mine.renewal
        else [],
        english_only=english,
        language_note=note("some_modules") if english else None,
        places=progress.places(db.session, current_user.id, shown),
        screening_guide={
            step: labels.step_guide(step) for step in course.screening_for(current_user.mentor_type)
        },
        coordinator_contact=str(labels.COORDINATOR_CONTACT),
        coordinator_html=program.coordinator_html(program_profile()),
    )


@bp.get("/modules/<slug>")
@login_required
def module(slug: str) -> ResponseReturnValue:
    """A module: content note first, then objectives, contents, text and reflection."""
    course = current_course()
    shown = shown_course()
    page = shown.module(slug)
    if page is None:
        abort(404)
    mine = standing.module_page(db.session, current_user, course, slug)
    if not mine.read and not current_user.is_staff:
        progress.record_visit(db.session, current_user.id, slug)
    entry = (
        private_notes.journal_entry(db.session, current_user.id, slug) if page.reflection else None
    )
    intro, sections = page.split_body(program.module_html(page, program_profile()))
    # Forms (and their CSRF fields) only where the page shows one.
    return render_template(
        "learn/module.html",
        module=page,
        language_note=not_translated_note(slug),
        intro_html=intro,
        sections=sections,
        place=progress.places(db.session, current_user.id, shown)[slug],
        quiz=shown.quiz(slug),
        read=mine.read,
        refresher=mine.refresher,
        passed=mine.passed,
        precheck_offered=mine.precheck_offered,
        mark_read_form=MarkReadForm() if not mine.read else None,
        precheck_form=PrecheckForm() if mine.precheck_offered else None,
        journal_form=JournalForm(text=entry.text if entry else "") if page.reflection else None,
        journal_saved_at=entry.updated_at if entry else None,
    )


@bp.get("/modules/<slug>/sections/<section>")
@login_required
def open_section(slug: str, section: str) -> ResponseReturnValue:
    """Save the mentor's place at a section (the page's section links come here), then show it."""
    try:
        progress.open_section(db.session, current_user.id, current_course(), slug, section)
    except NotFound:
        abort(404)
    return redirect(url_for("learn.module", slug=slug, _anchor=section))


@bp.post("/modules/<slug>/position")
@login_required
def save_position(slug: str) -> ResponseReturnValue:
    """Save the section the mentor scrolled to (the page's script sends it); no page in reply."""
    form = PositionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        progress.open_section(
            db.session, current_user.id, current_course(), slug, form.section.data or ""
        )
    except NotFound:
        abort(404)
    return "", 204


@bp.post("/modules/<slug>/read")
@login_required
def mark_read(slug: str) -> ResponseReturnValue:
    """Record that the mentor read the module to the end."""
    course = current_course()
    if course.module(slug) is None:
        abort(404)
    if MarkReadForm().validate_on_submit():
        progress.mark_read(db.session, current_user.id, course, slug)
        # Shown inside the card the page lands on, beside the quiz link.
        flash(gettext("Marked as read."), "read")
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
        flash(gettext("Pre-check skipped. Read on whenever you are ready."), "info")
        return redirect(url_for("learn.module", slug=slug))
    try:
        attempt = quizzes.start_attempt(db.session, current_user.id, course, slug, kind="precheck")
    except DomainError as error:
        flash(error.message, "info")
        return redirect(url_for("learn.module", slug=slug))
    return redirect(url_for("quiz.take", attempt_id=attempt.id))


@bp.post("/modules/<slug>/journal")
@login_required
def save_journal(slug: str) -> ResponseReturnValue:
    """Save the mentor's private notes on a module."""
    course = current_course()
    if course.module(slug) is None:
        abort(404)
    form = JournalForm()
    if form.validate_on_submit():
        try:
            private_notes.save_journal(
                db.session, current_user.id, course, slug, form.text.data or ""
            )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(gettext("Your notes are saved. Only you can see them."), "success")
    else:
        flash(" ".join([*form.text.errors, gettext("Nothing was saved.")]), "error")
    return redirect(url_for("learn.module", slug=slug, _anchor="reflection-title"))


@bp.get("/journal")
@login_required
def journal() -> ResponseReturnValue:
    """My journal: every module's reflection prompts with my private notes."""
    return render_template(
        "learn/journal.html",
        # Prompts and titles in the reader's language where the module is offered in it.
        pages=private_notes.journal(
            db.session, current_user.id, shown_course(), current_user.mentor_type
        ),
        english_only=english_only(),
    )


@bp.route("/self-care", methods=["GET", "POST"])
@login_required
def self_care() -> ResponseReturnValue:
    """My self-care plan: a guided form, saved privately and editable."""
    plan = private_notes.self_care_plan(db.session, current_user.id)
    form = SelfCarePlanForm(obj=plan)
    if form.validate_on_submit():
        try:
            private_notes.save_self_care_plan(
                db.session,
                current_user.id,
                {key: getattr(form, key).data for key in private_notes.PLAN_SECTIONS},
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Your self-care plan is saved. Only you can see it."), "success")
            return redirect(url_for("learn.self_care"))
    return render_template(
        "learn/self_care.html", form=form, plan=plan
    ), 422 if form.errors else 200


@bp.get("/self-care/print")
@login_required
def self_care_print() -> ResponseReturnValue:
    """A clean page of the plan for printing or saving as PDF from the browser."""
    plan = private_notes.self_care_plan(db.session, current_user.id)
    return render_template("learn/self_care_print.html", plan=plan, sections=labels.PLAN_SECTIONS)
