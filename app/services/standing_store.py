"""Standing kept in the database: each mentor's `standing.evaluate` output, stored for the staff lists.

The rules live only in `standing.evaluate`; a `MentorStanding` row is its cached output, so the
roster, dashboard, matching lists and exports can filter, count, sort and page in SQL instead of
evaluating every mentor on every request.

A row is right when it is read because:

* every transaction that changes a mentor's facts re-evaluates that mentor before it commits
  (`track`: ORM changes to the fact tables are noticed by a flush hook, and `certificates.
  lock_holder`, which every service takes before a change that bypasses the ORM, marks the
  mentor too); the re-evaluation holds the mentor's lock, so two writers cannot leave a row
  that misses the other's facts;
* a row records `changes_at`, the next moment its standing changes by itself (a certificate
  starting or ending, renewal opening, a cool-down or refresher grace period ending, a module
  change taking effect), and the rules' `fingerprint`; readers refresh the rows whose moment has
  passed or whose rules changed (`refresh_due`) before they query, and `flask standing refresh`
  does the same in bulk from a timer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.content.model import Course
from app.models import (
    Certificate,
    CertificateAction,
    CertificateRefresher,
    InPersonAttendance,
    InPersonSession,
    Match,
    MatchMentor,
    MentorStanding,
    ModuleRead,
    QuizAttempt,
    ScreeningRecord,
    User,
    utcnow,
)
from app.services import certificates as certs
from app.services import standing

BATCH = 500
# More mentors than this changed in one transaction (a bulk load) are marked out of date for
# the next reader instead of evaluated before the commit.
EVALUATE_AT_COMMIT = 200
# The columns of a stored row that `evaluate` gives (the rest say when and under which rules).
VALUE_COLUMNS = (
    "passed_count",
    "required_count",
    "percent",
    "certificate_status",
    "certificate_label",
    "expires_at",
    "certified_since",
    "eligible",
    "reasons",
    "screening_pending",
    "in_person_hours",
    "open_matches",
    "last_activity",
    "refresher_due_on",
    "refresher_overdue",
    "listed",
    "name_key",
    "quiet_since",
    "course_complete",
    "stage_flags",
)
# The dashboard's stages that do not depend on the clock, one bit each in `stage_flags`, so its
# counts are one GROUP BY over a small index instead of a test of every row for every stage.
STAGE_BITS = {
    "in_training": 1,
    "certified": 2,
    "eligible": 4,
    "matched": 8,
    "screening": 16,
    "suspended": 32,
    "ready": 64,
    "refresher": 128,
}
# User columns the stored row reads; other account changes (sign-ins, passwords) leave it alone.
_USER_COLUMNS = ("role", "mentor_type", "deactivated_at", "created_at", "name")
_DIRTY = certs.STANDING_DIRTY
_CERTIFICATES = "mentor_ready.standing_certificates"
_MATCHES = "mentor_ready.standing_matches"
_SESSIONS = "mentor_ready.standing_sessions"
_BUSY = "mentor_ready.standing_busy"
_NEW_ACCOUNTS = "mentor_ready.standing_new_accounts"
_FINGERPRINTS: dict[int, tuple[Course, str]] = {}


def fingerprint(course: Course) -> str:
    """A short hash of every course rule `evaluate` reads; cached per course object.

    Texts of questions and module bodies are left out (a program's own quiz question changes
    nothing about anyone's standing); titles are in, since reasons and labels name modules.
    """
    cached = _FINGERPRINTS.get(id(course))
    if cached is not None and cached[0] is course:
        return cached[1]
    rules = {
        "path": [
            [
                entry.slug,
                sorted(entry.required_for),
                entry.version,
                [[change.version, change.effective_at.isoformat()] for change in entry.changes],
            ]
            for entry in course.path
        ],
        "modules": {
            slug: [module.title, module.version, list(module.requires)]
            for slug, module in sorted(course.modules.items())
        },
        "quizzes": {
            slug: [quiz.max_failures, quiz.cooldown_hours]
            for slug, quiz in sorted(course.quizzes.items())
        },
        "screening": {key: list(steps) for key, steps in sorted(course.screening.items())},
        "steps": course.screening_steps,
        "hours": course.in_person_hours,
        "grace": course.refresher_grace.total_seconds(),
    }
    digest = hashlib.sha256(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()
    if len(_FINGERPRINTS) > 16:
        _FINGERPRINTS.clear()
    _FINGERPRINTS[id(course)] = (course, digest[:16])
    return digest[:16]


def values(mentor: standing.Standing) -> dict[str, Any]:
    """What a stored row holds of a standing: the roster's columns, flattened."""
    user = mentor.user
    return {
        "passed_count": mentor.passed_count,
        "required_count": mentor.required_count,
        "percent": mentor.percent,
        "certificate_status": mentor.certificate_status,
        "certificate_label": mentor.certificate_label,
        "expires_at": mentor.certificate.valid_until if mentor.certificate else None,
        "certified_since": mentor.counting.valid_from if mentor.counting else None,
        "eligible": mentor.eligible,
        "reasons": [[reason.code, reason.staff_text] for reason in mentor.reasons],
        "screening_pending": mentor.screening_pending,
        "in_person_hours": float(mentor.in_person_hours),
        "open_matches": len(mentor.matches),
        "last_activity": mentor.last_activity,
        "refresher_due_on": min((item.due_on for item in mentor.refreshers), default=None),
        "refresher_overdue": mentor.refresher_overdue,
        # For the dashboard's lists (roster.dashboard): who is listed, by what, in which order.
        "listed": user.role == "mentor" and user.deactivated_at is None,
        "name_key": name_key(user.name),
        "quiet_since": mentor.last_activity or user.created_at,
        "course_complete": 0 < mentor.required_count == mentor.passed_count,
        "stage_flags": stage_flags(mentor),
    }


def stage_flags(mentor: standing.Standing) -> int:
    """The clock-free dashboard stages this standing is in, as STAGE_BITS (the same tests as
    `roster.stage_condition`'s SQL, which the roster's filters use)."""
    valid = mentor.certificate_status == certs.VALID
    open_matches = len(mentor.matches)
    stages = {
        "in_training": not valid and (mentor.last_activity is not None or mentor.passed_count > 0),
        "certified": valid,
        "eligible": mentor.eligible,
        "matched": open_matches > 0,
        "screening": valid and mentor.screening_pending,
        "suspended": mentor.certificate_status == certs.SUSPENDED,
        "ready": mentor.eligible and open_matches == 0,
        "refresher": bool(mentor.refreshers),
    }
    return sum(bit for name, bit in STAGE_BITS.items() if stages[name])


def name_key(name: str) -> str:
    """How the dashboard's lists order names: case left out."""
    return (name or "").lower()[:200]


def changes_at(facts: standing.Facts, course: Course, now: datetime) -> datetime | None:
    """The next moment after `now` at which `evaluate` may give another answer for these facts.

    Every comparison with `now` in the rules has its threshold here: certificates' start, end and
    renewal opening, staff decisions dated later, cool-downs ending, module changes taking effect
    and refresher grace periods ending. Between `now` and this moment the stored row stays right.
    """
    moments: list[datetime] = []
    for certificate in facts.chain.certificates:
        moments += [
            certificate.valid_from,
            certificate.valid_until,
            certs.renewal_opens(certificate),
        ]
    moments += [action.at for action in facts.chain.actions]
    path = course.modules_for(facts.user.mentor_type)
    for module in path:
        quiz = course.quiz(module.slug)
        if quiz is not None:
            graded = [
                a
                for a in facts.attempts
                if a.module_slug == module.slug and a.kind == "quiz" and a.submitted_at is not None
            ]
            moments += standing.cooldown_ends(graded, quiz)
        entry = course.entry(module.slug)
        if entry is not None:
            for change in entry.changes:
                moments.append(change.effective_at)
                # A refresher's grace period ends a day after the first change's date plus grace.
                moments.append(change.effective_at + course.refresher_grace + _ONE_DAY)
    later = [moment for moment in moments if moment > now]
    return min(later, default=None)


_ONE_DAY = timedelta(days=1)


def evaluate_rows(
    session: Session, users: Sequence[User], course: Course, now: datetime
) -> list[dict[str, Any]]:
    """Fresh rows for these users: their facts loaded once, evaluated by the one rule."""
    facts = standing.load_facts(session, users, now)
    print_ = fingerprint(course)
    rows = []
    for user in users:
        mentor_facts = facts[user.id]
        mentor = standing.evaluate(mentor_facts, course, now)
        rows.append(
            {
                "user_id": user.id,
                "fingerprint": print_,
                "evaluated_at": now,
                "changes_at": changes_at(mentor_facts, course, now),
                **values(mentor),
            }
        )
    return rows


def store(session: Session, users: Sequence[User], course: Course, now: datetime) -> int:
    """Evaluate these users and write their rows (insert or replace); does not commit."""
    if not users:
        return 0
    rows = evaluate_rows(session, users, course, now)
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(MentorStanding)
    columns = ["fingerprint", "evaluated_at", "changes_at", *VALUE_COLUMNS]
    statement = insert.on_conflict_do_update(
        index_elements=["user_id"],
        set_={column: insert.excluded[column] for column in columns},
    )
    session.execute(statement, rows)
    return len(rows)


def stored(session: Session, user_id: int) -> MentorStanding | None:
    """The stored row of one mentor, read from the database (not the identity map)."""
    return session.scalar(
        sa.select(MentorStanding)
        .where(MentorStanding.user_id == user_id)
        .execution_options(populate_existing=True)
    )


def row_values(row: MentorStanding) -> dict[str, Any]:
    """A stored row's evaluated columns, comparable with `values` of a fresh standing."""
    result = {column: getattr(row, column) for column in VALUE_COLUMNS}
    result["reasons"] = [list(reason) for reason in row.reasons or ()]
    return result


def _stale_ids(
    session: Session, course: Course, now: datetime, began: datetime, after: int, limit: int
) -> list[int]:
    """Rows to evaluate again, by id after `after`: their moment passed, their rules changed, or
    they were evaluated after `now` but before this refresh `began` (a reader whose clock is
    behind). Each part is an index range."""
    print_ = fingerprint(course)
    column = MentorStanding.user_id
    parts = [
        sa.select(column).where(column > after, condition)
        for condition in (
            MentorStanding.changes_at <= now,
            _evaluated_after(now, began),
            MentorStanding.fingerprint < print_,
            MentorStanding.fingerprint > print_,
        )
    ]
    union = sa.union(*parts).subquery()
    return list(session.scalars(sa.select(union.c.user_id).order_by(union.c.user_id).limit(limit)))


def _evaluated_after(now: datetime, began: datetime) -> Any:
    # A row written once this refresh began came from another host's refresh, with the facts as
    # they are: evaluating it again would only repeat that work.
    return sa.and_(MentorStanding.evaluated_at > now, MentorStanding.evaluated_at < began)


def _out_of_date(course: Course, now: datetime, began: datetime) -> Any:
    return sa.or_(
        MentorStanding.changes_at <= now,
        _evaluated_after(now, began),
        MentorStanding.fingerprint != fingerprint(course),
    )


def refresh_due(session: Session, course: Course, now: datetime | None = None) -> int:
    """Re-evaluate every row that is out of date at `now`; commits each batch; returns how many.

    One pass in id order. On PostgreSQL each batch is taken with FOR UPDATE SKIP LOCKED and
    checked again once locked, so several hosts refreshing at once (readers, or `flask standing
    refresh` on each) share the work and evaluate each row once.
    """
    began = utcnow()
    now = now or began
    done = 0
    after = 0
    postgres = session.get_bind().dialect.name == "postgresql"
    while True:
        ids = _stale_ids(session, course, now, began, after, BATCH)
        if not ids:
            break
        after = ids[-1]
        if postgres:
            ids = list(
                session.scalars(
                    sa.select(MentorStanding.user_id)
                    .where(MentorStanding.user_id.in_(ids), _out_of_date(course, now, began))
                    .order_by(MentorStanding.user_id)
                    .with_for_update(skip_locked=True)
                )
            )
        users = list(session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.id)))
        _quietly(session, lambda users=users: store(session, users, course, now))
        session.commit()
        done += len(users)
    return done


def ensure_rows(session: Session, course: Course, now: datetime | None = None) -> int:
    """Give every account without a row one, marked out of date; commits; returns how many.

    Accounts are created through the ORM or noticed when inserted in bulk, which writes their
    row; this is for data loaded behind the app's back and for a check after an upgrade.
    """
    result = _quietly(session, lambda: _insert_missing(session, course, now or utcnow()))
    session.commit()
    return max(result.rowcount or 0, 0)


def refresh_all(session: Session, course: Course, now: datetime | None = None) -> int:
    """Mark every row out of date and re-evaluate them all (after a change of rules the
    fingerprint does not see, or to check); commits; returns how many."""
    now = now or utcnow()
    ensure_rows(session, course, now)
    session.execute(sa.update(MentorStanding).values(changes_at=now))
    session.commit()
    return refresh_due(session, course, now)


# --- Keeping rows right in the transaction that changes the facts ---


def mark(session: Session, user_id: int) -> None:
    """Re-evaluate this mentor before the transaction commits (their facts are changing)."""
    session.info.setdefault(_DIRTY, set()).add(user_id)


def _quietly(session: Session, work: Callable[[], Any]) -> Any:
    """Run work that writes rows without the hooks noticing it as a change of facts."""
    session.info[_BUSY] = True
    try:
        return work()
    finally:
        session.info.pop(_BUSY, None)


def _changed(instance: Any, names: Iterable[str]) -> bool:
    state = sa.inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in names)


# Facts that name their mentor; the others name a certificate, a match or a session of them.
_FACTS_OF_ONE_MENTOR = (
    ModuleRead,
    QuizAttempt,
    ScreeningRecord,
    MatchMentor,
    Certificate,
    InPersonAttendance,
)


def _after_flush(session: Session, _context: Any) -> None:
    if session.info.get(_BUSY):
        return
    dirty = session.info.setdefault(_DIRTY, set())
    for instance in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(instance, User):
            if instance in session.new or _changed(instance, _USER_COLUMNS):
                dirty.add(instance.id)
        elif isinstance(instance, _FACTS_OF_ONE_MENTOR):
            dirty.add(instance.user_id)
        elif isinstance(instance, CertificateAction | CertificateRefresher):
            session.info.setdefault(_CERTIFICATES, set()).add(instance.certificate_id)
        elif isinstance(instance, Match):
            session.info.setdefault(_MATCHES, set()).add(instance.id)
        elif isinstance(instance, InPersonSession):
            session.info.setdefault(_SESSIONS, set()).add(instance.id)


# Tables whose rows name a mentor, a certificate, a match or a session of them, by column.
_KEYS_BY_TABLE = {
    "module_read": ("user_id", _DIRTY),
    "quiz_attempt": ("user_id", _DIRTY),
    "screening_record": ("user_id", _DIRTY),
    "match_mentor": ("user_id", _DIRTY),
    "certificate": ("user_id", _DIRTY),
    "in_person_attendance": ("user_id", _DIRTY),
    "certificate_action": ("certificate_id", _CERTIFICATES),
    "certificate_refresher": ("certificate_id", _CERTIFICATES),
}


def _after_statement(state: Any) -> None:
    """Rows written by an INSERT statement rather than the unit of work (imports, bulk loads)."""
    session = state.session
    if session.info.get(_BUSY) or not state.is_insert:
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == "user_account":
        session.info[_NEW_ACCOUNTS] = True
        return
    if name not in _KEYS_BY_TABLE:
        return
    column, key = _KEYS_BY_TABLE[name]
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list | tuple) else [parameters or {}]
    marks = session.info.setdefault(key, set())
    for row in rows:
        if isinstance(row, dict) and row.get(column) is not None:
            marks.add(row[column])


def _insert_missing(session: Session, course: Course, now: datetime) -> Any:
    """Rows for accounts that have none, marked out of date; does not commit."""
    missing = (
        sa.select(
            User.id,
            sa.literal(fingerprint(course)),
            sa.literal(now, type_=MentorStanding.evaluated_at.type),
            sa.literal(now, type_=MentorStanding.changes_at.type),
        )
        .outerjoin(MentorStanding, MentorStanding.user_id == User.id)
        .where(MentorStanding.user_id.is_(None))
    )
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(MentorStanding)
    return session.execute(
        insert.from_select(
            ["user_id", "fingerprint", "evaluated_at", "changes_at"], missing
        ).on_conflict_do_nothing(index_elements=["user_id"])
    )


def _before_commit(session: Session) -> None:
    if session.info.get(_BUSY):
        return
    session.flush()  # what commit would flush next: the hook sees those changes too
    keys = (_DIRTY, _CERTIFICATES, _MATCHES, _SESSIONS, _NEW_ACCOUNTS)
    if not any(session.info.get(key) for key in keys):
        return
    new_accounts = session.info.pop(_NEW_ACCOUNTS, False)
    dirty = set(session.info.pop(_DIRTY, set()))
    certificates = session.info.pop(_CERTIFICATES, set())
    matches = session.info.pop(_MATCHES, set())
    sessions = session.info.pop(_SESSIONS, set())
    session.info[_BUSY] = True
    try:
        if certificates:
            dirty |= set(
                session.scalars(
                    sa.select(Certificate.user_id).where(Certificate.id.in_(certificates))
                )
            )
        if matches:
            dirty |= set(
                session.scalars(
                    sa.select(MatchMentor.user_id).where(MatchMentor.match_id.in_(matches))
                )
            )
        if sessions:
            dirty |= set(
                session.scalars(
                    sa.select(InPersonAttendance.user_id).where(
                        InPersonAttendance.session_id.in_(sessions)
                    )
                )
            )
        dirty.discard(None)  # type: ignore[arg-type]
        if not dirty and not new_accounts:
            return
        course = _COURSE_FOR[0](session) if _COURSE_FOR else None
        if course is None:
            return
        if new_accounts:
            # Accounts inserted in bulk: a row each, evaluated by the next reader.
            _insert_missing(session, course, utcnow())
        if not dirty:
            return
        ordered = sorted(dirty)
        if len(ordered) > EVALUATE_AT_COMMIT:
            # A bulk load: mark the rows out of date rather than hold every mentor's lock; the
            # next reader or `flask standing refresh` evaluates them, in batches.
            _insert_missing(session, course, utcnow())
            for start in range(0, len(ordered), BATCH):
                session.execute(
                    sa.update(MentorStanding)
                    .where(MentorStanding.user_id.in_(ordered[start : start + BATCH]))
                    .values(changes_at=sa.func.coalesce(MentorStanding.evaluated_at, utcnow()))
                )
            return
        # Under each mentor's lock, in id order: a writer committing meanwhile is seen.
        for user_id in ordered:
            certs.lock_holder(session, user_id)
        users = list(session.scalars(sa.select(User).where(User.id.in_(ordered))))
        store(session, users, course, utcnow())
    finally:
        session.info.pop(_BUSY, None)


def _forget(session: Session, transaction: Any) -> None:
    """The transaction ended (committed or rolled back): its marks go with it."""
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction's marks still stand
    for key in (_DIRTY, _CERTIFICATES, _MATCHES, _SESSIONS, _BUSY, _NEW_ACCOUNTS):
        session.info.pop(key, None)


_COURSE_FOR: list[Callable[[Session], Course | None]] = []


def track(course_for: Callable[[Session], Course | None]) -> None:
    """Keep every mentor's row right in the transaction that changes their facts.

    Listens on every ORM session. `course_for` gives the course rules for a session (None outside
    an app, where nothing is evaluated); the app factory installs it, and the latest wins.
    """
    _COURSE_FOR[:] = [course_for]
    if event.contains(Session, "after_flush", _after_flush):
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _after_statement)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _forget)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite gives them back naive)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def due_on(row: MentorStanding) -> date | None:
    """The day a refresher is due by, if one is."""
    return row.refresher_due_on
