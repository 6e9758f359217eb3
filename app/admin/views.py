"""Administrator pages: staff accounts, invitations and roles."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from app.access import admin_required, recent_password_required
from app.admin.forms import (
    InviteStaffForm,
    ProgramProfileForm,
    ResendInvitationForm,
    ResetSecondFactorForm,
    RoleForm,
)
from app.extensions import db
from app.models import User
from app.services import program, second_factor, staff_accounts
from app.services.errors import DomainError, NotFound
from app.web import (
    attach_error,
    confirm_first,
    current_course,
    program_profile,
    site,
    where_mail_goes,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts() -> ResponseReturnValue:
    """Every staff and admin account, and a form to add a colleague."""
    form = InviteStaffForm()
    if form.validate_on_submit():
        try:
            user, resent = staff_accounts.invite_staff(
                db.session,
                current_user,
                name=form.name.data or "",
                email=form.email.data or "",
                role=form.role.data or "",
                site=site(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            if resent:
                flash(
                    gettext(
                        "%(name)s was already invited and has not accepted yet: there is a new "
                        "link, and the earlier one no longer works. %(mail)s",
                        name=user.name,
                        mail=where_mail_goes(),
                    ),
                    "success",
                )
            else:
                flash(
                    gettext(
                        "%(name)s is invited and shows as “Invited” until they choose a "
                        "password with the link. %(mail)s",
                        name=user.name,
                        mail=where_mail_goes(),
                    ),
                    "success",
                )
            return redirect(url_for("admin.accounts"))
    return (
        render_template(
            "admin/accounts.html",
            form=form,
            accounts=staff_accounts.staff_accounts(db.session),
            invitation_pending=staff_accounts.invitation_pending,
            invitation_canceled=staff_accounts.invitation_canceled,
            mail_configured=bool(current_app.config["MAIL_SERVER"]),
            role_form=RoleForm(),
            resend_form=ResendInvitationForm(),
        ),
        422 if form.errors else 200,
    )


@bp.post("/accounts/<int:user_id>/role")
@admin_required
@recent_password_required()
def change_role(user_id: int) -> ResponseReturnValue:
    """Make a staff member an administrator, or the reverse."""
    form = RoleForm()
    if not form.validate_on_submit():
        flash(gettext("Choose staff or administrator. Nothing was changed."), "error")
        return redirect(url_for("admin.accounts"))
    target = db.session.get(User, user_id)
    if target is None:
        abort(404)
    promote = form.role.data == "admin"
    if promote:
        title = gettext("Make %(name)s an administrator?", name=target.name)
        explanation = gettext(
            "%(name)s will be able to manage staff accounts, roles and second factors.",
            name=target.name,
        )
        button = gettext("Yes, make %(name)s an administrator", name=target.name)
    else:
        title = gettext("Make %(name)s staff?", name=target.name)
        explanation = gettext(
            "%(name)s will no longer manage staff accounts, roles or second factors.",
            name=target.name,
        )
        button = gettext("Yes, make %(name)s staff", name=target.name)
    page = confirm_first(
        title=title,
        explanation=explanation,
        button=button,
        back=url_for("admin.accounts"),
    )
    if page is not None:
        return page
    try:
        user = staff_accounts.change_role(db.session, current_user, user_id, form.role.data or "")
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(gettext("%(problem)s Nothing was changed.", problem=error.message), "error")
    else:
        if user.role == "admin":
            flash(gettext("%(name)s is now an administrator.", name=user.name), "success")
        else:
            flash(gettext("%(name)s is now staff.", name=user.name), "success")
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<int:user_id>/invitation")
@admin_required
def resend_invitation(user_id: int) -> ResponseReturnValue:
    """Send a colleague who has not accepted yet a new invitation link."""
    form = ResendInvitationForm()
    if not form.validate_on_submit():
        flash(gettext("The form had expired. Nothing was sent."), "error")
        return redirect(url_for("admin.accounts"))
    try:
        user = staff_accounts.resend_invitation(db.session, current_user, user_id, site=site())
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(gettext("%(problem)s Nothing was sent.", problem=error.message), "error")
    else:
        flash(
            gettext(
                "There is a new invitation link for %(name)s; the earlier one no longer works. "
                "%(mail)s",
                name=user.name,
                mail=where_mail_goes(),
            ),
            "success",
        )
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<int:user_id>/invitation/cancel")
@admin_required
def cancel_invitation(user_id: int) -> ResponseReturnValue:
    """Withdraw an invitation that has not been accepted; the account is kept, closed."""
    if not ResendInvitationForm().validate_on_submit():
        flash(gettext("The form had expired. Nothing was changed."), "error")
        return redirect(url_for("admin.accounts"))
    try:
        user = staff_accounts.cancel_invitation(db.session, current_user, user_id)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(gettext("%(problem)s Nothing was changed.", problem=error.message), "error")
    else:
        flash(
            gettext(
                "The invitation of %(name)s is canceled; its link no longer works.", name=user.name
            ),
            "success",
        )
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<int:user_id>/second-factor/reset")
@admin_required
@recent_password_required()
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    """Remove a colleague's authenticator app (a lost phone); they set one up at next sign-in."""
    if not ResetSecondFactorForm().validate_on_submit():
        abort(400)
    target = db.session.get(User, user_id)
    if target is None:
        abort(404)
    page = confirm_first(
        title=gettext("Reset %(name)s’s second factor?", name=target.name),
        explanation=gettext(
            "%(name)s is signed out and sets up an authenticator app at their next sign-in.",
            name=target.name,
        ),
        button=gettext("Yes, reset %(name)s’s second factor", name=target.name),
        back=url_for("admin.accounts"),
    )
    if page is not None:
        return page
    try:
        user = second_factor.reset(db.session, current_user, user_id)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(gettext("%(problem)s Nothing was changed.", problem=error.message), "error")
    else:
        flash(
            gettext(
                "%(name)s's second factor is reset and they are signed out. At their next "
                "sign-in they set up an authenticator app again.",
                name=user.name,
            ),
            "success",
        )
    return redirect(url_for("admin.accounts"))


@bp.route("/program", methods=["GET", "POST"])
@admin_required
def program_profile_page() -> ResponseReturnValue:
    """The program's own facts: name, coordinator, reporting chain, time zone, recruitment."""
    profile = program_profile()
    form = ProgramProfileForm(obj=None if request.method == "POST" else profile)
    if request.method == "GET":
        form.name.data = profile.name or current_app.config["PROGRAM_NAME"]
        form.must_report_directly.data = {True: "yes", False: "no"}.get(
            profile.must_report_directly  # type: ignore[arg-type]
        )
    if form.validate_on_submit():
        try:
            program.update_profile(db.session, current_user.id, _profile_input(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("The program profile is saved."), "success")
            return redirect(url_for("admin.program_profile_page"))
    return (
        render_template(
            "admin/program.html",
            form=form,
            profile=profile,
            required_unset=sorted(program.required_unset(profile)),
            course_uses=sorted(
                {
                    name
                    for module in current_course().modules.values()
                    for name, _ in module.placeholders
                }
            ),
        ),
        422 if form.errors else 200,
    )


def _profile_input(form: ProgramProfileForm) -> program.ProfileInput:
    answer = form.must_report_directly.data
    return program.ProfileInput(
        name=form.name.data or "",
        description=form.description.data or "",
        coordinator_name=form.coordinator_name.data or "",
        coordinator_role=form.coordinator_role.data or "",
        coordinator_email=form.coordinator_email.data or "",
        coordinator_phone=form.coordinator_phone.data or "",
        coordinator_hours=form.coordinator_hours.data or "",
        first_contact=form.first_contact.data or "",
        after_hours=form.after_hours.data or "",
        hotline=form.hotline.data or "",
        must_report_directly={"yes": True, "no": False}.get(answer or ""),
        emergency=form.emergency.data or "",
        time_zone=form.time_zone.data or "",
        mentor_types=list(form.mentor_types.data or []),
        match_models=list(form.match_models.data or []),
        required_placeholders=list(form.required_placeholders.data or []),
        question_prompt=form.question_prompt.data or "",
        question_answer=form.question_answer.data or "",
        question_wrong=form.question_wrong.data or "",
        question_explanation=form.question_explanation.data or "",
    )
