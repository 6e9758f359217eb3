"""Forms for the learner pages."""

from __future__ import annotations

from flask_babel import LazyString, format_number, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.labels import PLAN_SECTIONS
from app.services.private_notes import NOTE_MAX, PLAN_FIELD_MAX


class MarkReadForm(FlaskForm):
    """Say the module has been read to the end."""

    submit = SubmitField(_l("I have read this module"))


class PositionForm(FlaskForm):
    """The section a mentor has scrolled to, sent by the page's script."""

    section = StringField(validators=[DataRequired(), Length(max=100)])


class PrecheckForm(FlaskForm):
    """Take or skip the ungraded pre-check."""

    start = SubmitField(_l("Try the pre-check"))
    skip = SubmitField(_l("Skip the pre-check"))


class JournalForm(FlaskForm):
    """Private notes under a module's reflection prompts."""

    text = TextAreaField(
        _l("My private notes"),
        validators=[
            Length(
                max=NOTE_MAX,
                message=LazyString(
                    lambda: gettext(
                        "Notes can be up to %(count)s characters.", count=format_number(NOTE_MAX)
                    )
                ),
            )
        ],
        description=_l("Only you can see these notes. Staff cannot."),
    )
    submit = SubmitField(_l("Save my notes"))


def _plan_field(key: str) -> TextAreaField:
    label, hint = PLAN_SECTIONS[key]
    return TextAreaField(
        label,
        validators=[
            Length(
                max=PLAN_FIELD_MAX,
                message=LazyString(
                    lambda: gettext(
                        "Up to %(count)s characters.", count=format_number(PLAN_FIELD_MAX)
                    )
                ),
            )
        ],
        description=hint,
    )


class SelfCarePlanForm(FlaskForm):
    """The guided self-care plan."""

    warning_signs = _plan_field("warning_signs")
    what_helps = _plan_field("what_helps")
    people_to_call = _plan_field("people_to_call")
    boundaries = _plan_field("boundaries")
    commitments = _plan_field("commitments")
    check_in = _plan_field("check_in")
    submit = SubmitField(_l("Save my plan"))
