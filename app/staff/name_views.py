"""Staff correct a mentor's legal name and re-issue, or decide on a mentor's request."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user

from app.access import recent_password_required, staff_required
from app.extensions import db
from app.models import NameChangeRequest
from app.services import certificates, reissue
from app.services.errors import DomainError, NotFound
from app.staff.forms import NameCorrectionForm, NameRequestDecisionForm
from app.staff.views import bp, nothing_changed
from app.web import confirm_first


def _back(mentor_id: int) -> str:
    return url_for("staff.mentor", mentor_id=mentor_id, _anchor="name")


def _first_error(form: NameCorrectionForm | NameRequestDecisionForm) -> str:
    messages = [m for name, errors in form.errors.items() if name != "csrf_token" for m in errors]
    return str(messages[0]) if messages else gettext("Check the form.")


def _what_happens(old_name: str, new_name: str, count: int) -> str:
    """The confirmation's explanation: what changes, and what the old codes will say."""
    reissued = (
        ngettext(
            "Their %(num)d certificate not revoked is re-issued with the same dates under a new "
            "code; each old code then only answers “replaced”, never the new code or name.",
            "Their %(num)d certificates not revoked are re-issued with the same dates under a new "
            "code; each old code then only answers “replaced”, never the new code or name.",
            count,
        )
        if count
        else gettext("They hold no certificate to re-issue yet.")
    )
    return gettext(
        "The legal name “%(old)s” becomes “%(new)s” on the account and every certificate. "
        "%(reissued)s Both names are kept in the audit log.",
        old=old_name,
        new=new_name,
        reissued=reissued,
    )


@bp.post("/mentors/<int:mentor_id>/name")
@staff_required
@recent_password_required()
def correct_name(mentor_id: int) -> ResponseReturnValue:
    """Correct a mentor's legal name and re-issue their certificates, after a confirmation."""
    form = NameCorrectionForm()
    try:
        mentor = reissue.mentor_for_staff(db.session, mentor_id)
    except NotFound:
        abort(404)
    if not form.validate_on_submit():
        flash(gettext("%(problem)s Nothing was changed.", problem=_first_error(form)), "error")
        return redirect(_back(mentor_id))
    try:
        name, to_reissue = reissue.check_correction(db.session, mentor_id, form.name.data or "")
    except DomainError as error:
        flash(nothing_changed(error), "error")
        return redirect(_back(mentor_id))
    page = confirm_first(
        title=gettext("Correct %(name)s’s name and re-issue?", name=mentor.name),
        explanation=_what_happens(mentor.name, name, len(to_reissue)),
        button=gettext("Yes, correct and re-issue"),
        back=_back(mentor_id),
    )
    if page is not None:
        return page
    try:
        done = reissue.correct_name_and_reissue(
            db.session, current_user.id, mentor_id, form.name.data or "", form.reason.data or ""
        )
    except DomainError as error:
        flash(nothing_changed(error), "error")
    else:
        flash(_done_message(done), "success")
    return redirect(_back(mentor_id))


def _done_message(done: reissue.Reissued) -> str:
    new_codes = ", ".join(certificates.format_code(new) for _old, new in done.codes)
    text = gettext("The name now reads “%(name)s”.", name=done.new_name)
    if done.codes:
        text += " " + gettext(
            "Re-issued under %(codes)s; the old codes answer “replaced”.", codes=new_codes
        )
    return text


def _status(status: str) -> str:
    """A decided request's status in words."""
    return {"approved": gettext("approved"), "declined": gettext("declined")}.get(status, status)


def _request_or_404(request_id: int) -> NameChangeRequest:
    request = db.session.get(NameChangeRequest, request_id)
    if request is None:
        abort(404)
    return request


@bp.post("/name-requests/<int:request_id>/approve")
@staff_required
@recent_password_required()
def approve_name_request(request_id: int) -> ResponseReturnValue:
    """Approve a mentor's request: the same correction and re-issue, after a confirmation."""
    request = _request_or_404(request_id)
    form = NameRequestDecisionForm()
    if not form.validate_on_submit():
        flash(gettext("%(problem)s Nothing was changed.", problem=_first_error(form)), "error")
        return redirect(_back(request.user_id))
    if request.status != "pending":
        flash(
            gettext(
                "This request was already %(status)s. Nothing was changed.",
                status=_status(request.status),
            ),
            "error",
        )
        return redirect(_back(request.user_id))
    try:
        name, to_reissue = reissue.check_correction(
            db.session, request.user_id, request.requested_name
        )
    except DomainError as error:
        flash(nothing_changed(error), "error")
        return redirect(_back(request.user_id))
    page = confirm_first(
        title=gettext("Approve %(name)s’s request?", name=request.user.name),
        explanation=_what_happens(request.user.name, name, len(to_reissue)),
        button=gettext("Yes, approve and re-issue"),
        back=_back(request.user_id),
    )
    if page is not None:
        return page
    try:
        done = reissue.approve_request(
            db.session, current_user.id, request_id, form.reason.data or ""
        )
    except DomainError as error:
        flash(nothing_changed(error), "error")
    else:
        flash(gettext("Request approved. %(done)s", done=_done_message(done)), "success")
    return redirect(_back(request.user_id))


@bp.post("/name-requests/<int:request_id>/decline")
@staff_required
def decline_name_request(request_id: int) -> ResponseReturnValue:
    """Decline a mentor's request with a reason the mentor reads."""
    request = _request_or_404(request_id)
    mentor_id = request.user_id
    form = NameRequestDecisionForm()
    if not form.validate_on_submit():
        flash(gettext("%(problem)s Nothing was changed.", problem=_first_error(form)), "error")
        return redirect(_back(mentor_id))
    try:
        reissue.decline_request(db.session, current_user.id, request_id, form.reason.data or "")
    except DomainError as error:
        flash(nothing_changed(error), "error")
    else:
        flash(gettext("Request declined. The mentor sees your reason on their account."), "success")
    return redirect(_back(mentor_id))
