"""Forms for administrators."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from app.content.model import MENTOR_TYPES
from app.content.placeholders import PLACEHOLDERS
from app.models import MATCH_MODELS
from app.services.matching import MODEL_RULES

ROLE_CHOICES = [
    SelectChoice("staff", "Staff: sees and acts on every mentor"),
    SelectChoice("admin", "Administrator: staff plus account management"),
]


class InviteStaffForm(FlaskForm):
    """A colleague to add; they choose their own password through an emailed link."""

    name = StringField("Full name", validators=[DataRequired("Enter their name."), Length(max=200)])
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter their email address."),
            Length(max=320),
            Email("Enter a valid email address."),
        ],
    )
    role = RadioField("Role", choices=ROLE_CHOICES, validators=[InputRequired("Choose a role.")])
    submit = SubmitField("Add and send the invitation")


class RoleForm(FlaskForm):
    """Change a staff account's role."""

    role = RadioField("Role", choices=ROLE_CHOICES, validators=[InputRequired("Choose a role.")])
    submit = SubmitField("Change role")


class ResendInvitationForm(FlaskForm):
    """Send a pending invitation again."""

    submit = SubmitField("Send the invitation again")


class ResetSecondFactorForm(FlaskForm):
    """Remove a colleague's authenticator app; the CSRF token is the point."""

    submit = SubmitField("Reset second factor")


def _text(label: str, limit: int, description: str = "") -> StringField:
    return StringField(label, validators=[Length(max=limit)], description=description)


def _area(label: str, limit: int, description: str = "") -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=limit)], description=description)


class ProgramProfileForm(FlaskForm):
    """The program's own facts; text is shown to mentors exactly as typed, as plain text."""

    name = StringField(
        "Program name", validators=[DataRequired("Enter the program's name."), Length(max=200)]
    )
    description = _area("Short description", 2000, "One or two sentences mentors see.")
    coordinator_name = _text("Coordinator's name", 200)
    coordinator_role = _text("Coordinator's role", 200, "For example: Mentor coordinator.")
    coordinator_email = EmailField(
        "Coordinator's email address",
        validators=[Optional(), Length(max=320), Email("Enter a valid email address.")],
    )
    coordinator_phone = _text("Coordinator's phone", 100)
    coordinator_hours = _text("When the coordinator can be reached", 500)
    first_contact = _area(
        "Who mentors tell first, and how fast",
        2000,
        "Name the person or role and the number, for example: call your coordinator at once.",
    )
    after_hours = _text("After-hours line", 500)
    hotline = _text("State child-abuse hotline", 500)
    must_report_directly = RadioField(
        "Must mentors also report directly in this state?",
        choices=[
            SelectChoice("yes", "Yes: mentors are mandated reporters and must also report"),
            SelectChoice("no", "No: telling the program is enough"),
        ],
        validators=[Optional()],
    )
    emergency = _area(
        "Emergency numbers shown at the foot of every page",
        2000,
        "Leave empty to show the United States numbers (911 and the National Human "
        "Trafficking Hotline).",
    )
    time_zone = StringField(
        "Time zone",
        validators=[DataRequired("Enter the program's time zone."), Length(max=64)],
        description="A time zone name such as America/Chicago or Europe/London. "
        "Every date and time is shown in it.",
    )
    mentor_types = SelectMultipleField(
        "Mentor types the program recruits",
        choices=[SelectChoice(key, label) for key, label in MENTOR_TYPES.items()],
        validate_choice=False,
    )
    match_models = SelectMultipleField(
        "Match models the program uses",
        choices=[SelectChoice(key, MODEL_RULES[key].label) for key in MATCH_MODELS],
        validate_choice=False,
        description="The new-match form offers only these.",
    )
    required_placeholders = SelectMultipleField(
        "Course text that must be filled in",
        choices=[
            SelectChoice(name, f"program.{name}: {words}") for name, words in PLACEHOLDERS.items()
        ],
        validate_choice=False,
        description="'flask content check' refuses a course that uses one of these while it is "
        "empty here.",
    )
    question_prompt = _text(
        "Question",
        500,
        "A critical question in the Boundaries, safety and reporting quiz, such as: Who do you "
        "tell first, and how fast? Leave every part empty for none.",
    )
    question_answer = _text("Right answer", 500)
    question_wrong = _area("Wrong answers", 1500, "Two to four, one per line.")
    question_explanation = _area("Explanation shown once the quiz is passed", 2000, "Optional.")
    submit = SubmitField("Save the program profile")
