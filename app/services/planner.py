"""The mentoring-model planner: answers checked, a reasoned plan made, saved, compared, adopted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from app.content.planner import DIMENSION_TITLES, DIMENSIONS, Planner, PlannerQuestion, Rule
from app.models import MATCH_MODELS, PlannerAdoption, PlannerPlan, User, utcnow
from app.services import audit, program
from app.services.errors import DomainError, NotAllowed, NotFound

Answers = dict[str, list[str]]
Conditions = Sequence[tuple[str, frozenset[str]]]


class InvalidAnswers(DomainError):
    """Some answers are missing or not among their question's choices; `errors` names each."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(gettext("Some answers need attention; nothing was saved."))
        self.errors = errors


def is_asked(question: PlannerQuestion, answers: Mapping[str, Sequence[str]]) -> bool:
    """Whether `question` applies, given the answers to the questions it depends on."""
    return _matches(question.asked_when, answers)


def check_answers(planner: Planner, submitted: Mapping[str, Sequence[str]]) -> Answers:
    """The answers in question order, or InvalidAnswers naming each missing or unknown one."""
    answers: Answers = {}
    errors: dict[str, str] = {}
    for question in planner.questions:
        given = [value for value in submitted.get(question.id, ()) if value != ""]
        known = {choice.id for choice in question.choices}
        if any(value not in known for value in given):
            errors[question.id] = gettext("Choose one of the answers listed.")
        elif not question.multiple and len(given) > 1:
            errors[question.id] = gettext("Choose one answer.")
        elif len(set(given)) != len(given):
            errors[question.id] = gettext("Choose each answer once.")
        elif len(given) > 1 and (
            alone := [choice for choice in question.choices if choice.alone and choice.id in given]
        ):
            errors[question.id] = gettext(
                "'%(answer)s' cannot be chosen with other answers.", answer=alone[0].label
            )
        else:
            answers[question.id] = given
    for question in planner.questions:
        if question.id in errors:
            continue
        if not is_asked(question, answers):
            # A question that does not apply keeps no answer, so it cannot sway a rule.
            answers[question.id] = []
        elif not answers[question.id]:
            errors[question.id] = (
                gettext("Choose at least one answer.")
                if question.multiple
                else gettext("Choose an answer.")
            )
    if errors:
        raise InvalidAnswers(errors)
    return answers


def _matches(conditions: Conditions, answers: Mapping[str, Sequence[str]]) -> bool:
    return all(set(answers.get(question, ())) & choices for question, choices in conditions)


def _contradicted(conditions: Conditions, answers: Mapping[str, Sequence[str]]) -> bool:
    return any(set(answers.get(question, ())) & choices for question, choices in conditions)


def recommend(planner: Planner, answers: Answers) -> dict[str, Any]:
    """The plan for checked answers: each part's values with reasons and cautions, examples."""
    found: dict[str, dict[str, dict[str, list[str]]]] = {part: {} for part in DIMENSIONS}
    general: list[str] = []

    def apply(rule: Rule) -> None:
        for part, values in rule.recommend:
            for value in values:
                entry = found[part].setdefault(value, {"reasons": [], "cautions": []})
                if rule.reason and rule.reason not in entry["reasons"]:
                    entry["reasons"].append(rule.reason)
                if rule.caution and rule.caution not in entry["cautions"]:
                    entry["cautions"].append(rule.caution)
        if not rule.recommend and rule.caution:
            general.append(rule.caution)

    applies = [
        rule
        for rule in planner.rules
        if _matches(rule.when, answers) and not _contradicted(rule.unless, answers)
    ]
    for rule in applies:
        if not rule.otherwise:
            apply(rule)
    for rule in applies:
        if rule.otherwise and any(not found[part] for part, _values in rule.recommend):
            apply(rule)

    parts = {
        part: [
            {"value": value, "label": label, **found[part][value]}
            for value, label in DIMENSIONS[part].items()
            if value in found[part]
        ]
        for part in DIMENSIONS
    }
    relationships = [item["value"] for item in parts["relationships"]]
    return {
        "parts": parts,
        "cautions": general,
        "examples": [
            {"id": example.id, "title": example.title, "description": example.description}
            for example in planner.examples
            if _matches(example.when, answers) and not _contradicted(example.unless, answers)
        ],
        "match_models": [model for model in MATCH_MODELS if model in relationships],
        "mentor_types": [item["value"] for item in parts["mentor_types"]],
    }


# The parts' headings (`content.planner.DIMENSION_TITLES`) in the reader's language.
PART_TITLES = {
    "form": _l("Form"),
    "location": _l("Location"),
    "purpose": _l("Purpose"),
    "relationships": _l("Relationship types"),
    "mentor_types": _l("Mentor types"),
}


def part_titles() -> dict[str, str]:
    """The heading of each part of a plan, in the order plans show them, for the reader."""
    return {part: str(PART_TITLES.get(part, title)) for part, title in DIMENSION_TITLES.items()}


def save_plan(
    session: Session,
    planner: Planner,
    actor_id: int,
    submitted: Mapping[str, Sequence[str]],
    now: datetime | None = None,
) -> PlannerPlan:
    """Check the answers, make the plan and save both; nothing is saved when an answer is bad."""
    answers = check_answers(planner, submitted)
    plan = PlannerPlan(
        answers=answers,
        recommendation=recommend(planner, answers),
        planner_version=planner.version,
        created_by_id=actor_id,
        created_at=now or utcnow(),
    )
    session.add(plan)
    session.flush()
    audit.record(
        session, "planner.plan_saved", actor_id=actor_id, target=f"plan {plan.id}", now=now
    )
    session.commit()
    return plan


def list_plans(session: Session) -> list[PlannerPlan]:
    """Every saved plan, newest first, with who made it and its adoptions."""
    return list(
        session.scalars(
            sa.select(PlannerPlan)
            .options(selectinload(PlannerPlan.created_by), selectinload(PlannerPlan.adoptions))
            .order_by(PlannerPlan.created_at.desc(), PlannerPlan.id.desc())
        )
    )


def get_plan(session: Session, plan_id: int) -> PlannerPlan:
    """One saved plan, or NotFound."""
    plan = session.get(PlannerPlan, plan_id)
    if plan is None:
        raise NotFound(gettext("No such plan."))
    return plan


def adopted_plan_id(session: Session) -> int | None:
    """The plan adopted most recently, if any."""
    return session.scalar(
        sa.select(PlannerAdoption.plan_id)
        .order_by(PlannerAdoption.adopted_at.desc(), PlannerAdoption.id.desc())
        .limit(1)
    )


def adopt(
    session: Session, actor_id: int, plan_id: int, now: datetime | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An admin adopts the plan: its match models and mentor types become the program's (audited).

    The adoption and the profile change are committed together; returns what was set.
    """
    actor = session.get(User, actor_id)
    if actor is None or not actor.is_admin:
        raise NotAllowed(gettext("Only an administrator can adopt a plan."))
    plan = get_plan(session, plan_id)
    match_models = tuple(plan.recommendation.get("match_models", ()))
    mentor_types = tuple(plan.recommendation.get("mentor_types", ()))
    if not match_models:
        raise DomainError(gettext("This plan recommends no match model the program can record."))
    at = now or utcnow()
    session.add(PlannerAdoption(plan_id=plan.id, adopted_by_id=actor_id, adopted_at=at))
    audit.record(
        session,
        "planner.plan_adopted",
        actor_id=actor_id,
        target=f"plan {plan.id}",
        detail={"match_models": list(match_models), "mentor_types": list(mentor_types)},
        now=at,
    )
    # A plan that names no mentor type leaves the program's recruiting as it is.
    types = list(mentor_types) or list(program.current_profile(session).mentor_types)
    program.set_recruitment(session, actor_id, list(match_models), types, now=at)
    return match_models, tuple(types)
