"""The language switch every page carries: a POST that remembers the choice, then goes back."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.language.forms import LanguageForm
from app.languages import remember
from app.services import accounts
from app.web import safe_next

bp = Blueprint("language", __name__)


@bp.route("/language", methods=["GET", "POST"])
def choose() -> ResponseReturnValue:
    """Show the choice (GET), or remember it in a cookie and on the account, then go back."""
    form = LanguageForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        return render_template("language/choose.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    language = form.language.data or ""
    if current_user.is_authenticated:
        accounts.set_language(db.session, current_user.id, language)
    return remember(redirect(safe_next(form.next.data) or url_for("public.index")), language)
