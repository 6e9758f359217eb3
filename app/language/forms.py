"""The language switch's form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice

from app.content.translations import LANGUAGES


class LanguageForm(FlaskForm):
    """One of the site's languages, and the page to go back to."""

    language = SelectField(
        "Language", choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()]
    )
    next = HiddenField()
