"""Reflection notes and the self-care plan: saved privately, visible to the mentor alone."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import JournalEntry, SelfCarePlan
from app.services import private_notes
from app.services.reports import EXPORTS
from app.web import current_course
from tests.factories import make_user, post_form, sign_in

SECRET = "my-private-reflection-7731"
PLAN_SECRET = "call-my-sister-5512"


def first_slug() -> str:
    return current_course().ordered_modules()[0].slug


def test_notes_are_saved_and_shown_on_the_module_and_my_journal(app, client) -> None:
    sign_in(client, make_user())
    slug = first_slug()
    response = post_form(client, f"/modules/{slug}/journal", {"text": f"I noticed {SECRET}"})
    assert response.status_code == 302
    assert SECRET in client.get(f"/modules/{slug}").get_data(as_text=True)
    journal = client.get("/journal").get_data(as_text=True)
    assert SECRET in journal and "Only you can see them" in journal
    post_form(client, f"/modules/{slug}/journal", {"text": "changed my mind"})
    assert [e.text for e in db.session.scalars(sa.select(JournalEntry))] == ["changed my mind"]


def test_too_long_notes_are_refused_and_the_old_ones_kept(app, client) -> None:
    sign_in(client, make_user())
    slug = first_slug()
    post_form(client, f"/modules/{slug}/journal", {"text": SECRET})
    response = post_form(client, f"/modules/{slug}/journal", {"text": "x" * 10_001})
    assert "Nothing was saved" in client.get(response.location).get_data(as_text=True)
    assert [e.text for e in db.session.scalars(sa.select(JournalEntry))] == [SECRET]


def test_notes_for_an_unknown_module_are_404(app, client) -> None:
    sign_in(client, make_user())
    assert post_form(client, "/modules/no-such/journal", {"text": "x"}).status_code == 404


def test_the_self_care_plan_is_saved_edited_and_printable(app, client) -> None:
    sign_in(client, make_user())
    page = client.get("/self-care").get_data(as_text=True)
    for label, _hint in private_notes.PLAN_SECTIONS.values():
        assert label in page
    data = {key: f"{key} text" for key in private_notes.PLAN_SECTIONS}
    data["people_to_call"] = PLAN_SECRET
    assert post_form(client, "/self-care", data).status_code == 302
    assert PLAN_SECRET in client.get("/self-care").get_data(as_text=True)
    printable = client.get("/self-care/print").get_data(as_text=True)
    assert PLAN_SECRET in printable and "boundaries text" in printable
    post_form(client, "/self-care", {**data, "boundaries": "new boundary"})
    plans = db.session.scalars(sa.select(SelfCarePlan)).all()
    assert len(plans) == 1 and plans[0].boundaries == "new boundary"


def test_a_too_long_plan_section_is_refused_and_nothing_saved(app, client) -> None:
    sign_in(client, make_user())
    response = post_form(client, "/self-care", {"what_helps": "x" * 4_001})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(SelfCarePlan.id))) == 0


def test_another_mentor_never_sees_my_notes_or_plan(app, client) -> None:
    owner = make_user()
    private_notes.save_journal(db.session, owner.id, current_course(), first_slug(), SECRET)
    private_notes.save_self_care_plan(db.session, owner.id, {"people_to_call": PLAN_SECRET})
    sign_in(client, make_user())
    for path in ("/journal", "/self-care", "/self-care/print", f"/modules/{first_slug()}"):
        html = client.get(path).get_data(as_text=True)
        assert SECRET not in html and PLAN_SECRET not in html, path


def _staff_get_urls(app: Flask, ids: dict[str, int]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or "GET" not in rule.methods:
            continue
        values = {arg: ids.get(arg, 1) for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            urls.append(url_for(rule.endpoint, **values))
    return urls


def test_no_staff_or_admin_page_ever_shows_notes_or_the_plan(app, client) -> None:
    from tests.services.test_certificates import certify

    mentor = make_user()
    certificate = certify(mentor)
    private_notes.save_journal(db.session, mentor.id, current_course(), first_slug(), SECRET)
    private_notes.save_self_care_plan(
        db.session, mentor.id, {key: PLAN_SECRET for key in private_notes.PLAN_SECTIONS}
    )
    sign_in(client, make_user(role="admin"))
    urls = _staff_get_urls(
        app, {"mentor_id": mentor.id, "certificate_id": certificate.id, "user_id": mentor.id}
    )
    assert urls, "the staff area has pages"
    urls += [f"/staff/reports/{name}.csv" for name in EXPORTS]
    for url in urls:
        response = client.get(url, query_string={"q": mentor.name})
        body = response.get_data(as_text=True)
        assert SECRET not in body and PLAN_SECRET not in body, url
    # The API and the certificate pages never carry them either.
    for url in (
        f"/api/v1/certificates/{certificate.code}",
        f"/verify/{certificate.code}",
        f"/certificates/{certificate.id}",
    ):
        body = client.get(url).get_data(as_text=True)
        assert SECRET not in body and PLAN_SECRET not in body, url


def test_long_notes_in_any_script_fit(app, client) -> None:
    sign_in(client, make_user())
    notes = "我今天学到了很多。" * 1_100  # close to 10,000 characters, about 90 KB once URL-encoded
    assert len(notes) <= private_notes.NOTE_MAX
    response = post_form(client, f"/modules/{first_slug()}/journal", {"text": notes})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(JournalEntry.text)) == notes
