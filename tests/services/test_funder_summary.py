"""The funder summary: the federal mentoring performance measures over a date range."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.extensions import db
from app.services import funder_summary, matching
from app.services.funder_summary import Share, add_months
from app.web import current_course
from tests.factories import make_user
from tests.services.test_certificates import certify
from tests.services.test_eligibility_matching import eligible_mentor
from tests.services.test_reports import read, take

TODAY = date(2026, 3, 15)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(date(2025, 3, 15), 6) == date(2025, 9, 15)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2024, 12, 1), 12) == date(2025, 12, 1)


def test_recruited_and_completed_training_count_mentors_registered_in_the_range(app) -> None:
    certified = make_user(now=at(date(2026, 3, 2)))
    certify(certified, at(date(2026, 3, 20)))
    late = make_user(now=at(date(2026, 3, 3)))
    certify(late, at(date(2026, 4, 2)))  # after the range: not completed within it
    make_user(now=at(date(2026, 3, 4)))
    earlier = make_user(now=at(date(2026, 2, 1)))
    certify(earlier, at(date(2026, 3, 5)))  # recruited before the range: not counted
    make_user(role="staff", now=at(date(2026, 3, 2)))
    summary = funder_summary.funder_summary(db.session, *MARCH, TODAY)
    assert summary.recruited == 3
    assert summary.completed_training == Share(1, 3)
    assert summary.completed_training.percent == pytest.approx(100 / 3)


def test_knowledge_increased_compares_pre_check_and_first_pass_per_mentor(app) -> None:
    day = at(date(2026, 3, 10))
    better, same = make_user(now=day), make_user(now=day)
    for mentor, pre_correct in ((better, False), (same, True)):
        take(mentor.id, "alpha", day, kind="precheck", correct=pre_correct)
        read(mentor.id, "alpha", day)
        take(mentor.id, "alpha", day)
    make_user(now=day)  # no pre-check: not counted either way
    summary = funder_summary.funder_summary(db.session, *MARCH, TODAY)
    assert summary.knowledge_increased == Share(1, 2)


def test_matches_lasting_6_and_12_months(app) -> None:
    staff = make_user(role="staff")
    mentors = [eligible_mentor(staff.id) for _ in range(4)]
    started = date(2025, 1, 10)

    def match(mentor, code: str, on: date, ended: date | None = None) -> None:
        created = matching.create_match(
            db.session,
            staff.id,
            current_course(),
            model="one_to_one",
            mentor_ids=[mentor.id],
            youth_codes=[code],
            started_on=on,
            youth_code_pattern=r"^Y-\d{4}$",
        )
        if ended:
            matching.end_match(db.session, staff.id, created.id, ended_on=ended, reason="Done")

    match(mentors[0], "Y-0001", started)  # still open: lasted 6 and 12 months
    match(mentors[1], "Y-0002", started, date(2025, 4, 1))  # three months
    match(mentors[2], "Y-0003", started, date(2025, 9, 30))  # eight months
    match(mentors[3], "Y-0004", date(2025, 11, 1))  # 4.5 months old by TODAY: not yet measured
    summary = funder_summary.funder_summary(db.session, date(2025, 1, 1), date(2025, 12, 31), TODAY)
    assert summary.matches_started == 4 and summary.mentors_matched == 4
    assert summary.lasted_6_months == Share(2, 3)
    assert summary.lasted_12_months == Share(1, 3)
    rows = list(funder_summary.rows(summary))
    assert [row[0] for row in rows] == [
        "mentors_recruited",
        "completed_training",
        "knowledge_increased",
        "mentors_matched",
        "matches_lasting_6_months",
        "matches_lasting_12_months",
    ]
    assert rows[4][1:4] == [2, 3, "66.7"]


def test_an_empty_range_has_no_shares_rather_than_zero_percent(app) -> None:
    summary = funder_summary.funder_summary(db.session, *MARCH, TODAY)
    assert summary.recruited == 0 and summary.completed_training.percent is None
    assert list(funder_summary.rows(summary))[1][3] == ""
