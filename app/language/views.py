"""The language switch every page carries, then back to the page it was used on.

Signed out, it is a plain link that sets the `lang` cookie: reading a page in another language
needs no session, so a visitor gets no session cookie for it. Signed in, it is a POST with CSRF
that also keeps the choice on the account.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.language.forms import LanguageForm
from app.languages import known, remember
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


@bp.get("/language/<code>")
def pick(code: str) -> ResponseReturnValue:
    """A signed-out visitor's link: remember `code` in the cookie and go back.

    Signed in, the choice belongs on the account, which only the POST form changes: the link
    leads to that form instead."""
    back = safe_next(request.args.get("next"))
    if known(code) is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("language.choose", next=back))
    return remember(redirect(back or url_for("public.index")), code)
