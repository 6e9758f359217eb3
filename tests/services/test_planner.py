"""The mentoring-model planner: five contrasting programs get the plans the toolkit reasons to,
bad answers save nothing, and adopting a plan is an audited admin act that returns its models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import MATCH_MODELS, AuditEvent, PlannerAdoption, PlannerPlan
from app.services import planner as planning
from app.services import program
from app.services.errors import NotAllowed
from app.web import current_planner
from tests.factories import make_user

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

# A residential program whose youth trust no one yet and drift in and out: start on site, in
# groups and teams, with staff and assessed survivor mentors.
LOW_TRUST_ON_SITE = {
    "intention": ["overall_development"],
    "programming": ["groups_on_site", "case_management"],
    "safe_site": ["have_one"],
    "stay": ["six_to_twelve_months"],
    "comfort": ["neither_yet"],
    "drift": ["often"],
    "mentors": ["staff_mentors", "survivor_mentors"],
    "survivor_readiness": ["assessed_and_supported"],
    "natural_mentors": ["none_known"],
    "staff_capacity": ["strong"],
}
# Steady youth at ease with one adult, staying over a year, with a school goal and no site.
STEADY_ONE_TO_ONE = {
    "intention": ["school"],
    "programming": ["case_management"],
    "safe_site": ["none"],
    "stay": ["a_year_or_more"],
    "comfort": ["one_adult"],
    "drift": ["rarely"],
    "mentors": ["community_volunteers", "care_providers"],
    "natural_mentors": ["a_few"],
    "staff_capacity": ["some"],
}
# A school partnership whose youth are at ease either way: the YWLP-style blended model.
SCHOOL_BLENDED = {
    "intention": ["several_goals"],
    "programming": ["school_partnership"],
    "safe_site": ["have_one"],
    "stay": ["a_year_or_more"],
    "comfort": ["both"],
    "drift": ["sometimes"],
    "mentors": ["community_volunteers"],
    "natural_mentors": ["none_known"],
    "staff_capacity": ["strong"],
}
# A new program: short stays, youth easier among peers, no mentors yet, little staff time.
NEW_PROGRAM = {
    "intention": ["employment"],
    "programming": ["nothing_yet"],
    "safe_site": ["could_arrange"],
    "stay": ["under_six_months"],
    "comfort": ["peers"],
    "drift": ["sometimes"],
    "mentors": ["none_yet"],
    "natural_mentors": ["several"],
    "staff_capacity": ["little"],
}
# Survivor mentors whose readiness is not yet assessed, youth who drift often.
SURVIVORS_NOT_ASSESSED = {
    "intention": ["money_skills"],
    "programming": ["residential", "case_management"],
    "safe_site": ["have_one"],
    "stay": ["six_to_twelve_months"],
    "comfort": ["one_adult"],
    "drift": ["often"],
    "mentors": ["survivor_mentors"],
    "survivor_readiness": ["not_yet_assessed"],
    "natural_mentors": ["none_known"],
    "staff_capacity": ["some"],
}


def plan_for(answers: dict[str, list[str]]) -> dict:
    """The recommendation the real planner.yaml makes for `answers`."""
    planner = current_planner()
    assert planner is not None
    return planning.recommend(planner, planning.check_answers(planner, answers))


def values(plan: dict, part: str) -> list[str]:
    return [item["value"] for item in plan["parts"][part]]


def reasons(plan: dict, part: str, value: str) -> str:
    [item] = [item for item in plan["parts"][part] if item["value"] == value]
    return " ".join(item["reasons"] + item["cautions"])


def cautions(plan: dict) -> str:
    return " ".join(plan["cautions"])


def examples(plan: dict) -> list[str]:
    return [example["id"] for example in plan["examples"]]


def test_low_trust_youth_start_on_site_in_groups_and_teams(app) -> None:
    plan = plan_for(LOW_TRUST_ON_SITE)
    assert values(plan, "form") == ["assigned"]
    assert values(plan, "location") == ["site"]
    assert values(plan, "purpose") == ["developmental"]
    assert values(plan, "relationships") == ["group", "team"]
    assert values(plan, "mentor_types") == ["staff_mentor", "survivor_mentor"]
    assert "not alone with a" in reasons(plan, "location", "site")
    assert "at least at first" in reasons(plan, "relationships", "group")
    assert "authentic relationship" in reasons(plan, "mentor_types", "staff_mentor")
    assert "Keep supporting them" in reasons(plan, "mentor_types", "survivor_mentor")
    assert "can harm" in cautions(plan) and "case manager" in cautions(plan)
    assert examples(plan) == ["psychoeducational_group", "step_up_team"]
    assert plan["match_models"] == ["group", "team"]


def test_steady_youth_with_a_school_goal_get_one_to_one_in_the_community(app) -> None:
    plan = plan_for(STEADY_ONE_TO_ONE)
    assert values(plan, "form") == ["assigned", "natural"]
    assert values(plan, "location") == ["community"]
    assert values(plan, "purpose") == ["prescriptive"]
    assert values(plan, "relationships") == ["one_to_one"]
    assert values(plan, "mentor_types") == ["community_volunteer", "care_provider"]
    assert "year's commitment" in reasons(plan, "relationships", "one_to_one")
    assert "never in the mentor's home" in reasons(plan, "location", "community")
    assert "considerable training" in reasons(plan, "mentor_types", "community_volunteer")
    assert "Keep the relationship first" in reasons(plan, "purpose", "prescriptive")
    assert examples(plan) == []
    assert plan["match_models"] == ["one_to_one"]
    assert "can harm" not in cautions(plan)


def test_a_school_partnership_gets_the_blended_model(app) -> None:
    plan = plan_for(SCHOOL_BLENDED)
    assert values(plan, "location") == ["site", "community"]
    assert values(plan, "purpose") == ["developmental", "prescriptive"]
    assert values(plan, "relationships") == ["one_to_one", "e_mentoring", "blended"]
    assert "monitored channels" in reasons(plan, "relationships", "e_mentoring")
    assert "ywlp_blended" in examples(plan)
    assert "no case management today" in cautions(plan)
    assert plan["match_models"] == ["one_to_one", "e_mentoring", "blended"]


def test_a_new_program_builds_mentors_and_starts_small_in_groups(app) -> None:
    plan = plan_for(NEW_PROGRAM)
    assert values(plan, "form") == ["assigned", "natural"]
    assert values(plan, "location") == ["site"]
    assert values(plan, "relationships") == ["group", "team"]
    assert values(plan, "mentor_types") == ["community_volunteer", "care_provider"]
    assert "peer" not in values(plan, "relationships")  # stays too short for youth to lead
    assert "start small" in cautions(plan) and "can harm" in cautions(plan)
    assert examples(plan) == ["psychoeducational_group"]


def test_survivor_mentors_wait_for_a_readiness_assessment(app) -> None:
    plan = plan_for(SURVIVORS_NOT_ASSESSED)
    assert "survivor_mentor" not in values(plan, "mentor_types")
    assert "assess each one's readiness" in cautions(plan)
    assert values(plan, "relationships") == ["group", "team", "e_mentoring"]
    assert "one_to_one" not in values(plan, "relationships")  # stays are under a year
    assert values(plan, "location") == ["site"]
    assert examples(plan) == []


def test_every_match_model_the_planner_can_name_is_one_the_program_records() -> None:
    from app.content.planner import DIMENSIONS

    assert set(DIMENSIONS["relationships"]) - {"peer"} == set(MATCH_MODELS)


def test_a_question_that_does_not_apply_keeps_no_answer(app) -> None:
    planner = current_planner()
    answers = planning.check_answers(
        planner, {**STEADY_ONE_TO_ONE, "survivor_readiness": ["assessed_and_supported"]}
    )
    assert answers["survivor_readiness"] == []


def test_an_answer_outside_its_choices_saves_nothing(app) -> None:
    staff = make_user(role="staff")
    with pytest.raises(planning.InvalidAnswers) as refused:
        planning.save_plan(
            db.session, current_planner(), staff.id, {**NEW_PROGRAM, "stay": ["forever"]}, NOW
        )
    assert refused.value.errors == {"stay": "Choose one of the answers listed."}
    assert db.session.scalar(sa.select(sa.func.count(PlannerPlan.id))) == 0


def test_missing_answers_are_each_named(app) -> None:
    staff = make_user(role="staff")
    answers = {key: value for key, value in LOW_TRUST_ON_SITE.items() if key != "drift"}
    answers["survivor_readiness"] = []
    answers["comfort"] = ["peers", "both"]
    with pytest.raises(planning.InvalidAnswers) as refused:
        planning.save_plan(db.session, current_planner(), staff.id, answers, NOW)
    assert refused.value.errors == {
        "drift": "Choose an answer.",
        "survivor_readiness": "Choose an answer.",
        "comfort": "Choose one answer.",
    }
    assert db.session.scalar(sa.select(sa.func.count(PlannerPlan.id))) == 0


def test_none_yet_cannot_be_chosen_with_mentors(app) -> None:
    with pytest.raises(planning.InvalidAnswers) as refused:
        planning.check_answers(
            current_planner(), {**NEW_PROGRAM, "mentors": ["none_yet", "staff_mentors"]}
        )
    assert refused.value.errors == {"mentors": "'None yet' cannot be chosen with other answers."}


def test_a_saved_plan_keeps_its_answers_and_recommendation(app) -> None:
    staff = make_user(role="staff")
    plan = planning.save_plan(db.session, current_planner(), staff.id, SCHOOL_BLENDED, NOW)
    db.session.expire_all()
    saved = planning.get_plan(db.session, plan.id)
    assert saved.answers["programming"] == ["school_partnership"]
    assert saved.answers["survivor_readiness"] == []
    assert saved.recommendation == plan_for(SCHOOL_BLENDED)
    assert saved.planner_version == current_planner().version
    assert [p.id for p in planning.list_plans(db.session)] == [plan.id]


def test_adopting_returns_the_plans_models_and_types_and_is_audited(app) -> None:
    admin = make_user(role="admin")
    plan = planning.save_plan(db.session, current_planner(), admin.id, LOW_TRUST_ON_SITE, NOW)
    models, types = planning.adopt(db.session, admin.id, plan.id, now=NOW)
    assert models == ("group", "team")
    assert types == ("staff_mentor", "survivor_mentor")
    assert planning.adopted_plan_id(db.session) == plan.id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "planner.plan_adopted")
    )
    assert event.actor_id == admin.id and event.target == f"plan {plan.id}"
    assert event.detail == {
        "match_models": ["group", "team"],
        "mentor_types": ["staff_mentor", "survivor_mentor"],
    }
    profile = program.current_profile(db.session)
    assert (profile.match_models, profile.mentor_types) == (
        ["group", "team"],
        ["staff_mentor", "survivor_mentor"],
    )
    changed = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "program.recruitment_changed")
    )
    assert changed is not None and changed.actor_id == admin.id


def test_staff_who_are_not_admins_cannot_adopt(app) -> None:
    staff = make_user(role="staff")
    plan = planning.save_plan(db.session, current_planner(), staff.id, NEW_PROGRAM, NOW)
    with pytest.raises(NotAllowed):
        planning.adopt(db.session, staff.id, plan.id, now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(PlannerAdoption.id))) == 0
