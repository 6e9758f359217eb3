"""One mentor standing: every fact about a mentor combined in one place, for every page and rule.

The facts (reads, quiz attempts, certificates and the staff decisions on them, screening, type,
matches) are loaded once, in a fixed number of queries for one mentor or ten thousand, and combined
by the pure `evaluate`. My training, the quiz pages, mentor detail, the roster and dashboard,
matching, reports and the public verification all read what it returns; nothing else combines
these facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.content.model import Course, Module, ModuleChange, Quiz
from app.models import (
    Certificate,
    CertificateRefresher,
    Match,
    MatchMentor,
    ModuleRead,
    QuizAttempt,
    ScreeningRecord,
    User,
    utcnow,
)
from app.services import certificates as certs
from app.services import in_person

# Every word the product says about a certificate's status or a reason, in one table.
CERTIFICATE_STATUS_LABELS = {
    certs.VALID: "Valid",
    certs.EXPIRED: "Expired",
    certs.SUSPENDED: "Suspended",
    certs.REVOKED: "Revoked",
}
REASON_TEXT = {
    "inactive": "Account is deactivated.",
    "no_certificate": "No certificate yet: training not finished.",
    "path_not_covered": "Certificate does not cover this mentor type's path: {missing} still to pass.",
    "certificate_expired": "Certificate expired.",
    "certificate_suspended": "Certificate suspended.",
    "certificate_revoked": "Certificate revoked.",
    "refresher_overdue": "Refresher overdue: {modules} changed and the refresher was due by {due}.",
    "pending": "{step}: pending.",
    "not_cleared": "{step}: not cleared.",
    "in_person_hours": "In-person training: {done} of {needed} hours.",
}
CHECKLIST_TEXT = {
    "no_certificate": "Finish the training to earn your certificate.",
    "path_not_covered": "Your path changed: pass {missing} to receive a certificate for it.",
    "valid": "Valid until {until}.",
    "refresher_due": "Valid until {until}. Refresher due by {due}: {modules} changed; read it again and pass its quiz.",
    "refresher_overdue": "On hold: {modules} changed and the refresher was due by {due}. Read it again and pass its quiz to make it count again.",
    "certificate_expired": "Expired. Pass the quizzes again to renew it.",
    "certificate_suspended": "On hold for now. Your coordinator will be in touch.",
    "certificate_revoked": "No longer active. Please talk with your coordinator.",
    "pending": "Waiting for your program.",
    "not_cleared": "Please contact your coordinator.",
    "cleared": "Done on {day}.",
    "in_person_done": "{done} of {needed} hours attended.",
    "in_person_todo": "{done} of {needed} hours attended so far; your coordinator will invite you to a session.",
}
# A certificate in force that certified an older version of a module on the path.
REFRESHER_LABELS = {"due": "Refresher due by {due}", "overdue": "Refresher overdue"}
IN_PERSON_LABEL = "In-person training"
CERTIFICATE_LABEL = "Training certificate"
MODULE_STATUS = {
    "passed": "Passed",
    "refresher": "Refresher due",
    "refresher_overdue": "Refresher overdue",
    "to_renew": "Pass again to renew",
    "paused": "Quiz paused",
    "ready": "Quiz ready",
    "read": "Read",
    "not_started": "Not started",
}


def cooldown_ends(attempts: Sequence[Any], quiz: Quiz) -> list[datetime]:
    """Every moment a cool-down of these attempts ends, passed or not, oldest first.

    Failures count in a row since the last pass or the end of the last cool-down.
    """
    ends = []
    streak = 0
    graded = sorted(
        (a for a in attempts if a.kind == "quiz" and a.submitted_at is not None),
        key=lambda a: a.submitted_at,
    )
    for attempt in graded:
        if attempt.passed:
            streak = 0
            continue
        streak += 1
        if streak >= quiz.max_failures:
            ends.append(attempt.submitted_at + timedelta(hours=quiz.cooldown_hours))
            streak = 0
    return ends


def cooldown_until(attempts: Sequence[Any], quiz: Quiz, now: datetime) -> datetime | None:
    """When the quiz reopens, if these attempts have closed it; else None."""
    ends = cooldown_ends(attempts, quiz)
    return ends[-1] if ends and now < ends[-1] else None


REFRESHER_LOCK = (
    "This module changed since your certificate: read it again and mark it read to open its quiz."
)


def lock_reason(course: Course, module: Module, read: bool, passed: set[str]) -> str | None:
    """Why a module's quiz is closed (unread module, unpassed prerequisites), or None; pure.

    In English, like everything the standing says: `labels.lock_reason` words it for the reader
    (a standing is evaluated the same whoever reads it, and also where no one does)."""
    if not read:
        return "Read the module and mark it read to open its quiz."
    missing = [
        course.modules[req].title
        for req in module.requires
        if req not in passed and req in course.modules
    ]
    if missing:
        return f"Pass the quiz of {', '.join(missing)} first."
    return None


@dataclass(frozen=True)
class RefresherDue:
    """A module that changed since a certificate certified it: re-read it and pass its quiz."""

    certificate_id: int
    module: Module
    version: int  # the version now in effect, which the refresher certifies
    changes: tuple[ModuleChange, ...]  # what changed since the certified version, oldest first
    due_at: datetime  # the first change's date plus the grace period
    overdue: bool
    reread: bool  # the mentor read the module as it is now

    @property
    def due_on(self) -> date:
        """The last day the refresher is on time."""
        return (self.due_at - timedelta(microseconds=1)).date()


def refreshers_for(
    certificate: Certificate,
    path: Sequence[Module],
    course: Course,
    done: dict[tuple[int, str], int],
    read_versions: dict[tuple[str, str], datetime],
    now: datetime,
) -> tuple[RefresherDue, ...]:
    """The refreshers a certificate still needs for the modules of a path; pure.

    A module counts as certified at the version the certificate recorded, or a later one its
    holder took a refresher for; only changes in effect at `now` call for one.
    """
    due = []
    certified = set(certificate.modules or ())
    recorded = certificate.module_versions or {}
    for module in path:
        entry = course.entry(module.slug)
        if entry is None or module.slug not in certified:
            continue
        at = max(recorded.get(module.slug, 1), done.get((certificate.id, module.slug), 1))
        changes = entry.changes_since(at, now)
        if not changes:
            continue
        # On time through the whole day the grace period ends on.
        due_at = changes[0].effective_at + course.refresher_grace + timedelta(days=1)
        due.append(
            RefresherDue(
                certificate_id=certificate.id,
                module=module,
                version=changes[-1].version,
                changes=changes,
                due_at=due_at,
                overdue=now >= due_at,
                reread=(module.slug, module.version) in read_versions,
            )
        )
    return tuple(due)


@dataclass(frozen=True)
class Reason:
    """Why a mentor is not eligible, in staff wording (the mentor sees the checklist)."""

    code: str
    staff_text: str


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the mentor's eligibility checklist.

    `label` and `text` are the English words; pages in another language word it again from
    `step` (a screening step's key, "certificate" or "in_person"), `code` (a key of
    CHECKLIST_TEXT) and `values` (dates, module slugs and hours, unformatted).
    """

    label: str
    done: bool
    text: str
    step: str = ""
    code: str = ""
    values: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ModuleState:
    """Where a mentor stands on one module of their path."""

    module: Module
    read: bool
    passed: bool
    best_score: int | None
    attempts: int
    cooldown_until: datetime | None
    locked_reason: str | None
    needed: bool  # a pass is still needed for the next certificate
    refresher: RefresherDue | None = None  # the module changed since the certificate in force

    @property
    def quiz_open(self) -> bool:
        """Whether the mentor may start the quiz now."""
        return self.locked_reason is None and self.cooldown_until is None

    @property
    def status(self) -> str:
        """A short label for the module's state, in words (never colour alone)."""
        return MODULE_STATUS[self.status_code]

    @property
    def status_code(self) -> str:
        """The module's state as a key of MODULE_STATUS (pages in another language word it)."""
        if self.cooldown_until is not None:
            return "paused"
        if self.refresher is not None:
            return "refresher_overdue" if self.refresher.overdue else "refresher"
        if self.passed and self.needed:
            return "to_renew"
        if self.passed:
            return "passed"
        if self.read:
            return "ready" if self.locked_reason is None else "read"
        return "not_started"


@dataclass(frozen=True)
class NextStep:
    """The one thing a mentor should do next; `kind` (read, quiz, reread, refresher_quiz,
    review) lets a page word it in the reader's language."""

    label: str
    endpoint: str
    slug: str | None
    kind: str = ""


@dataclass(frozen=True)
class OpenMatch:
    """A match the mentor is in now (no youth details)."""

    match_id: int
    model: str
    started_on: date


@dataclass(frozen=True)
class Renewal:
    """Where a certified mentor stands with the next certificate."""

    opens_at: datetime
    is_open: bool
    next_certificate: Certificate | None
    still_to_pass: tuple[str, ...]
    # The same modules by slug, for pages and mail that name them in the reader's language.
    still_to_pass_slugs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Standing:
    """Everything the product says about one mentor, derived once."""

    user: User
    modules: tuple[ModuleState, ...]
    percent: int
    passed_count: int
    required_count: int
    next_step: NextStep | None
    chain: certs.Chain
    counting: Certificate | None  # the certificate that counts for eligibility now
    certificate: Certificate | None  # the certificate to show (counting, else the latest begun)
    certificate_status: str | None
    plan: certs.IssuePlan | None
    renewal: Renewal | None
    eligible: bool
    reasons: tuple[Reason, ...]
    checklist: tuple[ChecklistItem, ...]
    screening_pending: bool
    in_person_hours: float
    in_person_required: float
    matches: tuple[OpenMatch, ...]
    last_activity: datetime | None
    # Refreshers the certificate in force still needs (overdue ones keep it from counting).
    refreshers: tuple[RefresherDue, ...] = ()

    @property
    def refresher_overdue(self) -> bool:
        """Whether a refresher is overdue, so the certificate in force does not count."""
        return any(item.overdue for item in self.refreshers)

    @property
    def certificate_label(self) -> str | None:
        """The certificate's status in words, with a refresher due or overdue when there is one."""
        if self.certificate_status is None:
            return None
        if self.refreshers and self.certificate_status == certs.VALID:
            if self.refresher_overdue:
                return REFRESHER_LABELS["overdue"]
            due = min(item.due_on for item in self.refreshers)
            return REFRESHER_LABELS["due"].format(due=f"{due:%-d %B %Y}")
        return CERTIFICATE_STATUS_LABELS[self.certificate_status]

    @property
    def complete(self) -> bool:
        """Whether every quiz on the path has been passed at least once."""
        return self.required_count > 0 and self.passed_count == self.required_count

    @property
    def matched(self) -> bool:
        """Whether the mentor is in an open match."""
        return bool(self.matches)

    @property
    def still_to_pass(self) -> tuple[str, ...]:
        """Titles of the modules whose quiz must be passed for the next certificate."""
        return tuple(state.module.title for state in self.modules if state.needed)

    def module(self, slug: str) -> ModuleState | None:
        """The state of one module of the path (None when it is not on this mentor's path)."""
        return next((state for state in self.modules if state.module.slug == slug), None)


@dataclass(frozen=True)
class Facts:
    """What the database knows about one mentor, loaded once."""

    user: User
    reads: dict[str, datetime]
    attempts: tuple[
        Any, ...
    ]  # rows with module_slug, kind, started_at, submitted_at, passed, score
    chain: certs.Chain
    screening: tuple[ScreeningRecord, ...]
    in_person_hours: float
    matches: tuple[OpenMatch, ...]
    # The first time each (module, content version) was marked read.
    read_versions: dict[tuple[str, str], datetime] = field(default_factory=dict)
    # The highest refresher version completed for each (certificate id, module).
    refreshers_done: dict[tuple[int, str], int] = field(default_factory=dict)


def latest_screening(records: Iterable[ScreeningRecord]) -> dict[str, ScreeningRecord]:
    """The record that counts for each step: the latest recorded."""
    latest: dict[str, ScreeningRecord] = {}
    for record in sorted(records, key=lambda r: (r.recorded_at, r.id)):
        latest[record.step] = record
    return latest


def _plan(facts: Facts, required: list[str], now: datetime) -> certs.IssuePlan:
    """The next certificate the mentor can earn: the one issuing rule."""
    chain = facts.chain
    record = chain.record
    blocked = "revoked" if record.revoked else ("suspended" if record.suspended_since else None)
    live = [c for c in chain.certificates if chain.status_of(c) != certs.REVOKED]
    period = max((c.period for c in chain.certificates), default=0) + 1
    reenabled = record.reenabled_at
    latest = max(live, key=lambda c: c.period, default=None)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    opens_at: datetime | None = None
    modules = set(required)
    needed_from: dict[str, datetime | None] = {slug: reenabled for slug in required}
    if latest is not None:
        covered = set(latest.modules or ())
        if set(required) <= covered:
            # Renewal: every quiz passed again from the moment renewal opens.
            opens_at = certs.renewal_opens(latest)
            valid_from = latest.valid_until
            needed_from = {slug: _later(opens_at, reenabled) for slug in required}
        elif now < latest.valid_until:
            # The path grew (a type change): the missing modules complete it until the same end.
            valid_until = latest.valid_until
            modules |= covered
            needed_from = {slug: reenabled for slug in required if slug not in covered}
        else:
            opens_at = certs.renewal_opens(latest)
            needed_from = {slug: _later(opens_at, reenabled) for slug in required}
    passed_at: dict[str, list[datetime]] = defaultdict(list)
    for attempt in facts.attempts:
        if attempt.kind == "quiz" and attempt.passed:
            passed_at[attempt.module_slug].append(attempt.submitted_at)
    still = tuple(
        slug
        for slug, since in needed_from.items()
        if not any(since is None or at >= since for at in passed_at[slug])
    )
    return certs.IssuePlan(
        period=period,
        valid_from=valid_from,
        valid_until=valid_until,
        modules=tuple(sorted(modules)),
        still_to_pass=still,
        since=reenabled,
        opens_at=opens_at,
        blocked=blocked,
    )


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


def evaluate(facts: Facts, course: Course, now: datetime) -> Standing:
    """Combine one mentor's facts into their standing; pure, so one and many mentors share it."""
    user = facts.user
    path = course.modules_for(user.mentor_type)
    required = [module.slug for module in path]
    chain = facts.chain
    plan = _plan(facts, required, now) if required and user.role == "mentor" else None

    # The certificate that counts: in force now, not suspended or revoked, covering the path.
    in_force = [
        c for c in chain.certificates if c.valid_from <= now and chain.status_of(c) == certs.VALID
    ]
    # The certificate in force for the path; it stops counting once a refresher is overdue.
    held = max(
        (c for c in in_force if certs.covers(c, required)), key=lambda c: c.period, default=None
    )
    refreshers = (
        refreshers_for(held, path, course, facts.refreshers_done, facts.read_versions, now)
        if held is not None
        else ()
    )
    counting = None if any(item.overdue for item in refreshers) else held
    begun = [c for c in chain.certificates if c.valid_from <= now] or list(chain.certificates)
    shown = held or max(in_force or begun, key=lambda c: c.period, default=None)
    shown_status = chain.status_of(shown) if shown else None

    passed_ever = {a.module_slug for a in facts.attempts if a.kind == "quiz" and a.passed}
    needed = set(plan.still_to_pass) if plan else set()
    if held is not None and plan is not None and plan.opens_at and now < plan.opens_at:
        needed = set()  # certified, and renewal has not opened yet: nothing is due
    modules = []
    for module in path:
        mine = [a for a in facts.attempts if a.module_slug == module.slug and a.kind == "quiz"]
        graded = [a for a in mine if a.submitted_at is not None]
        scores = [a.score for a in graded if a.score is not None]
        quiz = course.quiz(module.slug)
        read = module.slug in facts.reads
        refresher = next((item for item in refreshers if item.module.slug == module.slug), None)
        locked = lock_reason(course, module, read, passed_ever)
        if locked is None and refresher is not None and not refresher.reread:
            locked = REFRESHER_LOCK
        modules.append(
            ModuleState(
                module=module,
                read=read,
                passed=module.slug in passed_ever,
                best_score=max(scores) if scores else None,
                attempts=len(graded),
                cooldown_until=cooldown_until(graded, quiz, now) if quiz else None,
                locked_reason=locked,
                needed=module.slug in needed,
                refresher=refresher,
            )
        )
    count = len(modules)
    passed_count = sum(state.passed for state in modules)
    read_count = sum(state.read or state.passed for state in modules)
    percent = round(100 * (read_count + passed_count) / (2 * count)) if count else 0

    reasons, checklist = _certificate_reasons(
        user, counting, shown, shown_status, plan, path, refreshers
    )
    screening_pending = False
    latest = latest_screening(facts.screening)
    for step in course.screening_for(user.mentor_type):
        label = course.screening_steps.get(step, step)
        entry = latest.get(step)
        if entry is None or entry.result != "cleared":
            code = "pending" if entry is None else "not_cleared"
            screening_pending = True
            reasons.append(Reason(f"{code}:{step}", REASON_TEXT[code].format(step=label)))
            checklist.append(ChecklistItem(label, False, CHECKLIST_TEXT[code], step, code))
        else:
            day = f"{entry.completed_on:%-d %B %Y}"
            text = CHECKLIST_TEXT["cleared"].format(day=day)
            values = {"day": entry.completed_on}
            checklist.append(ChecklistItem(label, True, text, step, "cleared", values))

    needed_hours = course.in_person_hours_for(user.mentor_type)
    if needed_hours > 0:
        hours = {"done": _hours(facts.in_person_hours), "needed": _hours(needed_hours)}
        done = facts.in_person_hours >= needed_hours
        if not done:
            reasons.append(
                Reason("in_person_hours", REASON_TEXT["in_person_hours"].format(**hours))
            )
        key = "in_person_done" if done else "in_person_todo"
        text = CHECKLIST_TEXT[key].format(**hours)
        checklist.append(ChecklistItem(IN_PERSON_LABEL, done, text, "in_person", key, hours))

    renewal = None
    if held is not None and plan is not None and plan.opens_at is not None:
        upcoming = next(
            (
                c
                for c in chain.certificates
                if c.valid_from > now and chain.status_of(c) == certs.VALID
            ),
            None,
        )
        renewal = Renewal(
            opens_at=plan.opens_at,
            is_open=now >= plan.opens_at and upcoming is None,
            next_certificate=upcoming,
            still_to_pass=tuple(
                state.module.title for state in modules if state.module.slug in plan.still_to_pass
            ),
            still_to_pass_slugs=tuple(
                state.module.slug for state in modules if state.module.slug in plan.still_to_pass
            ),
        )
        if upcoming is not None:
            for index, state in enumerate(modules):
                modules[index] = replace(state, needed=False)

    last = [*facts.reads.values(), *(a.started_at for a in facts.attempts)]
    return Standing(
        user=user,
        modules=tuple(modules),
        percent=percent,
        passed_count=passed_count,
        required_count=count,
        next_step=_next_step(modules),
        chain=chain,
        counting=counting,
        certificate=shown,
        certificate_status=shown_status,
        plan=plan,
        renewal=renewal,
        eligible=not reasons and user.role == "mentor",
        reasons=tuple(reasons),
        checklist=tuple(checklist),
        screening_pending=screening_pending,
        in_person_hours=facts.in_person_hours,
        in_person_required=needed_hours,
        matches=facts.matches,
        last_activity=max(last, default=None),
        refreshers=refreshers,
    )


def _hours(value: float) -> str:
    return f"{value:g}"


def _certificate_reasons(
    user: User,
    counting: Certificate | None,
    shown: Certificate | None,
    shown_status: str | None,
    plan: certs.IssuePlan | None,
    path: Sequence[Module],
    refreshers: Sequence[RefresherDue],
) -> tuple[list[Reason], list[ChecklistItem]]:
    reasons: list[Reason] = []
    checklist: list[ChecklistItem] = []
    label = CERTIFICATE_LABEL
    if not user.is_active:
        reasons.append(Reason("inactive", REASON_TEXT["inactive"]))
    if refreshers:
        due_on = min(item.due_on for item in refreshers)
        words = {
            "modules": ", ".join(f"“{item.module.title}”" for item in refreshers),
            "due": f"{due_on:%-d %B %Y}",
        }
        values: dict[str, Any] = {
            "modules": tuple(item.module.slug for item in refreshers),
            "due": due_on,
        }
        if counting is None:
            reasons.append(
                Reason("refresher_overdue", REASON_TEXT["refresher_overdue"].format(**words))
            )
            text = CHECKLIST_TEXT["refresher_overdue"].format(**words)
            checklist.append(
                ChecklistItem(label, False, text, "certificate", "refresher_overdue", values)
            )
            return reasons, checklist
        until = f"{counting.valid_until:%-d %B %Y}"
        text = CHECKLIST_TEXT["refresher_due"].format(until=until, **words)
        values["until"] = counting.valid_until
        checklist.append(ChecklistItem(label, True, text, "certificate", "refresher_due", values))
        return reasons, checklist
    if counting is not None:
        until = f"{counting.valid_until:%-d %B %Y}"
        text = CHECKLIST_TEXT["valid"].format(until=until)
        values = {"until": counting.valid_until}
        checklist.append(ChecklistItem(label, True, text, "certificate", "valid", values))
        return reasons, checklist
    if shown is None:
        code = "no_certificate"
    elif shown_status == certs.VALID:
        code = "path_not_covered"
    else:
        code = f"certificate_{shown_status}"
    titles = {module.slug: module.title for module in path}
    missing_slugs = tuple(slug for slug in (plan.still_to_pass if plan else ()) if slug in titles)
    missing = ", ".join(f"“{titles[slug]}”" for slug in missing_slugs)
    reasons.append(Reason(code, REASON_TEXT[code].format(missing=missing or "the new modules")))
    text = CHECKLIST_TEXT[code].format(missing=missing or "the new modules")
    values = {"missing": missing_slugs}
    checklist.append(ChecklistItem(label, False, text, "certificate", code, values))
    return reasons, checklist


def _next_step(modules: list[ModuleState]) -> NextStep | None:
    """The next open thing: an unread module, then an open quiz; a paused quiz comes last.

    A refresher comes first: the certificate stops counting when it is overdue.
    """
    for state in modules:
        if state.refresher is None or state.cooldown_until is not None:
            continue
        title = state.module.title
        if not state.refresher.reread:
            return NextStep(
                f"Read “{title}” again: it changed", "learn.module", state.module.slug, "reread"
            )
        return NextStep(
            f"Take the refresher quiz: “{title}”", "quiz.start", state.module.slug, "refresher_quiz"
        )
    todo = [state for state in modules if state.needed or not state.passed or state.refresher]
    for state in todo:
        title = state.module.title
        if not state.read:
            return NextStep(f"Read “{title}”", "learn.module", state.module.slug, "read")
        if state.quiz_open:
            return NextStep(f"Take the quiz: “{title}”", "quiz.start", state.module.slug, "quiz")
    for state in todo:
        if state.cooldown_until is not None:
            title = state.module.title
            return NextStep(f"Review “{title}”", "learn.module", state.module.slug, "review")
    return None


def _ids_clause(users: Sequence[User] | sa.ScalarSelect) -> Any:
    return users if isinstance(users, sa.ScalarSelect) else [user.id for user in users]


def load_facts(
    session: Session,
    users: Sequence[User],
    now: datetime,
    ids: sa.ScalarSelect | None = None,
    *,
    modules_only: bool = False,
) -> dict[int, Facts]:
    """Every fact about these mentors in seven queries, whatever their number.

    `ids` may be the subquery the users came from, so a long roster never inlines its ids.
    `modules_only` leaves out what only eligibility reads (screening, in-person hours, open
    matches): for a page that shows module states alone, whose standing's eligibility is then
    not to be read.
    """
    id_filter: Any = ids if ids is not None else [user.id for user in users]
    if not users:
        return {}
    reads: dict[int, dict[str, datetime]] = defaultdict(dict)
    read_versions: dict[int, dict[tuple[str, str], datetime]] = defaultdict(dict)
    for user_id, slug, version, first in session.execute(
        sa.select(
            ModuleRead.user_id,
            ModuleRead.module_slug,
            ModuleRead.content_version,
            sa.func.min(ModuleRead.read_at),
        )
        .where(ModuleRead.user_id.in_(id_filter))
        .group_by(ModuleRead.user_id, ModuleRead.module_slug, ModuleRead.content_version)
    ):
        read_versions[user_id][(slug, version)] = first
        if slug not in reads[user_id] or first < reads[user_id][slug]:
            reads[user_id][slug] = first
    attempts: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(
        sa.select(
            QuizAttempt.user_id,
            QuizAttempt.module_slug,
            QuizAttempt.kind,
            QuizAttempt.started_at,
            QuizAttempt.submitted_at,
            QuizAttempt.passed,
            QuizAttempt.score,
        )
        .where(QuizAttempt.user_id.in_(id_filter))
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ):
        attempts[row.user_id].append(row)
    chains = certs.load_chains(
        session, id_filter if ids is not None else [u.id for u in users], now
    )
    screening: dict[int, list[ScreeningRecord]] = defaultdict(list)
    hours: dict[int, float] = {}
    if not modules_only:
        for record in session.scalars(
            sa.select(ScreeningRecord).where(ScreeningRecord.user_id.in_(id_filter))
        ):
            screening[record.user_id].append(record)
        hours = in_person.hours_by_mentor(session, id_filter)
    refreshers: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
    for user_id, certificate_id, slug, version in session.execute(
        sa.select(
            Certificate.user_id,
            CertificateRefresher.certificate_id,
            CertificateRefresher.module_slug,
            sa.func.max(CertificateRefresher.version),
        )
        .join(Certificate, Certificate.id == CertificateRefresher.certificate_id)
        .where(Certificate.user_id.in_(id_filter))
        .group_by(
            Certificate.user_id,
            CertificateRefresher.certificate_id,
            CertificateRefresher.module_slug,
        )
    ):
        refreshers[user_id][(certificate_id, slug)] = version
    matches: dict[int, list[OpenMatch]] = defaultdict(list)
    for user_id, match_id, model, started_on in (
        ()
        if modules_only
        else session.execute(
            sa.select(MatchMentor.user_id, Match.id, Match.model, Match.started_on)
            .join(Match, Match.id == MatchMentor.match_id)
            .where(Match.ended_on.is_(None), MatchMentor.user_id.in_(id_filter))
            .order_by(Match.started_on, Match.id)
        )
    ):
        matches[user_id].append(OpenMatch(match_id, model, started_on))
    empty = certs.chain((), (), now)
    return {
        user.id: Facts(
            user=user,
            reads=reads[user.id],
            attempts=tuple(attempts[user.id]),
            chain=chains.get(user.id, empty),
            screening=tuple(screening[user.id]),
            in_person_hours=hours.get(user.id, 0.0),
            matches=tuple(matches[user.id]),
            read_versions=read_versions[user.id],
            refreshers_done=refreshers[user.id],
        )
        for user in users
    }


def for_mentors(
    session: Session,
    users: Sequence[User],
    course: Course,
    now: datetime | None = None,
    ids: sa.ScalarSelect | None = None,
) -> dict[int, Standing]:
    """The standing of many mentors, in a constant number of queries."""
    now = now or utcnow()
    facts = load_facts(session, users, now, ids)
    return {user_id: evaluate(f, course, now) for user_id, f in facts.items()}


def for_mentor(
    session: Session, user: User, course: Course, now: datetime | None = None
) -> Standing:
    """The standing of one mentor."""
    return for_mentors(session, [user], course, now)[user.id]


def precheck_open(course: Course, slug: str, read: bool, taken: bool) -> bool:
    """Whether the ungraded pre-check is offered: before the module is read (at any version), once."""
    return course.precheck and course.quiz(slug) is not None and not read and not taken


@dataclass(frozen=True)
class ModulePage:
    """What a module's page says about the mentor, derived with their standing."""

    read: bool  # marked read, and read again as it is now when a refresher is due
    passed: bool  # the module's quiz passed at least once
    refresher: RefresherDue | None
    precheck_offered: bool


def module_page(
    session: Session, user: User, course: Course, slug: str, now: datetime | None = None
) -> ModulePage:
    """One module's page for one mentor from the facts of their standing, loaded once.

    Also right for a module outside the mentor's path (staff trying it out): it then has no
    refresher, and read and passed come from the facts as they are.
    """
    now = now or utcnow()
    # Module states read reads, attempts, certificates and refreshers only.
    facts = load_facts(session, [user], now, modules_only=True)[user.id]
    state = evaluate(facts, course, now).module(slug)
    refresher = state.refresher if state else None
    read_ever = slug in facts.reads
    mine = [attempt for attempt in facts.attempts if attempt.module_slug == slug]
    taken = any(a.kind == "precheck" and a.submitted_at is not None for a in mine)
    return ModulePage(
        # A module that changed since the mentor's certificate is read again for the refresher.
        read=read_ever and (refresher is None or refresher.reread),
        passed=any(a.kind == "quiz" and a.passed for a in mine),
        refresher=refresher,
        precheck_offered=precheck_open(course, slug, read_ever, taken),
    )


def record_refreshers(
    session: Session,
    user: User,
    course: Course,
    slug: str,
    now: datetime,
    facts: Facts | None = None,
) -> list[CertificateRefresher]:
    """Record the refresher a pass of `slug`'s quiz completes; does not commit.

    Called with the pass, under `certificates.lock_holder`. Every certificate of the holder still
    valid (in force or not yet started) that certified an older version gets it, provided the
    mentor read the module as it is now: the pass comes after the change took effect (changes
    count from their date) and after that reading.
    """
    facts = facts or load_facts(session, [user], now)[user.id]
    path = [module for module in course.modules_for(user.mentor_type) if module.slug == slug]
    chain = facts.chain
    added = []
    for certificate in chain.certificates:
        if chain.status_of(certificate) != certs.VALID:
            continue
        for item in refreshers_for(
            certificate, path, course, facts.refreshers_done, facts.read_versions, now
        ):
            if not item.reread:
                continue
            refresher = CertificateRefresher(
                certificate_id=certificate.id,
                module_slug=slug,
                version=item.version,
                completed_at=now,
            )
            session.add(refresher)
            added.append(refresher)
    session.flush()
    return added


def issue_if_complete(
    session: Session,
    user: User,
    course: Course,
    now: datetime,
    validity_months: int,
    facts: Facts | None = None,
) -> Certificate | None:
    """Issue the certificate the mentor's standing says they have earned; does not commit.

    The caller holds `certificates.lock_holder` (so a concurrent pass is seen) and commits with
    the quiz result that completed the path. `facts` may be those loaded under that lock for
    `record_refreshers`: the refreshers it adds do not change which certificate is earned.
    """
    if user.role != "mentor":
        return None
    facts = facts or load_facts(session, [user], now)[user.id]
    plan = evaluate(facts, course, now).plan
    if plan is None:
        return None
    return certs.issue(session, user.id, plan, course, now, validity_months)
