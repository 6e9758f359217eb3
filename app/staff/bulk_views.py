"""Actions on several mentors chosen on the roster: screening results for all of them at once."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.access import staff_required
from app.extensions import db
from app.services import roster, screening
from app.services.errors import DomainError, NotFound
from app.staff.forms import BulkScreeningForm
from app.staff.views import bp, mentor_type_word
from app.web import attach_error, current_course


@bp.route("/mentors/screening", methods=["GET", "POST"])
@staff_required
def bulk_screening() -> ResponseReturnValue:
    """Record one screening result for the mentors chosen on the roster, all or none."""
    course = current_course()
    form = BulkScreeningForm()
    form.step.choices = [SelectChoice(key, label) for key, label in course.screening_steps.items()]
    chosen, problem = roster.chosen_ids(request.args)
    rows = roster.roster_rows(db.session, course, roster.RosterFilters(ids=chosen))
    if request.method == "POST":
        posted, _ = roster.chosen_ids({"mentor": [str(v) for v in form.mentors.raw_data or []]})
        rows = roster.roster_rows(db.session, course, roster.RosterFilters(ids=posted))
    form.mentors.choices = [
        SelectChoice(row.user_id, f"{row.name} ({mentor_type_word(row.mentor_type)})")
        for row in rows
    ]
    if request.method == "GET":
        form.mentors.data = [row.user_id for row in rows]
        form.completed_on.data = form.completed_on.data or date.today()
        if problem:
            flash(problem, "error")
    if form.validate_on_submit():
        try:
            records = screening.record_results(
                db.session,
                current_user.id,
                form.mentors.data or [],
                course,
                step=form.step.data,
                result=form.result.data,
                completed_on=form.completed_on.data,
                note=form.note.data or "",
            )
        except NotFound:
            form.mentors.errors = [gettext("Choose mentors from the roster.")]
        except DomainError as error:
            attach_error(form, error)
        else:
            count = len(records)
            flash(
                ngettext(
                    "%(step)s recorded for %(num)d mentor.",
                    "%(step)s recorded for %(num)d mentors.",
                    count,
                    step=course.screening_steps[form.step.data],
                ),
                "success",
            )
            return redirect(url_for("staff.roster_list", mentor=[r.user_id for r in records]))
    return (
        render_template("staff/bulk_screening.html", form=form, chosen=bool(rows)),
        422 if form.errors else 200,
    )
