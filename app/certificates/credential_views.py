"""Open Badges 3.0: the holder's download, the issuer profile, status lists, the credential check.

These routes join the certificates blueprint: a credential is one more way to show a certificate.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Response, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from app.certificates.forms import CredentialUploadForm
from app.certificates.views import bp
from app.extensions import db
from app.input_checks import accepts_files
from app.ratelimits import verification_limit
from app.services import certificates, open_badges
from app.services.errors import NotFound
from app.web import current_course

JSON_LD = "application/ld+json"


def signing_key() -> Ed25519PrivateKey | None:
    """The program's signing key, or None before `flask credentials init-key`."""
    return open_badges.load_key(current_app.config["CREDENTIAL_KEY_PATH"])


def _json(document: dict[str, Any], **headers: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, mimetype=JSON_LD, headers=headers)


@bp.get("/certificates/<int:certificate_id>/open-badge.json")
@login_required
def open_badge(certificate_id: int) -> ResponseReturnValue:
    """The holder's own certificate as a signed OpenBadgeCredential, for them to keep or share."""
    key = signing_key()
    try:
        certificate = certificates.holder_certificate(db.session, current_user, certificate_id)
    except NotFound:
        abort(404)
    # The holder's choice: staff can see the certificate but never take a credential of it.
    if key is None or certificate.user_id != current_user.id:
        abort(404)
    now = certificates.utcnow()
    # A credential says "certified": none is made of an expired, suspended or revoked certificate.
    if certificates.chain_of(db.session, certificate.user_id, now).status_of(certificate) != (
        certificates.VALID
    ):
        abort(404)
    course = current_course()
    credential = open_badges.credential_for(
        certificate,
        holder_name=certificate.user.name,
        module_titles={slug: module.title for slug, module in course.modules.items()},
        program_name=current_app.config["PROGRAM_NAME"],
        base_url=current_app.config["BASE_URL"],
        key=key,
        now=now,
    )
    filename = f"open-badge-{certificates.format_code(certificate.code)}.json"
    return _json(
        credential,
        **{
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/credentials/issuer")
def issuer_profile() -> ResponseReturnValue:
    """The program's issuer profile, with the public key its credentials are checked against."""
    key = signing_key()
    if key is None:
        abort(404)
    config = current_app.config
    return _json(open_badges.issuer_profile(config["BASE_URL"], config["PROGRAM_NAME"], key))


@bp.get("/credentials/status/<purpose>/<int:list_id>")
def status_list(purpose: str, list_id: int) -> ResponseReturnValue:
    """A signed Bitstring Status List: which certificates are revoked, or suspended, right now."""
    key = signing_key()
    if key is None or purpose not in open_badges.STATUS_PURPOSES:
        abort(404)
    document = open_badges.status_list_credential(
        db.session,
        purpose=purpose,
        number=list_id,
        base_url=current_app.config["BASE_URL"],
        key=key,
        now=certificates.utcnow(),
    )
    # Verifiers may cache it briefly; a revocation shows within five minutes.
    return _json(document, **{"Cache-Control": "public, max-age=300"})


@bp.route("/credentials/verify", methods=["GET", "POST"])
@accepts_files
@verification_limit
def verify_credential() -> ResponseReturnValue:
    """Check an uploaded credential: our signature, unchanged contents, and its status today."""
    form = CredentialUploadForm()
    result: dict[str, Any] | None = None
    problem: str | None = None
    if form.validate_on_submit():
        upload = form.credential.data
        raw = upload.stream.read(open_badges.MAX_CREDENTIAL_BYTES + 1)
        key = signing_key()
        try:
            if key is None:
                raise open_badges.CredentialError(
                    gettext("This program does not issue credentials yet.")
                )
            document = open_badges.parse_upload(raw)
            open_badges.verify_proof(
                document,
                open_badges.verification_method(current_app.config["BASE_URL"], key),
                key.public_key(),
            )
            result = _checked(document)
        except open_badges.CredentialError as error:
            problem = str(error)
    status = 200 if result or not (problem or form.errors) else 422
    return (
        render_template(
            "certificates/credential_verify.html", form=form, result=result, problem=problem
        ),
        status,
    )


def _checked(document: dict[str, Any]) -> dict[str, Any]:
    certificate, status = open_badges.certificate_status(
        db.session, document, certificates.utcnow()
    )
    return {
        "status": status,
        "holder": certificates.public_name(
            open_badges.holder_name_of(document) or "",
            current_app.config["CERTIFICATE_PUBLIC_NAME"],
        ),
        "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until,
        "criteria": document["credentialSubject"]["achievement"]["criteria"]["narrative"],
    }
