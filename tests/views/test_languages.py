"""Choosing the language, and the course shown in it: texts change, nothing else does."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import QuizAttempt, User
from app.services import progress, quizzes
from app.web import current_course
from tests.conftest import FIXTURE_COURSE, csrf_from
from tests.factories import make_user, sign_in
from tests.services.test_quizzes import answers_for
from tests.views.test_quiz import start_via_pages
from tests.views.test_security import cookie_flags, cookie_header

TRANSLATED_COURSE = FIXTURE_COURSE.parent / "course_es"
NOTE = "Esta sección todavía no está disponible en español"


@pytest.fixture
def app_config(database_url: str) -> dict[str, object]:
    """The fixture course with alpha in Spanish, beta's quiz untranslated, gamma not at all."""
    return {
        "MODULES_DIR": str(TRANSLATED_COURSE / "modules"),
        "QUIZZES_DIR": str(TRANSLATED_COURSE / "quizzes"),
    }


def html_lang(response) -> str:
    """The language the page says it is in."""
    match = re.search(r'<html lang="([^"]*)">', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def choose(client: FlaskClient, language: str, next_path: str = "/training"):
    """Use the language switch on a page, as a person would: signed out, its link (no session);
    signed in, its form."""
    page = client.get("/language").get_data(as_text=True)
    if "csrf_token" not in page:
        return client.get(f"/language/{language}", query_string={"next": next_path})
    return client.post(
        "/language",
        data={"csrf_token": csrf_from(page), "language": language, "next": next_path},
    )


# --- choosing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("es", "es"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR,de;q=0.8", "en"),
        ("", "en"),
        ("xx-invalid;;q=abc,,,", "en"),
    ],
)
def test_the_browser_language_is_the_default(client, accept: str, expected: str) -> None:
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 200
    assert html_lang(response) == expected
    assert "Accept-Language" in response.vary and "Cookie" in response.vary


@pytest.mark.parametrize("value", ["xx", "", "es-ES", "../../etc", "e" * 300, "EN"])
def test_an_unknown_cookie_falls_back_without_error(client, value: str) -> None:
    client.set_cookie("lang", value)
    response = client.get("/sign-in", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert html_lang(response) == "en"


def test_the_cookie_wins_over_the_browser(client) -> None:
    client.set_cookie("lang", "en")
    assert html_lang(client.get("/", headers={"Accept-Language": "es"})) == "en"
    client.set_cookie("lang", "es")
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "es"


def test_the_switch_sets_a_cookie_and_goes_back(client) -> None:
    response = choose(client, "es", next_path="/register?x=1")
    assert response.status_code == 302 and response.location == "/register?x=1"
    header = cookie_header(response, "lang")
    assert header.startswith("lang=es;")
    assert {"httponly", "samesite=lax", "path=/"} <= cookie_flags(header)
    assert html_lang(client.get("/register")) == "es"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil", "javascript:alert(1)", ""]
)
def test_the_switch_goes_back_only_to_a_page_of_this_site(client, target: str) -> None:
    response = choose(client, "es", next_path=target)
    assert response.status_code == 302 and response.location == "/"


def test_the_switch_refuses_an_unknown_language_and_a_missing_token(app, client) -> None:
    assert choose(client, "fr").status_code == 404
    assert client.get("/language/<script>?next=/").status_code == 404
    assert client.post("/language", data={"language": "es", "next": "/"}).status_code == 400
    assert "lang=" not in " ".join(client.get("/").headers.getlist("Set-Cookie"))
    mentor = make_user()
    sign_in(client, mentor)
    assert choose(client, "fr").status_code == 400
    db.session.expire_all()
    assert db.session.get(User, mentor.id).language is None


def test_signed_out_the_switch_is_a_link_that_creates_no_session(client) -> None:
    """Reading the site in another language needs no session: the link sets only `lang`."""
    landing = client.get("/", headers={"Accept-Language": "en"})
    html = landing.get_data(as_text=True)
    assert 'href="/language/es?next=/" lang="es" hreflang="es">Español</a>' in html
    assert "csrf_token" not in html
    assert not landing.headers.getlist("Set-Cookie")
    response = client.get("/language/es?next=/")
    assert response.status_code == 302 and response.location == "/"
    assert [header.split("=")[0] for header in response.headers.getlist("Set-Cookie")] == ["lang"]
    again = client.get("/")
    assert html_lang(again) == "es" and not again.headers.getlist("Set-Cookie")
    assert 'href="/language/en?next=/" lang="en" hreflang="en">English</a>' in again.get_data(
        as_text=True
    )


def test_signed_in_the_link_leads_to_the_form_that_keeps_the_choice(app, client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    response = client.get("/language/es?next=/training")
    assert response.status_code == 302
    assert response.location == "/language?next=/training"
    assert "lang=" not in " ".join(response.headers.getlist("Set-Cookie"))
    db.session.expire_all()
    assert db.session.get(User, mentor.id).language is None
    page = client.get(response.location).get_data(as_text=True)
    assert "csrf_token" in page and 'name="language" value="es"' in page


def test_every_page_carries_the_switch_and_its_language(app, client) -> None:
    html = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/language/es?next=/sign-in" lang="es"' in html
    client.set_cookie("lang", "es")
    html = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/language/en?next=/sign-in" lang="en"' in html and "/language/es" not in html
    sign_in(client, make_user())
    html = client.get("/training").get_data(as_text=True)
    assert 'action="/language"' in html and 'name="language" value="en"' in html
    assert 'lang="en" class="link-button">English</button>' in html


def test_a_signed_in_choice_is_kept_on_the_account(app, client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    assert html_lang(client.get("/training")) == "en"
    choose(client, "es")
    db.session.expire_all()
    assert db.session.get(User, mentor.id).language == "es"
    assert html_lang(client.get("/training")) == "es"
    # Another browser, without the cookie, gets the account's language once signed in.
    other = app.test_client()
    sign_in(other, mentor)
    assert html_lang(other.get("/training", headers={"Accept-Language": "en"})) == "es"
    # The account wins over a cookie set to something else.
    other.set_cookie("lang", "en")
    assert html_lang(other.get("/training")) == "es"


def test_an_unknown_stored_language_falls_back(client) -> None:
    mentor = make_user()
    mentor.language = "zz"
    db.session.commit()
    sign_in(client, mentor)
    response = client.get("/training", headers={"Accept-Language": "de"})
    assert response.status_code == 200 and html_lang(response) == "en"


# --- the course in the chosen language -------------------------------------------------------


def test_a_translated_module_is_shown_in_spanish(client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    english = client.get("/modules/alpha").get_data(as_text=True)
    assert "Alpha module" in english and NOTE not in english
    choose(client, "es")
    html = client.get("/modules/alpha").get_data(as_text=True)
    assert "Módulo alfa" in html and "Texto de alfa sobre la seguridad" in html
    assert "Primera sección" in html and 'id="first-section"' in html
    assert "Conocer alfa" in html and "¿Qué te enseñó alfa?" in html
    assert "Alpha body text" not in html and NOTE not in html
    assert 'class="module" aria-labelledby="module-title">' in html  # no lang="en" here


@pytest.mark.parametrize("slug", ["beta", "gamma"])
def test_a_module_not_wholly_translated_is_english_with_a_note(client, slug: str) -> None:
    mentor = make_user(mentor_type="survivor_mentor")
    sign_in(client, mentor)
    choose(client, "es")
    html = client.get(f"/modules/{slug}").get_data(as_text=True)
    assert f"{slug.capitalize()} module" in html
    assert NOTE in html and 'lang="es">' + NOTE in html
    assert 'aria-labelledby="module-title" lang="en"' in html
    # beta's module overlay exists, but without its quiz it is not offered.
    assert "Módulo beta" not in html


def test_a_stale_translation_is_english_with_the_note(
    app_config, tmp_path: Path, database_url: str
) -> None:
    from app import create_app
    from tests.conftest import FreshGlobalsClient, config_for, empty_tables

    course = tmp_path / "course"
    shutil.copytree(TRANSLATED_COURSE, course)
    english = course / "modules" / "alpha.md"
    english.write_text(english.read_text() + "\nA new English paragraph.\n")
    stale = create_app(
        config_for(
            database_url,
            MODULES_DIR=str(course / "modules"),
            QUIZZES_DIR=str(course / "quizzes"),
        )
    )
    stale.test_client_class = FreshGlobalsClient
    client = stale.test_client()
    with stale.app_context():
        try:
            mentor = make_user()
            sign_in(client, mentor)
            choose(client, "es")
            html = client.get("/modules/alpha").get_data(as_text=True)
            assert "Alpha module" in html and "A new English paragraph." in html
            assert NOTE in html and "Módulo alfa" not in html
        finally:
            empty_tables()
            db.session.remove()
            db.engine.dispose()


def test_my_training_names_modules_in_the_chosen_language(client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    choose(client, "es")
    html = client.get("/training").get_data(as_text=True)
    assert ">Módulo alfa</a>" in html
    assert '<h3 lang="en"><a href="/modules/beta">Beta module</a>' in html
    assert "Algunos módulos todavía no están disponibles en español" in html


def test_switching_mid_quiz_keeps_the_attempt_and_its_draw(client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    course = current_course()
    progress.mark_read(db.session, mentor.id, course, "alpha")
    attempt = start_via_pages(client, "alpha")
    draw = [dict(item) for item in attempt.draw]
    english = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Alpha question" in english or "Alpha critical" in english

    assert choose(client, "es", next_path=f"/attempts/{attempt.id}").location == (
        f"/attempts/{attempt.id}"
    )
    spanish = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "alfa" in spanish and "Alpha question" not in spanish
    field = re.compile(
        r'<input type="(?:radio|checkbox)" name="([^"]+)" id="[^"]+" value="([^"]+)"'
    )
    # The same questions and options in the same order, under the same opaque names.
    assert field.findall(spanish) == field.findall(english)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).draw == draw
    assert quizzes.has_read(db.session, mentor.id, "alpha")

    response = client.post(
        f"/attempts/{attempt.id}",
        data={**answers_for(attempt), "csrf_token": csrf_from(spanish)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    graded = db.session.get(QuizAttempt, attempt.id)
    assert graded.passed and graded.score == 100
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert any(words in result for words in ("Por B.", "Por A y C.", "Es verdadera.", "Por A.")), (
        result
    )
    assert "Because B." not in result and NOTE not in result


def test_grading_is_the_same_in_either_language(app, client) -> None:
    """Wrong answers score the same whether the page was read in English or Spanish."""
    scores = {}
    for language in ("en", "es"):
        mentor = make_user()
        other = app.test_client()
        sign_in(other, mentor)
        choose(other, language)
        progress.mark_read(db.session, mentor.id, current_course(), "alpha")
        attempt = start_via_pages(other, "alpha")
        other.post(
            f"/attempts/{attempt.id}",
            data={
                **answers_for(attempt, correct=False),
                "csrf_token": csrf_from(other.get("/training").get_data(as_text=True)),
            },
        )
        db.session.expire_all()
        graded = db.session.get(QuizAttempt, attempt.id)
        scores[language] = (graded.score, graded.passed)
    assert scores["en"] == scores["es"] == (0, False)


def test_the_quiz_of_an_untranslated_module_has_the_note(client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    progress.mark_read(db.session, mentor.id, current_course(), "alpha")
    progress.mark_read(db.session, mentor.id, current_course(), "beta")
    choose(client, "es")
    assert NOTE not in client.get("/modules/alpha/quiz").get_data(as_text=True)
    start = client.get("/modules/beta/quiz").get_data(as_text=True)
    assert NOTE in start and "Cuestionario: Beta module" in start


def test_the_certificate_look_up_still_sets_no_cookie(client) -> None:
    html = client.get("/verify", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert 'href="/language/en?next=/verify"' in html
    assert "csrf_token" not in html


def test_my_journal_gives_prompts_in_the_chosen_language(client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    choose(client, "es")
    html = client.get("/journal").get_data(as_text=True)
    assert "¿Qué te enseñó alfa?" in html and "What did alpha teach you?" not in html


def test_the_landing_page_lists_modules_in_the_browser_language(client) -> None:
    html = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Módulo alfa" in html and "Beta module" in html
