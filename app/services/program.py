"""The program's own facts: name, coordinator, reporting chain, time zone, what it recruits.

One row, edited by administrators; every change is audited with what changed. Text is stored
exactly as typed and only ever shown escaped, with its line breaks kept.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from app.content import Course, Module, Question
from app.content.model import Option
from app.content.placeholders import PLACEHOLDERS, fill
from app.models import MATCH_MODELS, MENTOR_TYPE_KEYS, ProgramProfile, utcnow
from app.services import audit
from app.services.errors import DomainError

# Written in the reader's language (lazy: translated when shown, English outside a request).
DEFAULT_EMERGENCY = _l(
    "If you are in danger now, call 911 (in the United States). "
    "The National Human Trafficking Hotline is 1-888-373-7888."
)
DEFAULT_TIME_ZONE = "UTC"

# What a page shows where the program has not written its own words yet, in the reader's language.
FALLBACKS = {
    "name": _l("your program"),
    "coordinator": _l(
        "Your program has not added its coordinator's contact here yet; ask the staff "
        "member who invited you."
    ),
    "reporting_chain": _l(
        "Your program has not written its reporting chain here yet. Before you "
        "meet a young person, ask your coordinator who to tell first, the after-hours line and "
        "your state's child-abuse hotline, and save them in your phone."
    ),
    "first_contact": _l("your coordinator (ask them how to reach them fast)"),
    "after_hours": _l("your program's after-hours line (ask your coordinator for it)"),
    "hotline": _l("your state's child-abuse hotline (ask your coordinator for the number)"),
    "emergency": DEFAULT_EMERGENCY,
}


@dataclass(frozen=True)
class ProfileInput:
    """Everything the Program profile page sets, as plain values."""

    name: str
    description: str
    coordinator_name: str
    coordinator_role: str
    coordinator_email: str
    coordinator_phone: str
    coordinator_hours: str
    first_contact: str
    after_hours: str
    hotline: str
    must_report_directly: bool | None
    emergency: str
    time_zone: str
    mentor_types: list[str]
    match_models: list[str]
    required_placeholders: list[str]
    question_prompt: str = ""
    question_answer: str = ""
    question_wrong: str = ""
    question_explanation: str = ""


@dataclass(frozen=True)
class SetupStep:
    """One part of the program setup checklist."""

    label: str
    done: bool


def default_profile() -> ProgramProfile:
    """The profile of a fresh install (not stored): every type recruited, every model used."""
    return ProgramProfile(
        id=1,
        version=0,
        name="",
        description="",
        coordinator_name="",
        coordinator_role="",
        coordinator_email="",
        coordinator_phone="",
        coordinator_hours="",
        first_contact="",
        after_hours="",
        hotline="",
        must_report_directly=None,
        emergency="",
        time_zone=DEFAULT_TIME_ZONE,
        mentor_types=list(MENTOR_TYPE_KEYS),
        match_models=list(MATCH_MODELS),
        required_placeholders=[],
        question_prompt="",
        question_answer="",
        question_wrong="",
        question_explanation="",
        updated_at=None,
    )


def current_profile(session: Session) -> ProgramProfile:
    """The stored profile, or the defaults of a fresh install (version 0, not stored)."""
    return session.get(ProgramProfile, 1) or default_profile()


def time_zone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone this server knows, or None when it is."""
    if not name or name != name.strip() or name not in _zone_names():
        return gettext(
            "'%(name)s' is not a time zone name; use one like America/Chicago or Europe/Paris.",
            name=name,
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return gettext("'%(name)s' is not a time zone this server knows.", name=name)
    return None


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(profile: ProgramProfile) -> ZoneInfo:
    """The program's time zone (UTC if the stored name stopped existing)."""
    try:
        return ZoneInfo(profile.time_zone or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def _check_choices(values: list[str], allowed: tuple[str, ...], field: str) -> None:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        message = {
            "mentor_types": gettext("Unknown mentor type: %(values)s.", values=", ".join(unknown)),
            "match_models": gettext("Unknown match model: %(values)s.", values=", ".join(unknown)),
        }[field]
        raise DomainError(message, field)
    if not values:
        message = {
            "mentor_types": gettext("Choose at least one mentor type."),
            "match_models": gettext("Choose at least one match model."),
        }[field]
        raise DomainError(message, field)


def update_profile(
    session: Session, actor_id: int, changes: ProfileInput, now: datetime | None = None
) -> ProgramProfile:
    """Save the profile; audit which fields changed (old and new values). Admins only (the view)."""
    problem = time_zone_problem(changes.time_zone)
    if problem:
        raise DomainError(problem, "time_zone")
    _check_choices(changes.mentor_types, MENTOR_TYPE_KEYS, "mentor_types")
    _check_choices(changes.match_models, MATCH_MODELS, "match_models")
    unknown = [name for name in changes.required_placeholders if name not in PLACEHOLDERS]
    if unknown:
        raise DomainError(
            gettext("Unknown placeholder: %(values)s.", values=", ".join(unknown)),
            "required_placeholders",
        )
    values = {
        field.name: _normalise(getattr(changes, field.name)) for field in fields(ProfileInput)
    }
    _check_question(values)
    return _save(session, actor_id, values, "program.profile_changed", now)


def set_recruitment(
    session: Session,
    actor_id: int,
    match_models: list[str],
    mentor_types: list[str],
    now: datetime | None = None,
) -> ProgramProfile:
    """Set the match models the program uses and the mentor types it recruits (audited)."""
    _check_choices(list(mentor_types), MENTOR_TYPE_KEYS, "mentor_types")
    _check_choices(list(match_models), MATCH_MODELS, "match_models")
    values = {
        "match_models": [model for model in MATCH_MODELS if model in match_models],
        "mentor_types": [kind for kind in MENTOR_TYPE_KEYS if kind in mentor_types],
    }
    return _save(session, actor_id, values, "program.recruitment_changed", now)


def _normalise(value: Any) -> Any:
    # Browsers send CRLF from text areas; store one kind of line break, otherwise verbatim.
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, list):
        return list(dict.fromkeys(value))
    return value


def _save(
    session: Session, actor_id: int, values: dict[str, Any], action: str, now: datetime | None
) -> ProgramProfile:
    now = now or utcnow()
    profile = session.get(ProgramProfile, 1, with_for_update=True)
    if profile is None:
        profile = default_profile()
        session.add(profile)
    changed = {
        name: [getattr(profile, name), value]
        for name, value in values.items()
        if getattr(profile, name) != value
    }
    if changed or profile.version == 0:
        for name, value in values.items():
            setattr(profile, name, value)
        profile.version += 1
        profile.updated_at = now
        audit.record(
            session,
            action,
            actor_id=actor_id,
            target="program profile",
            detail={"changed": changed},
            now=now,
        )
    session.commit()
    return profile


def setup_steps(profile: ProgramProfile) -> list[SetupStep]:
    """The program setup checklist: what a program fills before mentors rely on the course."""
    return [
        SetupStep(_l("Program name"), bool(profile.name.strip())),
        SetupStep(
            _l("Coordinator contact (name and an email or phone)"),
            bool(profile.coordinator_name.strip())
            and bool(profile.coordinator_email.strip() or profile.coordinator_phone.strip()),
        ),
        SetupStep(
            _l(
                "Reporting chain (who to tell first, after-hours line, state hotline, whether "
                "mentors must also report directly)"
            ),
            all(
                value.strip()
                for value in (profile.first_contact, profile.after_hours, profile.hotline)
            )
            and profile.must_report_directly is not None,
        ),
        SetupStep(
            _l("Time zone"), profile.version > 0 and time_zone_problem(profile.time_zone) is None
        ),
    ]


def setup_complete(profile: ProgramProfile) -> bool:
    """Whether every required part of the profile is filled."""
    return all(step.done for step in setup_steps(profile))


def text_html(value: str) -> Markup:
    """Plain text as HTML: escaped, line breaks kept."""
    return Markup("<br>\n").join(escape(line) for line in value.strip().split("\n"))


def _plain_values(profile: ProgramProfile) -> dict[str, str]:
    """The plain-text value of each placeholder, "" where the program has not set it."""
    coordinator = ""
    if profile.coordinator_name.strip():
        parts = [
            ", ".join(
                part.strip()
                for part in (profile.coordinator_name, profile.coordinator_role)
                if part.strip()
            ),
            *(
                part.strip()
                for part in (
                    profile.coordinator_email,
                    profile.coordinator_phone,
                    profile.coordinator_hours,
                )
                if part.strip()
            ),
        ]
        coordinator = "\n".join(parts)
    return {
        "name": profile.name.strip(),
        "coordinator": coordinator,
        "reporting_chain": "",  # built as HTML below: it has labels
        "first_contact": profile.first_contact.strip(),
        "after_hours": profile.after_hours.strip(),
        "hotline": profile.hotline.strip(),
        "emergency": profile.emergency.strip(),
    }


def unset_placeholders(profile: ProgramProfile) -> set[str]:
    """Placeholders the program has not filled in yet."""
    values = _plain_values(profile)
    unset = {name for name, value in values.items() if name != "reporting_chain" and not value}
    if not (values["first_contact"] and values["after_hours"] and values["hotline"]) or (
        profile.must_report_directly is None
    ):
        unset.add("reporting_chain")
    return unset


def required_unset(profile: ProgramProfile) -> set[str]:
    """Placeholders the profile marks required that are still unset."""
    return set(profile.required_placeholders or ()) & unset_placeholders(profile)


def placeholder_html(profile: ProgramProfile) -> dict[str, str]:
    """Each placeholder's value as escaped HTML, or a neutral fallback where it is unset.

    The program's own words are shown as typed; the fallbacks and the reporting chain's labels
    are in the reader's language."""
    values = _plain_values(profile)
    unset = unset_placeholders(profile)
    html = {
        name: str(text_html(str(FALLBACKS[name]) if name in unset else value))
        for name, value in values.items()
    }
    if "reporting_chain" not in unset:
        direct = (
            gettext(
                "In this state mentors are mandated reporters: after telling the program, you "
                "must also make the report yourself."
            )
            if profile.must_report_directly
            else gettext(
                "In this state telling the program is enough; the program makes the report."
            )
        )
        rows = [
            (gettext("Tell first"), values["first_contact"]),
            (gettext("After hours"), values["after_hours"]),
            (gettext("State child-abuse hotline"), values["hotline"]),
        ]
        html["reporting_chain"] = str(
            Markup("<br>\n").join(
                [
                    Markup("<strong>{}:</strong> {}").format(label, text_html(text))
                    for label, text in rows
                ]
                + [escape(direct)]
            )
        )
    return html


def module_html(module: Module, profile: ProgramProfile) -> str:
    """A module's HTML with the program's values in place of its placeholders."""
    if not module.placeholders:
        return module.body_html
    return _filled(module.body_html, profile.version, tuple(placeholder_html(profile).items()))


@functools.lru_cache(maxsize=256)
def _filled(body_html: str, _version: int, values: tuple[tuple[str, str], ...]) -> str:
    # Keyed by the profile's values as well as its version, so a stale process never serves
    # another profile's text; Markdown is not rendered again, only markers replaced.
    return fill(body_html, dict(values))


def coordinator_html(profile: ProgramProfile) -> str | None:
    """The coordinator's contact as escaped HTML, or None before it is set."""
    if "coordinator" in unset_placeholders(profile):
        return None
    return placeholder_html(profile)["coordinator"]


def emergency_text(profile: ProgramProfile) -> str:
    """The emergency numbers for the footer (the default US line until the program sets its own)."""
    return profile.emergency.strip() or str(DEFAULT_EMERGENCY)


# The program's own critical question joins this quiz's pool under this id, which never changes,
# so attempts, reviews and reports keep finding it while its words are edited.
QUESTION_QUIZ = "boundaries-safety-reporting"
QUESTION_ID = "program-first-contact"
QUESTION_REVIEW = "mandatory-reporting"
MAX_ANSWER_CHARS = 300


def _wrong_answers(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _check_question(values: dict[str, Any]) -> None:
    """The program question is all empty, or a prompt, one right and two to four wrong answers."""
    prompt, answer = values["question_prompt"].strip(), values["question_answer"].strip()
    wrong = _wrong_answers(values["question_wrong"])
    if not (prompt or answer or wrong or values["question_explanation"].strip()):
        return
    if not prompt:
        raise DomainError(
            gettext("Write the question, or clear every part of it."), "question_prompt"
        )
    if not answer:
        raise DomainError(gettext("Write the right answer."), "question_answer")
    if not 2 <= len(wrong) <= 4:
        raise DomainError(
            gettext("Write two to four wrong answers, one per line."), "question_wrong"
        )
    if any(len(option) > MAX_ANSWER_CHARS for option in [answer, *wrong]):
        raise DomainError(
            gettext("Keep each answer under %(most)s characters.", most=MAX_ANSWER_CHARS),
            "question_wrong",
        )
    if len({option.casefold() for option in [answer, *wrong]}) != len(wrong) + 1:
        raise DomainError(gettext("Every answer must be different."), "question_wrong")


def program_question(profile: ProgramProfile) -> Question | None:
    """The program's critical question as a quiz question (escaped text), or None when unset."""
    prompt = profile.question_prompt.strip()
    if not prompt:
        return None
    wrong = _wrong_answers(profile.question_wrong)
    explanation = profile.question_explanation.strip() or (
        "Your program's reporting chain says who to tell first and how fast; the module's "
        "Mandatory reporting section shows it."
    )
    return Question(
        id=QUESTION_ID,
        type="single",
        prompt_html=str(text_html(prompt)),
        options=(
            Option("right", str(text_html(profile.question_answer)), True),
            *(Option(f"other-{n}", str(text_html(text)), False) for n, text in enumerate(wrong, 1)),
        ),
        explanation_html=str(text_html(explanation)),
        review=QUESTION_REVIEW,
        critical=True,
        scenario=False,
    )


_COURSES: dict[tuple[Any, ...], tuple[Course, Course]] = {}


def course_for(course: Course, profile: ProgramProfile) -> Course:
    """The course with the program's question in the boundaries quiz pool (cached per version)."""
    if not profile.question_prompt.strip() or course.quiz(QUESTION_QUIZ) is None:
        return course
    key = (
        id(course),
        profile.version,
        profile.question_prompt,
        profile.question_answer,
        profile.question_wrong,
        profile.question_explanation,
    )
    cached = _COURSES.get(key)
    if cached is not None and cached[0] is course:
        return cached[1]
    quiz = course.quizzes[QUESTION_QUIZ]
    question = program_question(profile)
    assert question is not None
    fingerprint = "\n".join([quiz.version, *(str(part) for part in key[2:])])
    with_question = replace(
        quiz,
        questions=(*(q for q in quiz.questions if q.id != QUESTION_ID), question),
        # A new version for new words, so attempts record which wording they answered.
        version=hashlib.sha256(fingerprint.encode()).hexdigest()[:12],
    )
    augmented = replace(course, quizzes={**course.quizzes, QUESTION_QUIZ: with_question})
    if len(_COURSES) > 16:
        _COURSES.clear()
    _COURSES[key] = (course, augmented)
    return augmented
