"""Template filters and values every page can use."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext, ngettext

from app import labels
from app.labels import MENTOR_TYPE_DESCRIPTIONS, MENTOR_TYPE_LABELS, MENTOR_TYPE_VISIBILITY
from app.locale_format import format_date, format_datetime
from app.services import program
from app.services.audit import action_label, detail_text
from app.services.certificates import format_code
from app.services.matching import MODEL_LABELS as MATCH_MODEL_LABELS
from app.services.standing import CERTIFICATE_STATUS_LABELS
from app.web import program_name, program_profile


def format_days(days: int) -> str:
    """A number of days in words: "today", "1 day", "12 days"."""
    if days <= 0:
        return gettext("since today")
    return ngettext("%(num)d day", "%(num)d days", days)


def _program_zone() -> tzinfo:
    return program.zone(program_profile())


def register_template_helpers(app: Flask) -> None:
    """Filters and globals for Jinja templates."""
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, _program_zone())
    app.jinja_env.filters["date"] = lambda value: format_date(value, _program_zone())
    app.jinja_env.filters["days"] = format_days
    app.jinja_env.filters["audit_action"] = action_label
    app.jinja_env.filters["audit_detail"] = detail_text
    app.jinja_env.filters["certificate_code"] = format_code
    app.jinja_env.filters["lines"] = program.text_html
    app.jinja_env.globals["MENTOR_TYPES"] = MENTOR_TYPE_LABELS
    app.jinja_env.globals["MENTOR_TYPE_DESCRIPTIONS"] = MENTOR_TYPE_DESCRIPTIONS
    app.jinja_env.globals["MENTOR_TYPE_VISIBILITY"] = MENTOR_TYPE_VISIBILITY
    app.jinja_env.globals["MATCH_MODEL_LABELS"] = MATCH_MODEL_LABELS
    app.jinja_env.globals["module_status"] = labels.module_status
    app.jinja_env.globals["checklist_label"] = labels.checklist_label
    app.jinja_env.globals["checklist_text"] = labels.checklist_text
    app.jinja_env.globals["next_step_label"] = labels.next_step_label
    app.jinja_env.filters["certificate_status"] = lambda status: (
        CERTIFICATE_STATUS_LABELS.get(status, "None") if status else "None"
    )
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
    app.jinja_env.filters["reject_page"] = lambda args: {
        k: v for k, v in args.items() if k != "page"
    }

    @app.context_processor
    def site_values() -> dict[str, Any]:
        course = current_app.extensions.get("mentor_ready.course")
        profile = program_profile()
        return {
            "program_name": program_name(),
            "program_emergency": program.emergency_text(profile),
            "course_title": course.title if course else "",
        }
