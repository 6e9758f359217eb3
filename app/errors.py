"""Error pages in the site's look, for people and for the JSON API alike."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.content.translations import SOURCE_LANGUAGE
from app.extensions import db, login_manager
from app.input_checks import RefusedInput

MESSAGES = {
    400: (
        _l("Something in that request was not right"),
        _l("Please go back, reload the page and try again."),
    ),
    403: (
        _l("This page is not open to you"),
        _l("Your account does not have access to this page."),
    ),
    404: (_l("We could not find that page"), _l("The link may be old or mistyped.")),
    405: (
        _l("That action is not available here"),
        _l("Please go back and use the buttons on the page."),
    ),
    413: (
        _l("That was more than we can accept"),
        _l("Please shorten what you entered and try again."),
    ),
    429: (_l("Too many requests"), _l("Please wait a minute before trying again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("It is not your fault. Please try again in a moment."),
    ),
    503: (
        _l("The site is briefly unavailable"),
        _l("Nothing you entered was saved. Please try again in a minute."),
    ),
}
RETRY_AFTER_SECONDS = 30


def database_unavailable(error: sa.exc.DBAPIError) -> bool:
    """Whether a database error means "not reachable or busy now", not a bug in a query."""
    return isinstance(error, sa.exc.OperationalError) or bool(error.connection_invalidated)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _render(status: int, detail: str | None = None) -> tuple[object, int]:
    title, hint = MESSAGES.get(status, MESSAGES[500])
    if _wants_json():
        # The API speaks no language but English words and codes, whoever asks.
        with force_locale(SOURCE_LANGUAGE):
            return jsonify(error=str(title), status=status), status
    return render_template(
        "errors/error.html", status=status, title=str(title), hint=detail or str(hint)
    ), status


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error with the site's template; never a stack trace."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[object, int]:
        return _render(
            400,
            gettext(
                "The form was missing its security token or it had expired. "
                "Please reload the page and submit the form again."
            ),
        )

    @app.errorhandler(RefusedInput)
    def refused_input(error: RefusedInput) -> tuple[object, int]:
        return _render(400, error.description)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = make_response(_render(error.code or 500))
        # Keep the headers the error carries: Allow on a 405 is required by HTTP, for one.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(sa.exc.DBAPIError)
    @app.errorhandler(sa.exc.TimeoutError)
    def database_error(error: Exception) -> Response:
        """Database down, or SQLite's writer lock held past the busy timeout: 503, rolled back."""
        if isinstance(error, sa.exc.DBAPIError) and not database_unavailable(error):
            return make_response(unexpected_error(error))
        app.logger.error(
            "Database unavailable on %s %s: %s",
            request.method,
            request.path,
            str(getattr(error, "orig", None) or error).strip().splitlines()[0],
        )
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            db.session.invalidate()
        # The page and its headers must not ask the database who is signed in.
        g._login_user = login_manager.anonymous_user()
        response = make_response(_render(ServiceUnavailable.code))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[object, int]:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        # A failed statement leaves the transaction unusable; the error page may need the database.
        db.session.rollback()
        return _render(InternalServerError.code)
