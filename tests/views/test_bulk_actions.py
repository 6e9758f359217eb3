"""Acting on several mentors ticked on the roster: screening, in-person sessions, export."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ScreeningRecord, utcnow
from tests.factories import make_user, post_form, sign_in


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def staff_client(app, client):
    sign_in(client, make_user(role="staff"))
    return client


def test_the_roster_offers_a_checkbox_per_mentor_and_the_bulk_actions(staff_client) -> None:
    mentor = make_user(name="Ana Example")
    html = staff_client.get("/staff/mentors").get_data(as_text=True)
    assert f'name="mentor" value="{mentor.id}"' in html
    assert "Choose Ana Example" in html
    for action in (
        "Record an in-person session",
        "Record a screening step",
        "Show only these",
        "Export these as CSV",
    ):
        assert action in html


def test_show_and_export_only_the_chosen_mentors(staff_client) -> None:
    first, second = make_user(name="Ana Example"), make_user(name="Ben Example")
    make_user(name="Cy Example")
    html = staff_client.get(f"/staff/mentors?mentor={first.id}&mentor={second.id}").get_data(
        as_text=True
    )
    assert "2 mentors" in html and "Cy Example" not in html
    export = staff_client.get(f"/staff/mentors.csv?mentor={first.id}&mentor={second.id}")
    assert export.status_code == 200
    text = export.get_data(as_text=True).lstrip("\ufeff")
    names = [row["Name"] for row in csv.DictReader(io.StringIO(text))]
    assert sorted(names) == ["Ana Example", "Ben Example"]


@pytest.mark.parametrize("query", ["?mentor=abc", "?mentor=99999999999", "?mentor=-1"])
def test_a_bad_chosen_mentor_is_a_clear_error(staff_client, query) -> None:
    response = staff_client.get(f"/staff/mentors{query}")
    assert response.status_code == 400
    assert "A chosen mentor was not one of the mentors listed." in response.get_data(as_text=True)


def test_one_screening_step_for_several_mentors(staff_client) -> None:
    first, second = make_user(name="Ana Example"), make_user(name="Ben Example")
    page = f"/staff/mentors/screening?mentor={first.id}&mentor={second.id}"
    html = staff_client.get(page).get_data(as_text=True)
    assert "Ana Example" in html and "Ben Example" in html
    data = {
        "step": "interview",
        "result": "cleared",
        "completed_on": utcnow().date().isoformat(),
        "mentors": [str(first.id), str(second.id)],
    }
    response = post_form(staff_client, page, data, page=page)
    assert response.status_code == 302
    recorded = db.session.scalars(sa.select(ScreeningRecord.user_id)).all()
    assert sorted(recorded) == sorted([first.id, second.id])
    # The same again (a double click) is refused for both, and nothing more is stored.
    again = post_form(staff_client, page, data, page=page)
    assert again.status_code == 422
    assert "already recorded" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ScreeningRecord.id))) == 2


def test_a_step_one_mentor_does_not_need_records_nothing_for_anyone(staff_client) -> None:
    volunteer = make_user(name="Ana Example")
    survivor = make_user(name="Ben Example", mentor_type="survivor_mentor")
    page = f"/staff/mentors/screening?mentor={volunteer.id}&mentor={survivor.id}"
    response = post_form(
        staff_client,
        page,
        {
            "step": "readiness_conversation",
            "result": "cleared",
            "completed_on": utcnow().date().isoformat(),
            "mentors": [str(volunteer.id), str(survivor.id)],
        },
        page=page,
    )
    assert response.status_code == 422
    assert "not part of screening for: Ana Example" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ScreeningRecord.id))) == 0


def test_nothing_chosen_says_how_to_choose(staff_client) -> None:
    html = staff_client.get("/staff/mentors/screening").get_data(as_text=True)
    assert "No mentor is chosen." in html


def test_mentors_cannot_use_bulk_actions(app, client) -> None:
    other = make_user()
    sign_in(client, make_user())
    assert client.get(f"/staff/mentors/screening?mentor={other.id}").status_code == 403
