"""Fill a bench database with N mentors at every stage, in bulk: minutes, not hours, for 100,000.

Usage: DATABASE_URL=... .venv/bin/python bench/generate.py --mentors 10000

Rows go in with SQLAlchemy Core `insert()` over lists of dicts, every mentor sharing ONE
precomputed argon2 hash, so the cost is the database's, not the password hasher's. Works on SQLite
and PostgreSQL. `flask demo seed` stays the careful, capped way to try the app by hand; this is for
measuring only and refuses a production configuration.

Shape of the data (repeatable with --seed): about 35% of mentors part-way through the course,
the rest through it with a certificate (older ones expired, a few renewed, 2% suspended, 1%
revoked); pre-checks, failed attempts before most passes, screening records for most certified
mentors (5% not cleared), in-person sessions of 40 attendees, and a one-to-one match for half of
those who became ready (a fifth of them ended).
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.content.model import MENTOR_TYPES
from app.demo import DEMO_PASSWORD, FIRST_NAMES, LAST_NAMES
from app.models import (
    Certificate,
    CertificateAction,
    InPersonAttendance,
    InPersonSession,
    Match,
    MatchMentor,
    MatchYouth,
    ModuleRead,
    ModuleVisit,
    QuizAttempt,
    ScreeningRecord,
    User,
)

CHUNK = 5000
STAFF_EMAIL = "coordinator@example.org"
BENCH_PASSWORD = DEMO_PASSWORD


def _chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(session, model, rows: list[dict]) -> None:
    for chunk in _chunks(rows):
        session.execute(sa.insert(model), chunk)


def _insert_returning_ids(session, model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(rows):
        result = session.execute(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(result.scalars().all())
    return ids


def _attempt(
    user_id: int,
    slug: str,
    version: str,
    moment: datetime,
    kind: str,
    score: int,
    passed: bool | None,
) -> dict:
    return {
        "user_id": user_id,
        "module_slug": slug,
        "kind": kind,
        "content_version": version,
        "draw": [],
        "salt": "bench",
        "started_at": moment - timedelta(minutes=9),
        "submitted_at": moment,
        "answers": {},
        "score": score,
        "passed": passed,
        "critical_missed": False if kind == "quiz" else None,
    }


def _add_months(moment: datetime, months: int) -> datetime:
    from app.services.certificates import add_months

    return add_months(moment, months)


def generate(
    session, course, mentors: int, seed: int, now: datetime, validity_months: int, log=print
) -> dict[str, int]:
    """Insert MENTORS mentors and everything around them; returns row counts per table."""
    from app.services import accounts, passwords
    from app.services.certificates import new_code

    rng = random.Random(seed)  # noqa: S311 - repeatable fake data, nothing secret
    began = time.monotonic()
    staff = accounts.find_by_email(session, STAFF_EMAIL) or accounts.create_account(
        session, email=STAFF_EMAIL, name="Casey Coordinator", password=BENCH_PASSWORD, role="staff"
    )
    if accounts.find_by_email(session, "admin@example.org") is None:
        accounts.create_account(
            session,
            email="admin@example.org",
            name="Avery Admin",
            password=BENCH_PASSWORD,
            role="admin",
        )
    session.commit()
    password_hash = passwords.hash_password(BENCH_PASSWORD)  # the one argon2 hash
    types = list(MENTOR_TYPES)

    users = []
    for number in range(1, mentors + 1):
        registered = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1439))
        users.append(
            {
                "email": f"mentor{number}@example.org",
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "password_hash": password_hash,
                "role": "mentor",
                "mentor_type": rng.choices(types, weights=[6, 2, 1, 1])[0],
                "session_token": secrets.token_urlsafe(32),
                "created_at": registered,
                "password_changed_at": registered,
                "email_confirmed_at": registered + timedelta(minutes=5),
                "failed_sign_ins": 0,
                "lockouts": 0,
            }
        )
    ids = _insert_returning_ids(session, User, users)
    log(f"  {mentors} accounts in {time.monotonic() - began:.1f} s")

    reads, visits, attempts, certs, screening, ready = [], [], [], [], [], []
    for user_id, user in zip(ids, users, strict=True):
        mentor_type, moment = user["mentor_type"], user["created_at"]
        path = course.modules_for(mentor_type)
        stage = rng.random()
        share = 1.0 if stage > 0.35 else rng.random()
        for module in path[: round(len(path) * share)]:
            visits.append(
                {"user_id": user_id, "module_slug": module.slug, "first_opened_at": moment}
            )
            moment = min(now, moment + timedelta(days=rng.randint(1, 6)))
            reads.append(
                {
                    "user_id": user_id,
                    "module_slug": module.slug,
                    "content_version": module.version,
                    "read_at": moment,
                }
            )
            quiz = course.quiz(module.slug)
            if quiz is None:
                continue
            if rng.random() < 0.6:
                attempts.append(
                    _attempt(
                        user_id,
                        module.slug,
                        quiz.version,
                        moment,
                        "precheck",
                        rng.choice([20, 40, 60, 80]),
                        None,
                    )
                )
            for _ in range(rng.choice([0, 0, 0, 1, 2])):
                attempts.append(
                    _attempt(
                        user_id,
                        module.slug,
                        quiz.version,
                        moment,
                        "quiz",
                        rng.choice([50, 62, 75]),
                        False,
                    )
                )
            attempts.append(
                _attempt(
                    user_id, module.slug, quiz.version, moment, "quiz", rng.choice([88, 100]), True
                )
            )
        if share < 1.0 or not path:
            continue
        valid_from = moment
        period = 1
        while True:
            until = _add_months(valid_from, validity_months)
            certs.append(
                {
                    "user_id": user_id,
                    "period": period,
                    "code": new_code(),
                    "issued_at": valid_from,
                    "valid_from": valid_from,
                    "valid_until": until,
                    "course_title": course.title,
                    "course_version": course.version,
                    "modules": [m.slug for m in path],
                }
            )
            # Some mentors renewed in the window before expiry; most let it lapse.
            if until > now or rng.random() > 0.3:
                break
            period, valid_from = period + 1, until
        if stage > 0.5:
            cleared_on = min(now, user["created_at"] + timedelta(days=20)).date()
            for step in course.screening_for(mentor_type):
                if rng.random() < 0.9:
                    screening.append(
                        {
                            "user_id": user_id,
                            "step": step,
                            "result": "cleared" if rng.random() < 0.95 else "not_cleared",
                            "completed_on": cleared_on,
                            "note": "",
                            "recorded_by_id": staff.id,
                            "recorded_at": now,
                        }
                    )
        if stage > 0.55:
            ready.append((user_id, cleared_on))
    _insert(session, ModuleVisit, visits)
    _insert(session, ModuleRead, reads)
    _insert(session, QuizAttempt, attempts)
    cert_ids = _insert_returning_ids(session, Certificate, certs)
    _insert(session, ScreeningRecord, screening)
    log(f"  reading, attempts, certificates, screening in {time.monotonic() - began:.1f} s")

    actions = []
    for cert_id, cert in zip(cert_ids, certs, strict=True):
        draw = rng.random()
        if draw < 0.02:
            actions.append(
                {
                    "certificate_id": cert_id,
                    "action": "suspend",
                    "reason": "Concern raised by a program partner; under review.",
                    "actor_id": staff.id,
                    "at": cert["valid_from"] + timedelta(days=30),
                }
            )
            if draw < 0.01:
                actions.append(
                    {
                        "certificate_id": cert_id,
                        "action": "lift",
                        "reason": "Review finished; no concern found.",
                        "actor_id": staff.id,
                        "at": cert["valid_from"] + timedelta(days=40),
                    }
                )
        elif draw < 0.03:
            actions.append(
                {
                    "certificate_id": cert_id,
                    "action": "revoke",
                    "reason": "Did not follow the program's safety rules.",
                    "actor_id": staff.id,
                    "at": cert["valid_from"] + timedelta(days=30),
                }
            )
    _insert(session, CertificateAction, actions)

    hours = Decimal(f"{course.in_person_hours_for('community_volunteer'):g}")
    attendance: list[tuple[int, int]] = []
    sessions = []
    for index in range(0, len(ready), 40):
        group = ready[index : index + 40]
        sessions.append(
            {
                "held_on": max(day for _, day in group),
                "topic": "Meeting youth where they are",
                "hours": min(hours, Decimal(12)),
                "facilitator": "Casey Coordinator",
                "recorded_by_id": staff.id,
                "recorded_at": now,
            }
        )
    session_ids = _insert_returning_ids(session, InPersonSession, sessions)
    for number, session_id in enumerate(session_ids):
        for user_id, _ in ready[number * 40 : number * 40 + 40]:
            attendance.append((session_id, user_id))
    _insert(session, InPersonAttendance, [{"session_id": s, "user_id": u} for s, u in attendance])

    matched = ready[: len(ready) // 2]
    match_rows = []
    for _, day in matched:
        started = min(now.date(), day + timedelta(days=rng.randint(5, 60)))
        ended = rng.random() < 0.2 and started < now.date()
        match_rows.append(
            {
                "model": "one_to_one",
                "started_on": started,
                "ended_on": now.date() if ended else None,
                "closure_reason": "Youth moved to another program." if ended else None,
                "created_by_id": staff.id,
                "created_at": now,
                "ended_by_id": staff.id if ended else None,
            }
        )
    match_ids = _insert_returning_ids(session, Match, match_rows)
    _insert(
        session,
        MatchMentor,
        [{"match_id": m, "user_id": u} for m, (u, _) in zip(match_ids, matched, strict=True)],
    )
    _insert(
        session,
        MatchYouth,
        [
            {
                "match_id": m,
                "youth_code": f"Y-{n:06d}",
                "model": "one_to_one",
                "is_open": row["ended_on"] is None,
            }
            for n, (m, row) in enumerate(zip(match_ids, match_rows, strict=True), start=1)
        ],
    )
    session.commit()
    counts = {
        "mentors": mentors,
        "module reads": len(reads),
        "attempts": len(attempts),
        "certificates": len(certs),
        "certificate actions": len(actions),
        "screening records": len(screening),
        "in-person attendances": len(attendance),
        "matches": len(match_rows),
    }
    log(
        f"  done in {time.monotonic() - began:.1f} s: "
        + ", ".join(f"{value} {key}" for key, value in counts.items())
    )
    return counts


def populated(session) -> int:
    """How many mentors the database holds already."""
    return session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "mentor")) or 0


def run(
    mentors: int, seed: int = 7, now: datetime | None = None, if_empty: bool = False
) -> dict[str, int]:
    """Generate into the database of DATABASE_URL (migrated first) inside a fresh app."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.web import current_course

    app = create_app()
    if app.config.get("ENV_NAME") == "production":
        raise SystemExit("Refusing to add fake people to a production database.")
    with app.app_context(), app.test_request_context():
        upgrade()
        found = populated(db.session)
        if found and if_empty and found == mentors:
            print(f"  the bench database has its {mentors} mentors already")
            return {}
        if found:
            raise SystemExit("This database has mentors already; generate into an empty one.")
        counts = generate(
            db.session,
            current_course(),
            mentors,
            seed,
            now or datetime.now(UTC),
            app.config["CERTIFICATE_VALIDITY_MONTHS"],
        )
        # What `flask standing refresh` does after a bulk load: every stored standing evaluated.
        from app.services import standing_store

        began = time.monotonic()
        # Fresh statistics, as PostgreSQL's autovacuum (or SQLite's `PRAGMA optimize`) would
        # gather them after a load this size; without them SQLite sorts the whole roster.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        standing_store.ensure_rows(db.session, current_course())
        refreshed = standing_store.refresh_due(db.session, current_course())
        print(f"  {refreshed} stored standings evaluated in {time.monotonic() - began:.1f} s")
        return counts


def _parse(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the database already holds exactly MENTORS mentors",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = _parse()
    print(f"Bench data: {arguments.mentors} mentors", flush=True)
    run(arguments.mentors, arguments.seed, if_empty=arguments.if_empty)
