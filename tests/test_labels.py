"""The interface's words for codes (app/labels.py) say in English exactly what the content and
the services say, so the English pages cannot drift from the rules' own words."""

from __future__ import annotations

import re

from flask import Flask

from app import labels
from app.content import model
from app.services import private_notes, screening, standing


def english(mapping: dict) -> dict:
    """Every value as shown to an English reader."""
    return {
        key: tuple(str(part) for part in value) if isinstance(value, tuple) else str(value)
        for key, value in mapping.items()
    }


def test_the_labels_are_the_english_words_of_the_content_and_the_services(app: Flask) -> None:
    assert english(labels.MENTOR_TYPE_LABELS) == model.MENTOR_TYPES
    assert english(labels.MENTOR_TYPE_DESCRIPTIONS) == model.MENTOR_TYPE_DESCRIPTIONS
    assert str(labels.MENTOR_TYPE_VISIBILITY) == model.MENTOR_TYPE_VISIBILITY
    assert english(labels.PLAN_SECTIONS) == private_notes.PLAN_SECTIONS
    assert english(labels.MODULE_STATUS) == standing.MODULE_STATUS
    assert english(labels.CERTIFICATE_STATUS) == standing.CERTIFICATE_STATUS_LABELS
    # The checklist's texts, with {name} written as %(name)s.
    assert {
        code: re.sub(r"\{(\w+)\}", r"%(\1)s", text)
        for code, text in standing.CHECKLIST_TEXT.items()
    } == english(labels.CHECKLIST_TEXT)
    assert {
        step: (guide.what, guide.who) for step, guide in screening.STEP_GUIDE.items()
    } == english(labels.STEP_GUIDE)
    generic = screening.GENERIC_STEP
    assert (generic.what, generic.who) == tuple(str(part) for part in labels.GENERIC_STEP)
    assert str(labels.COORDINATOR_CONTACT) == screening.COORDINATOR_CONTACT
    assert str(labels.CHECKLIST_LABELS["Training certificate"]) == standing.CERTIFICATE_LABEL
    assert str(labels.CHECKLIST_LABELS["In-person training"]) == standing.IN_PERSON_LABEL
