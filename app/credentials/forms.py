"""The form that checks an uploaded credential."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField


class CredentialUploadForm(FlaskForm):
    """One credential file, as a holder downloaded it."""

    credential = FileField(
        "Credential file",
        validators=[FileRequired("Choose the credential file (.json) to check.")],
        description="The Open Badges file a certified mentor downloaded from their certificate page.",
    )
    submit = SubmitField("Check the credential")
