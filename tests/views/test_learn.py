"""My training and module pages through the real app."""

from __future__ import annotations

import sqlalchemy as sa
from markupsafe import escape

from app.extensions import db
from app.models import ModuleRead
from app.web import current_course
from tests.conftest import csrf_from
from tests.factories import make_user, sign_in


def test_my_training_starts_at_zero_with_one_clear_next_step(app, client) -> None:
    sign_in(client, make_user())
    html = client.get("/training").get_data(as_text=True)
    first = current_course().ordered_modules()[0]
    assert "0% complete" in html
    assert '<progress class="progress" max="100" value="0" aria-labelledby="progress-title"' in html
    assert f'href="/modules/{first.slug}">Next: Read “{first.title}”' in html
    for module in current_course().modules_for("community_volunteer"):
        assert module.title in html
    assert "Mentoring as a survivor" not in html


def test_survivor_mentors_see_their_extra_module(app, client) -> None:
    sign_in(client, make_user(mentor_type="survivor_mentor"))
    assert "Mentoring as a survivor" in client.get("/training").get_data(as_text=True)


def test_the_module_page_puts_the_content_note_before_the_text(app, client) -> None:
    sign_in(client, make_user())
    module = current_course().ordered_modules()[0]
    html = client.get(f"/modules/{module.slug}").get_data(as_text=True)
    assert module.content_note
    note = html.index("Content note")
    assert note < html.index('<div class="module-body"')
    assert note < html.index("What you will be able to do")
    assert 'href="#key-takeaways"' in html and "Leave for My training" in html
    assert 'id="key-takeaways"' in html
    for objective in module.objectives:
        assert str(escape(objective)) in html
    assert f"About {module.minutes} minutes" in html


def test_marking_a_module_read_records_the_version_and_shows_progress(app, client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    module = current_course().ordered_modules()[0]
    page = client.get(f"/modules/{module.slug}").get_data(as_text=True)
    response = client.post(f"/modules/{module.slug}/read", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    read = db.session.scalars(sa.select(ModuleRead)).all()
    assert [(r.user_id, r.module_slug, r.content_version) for r in read] == [
        (mentor.id, module.slug, module.version)
    ]
    # A second click changes nothing.
    client.post(f"/modules/{module.slug}/read", data={"csrf_token": csrf_from(page)})
    assert db.session.scalar(sa.select(sa.func.count(ModuleRead.id))) == 1
    html = client.get("/training").get_data(as_text=True)
    assert "0% complete" not in html and "Take the quiz" in html
    assert "Go to the quiz" in client.get(f"/modules/{module.slug}").get_data(as_text=True)


def test_marking_read_without_csrf_changes_nothing(app, client) -> None:
    sign_in(client, make_user())
    slug = current_course().ordered_modules()[0].slug
    assert client.post(f"/modules/{slug}/read").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ModuleRead.id))) == 0


def test_an_unknown_module_is_404(app, client) -> None:
    sign_in(client, make_user())
    assert client.get("/modules/no-such-module").status_code == 404
    page = client.get("/training").get_data(as_text=True)
    assert (
        client.post(
            "/modules/no-such-module/read", data={"csrf_token": csrf_from(page)}
        ).status_code
        == 404
    )


def test_signed_out_visitors_are_sent_to_sign_in(app, client) -> None:
    slug = current_course().ordered_modules()[0].slug
    for path in ("/training", f"/modules/{slug}", f"/modules/{slug}/quiz"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in?next=" in response.location


def test_the_landing_page_lists_modules_and_how_certification_works(app, client) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "How certification works" in html
    for module in current_course().ordered_modules():
        assert module.title in html
    assert "Create an account" in html


def _statements_per_table(client, path: str) -> dict[str, int]:
    """How many statements one request runs on each of the mentor's fact tables."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    tables = (
        "FROM module_read",
        "FROM quiz_attempt",
        "FROM user_account",
        "FROM journal_entry",
        "FROM screening_record",
        "FROM in_person_attendance",
        "FROM match_mentor",
    )
    return {table: sum(table in statement for statement in statements) for table in tables}


def test_the_module_page_reads_each_fact_of_the_mentor_once(app, client) -> None:
    sign_in(client, make_user())
    for module in current_course().ordered_modules()[:2]:
        path = f"/modules/{module.slug}"
        client.get(path)  # the first visit is recorded once
        assert _statements_per_table(client, path) == {
            "FROM module_read": 1,
            "FROM quiz_attempt": 1,
            "FROM user_account": 1,
            "FROM journal_entry": 1 if module.reflection else 0,
            # Only eligibility reads these; the module page shows module states alone.
            "FROM screening_record": 0,
            "FROM in_person_attendance": 0,
            "FROM match_mentor": 0,
        }
    assert _statements_per_table(client, "/training")["FROM module_read"] == 1


def test_the_module_page_builds_only_the_forms_it_shows(app, client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    module = current_course().ordered_modules()[0]
    html = client.get(f"/modules/{module.slug}").get_data(as_text=True)
    assert "I have read this module" in html and "Try the pre-check" in html
    client.post(f"/modules/{module.slug}/read", data={"csrf_token": csrf_from(html)})
    html = client.get(f"/modules/{module.slug}").get_data(as_text=True)
    assert "I have read this module" not in html and "Try the pre-check" not in html
    assert "You have marked this module read" in html
    # The page's script still has the token it posts the reading place with.
    assert 'data-csrf-token="' in html and "Save my notes" in html
