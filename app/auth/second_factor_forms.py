"""Forms for the staff second factor and for confirming the password again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length


def text_only(value: object) -> str:
    """The typed text, trimmed; anything else posted (a file part, say) counts as nothing."""
    return value.strip() if isinstance(value, str) else ""


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        filters=[text_only],
        validators=[
            DataRequired(_l("Enter the code.")),
            Length(max=32, message=_l("Codes are short.")),
        ],
        description=_l(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
    )
    submit = SubmitField(_l("Continue"))


class EnrolForm(FlaskForm):
    """The first code from a newly added authenticator app."""

    code = StringField(
        _l("Code from your app"),
        filters=[text_only],
        validators=[
            DataRequired(_l("Enter the code.")),
            Length(max=32, message=_l("Codes are short.")),
        ],
        description=_l("After adding the account in your app, type the 6-digit code it shows."),
    )
    submit = SubmitField(_l("Confirm"))


class ConfirmPasswordForm(FlaskForm):
    """The password again, before an export, a revocation or a role change."""

    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    submit = SubmitField(_l("Confirm"))
