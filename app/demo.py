"""`flask demo seed`: realistic fake mentors for trying the staff console. Never in production."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial

import click
from flask import current_app
from flask.cli import with_appcontext

from app.content.model import MENTOR_TYPES, Course
from app.models import ModuleRead, QuizAttempt, User, utcnow
from app.services import accounts, in_person, matching, screening, standing
from app.services.errors import DomainError

FIRST_NAMES = [
    "Alicia",
    "Ben",
    "Carmen",
    "Darnell",
    "Elena",
    "Farah",
    "Grace",
    "Hector",
    "Imani",
    "Jamal",
    "Keisha",
    "Luis",
    "Maya",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Samuel",
    "Tanya",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Alvarez",
    "Brooks",
    "Chen",
    "Diallo",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Johnson",
    "Kim",
    "Lopez",
    "Martin",
    "Nguyen",
    "Okafor",
    "Patel",
    "Reyes",
    "Singh",
    "Thompson",
    "Walker",
]
DEMO_PASSWORD = "demo mentor password 2026"  # noqa: S105 - fake accounts on a development database


@click.group("demo")
def demo_cli() -> None:
    """Fill a development database with fake data."""


@demo_cli.command("seed")
@click.option("--mentors", default=60, show_default=True, help="How many fake mentors.")
@click.option(
    "--seed", "random_seed", default=7, show_default=True, help="Random seed, for repeatable data."
)
@with_appcontext
def seed(mentors: int, random_seed: int) -> None:
    """Create a staff member, an admin and MENTORS fake mentors at every stage."""
    from app.extensions import db
    from app.web import current_course

    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("Refusing to add fake people to a production database.")
    if not 1 <= mentors <= 5000:
        raise click.ClickException("Choose between 1 and 5000 mentors.")
    rng = random.Random(random_seed)  # noqa: S311 - repeatable fake data, nothing secret
    course = current_course()
    now = utcnow()
    staff = _account(db.session, "coordinator@example.org", "Casey Coordinator", "staff")
    _account(db.session, "admin@example.org", "Avery Admin", "admin")
    created = 0
    eligible: list[User] = []
    for number in range(mentors):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"mentor{number + 1}@example.org"
        if accounts.find_by_email(db.session, email):
            continue
        registered = now - timedelta(days=rng.randint(1, 400))
        user = accounts.create_account(
            db.session,
            email=email,
            name=name,
            password=DEMO_PASSWORD,
            role="mentor",
            mentor_type=rng.choices(list(MENTOR_TYPES), weights=[6, 2, 1, 1])[0],
            now=registered,
        )
        created += 1
        stage = rng.random()
        _progress(
            db.session,
            user,
            course,
            rng,
            registered,
            now,
            share=1.0 if stage > 0.35 else rng.random(),
        )
        if stage > 0.5:
            for step in course.screening_for(user.mentor_type):
                if rng.random() < 0.85:
                    screening.record_result(
                        db.session,
                        staff.id,
                        user.id,
                        course,
                        step=step,
                        result="cleared" if rng.random() < 0.95 else "not_cleared",
                        completed_on=min(now, registered + timedelta(days=20)).date(),
                        note="",
                        now=now,
                    )
        if stage > 0.55:
            hours = course.in_person_hours_for(user.mentor_type)
            if hours:
                in_person.record_session(
                    db.session,
                    staff.id,
                    in_person.SessionInput(
                        held_on=min(now, registered + timedelta(days=25)).date(),
                        topic="Meeting youth where they are",
                        hours=f"{min(hours, 12):g}",
                        facilitator="Casey Coordinator",
                        mentor_ids=[user.id],
                    ),
                    now=now,
                )
        if stage > 0.6:
            eligible.append(user)
    codes = iter(f"Y-{n:04d}" for n in range(1000, 9999))
    for user in eligible[: len(eligible) // 2]:
        try:
            matching.create_match(
                db.session,
                staff.id,
                course,
                model="one_to_one",
                mentor_ids=[user.id],
                youth_codes=[next(codes)],
                started_on=(now - timedelta(days=rng.randint(0, 60))).date(),
                now=now,
            )
        except matching.MatchRefused:
            continue
    click.echo(
        f"Added {created} mentors. Sign in as coordinator@example.org or admin@example.org "
        f"(password: {DEMO_PASSWORD!r}); every demo mentor has the same password."
    )


def _account(session, email: str, name: str, role: str) -> User:
    existing = accounts.find_by_email(session, email)
    if existing:
        return existing
    try:
        return accounts.create_account(
            session, email=email, name=name, password=DEMO_PASSWORD, role=role
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error


def _progress(
    session, user: User, course: Course, rng: random.Random, start, now, share: float
) -> None:
    """Reads and passed quizzes for the first `share` of the mentor's path, then any certificate."""
    modules = course.modules_for(user.mentor_type)
    moment = start
    for module in modules[: round(len(modules) * share)]:
        moment = min(now, moment + timedelta(days=rng.randint(1, 6)))
        session.add(
            ModuleRead(
                user_id=user.id,
                module_slug=module.slug,
                content_version=module.version,
                read_at=moment,
            )
        )
        quiz = course.quiz(module.slug)
        if quiz is None:
            continue

        graded = partial(_graded, user.id, module.slug, quiz.version, moment)
        if rng.random() < 0.6:
            session.add(graded("precheck", rng.choice([20, 40, 60, 80]), None))
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            session.add(graded("quiz", rng.choice([50, 62, 75]), False))
        session.add(graded("quiz", rng.choice([88, 100]), True))
    session.flush()
    standing.issue_if_complete(
        session, user, course, moment, current_app.config["CERTIFICATE_VALIDITY_MONTHS"]
    )
    session.commit()


def _graded(
    user_id: int,
    slug: str,
    version: str,
    moment: datetime,
    kind: str,
    score: int,
    passed: bool | None,
) -> QuizAttempt:
    """A finished attempt as if the mentor had taken it at `moment`."""
    return QuizAttempt(
        user_id=user_id,
        module_slug=slug,
        kind=kind,
        content_version=version,
        draw=[],
        salt="demo",
        started_at=moment,
        submitted_at=moment,
        answers={},
        score=score,
        passed=passed,
        critical_missed=False if kind == "quiz" else None,
    )
