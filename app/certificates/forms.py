"""Forms for checking a certificate or an Open Badges credential."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

# WTForms' own words, marked here so they are said in the reader's language too.
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")


class VerifyForm(FlaskForm):
    """A certificate code typed from paper."""

    class Meta:
        csrf = False  # a GET form: it only looks something up

    code = StringField(
        _l("Certificate code"),
        validators=[
            DataRequired(_l("Enter the code printed on the certificate.")),
            Length(max=64, message=TOO_LONG),
        ],
        description=_l(
            "16 letters and digits, like ABCD-EFGH-JKMN-PQRS. Dashes and spaces are optional."
        ),
    )
    submit = SubmitField(_l("Check certificate"))


class NameCheckForm(FlaskForm):
    """The full name a verifier expects the holder to have."""

    full_name = StringField(
        _l("Full name you expect"),
        validators=[
            DataRequired(_l("Enter the full name you expect.")),
            Length(max=200, message=TOO_LONG),
        ],
        description=_l("We answer only whether it matches; we never show the full name."),
    )
    submit = SubmitField(_l("Check the name"))


class CredentialUploadForm(FlaskForm):
    """One credential file, as a holder downloaded it."""

    credential = FileField(
        _l("Credential file"),
        validators=[FileRequired(_l("Choose the credential file (.json) to check."))],
        description=_l(
            "The Open Badges file a certified mentor downloaded from their certificate page."
        ),
    )
    submit = SubmitField(_l("Check the credential"))
