"""Forms for quizzes. The answers themselves are opaque fields read by the quiz service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class StartQuizForm(FlaskForm):
    """Draw a new attempt (or continue the open one)."""

    submit = SubmitField(_l("Start the quiz"))


class SubmitAttemptForm(FlaskForm):
    """Carries the CSRF token for an attempt's answers."""

    submit = SubmitField(_l("Submit my answers"))
