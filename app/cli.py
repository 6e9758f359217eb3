"""Command-line tools: `flask content check`, `flask users create`, `flask outbox send`,
`flask notices send`, `flask standing refresh` and `flask credentials init-key`."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, time
from typing import NoReturn

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext

from app.content import Course, check_course, unset_placeholders
from app.content.planner import check_planner
from app.models import MENTOR_TYPE_KEYS, ROLES


def _content_dirs() -> tuple[str, str]:
    if has_app_context():
        return current_app.config["MODULES_DIR"], current_app.config["QUIZZES_DIR"]
    from config import config_from_environment

    settings = config_from_environment()
    return settings.MODULES_DIR, settings.QUIZZES_DIR


def _database_url() -> str:
    if has_app_context():
        return current_app.config["SQLALCHEMY_DATABASE_URI"]
    from config import config_from_environment

    return config_from_environment().SQLALCHEMY_DATABASE_URI


def _required_unset() -> set[str] | None:
    """Placeholders the stored profile requires but has not set; None without a readable profile.

    The checker runs even when broken content stops the app starting, so it reads the database
    with a plain engine rather than through the app.
    """
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from app.services import program

    url = sa.engine.make_url(_database_url())
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if not path or path == ":memory:" or not os.path.exists(path):
            return None  # nothing to read, and connecting would create an empty file
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("program_profile"):
                return None
            with Session(bind=connection) as session:
                return program.required_unset(program.current_profile(session))
    except sa.exc.SQLAlchemyError as error:
        click.echo(f"The program profile was not read ({error.__class__.__name__}).", err=True)
        return None
    finally:
        engine.dispose()


@click.group("content")
def content_cli() -> None:
    """Check the course content files."""


@content_cli.command("check")
@click.option(
    "--modules-dir", type=click.Path(file_okay=False), help="Folder of modules and course.yaml."
)
@click.option("--quizzes-dir", type=click.Path(file_okay=False), help="Folder of quiz files.")
def content_check(modules_dir: str | None, quizzes_dir: str | None) -> None:
    """Name every mistake as file:line: message (exit 1), or print a summary (exit 0)."""
    default_modules, default_quizzes = _content_dirs()
    course, problems = check_course(modules_dir or default_modules, quizzes_dir or default_quizzes)
    planner, planner_problems = check_planner(modules_dir or default_modules)
    problems = [*problems, *planner_problems]
    unset = _required_unset()
    if course is not None and unset:
        problems = [*problems, *unset_placeholders(course, unset)]
    if problems or course is None:
        _fail(problems)
    questions = sum(len(quiz.questions) for quiz in course.quizzes.values())
    click.echo(
        f"OK: {course.title} {course.version}: {len(course.modules)} modules, "
        f"{len(course.quizzes)} quizzes, {questions} questions."
        + (
            f" Planner: {len(planner.questions)} questions, {len(planner.rules)} rules."
            if planner
            else ""
        )
    )
    translations = course.translations
    if translations is None:
        return
    for line in translation_report(course):
        click.echo(line)
    # Stale and missing translations are states (readers get the English); mistakes are not.
    if translations.problems:
        _fail(translations.problems)


def _fail(problems: list) -> NoReturn:
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.", err=True)
    sys.exit(1)


def translation_report(course: Course) -> list[str]:
    """Per language, a line for each module: translated, stale, missing or invalid."""
    from app.content.translations import LANGUAGES, MISSING, STALE, TRANSLATED

    assert course.translations is not None
    lines = []
    for language, states in course.translations.by_language.items():
        offered = sum(state.offered for state in states.values())
        lines.append(
            f"{LANGUAGES[language]} ({language}): {offered} of {len(states)} modules translated."
        )
        for slug, state in states.items():
            if state.state == TRANSLATED:
                detail = ""
            elif state.state == STALE:
                detail = f" ({', '.join(state.changed)} changed since it was translated)"
            elif state.state == MISSING:
                detail = f" (no {', '.join(state.missing)})"
            else:
                count = len(state.problems)
                detail = f" ({count} problem{'s' if count != 1 else ''}, listed below)"
            lines.append(f"  {slug}: {state.state}{detail}")
    return lines


@click.group("users")
def users_cli() -> None:
    """Manage accounts."""


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", type=click.Choice(ROLES), default="mentor", show_default=True)
@click.option(
    "--mentor-type",
    type=click.Choice(MENTOR_TYPE_KEYS),
    help="For mentors (community_volunteer when not given).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(
    email: str, name: str, role: str, mentor_type: str | None, password_stdin: bool
) -> None:
    """Create an account; the password comes from standard input or a prompt."""
    from app.extensions import db
    from app.services.accounts import create_account
    from app.services.errors import DomainError

    if role == "mentor" and mentor_type is None:
        mentor_type = "community_volunteer"
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_account(
            db.session,
            email=email,
            name=name,
            password=password,
            role=role,
            mentor_type=mentor_type,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} account {user.email} (id {user.id}).")


@click.group("outbox")
def outbox_cli() -> None:
    """Send the mail waiting in the outbox."""


@outbox_cli.command("send")
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=200,
    show_default=True,
    help="Most messages to send in this run.",
)
@with_appcontext
def outbox_send(limit: int) -> None:
    """Send due messages once each; safe to run every minute, on several hosts at once."""
    from functools import partial

    from app.extensions import db
    from app.models import utcnow
    from app.services import outbox
    from app.services.mail import send_mail, settings_from

    mailer = partial(send_mail, settings_from(current_app.config))
    report = outbox.send_due(db.session, utcnow(), mailer, limit)
    # Quiet when there was nothing to do, so cron mails nobody every minute.
    if report.total:
        click.echo(
            f"Sent {report.sent}, will retry {report.retrying}, gave up on {report.given_up}."
        )
    if report.given_up:
        sys.exit(1)


@outbox_cli.command("status")
@with_appcontext
def outbox_status() -> None:
    """Say how many messages wait and were sent, and list the latest ones given up on."""
    from app.extensions import db
    from app.services import outbox

    status = outbox.status(db.session)
    click.echo(
        f"{status.pending} waiting, {status.sent} sent, "
        f"{len(status.given_up)} given up on (latest 20 shown)."
    )
    for message in status.given_up:
        click.echo(
            f"#{message.id} {message.failed_at:%Y-%m-%d %H:%M} UTC to {message.to_address}: "
            f"{message.subject} ({message.attempts} tries; {message.last_error})"
        )


@click.group("notices")
def notices_cli() -> None:
    """Certificate notices, reminders and nudges by email."""


@notices_cli.command("send")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Decide as if it were noon UTC on this day (YYYY-MM-DD), to rehearse or catch up.",
)
@with_appcontext
def notices_send(today: datetime | None) -> None:
    """Queue every notice that is due, each once; safe to run often, on several hosts at once."""
    from app.extensions import db
    from app.models import utcnow
    from app.services import notices, program
    from app.web import current_course, site

    now = datetime.combine(today.date(), time(12), UTC) if today else utcnow()
    zone = program.zone(program.current_profile(db.session))
    report = notices.send(db.session, current_course(), site(), zone, now)
    # Quiet when there was nothing to do, so cron mails nobody on an ordinary day.
    if report.total:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.queued.items()))
        click.echo(f"Queued {report.total} notice{'s' if report.total != 1 else ''}: {kinds}.")


@click.group("standing")
def standing_cli() -> None:
    """Each mentor's standing as kept in the database for the staff lists."""


@standing_cli.command("refresh")
@click.option(
    "--all", "everyone", is_flag=True, help="Evaluate every mentor again, not only those due."
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Evaluate as if it were noon UTC on this day (YYYY-MM-DD).",
)
@with_appcontext
def standing_refresh(everyone: bool, today: datetime | None) -> None:
    """Evaluate again every stored standing whose moment has come (a certificate ending, a
    cool-down or grace period over) or whose course rules changed; safe to run often, on several
    hosts at once (each row is evaluated once)."""
    from app.extensions import db
    from app.services import standing_store
    from app.web import current_course

    # Without --today the clock is read where the work starts: a `now` read earlier would make
    # rows another host refreshed in between look evaluated "after now", and worth doing again.
    now = datetime.combine(today.date(), time(12), UTC) if today else None
    course = current_course()
    if everyone:
        count = standing_store.refresh_all(db.session, course, now)
    else:
        added = standing_store.ensure_rows(db.session, course, now)
        count = standing_store.refresh_due(db.session, course, now)
        if added:
            click.echo(f"Added {added} missing row{'s' if added != 1 else ''}.")
    # Quiet when there was nothing to do, so a timer's log stays short.
    if count:
        click.echo(f"Refreshed {count} standing{'s' if count != 1 else ''}.")


@click.group("credentials")
def credentials_cli() -> None:
    """Open Badges credentials."""


@credentials_cli.command("init-key")
@with_appcontext
def credentials_init_key() -> None:
    """Create the key credentials are signed with, at CREDENTIAL_KEY_PATH; never replace one."""
    from app.services import open_badges

    path = current_app.config["CREDENTIAL_KEY_PATH"]
    try:
        key = open_badges.create_key(path)
    except FileExistsError:
        click.echo(
            f"{path} already holds a key; credentials signed with it stay valid only while it "
            "is kept. Move it away first if you really mean to replace it.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Wrote {path} (readable by its owner only). Keep it out of the database backups.")
    click.echo(f"Public key: {open_badges.multikey(key.public_key())}")


def register_cli(app: Flask) -> None:
    """Attach the project's commands to `flask`."""
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(notices_cli)
    app.cli.add_command(credentials_cli)
    app.cli.add_command(standing_cli)
