"""A mentor asks staff to correct their legal name (routes on the auth blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from app.auth.forms import NameRequestForm
from app.auth.views import bp
from app.extensions import db
from app.services import reissue
from app.services.errors import DomainError
from app.web import attach_error


@bp.route("/account/name", methods=["GET", "POST"])
@login_required
def name_request() -> ResponseReturnValue:
    """The mentor's own request: always for the signed-in mentor, never for an id in the form."""
    if current_user.role != "mentor":
        abort(403)
    form = NameRequestForm()
    pending = reissue.pending_request(db.session, current_user.id)
    if pending is None and form.validate_on_submit():
        try:
            reissue.request_name_change(
                db.session, current_user.id, form.name.data or "", form.note.data or ""
            )
        except DomainError as error:
            attach_error(form, error, default_field="name")
        else:
            flash(
                gettext(
                    "Thank you. Your request is with staff; you will see their answer on this page."
                ),
                "success",
            )
            return redirect(url_for("auth.name_request"))
    elif pending is not None and form.is_submitted():
        form.form_errors.append(
            gettext(
                "You already have a request waiting. You can ask again once staff have answered."
            )
        )
    return render_template(
        "auth/name_request.html",
        form=form,
        pending=pending,
        history=reissue.requests_of(db.session, current_user.id),
    ), 422 if form.errors else 200
