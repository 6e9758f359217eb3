"""Forms for accounts: registration, sign-in and passwords."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length

from app.labels import MENTOR_TYPE_LABELS
from app.services.accounts import EMAIL_MAX, NAME_MAX

CHOOSING_ADVICE = _l(
    "At least 15 characters. A few unrelated words make a strong, memorable password; "
    "spaces and any characters are welcome."
)


def strip_spaces(value: str | None) -> str | None:
    """Drop the spaces phone keyboards and copy-paste add around an email address."""
    return value.strip() if isinstance(value, str) else value


class RegisterForm(FlaskForm):
    """A new mentor's account."""

    name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=NAME_MAX, message=_l("Use at most %(count)s characters.", count=NAME_MAX)),
        ],
        description=_l(
            "As your program knows you. Certificates show it; public checks show only your first name and last initial."
        ),
    )
    email = EmailField(
        _l("Email address"),
        filters=[strip_spaces],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=EMAIL_MAX),
            Email(_l("Enter a valid email address, like name@example.org.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Choose a password."))],
        description=CHOOSING_ADVICE,
    )
    mentor_type = RadioField(
        _l("What kind of mentor will you be?"),
        choices=[SelectChoice(key, label) for key, label in MENTOR_TYPE_LABELS.items()],
        validators=[InputRequired(_l("Choose the kind of mentor you will be."))],
        validate_choice=True,
        invalid_choice_message=_l("Choose one of the kinds of mentor listed."),
    )
    submit = SubmitField(_l("Create my account"))


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        _l("Email address"),
        filters=[strip_spaces],
        validators=[DataRequired(_l("Enter your email address.")), Length(max=EMAIL_MAX)],
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))
    submit = SubmitField(_l("Sign in"))


class SignOutForm(FlaskForm):
    """Sign-out is a POST so another site cannot sign a mentor out."""

    submit = SubmitField(_l("Sign out"))


class ChangePasswordForm(FlaskForm):
    """The current password, then the new one."""

    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password."))]
    )
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a new password."))],
        description=CHOOSING_ADVICE,
    )
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(FlaskForm):
    """Where to send a reset link."""

    email = EmailField(
        _l("Email address"),
        filters=[strip_spaces],
        validators=[DataRequired(_l("Enter your email address.")), Length(max=EMAIL_MAX)],
    )
    submit = SubmitField(_l("Send me a reset link"))


class ConfirmEmailForm(FlaskForm):
    """One button: the address is confirmed by a person, not by a mail scanner opening links."""

    submit = SubmitField(_l("Confirm my email address"))


class ResendConfirmationForm(FlaskForm):
    """Where to send a new confirmation link."""

    email = EmailField(
        _l("Email address"),
        filters=[strip_spaces],
        validators=[DataRequired(_l("Enter your email address.")), Length(max=EMAIL_MAX)],
    )
    submit = SubmitField(_l("Send me a new link"))


class ResetPasswordForm(FlaskForm):
    """A new password chosen through an emailed link."""

    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a new password."))],
        description=CHOOSING_ADVICE,
    )
    submit = SubmitField(_l("Set my password"))


class NameRequestForm(FlaskForm):
    """A mentor asks staff to correct their legal name on their account and certificates."""

    name = StringField(
        _l("Your full legal name"),
        validators=[
            DataRequired(_l("Enter your full legal name.")),
            Length(max=NAME_MAX, message=_l("Use at most %(count)s characters.", count=NAME_MAX)),
        ],
        description=_l("As it should appear on your certificate."),
    )
    note = TextAreaField(
        _l("Anything staff should know (optional)"),
        validators=[
            Length(max=1000, message=_l("Keep it under %(count)s characters.", count=1000))
        ],
        description=_l(
            "You do not need to explain why. Staff read this; it is never shown publicly."
        ),
    )
    submit = SubmitField(_l("Send my request"))
