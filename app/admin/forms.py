"""Forms for administrators."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length

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
