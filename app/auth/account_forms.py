"""The mentor's account page form: which optional mail they receive."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, ValidationError

# The value a ticked checkbox sends; WTForms renders its checkboxes with it.
TICKED = "y"


class Checkbox(BooleanField):
    """A checkbox that is ticked or not: any other value is refused, not read as "on"."""

    def pre_validate(self, form: Any) -> None:
        """Refuse a value no checkbox sends (junk, or the field given twice)."""
        if self.raw_data and self.raw_data != [TICKED]:
            self.data = self.object_data
            raise ValidationError(gettext("Tick the box or leave it empty."))


class NoticePreferencesForm(FlaskForm):
    """Reminders and nudges, each on or off; certificate notices are always sent."""

    reminders = Checkbox(
        _l("Reminders about my certificate: when renewal opens, and 30 and 7 days before it ends")
    )
    nudges = Checkbox(_l("A gentle note if my training has paused for three weeks (at most twice)"))
    submit = SubmitField(_l("Save my choices"))
