"""Forms for accounts: registration, sign-in and passwords."""

from __future__ import annotations

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

from app.content.model import MENTOR_TYPES
from app.services.accounts import EMAIL_MAX, NAME_MAX

CHOOSING_ADVICE = (
    "At least 15 characters. A few unrelated words make a strong, memorable password; "
    "spaces and any characters are welcome."
)


def strip_spaces(value: str | None) -> str | None:
    """Drop the spaces phone keyboards and copy-paste add around an email address."""
    return value.strip() if isinstance(value, str) else value


class RegisterForm(FlaskForm):
    """A new mentor's account."""

    name = StringField(
        "Full name",
        validators=[
            DataRequired("Enter your name."),
            Length(max=NAME_MAX, message=f"Use at most {NAME_MAX} characters."),
        ],
        description="As your program knows you. Certificates show it; public checks show only your first name and last initial.",
    )
    email = EmailField(
        "Email address",
        filters=[strip_spaces],
        validators=[
            DataRequired("Enter your email address."),
            Length(max=EMAIL_MAX),
            Email("Enter a valid email address, like name@example.org."),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Choose a password.")],
        description=CHOOSING_ADVICE,
    )
    mentor_type = RadioField(
        "What kind of mentor will you be?",
        choices=[SelectChoice(key, label) for key, label in MENTOR_TYPES.items()],
        validators=[InputRequired("Choose the kind of mentor you will be.")],
        validate_choice=True,
        invalid_choice_message="Choose one of the kinds of mentor listed.",
    )
    submit = SubmitField("Create my account")


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        "Email address",
        filters=[strip_spaces],
        validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device for 30 days")
    submit = SubmitField("Sign in")


class SignOutForm(FlaskForm):
    """Sign-out is a POST so another site cannot sign a mentor out."""

    submit = SubmitField("Sign out")


class ChangePasswordForm(FlaskForm):
    """The current password, then the new one."""

    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password.")]
    )
    password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a new password.")],
        description=CHOOSING_ADVICE,
    )
    submit = SubmitField("Change password")


class ForgotPasswordForm(FlaskForm):
    """Where to send a reset link."""

    email = EmailField(
        "Email address",
        filters=[strip_spaces],
        validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )
    submit = SubmitField("Send me a reset link")


class ConfirmEmailForm(FlaskForm):
    """One button: the address is confirmed by a person, not by a mail scanner opening links."""

    submit = SubmitField("Confirm my email address")


class ResendConfirmationForm(FlaskForm):
    """Where to send a new confirmation link."""

    email = EmailField(
        "Email address",
        filters=[strip_spaces],
        validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )
    submit = SubmitField("Send me a new link")


class ResetPasswordForm(FlaskForm):
    """A new password chosen through an emailed link."""

    password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a new password.")],
        description=CHOOSING_ADVICE,
    )
    submit = SubmitField("Set my password")


class NameRequestForm(FlaskForm):
    """A mentor asks staff to correct their legal name on their account and certificates."""

    name = StringField(
        "Your full legal name",
        validators=[
            DataRequired("Enter your full legal name."),
            Length(max=NAME_MAX, message=f"Use at most {NAME_MAX} characters."),
        ],
        description="As it should appear on your certificate.",
    )
    note = TextAreaField(
        "Anything staff should know (optional)",
        validators=[Length(max=1000, message="Keep it under 1000 characters.")],
        description="You do not need to explain why. Staff read this; it is never shown publicly.",
    )
    submit = SubmitField("Send my request")
