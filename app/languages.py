"""Which language a request is served in, and the course as it is shown in that language.

The language is, in order: the signed-in account's stored choice, the `lang` cookie, the best
match of the browser's Accept-Language among LANGUAGES, else English. A value that is not one
of LANGUAGES is passed over, never an error. Module and quiz texts follow it where a module is
offered in it (`content.translations`); everything else is decided on the English course.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_login import current_user

from app.content import Course
from app.content.translations import LANGUAGES, SOURCE_LANGUAGE, shown_in
from app.extensions import babel, db
from app.models import User
from app.web import current_course

LANGUAGE_COOKIE = "lang"
COOKIE_LIFETIME = timedelta(days=365)

# What a reader is told, in their language, where module or quiz texts are still English. Kept
# here, one sentence per language, until the interface has gettext catalogs: the interface step
# turns each into one message whose msgid is the English given first.
NOTES: dict[str, tuple[str, dict[str, str]]] = {
    "section": (
        "This section is not available in your language yet, so it is shown in English.",
        {"es": "Esta sección todavía no está disponible en español; por ahora la ves en inglés."},
    ),
    "some_modules": (
        "Some modules are not available in your language yet; they are shown in English.",
        {
            "es": "Algunos módulos todavía no están disponibles en español; por ahora los ves "
            "en inglés."
        },
    ),
}


def note(name: str) -> str:
    """The note `name` in this request's language (its English where none is written yet)."""
    english, translated = NOTES[name]
    return translated.get(current_language(), english)


def known(value: object) -> str | None:
    """`value` when it is one of the site's languages, else None."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def select_language() -> str:
    """The language for this request: account, cookie, Accept-Language, else English."""
    if not has_request_context():
        return SOURCE_LANGUAGE
    return (
        known(_account_language())
        or known(request.cookies.get(LANGUAGE_COOKIE))
        or known(request.accept_languages.best_match(LANGUAGES))
        or SOURCE_LANGUAGE
    )


def _account_language() -> str | None:
    try:
        user = current_user._get_current_object()
    except sa.exc.SQLAlchemyError:
        # Error pages render while the database is down; they fall back to the browser's choice.
        db.session.rollback()
        return None
    return user.language if isinstance(user, User) else None


def current_language() -> str:
    """The language of this request, chosen once (a key of LANGUAGES)."""
    if not has_request_context():
        return SOURCE_LANGUAGE
    language = g.get("language")
    if language is None:
        language = g.language = select_language()
    return language


def shown_course() -> Course:
    """The course with module and quiz texts in this request's language where it is offered.

    For pages to show; rules (standing, draws, grading, reports) are given `current_course()`.
    """
    return shown_in(current_course(), current_language())


def not_offered(slug: str) -> bool:
    """Whether this request's reader gets `slug` in English although they chose another language."""
    language = current_language()
    translations = current_course().translations
    return not (
        language == SOURCE_LANGUAGE or translations is None or translations.offered(language, slug)
    )


def english_only() -> list[str]:
    """The modules on the path this request's reader gets in English, in course order."""
    return [entry.slug for entry in current_course().path if not_offered(entry.slug)]


def not_translated_note(slug: str) -> str | None:
    """The note for a reader whose language `slug` is not offered in, or None."""
    return note("section") if not_offered(slug) else None


def remember(response: Response, language: str) -> Response:
    """Set the `lang` cookie on `response` (for visitors, and for an account's next sign-in)."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=int(COOKIE_LIFETIME.total_seconds()),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def _vary_by_language(response: Response) -> Response:
    """Pages differ by the cookie and the browser's languages: no shared cache may mix them."""
    if response.mimetype == "text/html":
        response.vary.update(("Cookie", "Accept-Language"))
    return response


def configure_languages(app: Flask) -> None:
    """Flask-Babel with the language selector; every page knows its language."""
    babel.init_app(app, locale_selector=current_language)
    app.after_request(_vary_by_language)

    @app.context_processor
    def language_values() -> dict[str, object]:
        return {"current_language": current_language(), "LANGUAGES": LANGUAGES}
