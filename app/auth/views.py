"""Registration, sign-in, sign-out and passwords."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE_NAME

from app.access import begin_second_factor, end_staff_session
from app.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
    SignOutForm,
)
from app.extensions import db, limiter
from app.services import accounts
from app.services.errors import DomainError
from app.web import attach_error, mail_settings, safe_next

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "That email and password do not match an account. Check both and try again."


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _has_remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE_NAME) in request.cookies


def _home_for(user: accounts.User) -> str:
    return url_for("staff.dashboard") if user.is_staff else url_for("learn.dashboard")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """A new mentor creates an account and lands on My training."""
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_mentor(
                db.session,
                name=form.name.data or "",
                email=form.email.data or "",
                password=form.password.data or "",
                mentor_type=form.mentor_type.data or "",
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            login_user(user)
            flash(f"Welcome, {user.first_name}. Your training starts here.", "success")
            return redirect(url_for("learn.dashboard"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in() -> ResponseReturnValue:
    """Email and password; `next` may only lead to a page on this site."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _home_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            form.form_errors.append(SIGN_IN_FAILED)
        elif user.is_staff:
            # Staff are not signed in until the second factor: no staff page before it.
            begin_second_factor(user, next_url)
            return redirect(url_for("auth.second_factor_code"))
        else:
            login_user(user, remember=bool(form.remember.data))
            return redirect(next_url or _home_for(user))
    return render_template("auth/sign_in.html", form=form), 422 if form.errors else 200


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """End every session of this account, on every device."""
    form = SignOutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        accounts.end_all_sessions(db.session, current_user.id)
    logout_user()
    end_staff_session()
    flash("You are signed out on every device.", "info")
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
            login_user(user, remember=_has_remember_cookie(), fresh=True)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(_home_for(user))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Send a reset link; the answer is the same whether or not the email is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(
            db.session,
            form.email.data or "",
            mail=mail_settings(),
            base_url=current_app.config["BASE_URL"],
            program_name=current_app.config["PROGRAM_NAME"],
        )
        flash(
            "If an account uses that address, we have sent it a link to reset the password. "
            "The link works once, for one hour.",
            "info",
        )
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


def _set_password_page(token: str, purpose: str, title: str, done: str) -> ResponseReturnValue:
    """A password chosen through an emailed single-use link (reset or invitation)."""
    if len(token) > 100 or accounts.token_user(db.session, token, purpose) is None:
        return render_template("auth/link_expired.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_with_token(db.session, token, purpose, form.password.data or "")
        except DomainError as error:
            attach_error(form, error, default_field="password")
        else:
            logout_user()
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
        "Choose a new password",
        "Your new password is set. Please sign in with it.",
    )


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def accept_invite(token: str) -> ResponseReturnValue:
    """A new staff member chooses their own password through the invitation link."""
    return _set_password_page(
        token, "invite", "Welcome: choose your password", "Your password is set. Please sign in."
    )
