"""The mentor's account page (a route on the auth blueprint): which optional mail they receive,
and the way to change their password."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from app.auth.account_forms import NoticePreferencesForm
from app.auth.views import bp
from app.extensions import db
from app.services import notices


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    """Reminders and nudges on or off, for the signed-in mentor only (never an id from the form)."""
    is_mentor = not current_user.is_staff
    saved = notices.preferences_of(db.session, current_user.id)
    form = NoticePreferencesForm(data={"reminders": saved.reminders, "nudges": saved.nudges})
    if is_mentor and form.validate_on_submit():
        notices.set_preferences(
            db.session,
            current_user.id,
            reminders=bool(form.reminders.data),
            nudges=bool(form.nudges.data),
        )
        flash(gettext("Your choices are saved."), "success")
        return redirect(url_for("auth.account"))
    if form.errors:
        db.session.rollback()
    return (
        render_template("auth/account.html", form=form, is_mentor=is_mentor),
        422 if form.errors else 200,
    )
