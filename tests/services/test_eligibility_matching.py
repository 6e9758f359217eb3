"""Eligibility (one rule) and matching (only eligible mentors, youth as codes only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Match, MatchYouth, ScreeningRecord
from app.services import certificates, in_person, matching, screening, standing
from app.services.errors import DomainError
from app.web import current_course
from tests.factories import latest_certificate, make_user
from tests.services.test_certificates import NOW, certify

STEPS = ("background_check", "reference_check", "interview")


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def attend_in_person(staff_id: int, mentor, hours: str = "2", at: datetime = NOW) -> None:
    """Record the mentor at an in-person session of `hours`."""
    in_person.record_session(
        db.session,
        staff_id,
        in_person.SessionInput(
            held_on=at.date(),
            topic="Meeting youth where they are",
            hours=hours,
            facilitator="Ms. Rivera",
            mentor_ids=[mentor.id],
        ),
        now=at,
    )


def clear_all(staff_id: int, mentor, result: str = "cleared", at: datetime = NOW) -> None:
    """Every screening step recorded with `result`; when cleared, the in-person hours attended too."""
    if result == "cleared":
        needed = current_course().in_person_hours_for(mentor.mentor_type)
        if needed:
            attend_in_person(staff_id, mentor, f"{needed:g}", at)
    for step in current_course().screening_for(mentor.mentor_type):
        screening.record_result(
            db.session,
            staff_id,
            mentor.id,
            current_course(),
            step=step,
            result=result,
            completed_on=at.date(),
            now=at,
        )


def eligible_mentor(staff_id: int, **kwargs):
    mentor = make_user(**kwargs)
    certify(mentor)
    clear_all(staff_id, mentor)
    return mentor


def codes(verdict) -> list[str]:
    return [reason.code for reason in verdict.reasons]


def test_a_new_mentor_is_not_eligible_with_every_reason(app) -> None:
    mentor = make_user()
    verdict = standing.for_mentor(db.session, mentor, current_course(), NOW)
    assert not verdict.eligible
    assert codes(verdict) == ["no_certificate", *[f"pending:{s}" for s in STEPS], "in_person_hours"]
    assert [item.text for item in verdict.checklist][1] == "Waiting for your program."


def test_certificate_and_every_step_cleared_make_a_mentor_eligible(app) -> None:
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    assert standing.for_mentor(
        db.session, mentor, current_course(), NOW + timedelta(days=1)
    ).eligible


def test_survivor_mentors_also_need_the_readiness_conversation(app) -> None:
    staff = make_user(role="staff")
    mentor = make_user(mentor_type="survivor_mentor")
    certify(mentor)
    attend_in_person(staff.id, mentor)
    for step in STEPS:
        screening.record_result(
            db.session,
            staff.id,
            mentor.id,
            current_course(),
            step=step,
            result="cleared",
            completed_on=NOW.date(),
            now=NOW,
        )
    verdict = standing.for_mentor(db.session, mentor, current_course(), NOW)
    assert codes(verdict) == ["pending:readiness_conversation"]
    assert ("Readiness conversation", "Waiting for your program.") in [
        (item.label, item.text) for item in verdict.checklist if not item.done
    ]


def test_the_latest_screening_record_counts_and_nothing_is_overwritten(app) -> None:
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    screening.record_result(
        db.session,
        staff.id,
        mentor.id,
        current_course(),
        step="interview",
        result="not_cleared",
        completed_on=NOW.date(),
        now=NOW + timedelta(hours=1),
    )
    verdict = standing.for_mentor(db.session, mentor, current_course(), NOW + timedelta(hours=2))
    assert codes(verdict) == ["not_cleared:interview"]
    assert ("Interview", "Please contact your coordinator.") in [
        (item.label, item.text) for item in verdict.checklist if not item.done
    ]
    assert db.session.scalar(sa.select(sa.func.count(ScreeningRecord.id))) == 4


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"step": "readiness_conversation"}, "not part of screening"),
        ({"step": "astrology"}, "not part of screening"),
        ({"result": "maybe"}, "cleared or not cleared"),
        ({"completed_on": (NOW + timedelta(days=3)).date()}, "future"),
        ({"note": "x" * 2001}, "under 2000"),
    ],
)
def test_bad_screening_input_is_refused_and_nothing_stored(app, fields, message) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    values = {
        "step": "interview",
        "result": "cleared",
        "completed_on": NOW.date(),
        "note": "",
        **fields,
    }
    with pytest.raises(DomainError, match=message):
        screening.record_result(
            db.session, staff.id, mentor.id, current_course(), now=NOW, **values
        )
    assert db.session.scalar(sa.select(sa.func.count(ScreeningRecord.id))) == 0


def test_expiry_suspension_revocation_and_deactivation_each_end_eligibility(app) -> None:
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    certificate = latest_certificate(mentor.id)
    assert codes(
        standing.for_mentor(db.session, mentor, current_course(), certificate.valid_until)
    ) == ["certificate_expired"]
    certificates.suspend(
        db.session, staff.id, certificate.id, "Concern", now=NOW + timedelta(days=1)
    )
    assert codes(
        standing.for_mentor(db.session, mentor, current_course(), NOW + timedelta(days=2))
    ) == ["certificate_suspended"]
    certificates.revoke(db.session, staff.id, certificate.id, "Final", now=NOW + timedelta(days=3))
    assert codes(
        standing.for_mentor(db.session, mentor, current_course(), NOW + timedelta(days=4))
    ) == ["certificate_revoked"]
    mentor.deactivated_at = NOW
    db.session.commit()
    assert "inactive" in codes(
        standing.for_mentor(db.session, mentor, current_course(), NOW + timedelta(days=4))
    )


def test_mentor_wording_never_includes_the_staff_reason(app) -> None:
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    certificate = latest_certificate(mentor.id)
    certificates.suspend(db.session, staff.id, certificate.id, "Allegation from a parent", now=NOW)
    verdict = standing.for_mentor(db.session, mentor, current_course(), NOW + timedelta(hours=1))
    texts = " ".join(i.text for i in verdict.checklist)
    assert "Allegation" not in texts and "on hold" in texts.lower()


# Matching ------------------------------------------------------------------------------------


def create(staff_id: int, model: str, mentor_ids, youth, started_on: date | None = None) -> Match:
    return matching.create_match(
        db.session,
        staff_id,
        current_course(),
        model=model,
        mentor_ids=mentor_ids,
        youth_codes=youth,
        started_on=started_on or NOW.date(),
        now=NOW + timedelta(days=1),
    )


def match_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Match.id)))


def test_an_eligible_mentor_can_be_matched_one_to_one(app) -> None:
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    match = create(staff.id, "one_to_one", [mentor.id], ["Y-1001"])
    assert match.is_open and [y.youth_code for y in match.youth] == ["Y-1001"]


@pytest.mark.parametrize(
    ("model", "mentors", "youth", "message"),
    [
        ("group", 1, ["A-1", "A-2", "A-3", "A-4", "A-5"], "2 to 4 youth; 5 given"),
        ("group", 1, ["A-1"], "2 to 4 youth; 1 given"),
        ("team", 1, ["A-1", "A-2"], "at least 2 mentor"),
        ("one_to_one", 1, ["A-1", "A-2"], "exactly 1 youth"),
        ("one_to_one", 1, ["YT 12"], "youth-code format"),
        ("one_to_one", 1, ["x" * 40], "youth-code format"),
        ("one_to_one", 1, ["<script>"], "youth-code format"),
        ("one_to_one", 1, ["A-1", "a-1"], "twice"),
        ("polyamory", 1, ["A-1"], "Choose one of the matching models"),
    ],
)
def test_bad_matches_are_refused_and_nothing_stored(app, model, mentors, youth, message) -> None:
    staff = make_user(role="staff")
    ids = [eligible_mentor(staff.id).id for _ in range(mentors)]
    with pytest.raises(matching.MatchRefused) as refused:
        create(staff.id, model, ids, youth)
    assert message in " ".join(refused.value.reasons)
    assert match_count() == 0


def test_an_ineligible_inactive_or_unknown_mentor_is_refused_with_every_reason(app) -> None:
    staff = make_user(role="staff")
    good = eligible_mentor(staff.id)
    untrained = make_user(name="Una Trained")
    inactive = eligible_mentor(staff.id, name="Ina Active")
    inactive.deactivated_at = NOW
    db.session.commit()
    with pytest.raises(matching.MatchRefused) as refused:
        create(staff.id, "team", [good.id, untrained.id, inactive.id, 999999], ["T-1", "T-2"])
    text = " ".join(refused.value.reasons)
    assert "Una Trained is not eligible" in text and "No certificate" in text
    assert "Ina Active is not eligible" in text and "deactivated" in text
    assert "does not exist" in text
    assert match_count() == 0


def test_a_youth_is_in_at_most_one_open_match_of_each_model(app) -> None:
    staff = make_user(role="staff")
    first, second = eligible_mentor(staff.id), eligible_mentor(staff.id)
    match = create(staff.id, "one_to_one", [first.id], ["Y-7"])
    with pytest.raises(matching.MatchRefused, match="already in an open"):
        create(staff.id, "one_to_one", [second.id], ["y-7"])
    create(staff.id, "group", [second.id], ["Y-7", "Y-8"])  # another model is fine
    matching.end_match(
        db.session,
        staff.id,
        match.id,
        ended_on=NOW.date(),
        reason="Youth moved",
        now=NOW + timedelta(days=1),
    )
    create(staff.id, "one_to_one", [second.id], ["Y-7"])  # free again once ended
    assert match_count() == 3


def test_the_database_enforces_one_open_match_per_youth_and_model(app) -> None:
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    match = create(staff.id, "one_to_one", [mentor.id], ["Y-9"])
    db.session.add(
        MatchYouth(match_id=match.id + 0, youth_code="Y-9", model="one_to_one", is_open=True)
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_ending_a_match_records_date_and_reason(app) -> None:
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    match = create(staff.id, "one_to_one", [mentor.id], ["Y-1"])
    with pytest.raises(DomainError, match="why"):
        matching.end_match(
            db.session,
            staff.id,
            match.id,
            ended_on=NOW.date(),
            reason=" ",
            now=NOW + timedelta(days=1),
        )
    matching.end_match(
        db.session,
        staff.id,
        match.id,
        ended_on=NOW.date(),
        reason="Planned closure",
        now=NOW + timedelta(days=1),
    )
    db.session.refresh(match)
    assert match.ended_on == NOW.date() and match.closure_reason == "Planned closure"
    with pytest.raises(DomainError, match="already ended"):
        matching.end_match(
            db.session,
            staff.id,
            match.id,
            ended_on=NOW.date(),
            reason="Again",
            now=NOW + timedelta(days=1),
        )


def test_a_match_whose_mentor_loses_eligibility_needs_review_and_is_not_changed(app) -> None:
    staff = make_user(role="staff")
    mentor = eligible_mentor(staff.id)
    match = create(staff.id, "one_to_one", [mentor.id], ["Y-1"])
    assert matching.needing_review(db.session, current_course(), NOW + timedelta(days=1)) == []
    certificate = latest_certificate(mentor.id)
    certificates.suspend(
        db.session, staff.id, certificate.id, "Concern", now=NOW + timedelta(days=2)
    )
    [(flagged, problems)] = matching.needing_review(
        db.session, current_course(), NOW + timedelta(days=3)
    )
    assert flagged.id == match.id and "suspended" in problems[0]
    db.session.refresh(match)
    assert match.is_open and match.youth[0].is_open
