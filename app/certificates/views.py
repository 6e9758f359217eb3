"""The holder's certificate page and PDF; public verification by code."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.certificates.forms import NameCheckForm, VerifyForm
from app.content.translations import SOURCE_LANGUAGE
from app.extensions import db
from app.languages import known, shown_course
from app.models import User
from app.ratelimits import verification_limit
from app.services import certificates, open_badges
from app.services.certificate_pdf import render_certificate_pdf, verification_url
from app.services.errors import NotFound
from app.web import current_course, program_name

bp = Blueprint("certificates", __name__)

# What the pages call each status code, in the reader's language; the API answers the codes.
STATUS_WORDS = {
    certificates.VALID: _l("valid"),
    certificates.EXPIRED: _l("expired"),
    certificates.SUSPENDED: _l("suspended"),
    certificates.REVOKED: _l("revoked"),
    certificates.REPLACED: _l("replaced"),
}
STATUS_LABELS = {
    certificates.VALID: _l("Valid"),
    certificates.EXPIRED: _l("Expired"),
    certificates.SUSPENDED: _l("Suspended"),
    certificates.REVOKED: _l("Revoked"),
}


@bp.context_processor
def status_words() -> dict[str, object]:
    """`status_word("valid")` for a sentence, `status_label("valid")` for a heading or a list."""
    return {
        "status_word": lambda status: str(STATUS_WORDS.get(status, status)),
        "status_label": lambda status: str(STATUS_LABELS.get(status, status)),
    }


def holder_language(holder: User) -> str:
    """The language a certificate is printed in: the holder's stored choice, else English."""
    return known(holder.language) or SOURCE_LANGUAGE


@bp.get("/certificates/<int:certificate_id>")
@login_required
def show(certificate_id: int) -> ResponseReturnValue:
    """The holder's certificate: status, dates, code, verification link, PDF."""
    try:
        certificate = certificates.holder_certificate(db.session, current_user, certificate_id)
    except NotFound:
        abort(404)
    status = certificates.chain_of(
        db.session, certificate.user_id, certificates.utcnow()
    ).status_of(certificate)
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        status=status,
        code=certificates.format_code(certificate.code),
        verify_url=verification_url(current_app.config["BASE_URL"], certificate.code),
        pdf_language=holder_language(certificate.user),
        # Only the holder of a valid certificate may take it away as an Open Badge, once signed.
        open_badge=certificate.user_id == current_user.id
        and status == certificates.VALID
        and open_badges.load_key(current_app.config["CREDENTIAL_KEY_PATH"]) is not None,
    )


@bp.get("/certificates/<int:certificate_id>/certificate.pdf")
@login_required
def pdf(certificate_id: int) -> ResponseReturnValue:
    """The certificate as a PDF with a QR code to its verification page, in the holder's language.

    Whoever downloads it (the holder, or staff) gets the same words: the holder's certificate.
    """
    try:
        certificate = certificates.holder_certificate(db.session, current_user, certificate_id)
    except NotFound:
        abort(404)
    body = render_certificate_pdf(
        certificate,
        holder_name=certificate.user.name,
        program_name=program_name(),
        base_url=current_app.config["BASE_URL"],
        language=holder_language(certificate.user),
    )
    filename = f"certificate-{certificates.format_code(certificate.code)}.pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/verify")
@verification_limit
def verify_form() -> ResponseReturnValue:
    """Type a code to check a certificate."""
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for("certificates.verify", code=form.code.data.strip()))
    return render_template("certificates/verify_form.html", form=form), 422 if form.errors else 200


def _not_found(code: str) -> ResponseReturnValue:
    """The unknown-code page, with the code as typed so it can be corrected rather than retyped."""
    form = VerifyForm(formdata=None, code=code[:64])
    return render_template("certificates/not_found.html", form=form), 404


def _verified(code: str) -> certificates.PublicCertificate | None:
    return certificates.verify(
        db.session, code, current_app.config["CERTIFICATE_PUBLIC_NAME"], course=current_course()
    )


@bp.get("/verify/<code>")
@verification_limit
def verify(code: str) -> ResponseReturnValue:
    """Whether a certificate is genuine and current; the holder as first name and last initial.

    No form here: the name check has its own page, so a plain look-up creates no session.
    """
    found = _verified(code)
    if found is None:
        return _not_found(code)
    return render_template(
        "certificates/verify.html", certificate=found, module_titles=_shown_titles()
    )


def _shown_titles() -> dict[str, str]:
    """Each module's English title, and the title this visitor reads it under where offered.

    The certificate's facts (and the API) name modules by their English titles; only the page
    shows them in the visitor's language.
    """
    english, shown = current_course().modules, shown_course().modules
    return {module.title: shown[slug].title for slug, module in english.items() if slug in shown}


@bp.route("/verify/<code>/name", methods=["GET", "POST"])
@verification_limit
def check_name(code: str) -> ResponseReturnValue:
    """Answer only "matches" or "does not match" for the full name a verifier expects."""
    found = _verified(code)
    if found is None:
        return _not_found(code)
    # A replaced code names nobody: checking a name against it could confirm a corrected name.
    form = None if found.replaced else NameCheckForm()
    answer: bool | None = None
    if form is not None and form.validate_on_submit():
        answer = bool(certificates.name_matches(db.session, code, form.full_name.data or ""))
    return (
        render_template(
            "certificates/verify_name.html", certificate=found, form=form, answer=answer
        ),
        422 if form is not None and form.errors else 200,
    )
