"""Which language a request is served in, and the course as it is shown in that language.

The language is, in order: the signed-in account's stored choice, the `lang` cookie, the best
match of the browser's Accept-Language among LANGUAGES, else English. A value that is not one
of LANGUAGES is passed over, never an error. Module and quiz texts follow it where a module is
offered in it (`content.translations`); everything else is decided on the English course.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations, gettext
from flask_login import current_user

from app.content import Course
from app.content.translations import LANGUAGES, SOURCE_LANGUAGE, shown_in
from app.extensions import babel, db
from app.models import User
from app.web import current_course

LANGUAGE_COOKIE = "lang"
COOKIE_LIFETIME = timedelta(days=365)

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def note(name: str) -> str:
    """A note for a reader whose chosen language some module or quiz texts are not yet in."""
    if name == "section":
        return gettext(
            "This section is not available in your language yet, so it is shown in English."
        )
    return gettext(
        "Some modules are not available in your language yet; they are shown in English."
    )


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """Compile each language's messages.po into the messages.mo Flask-Babel reads, where the .mo
    is missing or older; fuzzy entries are left out. Returns what could not be written.

    `make install` compiles them too; this keeps a fresh checkout or an edited catalog working.
    """
    problems = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        temporary = None
        try:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            # Written beside and renamed, so several workers starting at once never read half.
            with tempfile.NamedTemporaryFile(dir=mo_path.parent, delete=False) as temporary:
                write_mo(temporary, catalog)
            os.replace(temporary.name, mo_path)
        except OSError as error:
            problems.append(f"{mo_path}: {error.strerror or error}")
            if temporary is not None:
                Path(temporary.name).unlink(missing_ok=True)
    return problems


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


def _choose_before_anything_commits() -> None:
    """Choose the request's language first thing: a commit expires the account it is read from,
    and a streamed response (a CSV export) asks for words after the request's session closed."""
    if request.endpoint != "static":
        current_language()


def _translations() -> Any:
    """This request's catalog, looked up once per locale: Flask-Babel would look it up again
    for each of the hundreds of strings a page like the roster translates. A `force_locale`
    block has its own locale object, so it gets its own catalog."""
    locale = get_locale()
    if not has_app_context():
        return get_translations()
    cached = g.get("_catalog")
    if cached is None or cached[0] is not locale:
        cached = g._catalog = (locale, get_translations())
    return cached[1]


def configure_languages(app: Flask) -> None:
    """Flask-Babel with the language selector; every page knows its language."""
    for problem in compile_catalogs():
        # Without its .mo a language's interface is English; its course texts still follow.
        logging.getLogger("mentor_ready").warning("Interface catalog not compiled: %s", problem)
    babel.init_app(
        app, locale_selector=current_language, default_translation_directories=str(TRANSLATIONS_DIR)
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _translations().ugettext(string),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: _translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    app.before_request(_choose_before_anything_commits)
    app.after_request(_vary_by_language)

    @app.context_processor
    def language_values() -> dict[str, object]:
        return {"current_language": current_language(), "LANGUAGES": LANGUAGES}
