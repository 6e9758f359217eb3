"""Refreshers, proven against a small reference: random change histories, certificates, refreshers
taken and moments, and the standing must say what the rule says.

The rule (from the product's description of refreshers): a certificate in force that certified an
older version of a module on the path needs a refresher for each change in effect since; it is due
by the first such change's date plus the grace period, and once that day has passed without it the
certificate no longer counts. A refresher certifies the version it was taken at.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.content import load_course
from app.content.model import ModuleChange
from app.models import Certificate, User
from app.services import certificates, standing
from tests.conftest import FIXTURE_COURSE

BASE = load_course(FIXTURE_COURSE / "modules", FIXTURE_COURSE / "quizzes")
START = date(2026, 1, 1)
MENTOR = User(id=1, name="Model Mentor", email="m@example.org", role="mentor")
MENTOR.mentor_type = "community_volunteer"
Attempt = namedtuple(
    "Attempt", "module_slug kind started_at submitted_at passed score"
)  # the columns the standing reads


def course_with(changes: list[date], grace_days: int):
    """The fixture course with beta bumped once per date (versions 2, 3, ...)."""
    history = tuple(
        ModuleChange(version=number, date=day, summary=f"Change {number}")
        for number, day in enumerate(changes, start=2)
    )
    path = tuple(
        replace(entry, version=1 + len(history), changes=history) if entry.slug == "beta" else entry
        for entry in BASE.path
    )
    return replace(BASE, path=path, refresher_grace=timedelta(days=grace_days))


def reference(
    certified: int, done: int, changes: list[date], now: datetime, grace_days: int
) -> tuple[int, date, bool] | None:
    """(version to catch up to, last day on time, overdue) or None: the rule, plainly."""
    have = max(certified, done)
    pending = [
        (number, day)
        for number, day in enumerate(changes, start=2)
        if number > have and datetime.combine(day, time.min, tzinfo=UTC) <= now
    ]
    if not pending:
        return None
    last_day = pending[0][1] + timedelta(days=grace_days)
    return pending[-1][0], last_day, now.date() > last_day


days = st.integers(min_value=0, max_value=700)


@settings(max_examples=300, deadline=None)
@given(
    offsets=st.lists(days, max_size=4).map(sorted),
    issued_offset=days,
    certified_extra=st.integers(min_value=0, max_value=4),
    done=st.integers(min_value=1, max_value=6),
    now_offset=st.integers(min_value=0, max_value=900),
    now_seconds=st.integers(min_value=0, max_value=86_399),
    grace_days=st.integers(min_value=0, max_value=120),
    reread=st.booleans(),
)
def test_the_standing_agrees_with_the_reference(
    offsets, issued_offset, certified_extra, done, now_offset, now_seconds, grace_days, reread
) -> None:
    changes = [START + timedelta(days=offset) for offset in offsets]
    course = course_with(changes, grace_days)
    issued = datetime.combine(START, time.min, tzinfo=UTC) + timedelta(days=issued_offset)
    now = datetime.combine(START, time.min, tzinfo=UTC) + timedelta(
        days=now_offset, seconds=now_seconds
    )
    beta_entry = course.entry("beta")
    certified = min(beta_entry.version_at(issued) + certified_extra, beta_entry.version)
    certificate = Certificate(
        id=7,
        user_id=MENTOR.id,
        period=1,
        code="0" * 16,
        issued_at=issued,
        valid_from=issued,
        valid_until=issued + timedelta(days=2000),
        course_title=course.title,
        course_version=course.version,
        modules=["alpha", "beta"],
        module_versions={"alpha": 1, "beta": certified},
    )
    beta = course.module("beta")
    facts = standing.Facts(
        user=MENTOR,
        reads={"alpha": issued, "beta": issued},
        attempts=tuple(
            Attempt(slug, "quiz", issued, issued, True, 100) for slug in ("alpha", "beta")
        ),
        chain=certificates.chain([certificate], [], now),
        screening=(),
        in_person_hours=0.0,
        matches=(),
        read_versions={("beta", beta.version): issued} if reread else {},
        refreshers_done={(certificate.id, "beta"): done} if done > 1 else {},
    )
    verdict = standing.evaluate(facts, course, now)
    expected = reference(certified, done, changes, now, grace_days)
    in_force = issued <= now

    if not in_force or expected is None:
        assert verdict.refreshers == ()
        assert (verdict.counting is not None) == in_force
        return
    version, last_day, overdue = expected
    [item] = verdict.refreshers
    assert (item.version, item.due_on, item.overdue, item.reread) == (
        version,
        last_day,
        overdue,
        reread,
    )
    assert (verdict.counting is None) == overdue
    assert ("refresher_overdue" in [r.code for r in verdict.reasons]) == overdue
    assert verdict.certificate_label == (
        "Refresher overdue" if overdue else f"Refresher due by {last_day:%-d %B %Y}"
    )
    beta_state = verdict.module("beta")
    assert beta_state.refresher == item
    assert (beta_state.locked_reason == standing.REFRESHER_LOCK) == (not reread)
