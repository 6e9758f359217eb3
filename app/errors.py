"""Error pages in the site's look, for people and for the JSON API alike."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.input_checks import RefusedInput

MESSAGES = {
    400: (
        "Something in that request was not right",
        "Please go back, reload the page and try again.",
    ),
    403: ("This page is not open to you", "Your account does not have access to this page."),
    404: ("We could not find that page", "The link may be old or mistyped."),
    405: ("That action is not available here", "Please go back and use the buttons on the page."),
    413: ("That was more than we can accept", "Please shorten what you entered and try again."),
    429: ("Too many requests", "Please wait a minute before trying again."),
    500: (
        "Something went wrong on our side",
        "It is not your fault. Please try again in a moment.",
    ),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _render(status: int, detail: str | None = None) -> tuple[object, int]:
    title, hint = MESSAGES.get(status, MESSAGES[500])
    if _wants_json():
        return jsonify(error=title, status=status), status
    return render_template(
        "errors/error.html", status=status, title=title, hint=detail or hint
    ), status


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error with the site's template; never a stack trace."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[object, int]:
        return _render(
            400,
            "The form was missing its security token or it had expired. "
            "Please reload the page and submit the form again.",
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

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[object, int]:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        # A failed statement leaves the transaction unusable; the error page may need the database.
        db.session.rollback()
        return _render(InternalServerError.code)
