"""Registration, sign-in, sign-out and passwords."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE_NAME

from app.access import begin_second_factor, end_staff_session
from app.auth.forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    ForgotPasswordForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    SignInForm,
    SignOutForm,
)
from app.extensions import db, limiter
from app.languages import current_language
from app.services import accounts
from app.services.errors import DomainError
from app.web import attach_error, program_profile, safe_next, site

bp = Blueprint("auth", __name__)

# Session key: the address the sign-in page fills in after a password was set through a link.
SIGN_IN_EMAIL = "sign_in_email"
SIGN_IN_FAILED = _l(
    "That email and password do not match an account. Check both and try again. "
    "After many failed tries an account pauses for a while; resetting its password ends the pause."
)


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _has_remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE_NAME) in request.cookies


def _home_for(user: accounts.User) -> str:
    return url_for("staff.dashboard") if user.is_staff else url_for("learn.dashboard")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """A new mentor signs up; new and known addresses alike are asked to check their email."""
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = RegisterForm()
    recruited = program_profile().mentor_types
    form.mentor_type.choices = [
        choice for choice in form.mentor_type.choices if choice.value in recruited
    ]
    if form.validate_on_submit():
        try:
            accounts.register_mentor(
                db.session,
                name=form.name.data or "",
                email=form.email.data or "",
                password=form.password.data or "",
                mentor_type=form.mentor_type.data or "",
                site=site(),
                language=current_language(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            return redirect(url_for("auth.check_email"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.get("/register/check-email")
def check_email() -> ResponseReturnValue:
    """Where every sign-up lands: the next step is in the mailbox."""
    return render_template("auth/check_email.html")


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def confirm_email(token: str) -> ResponseReturnValue:
    """Confirm the address with a button, so a mail scanner opening the link does not use it."""
    if len(token) > 100 or accounts.token_user(db.session, token, "confirm_email") is None:
        return _link_expired(url_for("auth.resend_confirmation"))
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            accounts.confirm_email(db.session, token)
        except DomainError:
            return _link_expired(url_for("auth.resend_confirmation"))
        flash(
            gettext("Your email address is confirmed. Sign in to start your training."), "success"
        )
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/confirm_email.html", form=form)


@bp.route("/confirm-email/again", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def resend_confirmation() -> ResponseReturnValue:
    """Send a new confirmation link; the answer is the same whatever the address."""
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        accounts.resend_confirmation(db.session, form.email.data or "", site=site())
        return redirect(url_for("auth.check_email"))
    return (
        render_template("auth/resend_confirmation.html", form=form),
        422 if form.errors else 200,
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in() -> ResponseReturnValue:
    """Email and password; `next` may only lead to a page on this site."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _home_for(current_user))
    form = SignInForm()
    if request.method == "GET" and SIGN_IN_EMAIL in session:
        form.email.data = session.pop(SIGN_IN_EMAIL)
    unconfirmed = False
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                db.session, form.email.data or "", form.password.data or "", site=site()
            )
        except accounts.EmailNotConfirmed as error:
            form.form_errors.append(error.message)
            unconfirmed = True
        else:
            if user is None:
                form.form_errors.append(str(SIGN_IN_FAILED))
            elif user.is_staff:
                # Staff are not signed in until the second factor: no staff page before it.
                begin_second_factor(user, next_url)
                return redirect(url_for("auth.second_factor_code"))
            else:
                remember = bool(form.remember.data) and accounts.may_be_remembered(user)
                login_user(user, remember=remember)
                return redirect(next_url or _home_for(user))
    return (
        render_template(
            "auth/sign_in.html",
            form=form,
            unconfirmed=unconfirmed,
            confirm_hours=accounts.CONFIRM_HOURS,
        ),
        422 if form.errors else 200,
    )


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """End every session of this account, on every device."""
    form = SignOutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        accounts.end_all_sessions(db.session, current_user.id)
    logout_user()
    end_staff_session()
    flash(gettext("You are signed out on every device."), "info")
    return redirect(url_for("public.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password; other devices are signed out, this one stays in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.change_password(
                db.session,
                current_user.id,
                form.current_password.data or "",
                form.password.data or "",
            )
        except DomainError as error:
            attach_error(form, error, default_field="password")
        else:
            # The session token changed: sign this device in again, keeping its remember-me.
            remember = _has_remember_cookie() and accounts.may_be_remembered(user)
            login_user(user, remember=remember, fresh=True)
            flash(
                gettext("Your password is changed. Other devices have been signed out."), "success"
            )
            return redirect(_home_for(user))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Send a reset link; the answer is the same whether or not the email is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db.session, form.email.data or "", site=site())
        flash(
            gettext(
                "If an account uses that address, we have sent it a link to reset the password. "
                "The link works once, for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


def _link_expired(ask_again: str) -> ResponseReturnValue:
    """The page for a link that is unknown, expired or used, with where to ask for a new one."""
    return render_template("auth/link_expired.html", ask_again=ask_again), 404


def _set_password_page(token: str, purpose: str, title: str, done: str) -> ResponseReturnValue:
    """A password chosen through an emailed single-use link (reset or invitation)."""
    if len(token) > 100 or accounts.token_user(db.session, token, purpose) is None:
        return _link_expired(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.set_password_with_token(
                db.session, token, purpose, form.password.data or ""
            )
        except DomainError as error:
            attach_error(form, error, default_field="password")
        else:
            logout_user()
            # The sign-in page that follows fills the address in: they just proved it is theirs.
            session[SIGN_IN_EMAIL] = user.email
            flash(done, "success")
            return redirect(url_for("auth.sign_in"))
    return (
        render_template("auth/reset_password.html", form=form, title=title),
        422 if form.errors else 200,
    )


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password through an emailed single-use link."""
    return _set_password_page(
        token,
        "password_reset",
        gettext("Choose a new password"),
        gettext("Your new password is set. Please sign in with it."),
    )


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def accept_invite(token: str) -> ResponseReturnValue:
    """A new staff member chooses their own password through the invitation link."""
    return _set_password_page(
        token,
        "invite",
        gettext("Welcome: choose your password"),
        gettext("Your password is set. Please sign in."),
    )
