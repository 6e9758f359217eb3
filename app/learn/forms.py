"""Forms for the learner pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class MarkReadForm(FlaskForm):
    """Say the module has been read to the end."""

    submit = SubmitField("I have read this module")


class PrecheckForm(FlaskForm):
    """Take or skip the ungraded pre-check."""

    start = SubmitField("Try the pre-check")
    skip = SubmitField("Skip the pre-check")
