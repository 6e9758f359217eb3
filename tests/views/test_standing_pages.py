"""Every page that shows progress, eligibility or certificate status says the same thing.

A population seeded at every stage of the journey; for each mentor, the roster export, mentor
detail, My training and the public API must agree with the one standing (and so with each other).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, User, utcnow
from app.services import certificates, matching, mentors, progress, standing
from app.web import current_course
from tests.factories import latest_certificate, make_user, post_form, sign_in
from tests.services.test_certificates import certify, pass_quiz
from tests.services.test_eligibility_matching import clear_all


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def seed_every_stage() -> dict[str, int]:
    """One mentor at each stage that changes what the pages say."""
    now = utcnow()
    staff = make_user(role="staff", name="Sam Staff")
    course = current_course()
    people: dict[str, int] = {}

    def mentor(stage: str, **kwargs):
        user = make_user(name=f"Mentor {stage.title()}", **kwargs)
        people[stage] = user.id
        return user

    mentor("new")
    progress.mark_read(db.session, mentor("reading").id, course, "alpha", now=now)
    pass_quiz(mentor("halfway").id, "alpha", now)
    certify(mentor("certified"), now - timedelta(days=1))
    for stage in ("eligible", "matched", "suspended", "revoked"):
        user = mentor(stage)
        certify(user, now - timedelta(days=2))
        clear_all(staff.id, user, at=now - timedelta(days=1))
    matching.create_match(
        db.session,
        staff.id,
        course,
        model="group",
        mentor_ids=[people["matched"]],
        youth_codes=["YTH-1001", "YTH-1002"],
        started_on=now.date(),
    )
    certificates.suspend(
        db.session, staff.id, _first_certificate(people["suspended"]), "A concern", now=now
    )
    certificates.revoke(
        db.session, staff.id, _first_certificate(people["revoked"]), "Final", now=now
    )
    expired = mentor("expired")
    certify(expired, now - timedelta(days=400))
    clear_all(staff.id, expired, at=now - timedelta(days=1))
    changed = mentor("type-changed")
    certify(changed, now - timedelta(days=3))
    clear_all(staff.id, changed, at=now - timedelta(days=2))
    mentors.change_mentor_type(db.session, staff.id, changed.id, "survivor_mentor", now=now)
    clear_all(staff.id, changed, at=now)
    renewed = mentor("renewed")
    certify(renewed, now - timedelta(days=340))
    clear_all(staff.id, renewed, at=now - timedelta(days=300))
    for slug in ("alpha", "beta"):
        pass_quiz(renewed.id, slug, now - timedelta(days=1))
    people["staff"] = staff.id
    return people


def _first_certificate(user_id: int) -> int:
    found = latest_certificate(user_id)
    assert found is not None
    return found.id


def test_roster_detail_my_training_and_the_api_agree_at_every_stage(app, client) -> None:
    people = seed_every_stage()
    staff_id = people.pop("staff")
    staff = db.session.get(User, staff_id)
    sign_in(client, staff)
    export = client.get("/staff/mentors.csv").get_data(as_text=True)
    rows = {row["Email"]: row for row in csv.DictReader(io.StringIO(export.lstrip("\ufeff")))}
    mentor_client = app.test_client()
    seen_statuses = set()
    for stage, user_id in people.items():
        user = db.session.get(User, user_id)
        truth = standing.for_mentor(db.session, user, current_course())
        seen_statuses.add(truth.certificate_status)
        summary = f"{truth.passed_count} of {truth.required_count} quizzes passed"

        row = rows[user.email]
        assert (row["Quizzes passed"], row["Quizzes required"]) == (
            str(truth.passed_count),
            str(truth.required_count),
        ), stage
        assert row["Certificate"] == (truth.certificate_status or "none"), stage
        assert row["Eligible"] == ("yes" if truth.eligible else "no"), stage
        assert row["Matched"] == ("yes" if truth.matched else "no"), stage

        detail = client.get(f"/staff/mentors/{user_id}").get_data(as_text=True)
        assert f"{summary} · {truth.percent}% complete" in detail, stage
        assert ("<strong>Eligible.</strong>" in detail) == truth.eligible, stage
        assert ("<strong>Not eligible.</strong>" in detail) == (not truth.eligible), stage

        sign_in(mentor_client, user)
        mine = mentor_client.get("/training").get_data(as_text=True)
        assert f"{truth.percent}% complete · {summary}" in mine, stage
        assert ("You are ready to be matched" in mine) == (truth.eligible and not truth.matched)
        assert ("You are matched" in mine) == truth.matched, stage
        post_form(mentor_client, "/sign-out", page="/training")

        if truth.certificate is not None:
            answer = client.get(f"/api/v1/certificates/{truth.certificate.code}").get_json()
            assert answer["status"] == truth.certificate_status, stage
    assert seen_statuses == {None, "valid", "expired", "suspended", "revoked"}
    expected_eligible = {"eligible", "matched", "renewed"}
    assert {
        stage for stage, user_id in people.items() if rows_eligible(rows, user_id)
    } == expected_eligible


def rows_eligible(rows: dict, user_id: int) -> bool:
    return rows[db.session.get(User, user_id).email]["Eligible"] == "yes"


def test_a_matched_mentor_sees_the_match_warmly_without_youth_details(app, client) -> None:
    people = seed_every_stage()
    sign_in(client, db.session.get(User, people["matched"]))
    page = client.get("/training").get_data(as_text=True)
    assert "You are matched." in page and "group match" in page
    assert "You are ready to be matched" not in page
    assert "YTH-1001" not in page


def test_staff_re_enable_a_revoked_mentor_through_the_page(app, client) -> None:
    people = seed_every_stage()
    sign_in(client, db.session.get(User, people["staff"]))
    detail = client.get(f"/staff/mentors/{people['revoked']}").get_data(as_text=True)
    assert "Re-enable this mentor" in detail
    path = f"/staff/mentors/{people['revoked']}/reenable"
    empty = post_form(client, path, {"reason": "  "}, page=f"/staff/mentors/{people['revoked']}")
    assert empty.status_code == 302
    done = post_form(
        client, path, {"reason": "Review closed"}, page=f"/staff/mentors/{people['revoked']}"
    )
    assert done.status_code == 302
    again = post_form(
        client,
        path,
        {"reason": "Twice"},
        page=f"/staff/mentors/{people['revoked']}",
        follow_redirects=True,
    )
    assert "Only a mentor whose certificate was revoked can be re-enabled." in again.get_data(
        as_text=True
    )
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action == "certificate.reenable")
    ).all()
    assert actions == ["certificate.reenable"]
    # Elsewhere re-enabling is refused: a mentor who was never revoked.
    refused = post_form(
        client,
        f"/staff/mentors/{people['eligible']}/reenable",
        {"reason": "No"},
        page=f"/staff/mentors/{people['eligible']}",
        follow_redirects=True,
    )
    assert "Nothing was changed" in refused.get_data(as_text=True)
