"""Forms for administrators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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

from app.content.placeholders import PLACEHOLDERS
from app.models import MATCH_MODELS
from app.services.words import MATCH_MODEL_RULE_WORDS, MENTOR_TYPE_WORDS

ROLE_CHOICES = [
    SelectChoice("staff", _l("Staff: sees and acts on every mentor")),
    SelectChoice("admin", _l("Administrator: staff plus account management")),
]


class InviteStaffForm(FlaskForm):
    """A colleague to add; they choose their own password through an emailed link."""

    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter their name.")), Length(max=200)]
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter their email address.")),
            Length(max=320),
            Email(_l("Enter a valid email address.")),
        ],
    )
    role = RadioField(
        _l("Role"), choices=ROLE_CHOICES, validators=[InputRequired(_l("Choose a role."))]
    )
    submit = SubmitField(_l("Add and send the invitation"))


class RoleForm(FlaskForm):
    """Change a staff account's role."""

    role = RadioField(
        _l("Role"), choices=ROLE_CHOICES, validators=[InputRequired(_l("Choose a role."))]
    )
    submit = SubmitField(_l("Change role"))


class ResendInvitationForm(FlaskForm):
    """Send a pending invitation again."""

    submit = SubmitField(_l("Send the invitation again"))


class ResetSecondFactorForm(FlaskForm):
    """Remove a colleague's authenticator app; the CSRF token is the point."""

    submit = SubmitField(_l("Reset second factor"))


def _text(label: str, limit: int, description: str = "") -> StringField:
    return StringField(label, validators=[Length(max=limit)], description=description)


def _area(label: str, limit: int, description: str = "") -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=limit)], description=description)


class ProgramProfileForm(FlaskForm):
    """The program's own facts; text is shown to mentors exactly as typed, as plain text."""

    name = StringField(
        _l("Program name"),
        validators=[DataRequired(_l("Enter the program's name.")), Length(max=200)],
    )
    description = _area(_l("Short description"), 2000, _l("One or two sentences mentors see."))
    coordinator_name = _text(_l("Coordinator's name"), 200)
    coordinator_role = _text(_l("Coordinator's role"), 200, _l("For example: Mentor coordinator."))
    coordinator_email = EmailField(
        _l("Coordinator's email address"),
        validators=[Optional(), Length(max=320), Email(_l("Enter a valid email address."))],
    )
    coordinator_phone = _text(_l("Coordinator's phone"), 100)
    coordinator_hours = _text(_l("When the coordinator can be reached"), 500)
    first_contact = _area(
        _l("Who mentors tell first, and how fast"),
        2000,
        _l("Name the person or role and the number, for example: call your coordinator at once."),
    )
    after_hours = _text(_l("After-hours line"), 500)
    hotline = _text(_l("State child-abuse hotline"), 500)
    must_report_directly = RadioField(
        _l("Must mentors also report directly in this state?"),
        choices=[
            SelectChoice("yes", _l("Yes: mentors are mandated reporters and must also report")),
            SelectChoice("no", _l("No: telling the program is enough")),
        ],
        validators=[Optional()],
    )
    emergency = _area(
        _l("Emergency numbers shown at the foot of every page"),
        2000,
        _l(
            "Leave empty to show the United States numbers (911 and the National Human "
            "Trafficking Hotline)."
        ),
    )
    time_zone = StringField(
        _l("Time zone"),
        validators=[DataRequired(_l("Enter the program's time zone.")), Length(max=64)],
        description=_l(
            "A time zone name such as America/Chicago or Europe/London. "
            "Every date and time is shown in it."
        ),
    )
    mentor_types = SelectMultipleField(
        _l("Mentor types the program recruits"),
        choices=[SelectChoice(key, label) for key, label in MENTOR_TYPE_WORDS.items()],
        validate_choice=False,
    )
    match_models = SelectMultipleField(
        _l("Match models the program uses"),
        choices=[SelectChoice(key, MATCH_MODEL_RULE_WORDS[key]) for key in MATCH_MODELS],
        validate_choice=False,
        description=_l("The new-match form offers only these."),
    )
    required_placeholders = SelectMultipleField(
        _l("Course text that must be filled in"),
        choices=[
            SelectChoice(name, f"program.{name}: {words}") for name, words in PLACEHOLDERS.items()
        ],
        validate_choice=False,
        description=_l(
            "'flask content check' refuses a course that uses one of these while it is empty here."
        ),
    )
    question_prompt = _text(
        _l("Question"),
        500,
        _l(
            "A critical question in the Boundaries, safety and reporting quiz, such as: Who do you "
            "tell first, and how fast? Leave every part empty for none."
        ),
    )
    question_answer = _text(_l("Right answer"), 500)
    question_wrong = _area(_l("Wrong answers"), 1500, _l("Two to four, one per line."))
    question_explanation = _area(
        _l("Explanation shown once the quiz is passed"), 2000, _l("Optional.")
    )
    submit = SubmitField(_l("Save the program profile"))
