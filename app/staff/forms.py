"""Forms for staff actions."""

from __future__ import annotations

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

from app.content.model import MENTOR_TYPES
from app.input_checks import whole_number
from app.models import MATCH_MODELS
from app.services.dates import EARLIEST_DAY
from app.services.matching import MODEL_RULES


def plausible_date(form: FlaskForm, field: DateField) -> None:
    """Refuse a date before the program could have recorded anything (a slip like 0001-01-01)."""
    if field.data is not None and field.data < EARLIEST_DAY:
        raise ValidationError(f"Enter a date from {EARLIEST_DAY.isoformat()} to today.")


class ScreeningForm(FlaskForm):
    """Record the result of one screening step."""

    step = SelectField("Screening step", validators=[InputRequired("Choose a step.")])
    result = RadioField(
        "Result",
        choices=[SelectChoice("cleared", "Cleared"), SelectChoice("not_cleared", "Not cleared")],
        validators=[InputRequired("Choose cleared or not cleared.")],
    )
    completed_on = DateField(
        "Date completed",
        validators=[InputRequired("Enter the date."), plausible_date],
    )
    note = TextAreaField(
        "Note (optional)", validators=[Length(max=2000)], description="Seen by staff only."
    )
    submit = SubmitField("Record screening result")


class CertificateActionForm(FlaskForm):
    """Suspend, lift or revoke a certificate, with the reason kept in the record."""

    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Give a reason; it is kept in the record."), Length(max=2000)],
        description="Kept in the record and the audit log. The mentor does not see it.",
    )
    submit = SubmitField("Confirm")


class MatchForm(FlaskForm):
    """A new match: model, mentors, youth codes and start date."""

    model = RadioField(
        "Matching model",
        choices=[SelectChoice(key, MODEL_RULES[key].label) for key in MATCH_MODELS],
        validators=[InputRequired("Choose a matching model.")],
    )
    mentors = SelectMultipleField(
        "Mentor or mentors",
        coerce=whole_number,
        validate_choice=False,
        description="Only mentors who are eligible today are listed. Tick one mentor for a "
        "one-to-one, group, e-mentoring or blended match, two or more for a team.",
    )
    youth_codes = TextAreaField(
        "Youth code or codes",
        validators=[DataRequired("Enter at least one youth code."), Length(max=2000)],
        description="One code per line: the program's pseudonymous code. "
        "Never enter a young person's name, birthday or contact details.",
    )
    started_on = DateField(
        "Start date",
        validators=[InputRequired("Enter the start date."), plausible_date],
    )
    submit = SubmitField("Record the match")


class EndMatchForm(FlaskForm):
    """End a match with its date and the reason for closure."""

    ended_on = DateField(
        "End date", validators=[InputRequired("Enter the end date."), plausible_date]
    )
    reason = TextAreaField(
        "Closure reason",
        validators=[DataRequired("Say why the match is ending."), Length(max=2000)],
    )
    submit = SubmitField("End the match")


class MentorTypeForm(FlaskForm):
    """Change the kind of mentor someone is."""

    mentor_type = SelectField(
        "Mentor type",
        choices=[SelectChoice(key, label) for key, label in MENTOR_TYPES.items()],
        validators=[InputRequired("Choose a mentor type.")],
    )
    submit = SubmitField("Change mentor type")


class ConfirmForm(FlaskForm):
    """A bare confirmation: the CSRF token is the point."""

    submit = SubmitField("Confirm")


class InPersonSessionForm(FlaskForm):
    """Record an in-person training session and who attended."""

    held_on = DateField(
        "Date of the session",
        validators=[InputRequired("Enter the date of the session."), plausible_date],
    )
    topic = StringField("Topic", validators=[DataRequired("Give the topic."), Length(max=200)])
    hours = StringField(
        "Hours",
        validators=[DataRequired("Give the hours, like 2 or 1.5."), Length(max=10)],
        description="Up to 12, in tenths of an hour (1.5 is an hour and a half).",
    )
    facilitator = StringField(
        "Facilitator", validators=[DataRequired("Give the facilitator's name."), Length(max=200)]
    )
    mentors = SelectMultipleField(
        "Mentors who attended",
        coerce=whole_number,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Choose at least one mentor who attended.")],
    )
    submit = SubmitField("Record the session")


class BulkScreeningForm(FlaskForm):
    """Record one screening result for several mentors at once."""

    step = SelectField("Screening step", validators=[InputRequired("Choose a step.")])
    result = RadioField(
        "Result",
        choices=[SelectChoice("cleared", "Cleared"), SelectChoice("not_cleared", "Not cleared")],
        validators=[InputRequired("Choose cleared or not cleared.")],
    )
    completed_on = DateField(
        "Date completed", validators=[InputRequired("Enter the date."), plausible_date]
    )
    note = TextAreaField(
        "Note (optional)", validators=[Length(max=2000)], description="Seen by staff only."
    )
    mentors = SelectMultipleField(
        "Mentors",
        coerce=whole_number,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Choose at least one mentor.")],
    )
    submit = SubmitField("Record for the chosen mentors")


class NameCorrectionForm(FlaskForm):
    """Correct a mentor's legal name and re-issue their certificates under new codes."""

    name = StringField(
        "New legal name",
        validators=[
            DataRequired("Enter the full legal name."),
            Length(max=200, message="Use at most 200 characters for the name."),
        ],
    )
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Give a reason; it is kept in the record."), Length(max=2000)],
        description="Kept in the audit log. The old and new names are recorded there too.",
    )
    submit = SubmitField("Correct the name and re-issue")


class NameRequestDecisionForm(FlaskForm):
    """Approve or decline a mentor's name correction request."""

    reason = TextAreaField("Reason", validators=[Length(max=2000)])
    submit = SubmitField("Confirm")
