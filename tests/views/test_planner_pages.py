"""The planner pages: staff run the questionnaire, read, print and compare plans; only an
administrator adopts one."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, PlannerAdoption, PlannerPlan
from app.services import program
from tests.factories import make_user, post_form, sign_in
from tests.services.test_planner import LOW_TRUST_ON_SITE, NEW_PROGRAM, STEADY_ONE_TO_ONE


def plan_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(PlannerPlan.id))) or 0


def submit(client, answers: dict[str, list[str]]):
    return post_form(client, "/staff/planner/new", answers, page="/staff/planner/new")


def test_staff_run_the_planner_and_read_the_plan(app, client) -> None:
    sign_in(client, make_user(role="staff"))
    page = client.get("/staff/planner/new").get_data(as_text=True)
    assert "How much do youth drift in and out of the program?" in page
    assert 'type="checkbox" name="mentors" value="survivor_mentors"' in page
    assert "<textarea" not in page and 'type="text"' not in page  # nothing identifying to type

    response = submit(client, LOW_TRUST_ON_SITE)
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "Site-based" in html and "Team (several adults, several youth)" in html
    assert "A psychoeducational group" in html
    assert "Caution:" in html
    assert "Adopt this plan" not in html  # staff cannot adopt


def test_an_answer_outside_its_choices_is_refused_with_a_message(app, client) -> None:
    sign_in(client, make_user(role="staff"))
    response = submit(client, {**NEW_PROGRAM, "drift": ["always"]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose one of the answers listed." in html and "Nothing was saved." in html
    assert 'aria-describedby="q-drift-error"' in html
    # The other answers are kept for the next try.
    assert 'value="could_arrange" id="q-safe_site-could_arrange" checked' in html
    assert plan_count() == 0


def test_a_missing_answer_is_named_and_nothing_is_saved(app, client) -> None:
    sign_in(client, make_user(role="staff"))
    answers = {key: value for key, value in STEADY_ONE_TO_ONE.items() if key != "stay"}
    response = submit(client, answers)
    assert response.status_code == 422
    assert "Choose an answer." in response.get_data(as_text=True)
    assert plan_count() == 0


def test_fields_the_planner_does_not_ask_for_are_never_stored(app, client) -> None:
    sign_in(client, make_user(role="staff"))
    submit(client, {**NEW_PROGRAM, "youth_name": ["Jane Doe"], "note": ["born 2010-01-01"]})
    [plan] = db.session.scalars(sa.select(PlannerPlan))
    assert "Jane" not in str(plan.answers) and "2010" not in str(plan.answers)
    assert set(plan.answers) == set(NEW_PROGRAM) | {"survivor_readiness"}


def test_plans_are_listed_and_compared_side_by_side(app, client) -> None:
    sign_in(client, make_user(role="staff"))
    first = submit(client, LOW_TRUST_ON_SITE).location.rsplit("/", 1)[1]
    second = submit(client, STEADY_ONE_TO_ONE).location.rsplit("/", 1)[1]
    listing = client.get("/staff/planner").get_data(as_text=True)
    assert f"Plan {first}" in listing and f"Plan {second}" in listing
    html = client.get(f"/staff/planner/compare?plan={first}&plan={second}").get_data(as_text=True)
    assert html.count('<th scope="col">') == 3
    assert "One adult, one youth" in html and "Group (one adult, up to four youth)" in html
    # One plan alone, or an id that is not a number, is not a comparison.
    assert client.get(f"/staff/planner/compare?plan={first}").status_code == 302
    assert client.get("/staff/planner/compare?plan=1&plan=x").status_code == 404
    assert client.get(f"/staff/planner/compare?plan={first}&plan=999999").status_code == 404


def test_a_plan_page_prints_without_the_console_around_it(app, client) -> None:
    sign_in(client, make_user(role="staff"))
    location = submit(client, NEW_PROGRAM).location
    html = client.get(location).get_data(as_text=True)
    assert '<div class="no-print"><nav class="subnav"' in html.replace("\n", "")
    css = (Path(__file__).parents[2] / "static" / "style.css").read_text("utf-8")
    assert "@media print" in css and ".subnav, .flashes, .no-print" in css


def test_staff_who_are_not_admins_get_403_on_adopt(app, client) -> None:
    sign_in(client, make_user(role="staff"))
    location = submit(client, NEW_PROGRAM).location
    response = post_form(client, location + "/adopt", page=location)
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(PlannerAdoption.id))) == 0


def test_an_admin_adopts_a_plan_and_it_is_audited(app, client) -> None:
    admin = make_user(role="admin")
    sign_in(client, admin)
    location = submit(client, LOW_TRUST_ON_SITE).location
    page = client.get(location).get_data(as_text=True)
    assert "Adopt this plan" in page and "group, team" in page
    response = post_form(client, location + "/adopt", page=location)
    assert response.status_code == 302
    html = client.get(location).get_data(as_text=True)
    assert "This is the program's adopted plan." in html
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "planner.plan_adopted")
    )
    assert event.actor_id == admin.id


def test_adopting_a_plan_changes_the_match_models_offered(app, client) -> None:
    admin = make_user(role="admin")
    sign_in(client, admin)
    before = client.get("/staff/matches/new").get_data(as_text=True)
    assert "One-to-one" in before and "E-mentoring" in before
    location = submit(client, LOW_TRUST_ON_SITE).location
    post_form(client, location + "/adopt", page=location)
    after = client.get("/staff/matches/new").get_data(as_text=True)
    assert 'value="group"' in after and 'value="team"' in after
    assert 'value="one_to_one"' not in after and 'value="e_mentoring"' not in after
    profile = program.current_profile(db.session)
    assert profile.match_models == ["group", "team"]
    assert profile.mentor_types == ["staff_mentor", "survivor_mentor"]


def test_mentors_cannot_see_the_planner(app, client) -> None:
    sign_in(client, make_user())
    assert client.get("/staff/planner").status_code == 403
    assert client.get("/staff/planner/new").status_code == 403
