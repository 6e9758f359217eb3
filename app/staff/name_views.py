"""Staff correct a mentor's legal name and re-issue, or decide on a mentor's request."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.access import recent_password_required, staff_required
from app.extensions import db
from app.models import NameChangeRequest
from app.services import certificates, reissue
from app.services.errors import DomainError, NotFound
from app.staff.forms import NameCorrectionForm, NameRequestDecisionForm
from app.staff.views import bp
from app.web import confirm_first


def _back(mentor_id: int) -> str:
    return url_for("staff.mentor", mentor_id=mentor_id, _anchor="name")


def _first_error(form: NameCorrectionForm | NameRequestDecisionForm) -> str:
    messages = [m for name, errors in form.errors.items() if name != "csrf_token" for m in errors]
    return messages[0] if messages else "Check the form."


def _what_happens(old_name: str, new_name: str, count: int) -> str:
    """The confirmation's explanation: what changes, and what the old codes will say."""
    reissued = (
        f"Their {count} certificate{'' if count == 1 else 's'} not revoked "
        f"{'is' if count == 1 else 'are'} re-issued with the same dates under a new code; "
        "each old code then only answers “replaced”, never the new code or name."
        if count
        else "They hold no certificate to re-issue yet."
    )
    return (
        f"The legal name “{old_name}” becomes “{new_name}” on the account and every "
        f"certificate. {reissued} Both names are kept in the audit log."
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
        flash(f"{_first_error(form)} Nothing was changed.", "error")
        return redirect(_back(mentor_id))
    try:
        name, to_reissue = reissue.check_correction(db.session, mentor_id, form.name.data or "")
    except DomainError as error:
        flash(f"{error.message} Nothing was changed.", "error")
        return redirect(_back(mentor_id))
    page = confirm_first(
        title=f"Correct {mentor.name}’s name and re-issue?",
        explanation=_what_happens(mentor.name, name, len(to_reissue)),
        button="Yes, correct and re-issue",
        back=_back(mentor_id),
    )
    if page is not None:
        return page
    try:
        done = reissue.correct_name_and_reissue(
            db.session, current_user.id, mentor_id, form.name.data or "", form.reason.data or ""
        )
    except DomainError as error:
        flash(f"{error.message} Nothing was changed.", "error")
    else:
        flash(_done_message(done), "success")
    return redirect(_back(mentor_id))


def _done_message(done: reissue.Reissued) -> str:
    new_codes = ", ".join(certificates.format_code(new) for _old, new in done.codes)
    return f"The name now reads “{done.new_name}”." + (
        f" Re-issued under {new_codes}; the old codes answer “replaced”." if done.codes else ""
    )


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
        flash(f"{_first_error(form)} Nothing was changed.", "error")
        return redirect(_back(request.user_id))
    if request.status != "pending":
        flash(f"This request was already {request.status}. Nothing was changed.", "error")
        return redirect(_back(request.user_id))
    try:
        name, to_reissue = reissue.check_correction(
            db.session, request.user_id, request.requested_name
        )
    except DomainError as error:
        flash(f"{error.message} Nothing was changed.", "error")
        return redirect(_back(request.user_id))
    page = confirm_first(
        title=f"Approve {request.user.name}’s request?",
        explanation=_what_happens(request.user.name, name, len(to_reissue)),
        button="Yes, approve and re-issue",
        back=_back(request.user_id),
    )
    if page is not None:
        return page
    try:
        done = reissue.approve_request(
            db.session, current_user.id, request_id, form.reason.data or ""
        )
    except DomainError as error:
        flash(f"{error.message} Nothing was changed.", "error")
    else:
        flash(f"Request approved. {_done_message(done)}", "success")
    return redirect(_back(request.user_id))


@bp.post("/name-requests/<int:request_id>/decline")
@staff_required
def decline_name_request(request_id: int) -> ResponseReturnValue:
    """Decline a mentor's request with a reason the mentor reads."""
    request = _request_or_404(request_id)
    mentor_id = request.user_id
    form = NameRequestDecisionForm()
    if not form.validate_on_submit():
        flash(f"{_first_error(form)} Nothing was changed.", "error")
        return redirect(_back(mentor_id))
    try:
        reissue.decline_request(db.session, current_user.id, request_id, form.reason.data or "")
    except DomainError as error:
        flash(f"{error.message} Nothing was changed.", "error")
    else:
        flash("Request declined. The mentor sees your reason on their account.", "success")
    return redirect(_back(mentor_id))
