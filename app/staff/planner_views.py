"""The mentoring-model planner (routes on the staff blueprint): run, save, print, compare, adopt."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from app.access import admin_required, staff_required
from app.content.planner import Planner
from app.extensions import db
from app.input_checks import whole_number
from app.services import planner as planning
from app.services.errors import DomainError, NotFound
from app.staff.forms import ConfirmForm
from app.staff.views import bp
from app.web import current_planner

__all__ = ["bp"]

MAX_COMPARED = 4


def _planner() -> Planner:
    planner = current_planner()
    if planner is None:
        abort(404)
    return planner


@bp.get("/planner", endpoint="planner")
@staff_required
def planner_list() -> ResponseReturnValue:
    """Saved plans, newest first, with a way to compare some side by side."""
    return render_template(
        "staff/planner_list.html",
        planner=_planner(),
        plans=planning.list_plans(db.session),
        adopted_id=planning.adopted_plan_id(db.session),
    )


@bp.route("/planner/new", methods=["GET", "POST"], endpoint="planner_new")
@staff_required
def planner_new() -> ResponseReturnValue:
    """The questionnaire; a complete, valid set of answers is saved as a plan."""
    planner = _planner()
    form = ConfirmForm()
    answers = {question.id: request.form.getlist(question.id) for question in planner.questions}
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            plan = planning.save_plan(db.session, planner, current_user.id, answers)
        except planning.InvalidAnswers as error:
            errors = error.errors
        else:
            flash(gettext("Plan saved."), "success")
            return redirect(url_for("staff.planner_show", plan_id=plan.id))
    elif request.method == "POST":
        abort(400)
    return (
        render_template(
            "staff/planner_new.html", planner=planner, form=form, answers=answers, errors=errors
        ),
        422 if errors else 200,
    )


@bp.get("/planner/<int:plan_id>", endpoint="planner_show")
@staff_required
def planner_show(plan_id: int) -> ResponseReturnValue:
    """One plan with its answers, reasons and cautions; prints cleanly."""
    planner = _planner()
    try:
        plan = planning.get_plan(db.session, plan_id)
    except NotFound:
        abort(404)
    return render_template(
        "staff/planner_show.html",
        planner=planner,
        plan=plan,
        titles=planning.part_titles(),
        adopted=planning.adopted_plan_id(db.session) == plan.id,
        form=ConfirmForm(),
    )


@bp.get("/planner/compare", endpoint="planner_compare")
@staff_required
def planner_compare() -> ResponseReturnValue:
    """Two to four plans side by side, answers and recommendations."""
    planner = _planner()
    ids: list[int] = []
    for raw in request.args.getlist("plan")[: MAX_COMPARED + 1]:
        try:
            number = whole_number(raw)
        except ValueError:
            abort(404)
        if number not in ids:
            ids.append(number)
    if not 2 <= len(ids) <= MAX_COMPARED:
        flash(gettext("Choose between 2 and %(most)s plans to compare.", most=MAX_COMPARED), "info")
        return redirect(url_for("staff.planner"))
    try:
        plans = [planning.get_plan(db.session, plan_id) for plan_id in ids]
    except NotFound:
        abort(404)
    return render_template(
        "staff/planner_compare.html", planner=planner, plans=plans, titles=planning.part_titles()
    )


@bp.post("/planner/<int:plan_id>/adopt", endpoint="planner_adopt")
@admin_required
def planner_adopt(plan_id: int) -> ResponseReturnValue:
    """An administrator adopts the plan for the program (audited)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        planning.adopt(db.session, current_user.id, plan_id)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            gettext(
                "Plan adopted: its match models are the ones the new-match form offers, and its "
                "mentor types the ones sign-up offers."
            ),
            "success",
        )
    return redirect(url_for("staff.planner_show", plan_id=plan_id))
