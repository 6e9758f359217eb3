"""The gate, proven by a model: random sequences of events against a small model of PRODUCT.md.

The reference model below is written from the product's rules, not from the code. After every
step the real standing, the public API's statuses and the new-match form's choices must agree
with it. Failures print the shortest sequence hypothesis can find.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.content.model import ModuleChange
from app.extensions import db
from app.models import MentorStanding
from app.services import (
    certificates,
    in_person,
    matching,
    mentors,
    progress,
    quizzes,
    roster,
    screening,
    standing,
    standing_store,
)
from app.services.errors import DomainError, NotAllowed
from app.web import current_course
from tests.conftest import empty_tables
from tests.factories import certificates_of, make_user
from tests.services.test_certificates import NOW
from tests.services.test_quizzes import answers_for

# The fixture course: alpha, then beta (needs alpha) for everyone; gamma for survivor mentors.
PATHS = {
    "community_volunteer": ("alpha", "beta"),
    "care_provider": ("alpha", "beta"),
    "survivor_mentor": ("alpha", "beta", "gamma"),
}
STEPS = {
    "community_volunteer": ("background_check", "reference_check", "interview"),
    "care_provider": ("background_check", "reference_check", "interview"),
    "survivor_mentor": (
        "background_check",
        "reference_check",
        "interview",
        "readiness_conversation",
    ),
}
COOL_DOWN = {"alpha": (2, timedelta(hours=24))}  # failures in a row, pause
VALID_MONTHS = 12
IN_PERSON_HOURS = 2  # the default when course.yaml says nothing
RENEWAL = timedelta(days=60)
REFRESHER_GRACE = timedelta(days=60)  # REFRESHER_GRACE_DAYS's default


@dataclass
class ModelCertificate:
    """A certificate as PRODUCT.md describes it."""

    issued: datetime
    start: datetime
    end: datetime
    modules: frozenset[str]
    versions: dict[str, int] = field(default_factory=dict)  # the module versions it certified
    refreshed: dict[str, int] = field(default_factory=dict)  # refreshers taken, per module


@dataclass
class Model:
    """The rules of PRODUCT.md for one mentor, as plainly as they can be written."""

    now: datetime = NOW
    mentor_type: str = "community_volunteer"
    passes: dict[str, list[datetime]] = field(default_factory=dict)
    failures: dict[str, list[datetime]] = field(default_factory=dict)
    paused_until: dict[str, datetime] = field(default_factory=dict)
    certificates: list[ModelCertificate] = field(default_factory=list)
    suspended_since: datetime | None = None
    revocations: list[list[datetime | None]] = field(default_factory=list)  # [at, re-enabled]
    cleared: dict[str, bool] = field(default_factory=dict)
    screened: dict[str, tuple[bool, date]] = field(default_factory=dict)
    in_person_hours: float = 0.0
    open_matches: int = 0
    # Each module's changes after version 1: (version, the day it takes effect).
    changes: dict[str, list[tuple[int, date]]] = field(default_factory=dict)

    def in_effect(self, slug: str, after: int) -> list[tuple[int, date]]:
        """The changes to `slug` in effect now that came after version `after`."""
        return [
            (version, day)
            for version, day in self.changes.get(slug, [])
            if version > after and datetime.combine(day, time.min, tzinfo=UTC) <= self.now
        ]

    def version(self, slug: str) -> int:
        return max((v for v, _ in self.in_effect(slug, 1)), default=1)

    def refresher_overdue(self, cert: ModelCertificate) -> bool:
        """A change since the version it certified, not refreshed, past its grace period."""
        for slug in self.path() & cert.modules:
            have = max(cert.versions.get(slug, 1), cert.refreshed.get(slug, 1))
            pending = self.in_effect(slug, have)
            if pending and self.now.date() > pending[0][1] + REFRESHER_GRACE:
                return True
        return False

    def refresh(self, slug: str) -> None:
        """A pass after the change (the module read as it is now) refreshes every valid certificate."""
        for cert in self.certificates:
            if self.status(cert) != "valid" or slug not in cert.modules or slug not in self.path():
                continue
            pending = self.in_effect(
                slug, max(cert.versions.get(slug, 1), cert.refreshed.get(slug, 1))
            )
            if pending:
                cert.refreshed[slug] = pending[-1][0]

    @property
    def revoked(self) -> bool:
        return bool(self.revocations) and self.revocations[-1][1] is None

    def status(self, cert: ModelCertificate) -> str:
        for at, again in self.revocations:
            if cert.end > at and (again is None or cert.issued < again):
                return "revoked"
        if self.suspended_since is not None and cert.end > self.suspended_since:
            return "suspended"
        return "expired" if self.now >= cert.end else "valid"

    def path(self) -> frozenset[str]:
        return frozenset(PATHS[self.mentor_type])

    def counts(self, cert: ModelCertificate) -> bool:
        in_force = cert.start <= self.now < cert.end and self.status(cert) == "valid"
        return in_force and self.path() <= cert.modules and not self.refresher_overdue(cert)

    def eligible(self) -> bool:
        certified = any(self.counts(c) for c in self.certificates)
        steps = all(self.cleared.get(step) for step in STEPS[self.mentor_type])
        return certified and steps and self.in_person_hours >= IN_PERSON_HOURS

    def passed_since(self, slug: str, since: datetime | None) -> bool:
        return any(since is None or at >= since for at in self.passes.get(slug, []))

    def after_pass(self) -> None:
        """A pass may complete the path: issue the next certificate, as PRODUCT.md says."""
        if self.revoked or self.suspended_since is not None:
            return
        reenabled = max((again for _, again in self.revocations if again), default=None)
        live = [c for c in self.certificates if self.status(c) != "revoked"]
        latest = live[-1] if live else None
        if latest is None:
            since, start, end = reenabled, self.now, None
            needed = self.path()
        elif self.path() <= latest.modules:
            opens = latest.end - RENEWAL
            if self.now < opens:
                return
            since = max(opens, reenabled) if reenabled else opens
            start, end, needed = max(latest.end, self.now), None, self.path()
        elif self.now < latest.end:
            since, start, end = reenabled, self.now, latest.end
            needed = self.path() - latest.modules
        else:
            opens = latest.end - RENEWAL
            since = max(opens, reenabled) if reenabled else opens
            start, end, needed = self.now, None, self.path()
        if all(self.passed_since(slug, since) for slug in needed):
            modules = self.path() | (latest.modules if latest and end else frozenset())
            end = end or certificates.add_months(start, VALID_MONTHS)
            versions = {slug: self.version(slug) for slug in modules}
            self.certificates.append(ModelCertificate(self.now, start, end, modules, versions))


class GateMachine(RuleBasedStateMachine):
    """Drives the real services on the real database beside the model."""

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.youth = 0

    @initialize()
    def people(self) -> None:
        self.staff = make_user(role="staff")
        self.mentor = make_user(mentor_type="community_volunteer")
        self.course = current_course()

    # Events ------------------------------------------------------------------------------------

    def _attempt(self, slug: str, correct: bool) -> None:
        model, now = self.model, self.model.now
        progress.mark_read(db.session, self.mentor.id, self.course, slug, now=now)
        blocked = (slug == "beta" and not model.passes.get("alpha")) or (
            model.paused_until.get(slug, now) > now
        )
        if blocked:
            with pytest.raises(NotAllowed):
                quizzes.start_attempt(db.session, self.mentor.id, self.course, slug, now=now)
            return
        attempt = quizzes.start_attempt(db.session, self.mentor.id, self.course, slug, now=now)
        form = answers_for(attempt, correct=correct)
        quizzes.submit_attempt(db.session, self.mentor.id, attempt.id, form, self.course, now=now)
        if correct:
            model.passes.setdefault(slug, []).append(now)
            model.failures[slug] = []
            model.refresh(slug)  # read just above, as it is now
            model.after_pass()
        else:
            streak = model.failures.setdefault(slug, [])
            streak.append(now)
            limit, pause = COOL_DOWN.get(slug, (3, timedelta(hours=24)))
            if len(streak) >= limit:
                model.paused_until[slug] = now + pause
                model.failures[slug] = []

    @rule(slug=st.sampled_from(["alpha", "beta", "gamma"]))
    def pass_quiz(self, slug: str) -> None:
        self._attempt(slug, correct=True)

    @rule()
    def pass_every_quiz_on_the_path(self) -> None:
        for slug in PATHS[self.model.mentor_type]:
            self._attempt(slug, correct=True)

    @rule()
    def clear_every_screening_step(self) -> None:
        for step in STEPS[self.model.mentor_type]:
            self.record_screening(step, True)

    @rule(hours=st.sampled_from(["0.5", "1", "2"]))
    def attend_in_person(self, hours: str) -> None:
        model = self.model
        in_person.record_session(
            db.session,
            self.staff.id,
            in_person.SessionInput(
                held_on=model.now.date(),
                topic="Trauma-informed practice",
                hours=hours,
                facilitator="Ms. Rivera",
                mentor_ids=[self.mentor.id],
            ),
            now=model.now,
        )
        model.in_person_hours += float(hours)

    @rule()
    def become_ready(self) -> None:
        self.pass_every_quiz_on_the_path()
        self.clear_every_screening_step()
        if self.model.in_person_hours < IN_PERSON_HOURS:
            self.attend_in_person("2")

    @rule(slug=st.sampled_from(["alpha"]))
    def fail_quiz(self, slug: str) -> None:
        self._attempt(slug, correct=False)

    @rule(slug=st.sampled_from(["alpha", "beta"]))
    def module_version_bump(self, slug: str) -> None:
        """The author raises a module's version, taking effect today."""
        model = self.model
        history = model.changes.setdefault(slug, [])
        number = len(history) + 2
        history.append((number, model.now.date()))
        path = tuple(
            replace(
                entry,
                version=number,
                changes=(
                    *entry.changes,
                    ModuleChange(number, model.now.date(), f"Change {number}"),
                ),
            )
            if entry.slug == slug
            else entry
            for entry in self.course.path
        )
        module = self.course.modules[slug]
        changed = replace(module, version=f"{module.version[:8]}v{number:03d}")
        self.course = replace(
            self.course, path=path, modules={**self.course.modules, slug: changed}
        )
        # As a deploy would: the app runs the new course, so stored standings follow it.
        current_app.extensions["mentor_ready.course"] = self.course

    @rule(days=st.sampled_from([1, 3, 20, 45, 100, 200, 330, 380]))
    def time_passes(self, days: int) -> None:
        self.model.now += timedelta(days=days)

    def _latest(self):
        found = certificates_of(self.mentor.id)
        return found[0] if found else None

    def _decide(self, action: str, allowed: bool) -> bool:
        latest = self._latest()
        if latest is None:
            return False
        now = self.model.now
        if allowed:
            getattr(certificates, action)(db.session, self.staff.id, latest.id, "Why", now=now)
        else:
            with pytest.raises(DomainError):
                getattr(certificates, action)(db.session, self.staff.id, latest.id, "Why", now=now)
        return allowed

    @precondition(lambda self: self.model.certificates)
    @rule()
    def suspend(self) -> None:
        model = self.model
        if self._decide("suspend", not model.revoked and model.suspended_since is None):
            model.suspended_since = model.now

    @precondition(lambda self: self.model.certificates)
    @rule()
    def lift(self) -> None:
        model = self.model
        if self._decide("lift", not model.revoked and model.suspended_since is not None):
            model.suspended_since = None

    @precondition(lambda self: self.model.certificates)
    @rule()
    def revoke(self) -> None:
        model = self.model
        if self._decide("revoke", not model.revoked):
            model.revocations.append([model.now, None])
            model.suspended_since = None

    @precondition(lambda self: self.model.certificates)
    @rule()
    def reenable(self) -> None:
        model = self.model
        now = model.now
        if model.revoked:
            certificates.reenable(db.session, self.staff.id, self.mentor.id, "Why", now=now)
            model.revocations[-1][1] = now
        else:
            with pytest.raises(DomainError):
                certificates.reenable(db.session, self.staff.id, self.mentor.id, "Why", now=now)

    @rule(mentor_type=st.sampled_from(sorted(PATHS)))
    def change_type(self, mentor_type: str) -> None:
        model = self.model
        if mentor_type == model.mentor_type:
            return
        mentors.change_mentor_type(
            db.session, self.staff.id, self.mentor.id, mentor_type, now=model.now
        )
        model.mentor_type = mentor_type

    @rule(
        step=st.sampled_from(
            ["background_check", "reference_check", "interview", "readiness_conversation"]
        ),
        cleared=st.booleans(),
    )
    def record_screening(self, step: str, cleared: bool) -> None:
        model = self.model
        if step not in STEPS[model.mentor_type]:
            return
        record = dict(
            step=step,
            result="cleared" if cleared else "not_cleared",
            completed_on=model.now.date(),
            now=model.now,
        )
        # The same result on the same day again is a double click: refused, nothing added.
        if model.screened.get(step) == (cleared, model.now.date()):
            with pytest.raises(DomainError, match="already recorded"):
                screening.record_result(
                    db.session, self.staff.id, self.mentor.id, self.course, **record
                )
            return
        screening.record_result(db.session, self.staff.id, self.mentor.id, self.course, **record)
        model.cleared[step] = cleared
        model.screened[step] = (cleared, model.now.date())

    @rule()
    def match(self) -> None:
        model = self.model
        self.youth += 1
        arguments = dict(
            model="one_to_one",
            mentor_ids=[self.mentor.id],
            youth_codes=[f"YTH-{self.youth:04d}"],
            started_on=model.now.date(),
            now=model.now,
        )
        if model.eligible():
            matching.create_match(db.session, self.staff.id, self.course, **arguments)
            model.open_matches += 1
        else:
            with pytest.raises(matching.MatchRefused):
                matching.create_match(db.session, self.staff.id, self.course, **arguments)

    @precondition(lambda self: self.model.open_matches)
    @rule()
    def end_match(self) -> None:
        model = self.model
        [match] = matching.list_matches(db.session, open_only=True, mentor_id=self.mentor.id)[:1]
        matching.end_match(
            db.session,
            self.staff.id,
            match.id,
            ended_on=max(model.now.date(), match.started_on),
            reason="Ended well",
            now=model.now,
        )
        model.open_matches -= 1

    # What must always agree --------------------------------------------------------------------

    @invariant()
    def the_real_gate_agrees_with_the_model(self) -> None:
        if not hasattr(self, "mentor"):
            return
        model = self.model
        db.session.expire_all()
        real = standing.for_mentor(db.session, self.mentor, self.course, model.now)
        assert real.eligible == model.eligible(), (real.reasons, model)
        assert real.matched == (model.open_matches > 0)
        issued = sorted(certificates_of(self.mentor.id), key=lambda c: c.period)
        assert len(issued) == len(model.certificates), (issued, model.certificates)
        for real_certificate, expected in zip(issued, model.certificates, strict=True):
            assert set(real_certificate.modules) == expected.modules
            assert (real_certificate.valid_from, real_certificate.valid_until) == (
                expected.start,
                expected.end,
            )
            public = certificates.verify(
                db.session, real_certificate.code, "initial", now=model.now
            )
            assert public is not None and public.status == model.status(expected)
        offered = [
            user.id for user, _ in matching.eligible_candidates(db.session, self.course, model.now)
        ]
        assert (self.mentor.id in offered) == model.eligible()

    @invariant()
    def the_stored_standing_is_a_fresh_evaluation(self) -> None:
        """The row written with the facts, while its `changes_at` has not passed, and after a
        refresh once it has, equals `evaluate` run now."""
        if not hasattr(self, "mentor"):
            return
        now = self.model.now
        db.session.expire_all()
        fresh = standing_store.values(
            standing.for_mentor(db.session, self.mentor, self.course, now)
        )
        row = standing_store.stored(db.session, self.mentor.id)
        assert row is not None, "every account has a stored standing"
        # Written under the same rules and not yet due: it needs no refresh, so it must be right.
        still_right = (
            row.fingerprint == standing_store.fingerprint(self.course)
            and row.evaluated_at <= now
            and (row.changes_at is None or now < row.changes_at)
        )
        if still_right:
            assert standing_store.row_values(row) == fresh, row.evaluated_at
        standing_store.refresh_due(db.session, self.course, now)
        row = standing_store.stored(db.session, self.mentor.id)
        assert row.fingerprint == standing_store.fingerprint(self.course)
        assert standing_store.row_values(row) == fresh
        assert row.changes_at is None or row.changes_at > now
        # The dashboard counts clock-free stages by the row's flags and filters the roster by
        # SQL tests of its columns: both say the same of this mentor.
        conditions = roster.stage_conditions(now)
        for stage, bit in standing_store.STAGE_BITS.items():
            in_stage = db.session.scalar(
                sa.select(conditions[stage]).where(MentorStanding.user_id == self.mentor.id)
            )
            assert bool(row.listed and row.stage_flags & bit) == bool(in_stage), stage


GATE_SETTINGS = settings(
    max_examples=int(os.environ.get("GATE_MODEL_EXAMPLES", "60")),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def test_the_gate_agrees_with_the_model_under_every_sequence(app) -> None:
    """Each example starts from empty tables, so examples never see each other's mentors."""

    course = app.extensions["mentor_ready.course"]

    def fresh_machine() -> GateMachine:
        empty_tables()
        app.extensions["mentor_ready.course"] = course
        return GateMachine()

    run_state_machine_as_test(fresh_machine, settings=GATE_SETTINGS)
