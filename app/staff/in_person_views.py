"""Staff pages for in-person training sessions."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.access import staff_required
from app.extensions import db
from app.services import in_person, roster
from app.services.errors import DomainError
from app.staff.forms import InPersonSessionForm
from app.staff.views import bp, mentor_type_word
from app.web import attach_error, current_course


@bp.route("/in-person", methods=["GET", "POST"])
@staff_required
def in_person_sessions() -> ResponseReturnValue:
    """Record an in-person session for several mentors at once; list the latest sessions."""
    form = InPersonSessionForm()
    active = [row for row in roster.roster_rows(db.session, current_course()) if row.active]
    form.mentors.choices = [
        SelectChoice(
            row.user_id,
            gettext(
                "%(name)s (%(type)s, %(hours)s h so far)",
                name=row.name,
                type=mentor_type_word(row.mentor_type),
                hours=f"{row.in_person_hours:g}",
            ),
        )
        for row in active
    ]
    if request.method == "GET" and not form.mentors.data:
        wanted = {value for value in request.args.getlist("mentor") if value.isdigit()}
        form.mentors.data = [row.user_id for row in active if str(row.user_id) in wanted]
    if form.validate_on_submit():
        try:
            recorded = in_person.record_session(
                db.session,
                current_user.id,
                in_person.SessionInput(
                    held_on=form.held_on.data,
                    topic=form.topic.data or "",
                    hours=form.hours.data or "",
                    facilitator=form.facilitator.data or "",
                    mentor_ids=form.mentors.data or [],
                ),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            count = len(recorded.attendees)
            flash(
                ngettext(
                    "Session recorded: %(hours)s hours for %(num)d mentor.",
                    "Session recorded: %(hours)s hours for %(num)d mentors.",
                    count,
                    hours=f"{float(recorded.hours):g}",
                ),
                "success",
            )
            return redirect(url_for("staff.in_person_sessions"))
    return (
        render_template(
            "staff/in_person.html",
            form=form,
            sessions=in_person.recent_sessions(db.session),
        ),
        422 if form.errors else 200,
    )
