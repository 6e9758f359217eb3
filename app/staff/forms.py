"""Forms for staff actions."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.input_checks import whole_number
from app.models import MATCH_MODELS
from app.services.dates import EARLIEST_DAY
from app.services.words import MATCH_MODEL_RULE_WORDS, MENTOR_TYPE_WORDS


def plausible_date(form: FlaskForm, field: DateField) -> None:
    """Refuse a date before the program could have recorded anything (a slip like 0001-01-01)."""
    if field.data is not None and field.data < EARLIEST_DAY:
        raise ValidationError(
            gettext("Enter a date from %(day)s to today.", day=EARLIEST_DAY.isoformat())
        )


class ScreeningForm(FlaskForm):
    """Record the result of one screening step."""

    step = SelectField(_l("Screening step"), validators=[InputRequired(_l("Choose a step."))])
    result = RadioField(
        _l("Result"),
        choices=[
            SelectChoice("cleared", _l("Cleared")),
            SelectChoice("not_cleared", _l("Not cleared")),
        ],
        validators=[InputRequired(_l("Choose cleared or not cleared."))],
    )
    completed_on = DateField(
        _l("Date completed"),
        validators=[InputRequired(_l("Enter the date.")), plausible_date],
    )
    note = TextAreaField(
        _l("Note (optional)"), validators=[Length(max=2000)], description=_l("Seen by staff only.")
    )
    submit = SubmitField(_l("Record screening result"))


class CertificateActionForm(FlaskForm):
    """Suspend, lift or revoke a certificate, with the reason kept in the record."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give a reason; it is kept in the record.")), Length(max=2000)],
        description=_l("Kept in the record and the audit log. The mentor does not see it."),
    )
    submit = SubmitField(_l("Confirm"))


class MatchForm(FlaskForm):
    """A new match: model, mentors, youth codes and start date."""

    model = RadioField(
        _l("Matching model"),
        choices=[SelectChoice(key, MATCH_MODEL_RULE_WORDS[key]) for key in MATCH_MODELS],
        validators=[InputRequired(_l("Choose a matching model."))],
    )
    mentors = SelectMultipleField(
        _l("Mentor or mentors"),
        coerce=whole_number,
        validate_choice=False,
        description=_l(
            "Only mentors who are eligible today are listed. Tick one mentor for a "
            "one-to-one, group, e-mentoring or blended match, two or more for a team."
        ),
    )
    youth_codes = TextAreaField(
        _l("Youth code or codes"),
        validators=[DataRequired(_l("Enter at least one youth code.")), Length(max=2000)],
        description=_l(
            "One code per line: the program's pseudonymous code. "
            "Never enter a young person's name, birthday or contact details."
        ),
    )
    started_on = DateField(
        _l("Start date"),
        validators=[InputRequired(_l("Enter the start date.")), plausible_date],
    )
    submit = SubmitField(_l("Record the match"))


class EndMatchForm(FlaskForm):
    """End a match with its date and the reason for closure."""

    ended_on = DateField(
        _l("End date"), validators=[InputRequired(_l("Enter the end date.")), plausible_date]
    )
    reason = TextAreaField(
        _l("Closure reason"),
        validators=[DataRequired(_l("Say why the match is ending.")), Length(max=2000)],
    )
    submit = SubmitField(_l("End the match"))


class MentorTypeForm(FlaskForm):
    """Change the kind of mentor someone is."""

    mentor_type = SelectField(
        _l("Mentor type"),
        choices=[SelectChoice(key, label) for key, label in MENTOR_TYPE_WORDS.items()],
        validators=[InputRequired(_l("Choose a mentor type."))],
    )
    submit = SubmitField(_l("Change mentor type"))


class ConfirmForm(FlaskForm):
    """A bare confirmation: the CSRF token is the point."""

    submit = SubmitField(_l("Confirm"))


class InPersonSessionForm(FlaskForm):
    """Record an in-person training session and who attended."""

    held_on = DateField(
        _l("Date of the session"),
        validators=[InputRequired(_l("Enter the date of the session.")), plausible_date],
    )
    topic = StringField(
        _l("Topic"), validators=[DataRequired(_l("Give the topic.")), Length(max=200)]
    )
    hours = StringField(
        _l("Hours"),
        validators=[DataRequired(_l("Give the hours, like 2 or 1.5.")), Length(max=10)],
        description=_l("Up to 12, in tenths of an hour (1.5 is an hour and a half)."),
    )
    facilitator = StringField(
        _l("Facilitator"),
        validators=[DataRequired(_l("Give the facilitator's name.")), Length(max=200)],
    )
    mentors = SelectMultipleField(
        _l("Mentors who attended"),
        coerce=whole_number,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one mentor who attended."))],
    )
    submit = SubmitField(_l("Record the session"))


class BulkScreeningForm(FlaskForm):
    """Record one screening result for several mentors at once."""

    step = SelectField(_l("Screening step"), validators=[InputRequired(_l("Choose a step."))])
    result = RadioField(
        _l("Result"),
        choices=[
            SelectChoice("cleared", _l("Cleared")),
            SelectChoice("not_cleared", _l("Not cleared")),
        ],
        validators=[InputRequired(_l("Choose cleared or not cleared."))],
    )
    completed_on = DateField(
        _l("Date completed"), validators=[InputRequired(_l("Enter the date.")), plausible_date]
    )
    note = TextAreaField(
        _l("Note (optional)"), validators=[Length(max=2000)], description=_l("Seen by staff only.")
    )
    mentors = SelectMultipleField(
        _l("Mentors"),
        coerce=whole_number,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one mentor."))],
    )
    submit = SubmitField(_l("Record for the chosen mentors"))


class NameCorrectionForm(FlaskForm):
    """Correct a mentor's legal name and re-issue their certificates under new codes."""

    name = StringField(
        _l("New legal name"),
        validators=[
            DataRequired(_l("Enter the full legal name.")),
            Length(max=200, message=_l("Use at most 200 characters for the name.")),
        ],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give a reason; it is kept in the record.")), Length(max=2000)],
        description=_l("Kept in the audit log. The old and new names are recorded there too."),
    )
    submit = SubmitField(_l("Correct the name and re-issue"))


class NameRequestDecisionForm(FlaskForm):
    """Approve or decline a mentor's name correction request."""

    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Confirm"))
