"""Your place is saved: section links record the last section opened, with or without script."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ReadingPosition, utcnow
from app.services import progress
from app.services.errors import NotFound
from app.web import current_course
from tests.conftest import csrf_from
from tests.factories import make_user, sign_in


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def mentor(app, client):
    mentor = make_user()
    sign_in(client, mentor)
    return mentor


def test_the_module_body_is_split_into_its_sections_without_losing_a_character(app) -> None:
    module = current_course().module("alpha")
    intro, sections = module.split_body()
    assert "Alpha opening text." in intro
    assert [heading.anchor for heading, _ in sections] == [
        "first-section",
        "second-section",
        "key-takeaways",
    ]
    assert intro + "".join(html for _, html in sections) == module.body_html


def test_every_section_link_goes_through_the_app_and_ends_with_a_next_link(client, mentor) -> None:
    html = client.get("/modules/alpha").get_data(as_text=True)
    toc = html[html.index('id="toc-title"') : html.index('class="module-body"')]
    for anchor in ("first-section", "second-section", "key-takeaways"):
        assert f'href="/modules/alpha/sections/{anchor}"' in toc
    body = html[html.index('class="module-body"') :]
    assert 'href="/modules/alpha/sections/second-section">Next section: Second section</a>' in body
    assert 'href="#next-step">Next: when you have finished</a>' in body
    assert "0 of 3 sections opened" in html and 'id="continue-reading"' not in html


def test_following_a_section_link_saves_the_place_and_offers_to_continue(client, mentor) -> None:
    response = client.get("/modules/alpha/sections/second-section")
    assert response.status_code == 302
    assert response.location.endswith("/modules/alpha#second-section")
    html = client.get("/modules/alpha").get_data(as_text=True)
    assert "1 of 3 sections opened" in html
    assert 'href="#second-section">Continue where I left off: Second section</a>' in html
    assert "Second section</a> <span" in html and "(opened)" in html
    # My training offers the same place, and its next step leads straight there.
    training = client.get("/training").get_data(as_text=True)
    assert 'href="/modules/alpha#second-section">Next: Read' in training
    assert "Continue reading at “Second section”" in training
    assert "1 of 3 sections opened" in training


def test_the_last_section_opened_is_the_place_even_when_it_is_an_earlier_one(app, mentor) -> None:
    course = current_course()
    now = utcnow()
    progress.open_section(db.session, mentor.id, course, "alpha", "key-takeaways", now=now)
    progress.open_section(
        db.session, mentor.id, course, "alpha", "first-section", now=now + timedelta(minutes=5)
    )
    place = progress.places(db.session, mentor.id, course)["alpha"]
    assert place.last.anchor == "first-section" and place.opened_count == 2
    # Opening a section again moves the place without a second row.
    progress.open_section(
        db.session, mentor.id, course, "alpha", "key-takeaways", now=now + timedelta(minutes=9)
    )
    assert progress.places(db.session, mentor.id, course)["alpha"].last.anchor == "key-takeaways"
    assert db.session.scalar(sa.select(sa.func.count(ReadingPosition.id))) == 2
    assert progress.places(db.session, mentor.id, course)["beta"].last is None


def test_unknown_modules_and_sections_are_refused_and_save_nothing(client, mentor) -> None:
    assert client.get("/modules/alpha/sections/not-a-section").status_code == 404
    assert client.get("/modules/nope/sections/first-section").status_code == 404
    with pytest.raises(NotFound):
        progress.open_section(db.session, mentor.id, current_course(), "alpha", "x" * 500)
    assert db.session.scalar(sa.select(sa.func.count(ReadingPosition.id))) == 0


def test_the_script_saves_the_section_scrolled_to_with_a_csrf_token(client, mentor) -> None:
    page = client.get("/modules/alpha").get_data(as_text=True)
    assert 'data-position-url="/modules/alpha/position"' in page
    assert '<script src="/static/reading.js" defer></script>' in page
    token = csrf_from(page)
    response = client.post(
        "/modules/alpha/position", data={"csrf_token": token, "section": "key-takeaways"}
    )
    assert response.status_code == 204
    assert client.post(
        "/modules/alpha/position", data={"section": "first-section"}
    ).status_code == (400)
    assert (
        client.post(
            "/modules/alpha/position", data={"csrf_token": token, "section": "nope"}
        ).status_code
        == 404
    )
    rows = db.session.scalars(sa.select(ReadingPosition)).all()
    assert [(r.user_id, r.module_slug, r.section) for r in rows] == [
        (mentor.id, "alpha", "key-takeaways")
    ]


def test_a_place_is_private_to_its_mentor(app, client, mentor) -> None:
    other = make_user()
    progress.open_section(db.session, other.id, current_course(), "alpha", "key-takeaways")
    html = client.get("/modules/alpha").get_data(as_text=True)
    assert "0 of 3 sections opened" in html and 'id="continue-reading"' not in html


def test_section_pages_need_a_signed_in_mentor(app, client) -> None:
    response = client.get("/modules/alpha/sections/first-section")
    assert response.status_code == 302 and "/sign-in" in response.location
    assert db.session.scalar(sa.select(sa.func.count(ReadingPosition.id))) == 0
