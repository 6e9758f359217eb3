"""Mentor Ready: training and certification for mentors of youth who survived exploitation."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import input_checks
from app.content import ContentError, Course, load_course
from app.content.planner import Planner, check_planner
from app.extensions import csrf, db, limiter, login_manager, migrate
from app.logfilters import limit_logger
from app.web import current_course
from config import Config, config_from_environment, secret_key_problem

__all__ = ["create_app", "current_course"]


class StartupError(RuntimeError):
    """The app cannot start with these settings or this content."""


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, content, blueprints, security headers, errors, CLI."""
    app = Flask(__name__, static_folder="../static", instance_relative_config=False)
    _configure_settings(app, config)
    _configure_logging(app)
    _configure_database(app)
    _configure_extensions(app)
    _configure_content(app)
    _configure_blueprints(app)
    _configure_security(app)
    _configure_errors(app)
    _configure_templates(app)
    _configure_languages(app)
    _configure_mail(app)
    _configure_cli(app)
    return app


def _configure_settings(app: Flask, config: type[Config] | dict[str, Any] | None) -> None:
    if config is None:
        config = config_from_environment()
    if isinstance(config, dict):
        app.config.from_object(config_from_environment())
        app.config.update(config)
    else:
        app.config.from_object(config)
    if app.config.get("ENV_NAME") == "production":
        problem = secret_key_problem(app.config.get("SECRET_KEY"))
        if problem:
            raise StartupError(problem)
    _check_youth_code_settings(app)
    if app.config.get("ENV_NAME") == "production":
        _warn_about_production_settings(app)
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        # A Redis host that does not answer costs each request a second at most, not a hang.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
        )
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    from app.services import passwords

    passwords.configure_hasher(
        app.config["ARGON2_TIME_COST"],
        app.config["ARGON2_MEMORY_COST"],
        app.config["ARGON2_PARALLELISM"],
    )


def _check_youth_code_settings(app: Flask) -> None:
    """A youth-code pattern that does not compile, or refuses its own example, stops the start."""
    import re

    from app.services.matching import youth_code_problem

    pattern, example = app.config["YOUTH_CODE_PATTERN"], app.config["YOUTH_CODE_EXAMPLE"]
    try:
        re.compile(pattern)
    except re.error as error:
        raise StartupError(
            f"YOUTH_CODE_PATTERN is not a valid regular expression: {error}."
        ) from None
    problem = youth_code_problem(example, pattern)
    if problem:
        raise StartupError(f"YOUTH_CODE_EXAMPLE {example!r} is refused: it {problem}")


def _warn_about_production_settings(app: Flask) -> None:
    """Settings that work but do not fit several workers behind a proxy are said out loud."""
    log = logging.getLogger("mentor_ready")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        log.warning(
            "Production is using SQLite; set DATABASE_URL to PostgreSQL for several app hosts."
        )
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        log.warning(
            "Rate limits are kept per worker in memory; set RATELIMIT_STORAGE_URI to Redis."
        )
    if not app.config.get("PROXY_COUNT"):
        log.warning("PROXY_COUNT is 0: behind a proxy every client shares one rate-limit address.")
    if not app.config.get("MAIL_SERVER"):
        log.warning(
            "MAIL_SERVER is not set: mail goes to the log with its link tokens cut short, so "
            "nobody receives confirmation, reset or invitation links. Set MAIL_SERVER."
        )


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and foreign keys, so several gunicorn workers can share one file (busy timeout: below)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _configure_database(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://") or uri.startswith("postgres://"):
        # psycopg 3 is the driver; plain postgresql:// URLs from hosting platforms just work.
        uri = "postgresql+psycopg://" + uri.split("://", 1)[1]
        app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("postgresql"):
        # A database host that does not answer gives a 503 after seconds, not a hung worker.
        connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT"])
    elif uri.startswith("sqlite"):
        # How long a writer waits for another's lock before the request fails with a 503.
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT"])
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if uri.startswith("sqlite:///"):
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _course_of_app(_session: Any) -> Any:
    """The course rules a stored standing is evaluated under: the running app's (None outside one)."""
    from flask import has_app_context

    if not has_app_context():
        return None
    from app.web import current_course

    return current_course()


def _configure_extensions(app: Flask) -> None:
    db.init_app(app)
    from app.services import standing_store

    standing_store.track(_course_of_app)
    from app.models import render_migration_item

    migrate.init_app(
        app,
        db,
        directory=str(_project_dir() / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    # Registered before CSRFProtect, whose check reads the form: writing pages may post more,
    # and unusable input (NULs, files, too many fields) is refused with its own message.
    app.before_request(_allow_long_writing)
    input_checks.install(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # With Redis down every request would log a traceback; once a minute tells the operator.
    limit_logger("flask-limiter", 60)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    # Translated when flashed, in the reader's language.
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from app.services.accounts import find_by_session_token

    @login_manager.user_loader
    def load_user(token: str) -> Any:
        return find_by_session_token(db.session, token)


LONG_WRITING_ENDPOINTS = {"learn.save_journal", "learn.self_care"}
LONG_WRITING_LIMIT = 512 * 1024


def _allow_long_writing() -> None:
    """Journal notes and the self-care plan may be long in any script (UTF-8, then URL-encoded)."""
    from flask import request

    if request.endpoint in LONG_WRITING_ENDPOINTS:
        request.max_content_length = LONG_WRITING_LIMIT


def _project_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def _content_fingerprint(*folders: str) -> tuple[tuple[str, int, int], ...]:
    from pathlib import Path

    files = (path for folder in folders for path in Path(folder).glob("*") if path.is_file())
    return tuple(
        sorted((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    )


@lru_cache(maxsize=8)
def _load_course_once(modules_dir: str, quizzes_dir: str, _fingerprint: tuple) -> Course:
    """Parse and render the course once per set of file versions (apps built in one process share it)."""
    return load_course(modules_dir, quizzes_dir)


def _configure_content(app: Flask) -> None:
    modules_dir, quizzes_dir = str(app.config["MODULES_DIR"]), str(app.config["QUIZZES_DIR"])
    try:
        course = _load_course_once(
            modules_dir, quizzes_dir, _content_fingerprint(modules_dir, quizzes_dir)
        )
    except ContentError as error:
        raise StartupError(
            "The course content has mistakes; fix them and start again "
            "(run 'flask content check' to list them):\n" + str(error)
        ) from error
    # The refresher grace period is a setting; the standing reads it from the course it is given.
    grace = timedelta(days=int(app.config.get("REFRESHER_GRACE_DAYS", 60)))
    if course.refresher_grace != grace:
        course = replace(course, refresher_grace=grace)
    if course.translations is not None and course.translations.problems:
        # The English is served instead; the checker lists the same lines and exits 1.
        logging.getLogger("mentor_ready").warning(
            "Translations with mistakes are served in English until fixed:\n%s",
            "\n".join(str(problem) for problem in course.translations.problems),
        )
    app.extensions["mentor_ready.course"] = course
    planner = _load_planner_once(modules_dir, _content_fingerprint(modules_dir))
    app.extensions["mentor_ready.planner"] = planner


@lru_cache(maxsize=8)
def _load_planner_once(modules_dir: str, _fingerprint: tuple) -> Planner | None:
    """The mentoring-model planner's rules, read once per file version (None when absent)."""
    planner, problems = check_planner(modules_dir)
    if problems:
        raise StartupError(
            "The planner file has mistakes; fix them and start again "
            "(run 'flask content check' to list them):\n"
            + "\n".join(str(problem) for problem in problems)
        )
    return planner


def _configure_blueprints(app: Flask) -> None:
    from app.admin.views import bp as admin_bp
    from app.api.views import bp as api_bp
    from app.auth import (  # noqa: F401 - attach their routes to the auth blueprint
        account_views,
        name_request_views,
        second_factor_views,
    )
    from app.auth.views import bp as auth_bp
    from app.certificates import credential_views  # noqa: F401 - attaches the Open Badges routes
    from app.certificates.views import bp as certificates_bp
    from app.language.views import bp as language_bp
    from app.learn.views import bp as learn_bp
    from app.public.views import bp as public_bp
    from app.quiz.views import bp as quiz_bp
    from app.staff import (  # noqa: F401 - attach their routes to the staff blueprint
        bulk_views,
        in_person_views,
        name_views,
        planner_views,
        report_views,
    )
    from app.staff.views import bp as staff_bp

    for blueprint in (
        public_bp,
        auth_bp,
        learn_bp,
        quiz_bp,
        certificates_bp,
        staff_bp,
        admin_bp,
        api_bp,
        language_bp,
    ):
        app.register_blueprint(blueprint)


def _configure_security(app: Flask) -> None:
    from app.access import enforce_staff_session
    from app.security import apply_security_headers

    app.before_request(enforce_staff_session)
    app.after_request(apply_security_headers)


def _configure_errors(app: Flask) -> None:
    from app.errors import register_error_handlers

    register_error_handlers(app)


def _configure_templates(app: Flask) -> None:
    from app.templating import register_template_helpers

    register_template_helpers(app)


def _configure_languages(app: Flask) -> None:
    from app.languages import configure_languages

    configure_languages(app)


def _configure_mail(app: Flask) -> None:
    """In development without a mail server, queued mail reaches the log without a cron job."""
    if app.config.get("ENV_NAME") == "development" and not app.config.get("MAIL_SERVER"):
        app.after_request(_log_mail_after_response)


def _log_mail_after_response(response: Any) -> Any:
    """Once the response has gone out, write what a POST queued to the log (development only)."""
    from flask import request

    if request.method != "POST":
        return response
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver() -> None:
        from functools import partial

        from app.models import utcnow
        from app.services import outbox
        from app.services.mail import send_mail, settings_from

        with app.app_context():
            mailer = partial(send_mail, settings_from(app.config))
            outbox.send_due(db.session, utcnow(), mailer, limit=20)

    response.call_on_close(deliver)
    return response


def _configure_cli(app: Flask) -> None:
    from app.cli import register_cli
    from app.demo import demo_cli

    register_cli(app)
    app.cli.add_command(demo_cli)
