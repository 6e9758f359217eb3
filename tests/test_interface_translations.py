"""The interface's gettext catalogs: complete, in step with the marked strings, compiled at start."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.content.translations import OVERLAY_LANGUAGES
from app.extensions import db
from app.languages import TRANSLATIONS_DIR, compile_catalogs
from app.services import progress
from app.web import current_course
from tests.conftest import PROJECT
from tests.factories import make_user, sign_in
from tests.views.test_languages import choose
from tests.views.test_quiz import start_via_pages

PYBABEL = str(Path(sys.executable).parent / "pybabel")


def catalog_of(language: str):
    """The language's messages.po, parsed."""
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file)


@pytest.mark.parametrize("language", OVERLAY_LANGUAGES)
def test_every_marked_string_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = catalog_of(language)
    messages = [message for message in catalog if message.id]
    assert messages
    untranslated = [message.id for message in messages if not message.string]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert not catalog.obsolete, list(catalog.obsolete)
    # Every %(name)s of the English is in the translation, and nothing else.
    problems = [(message.id, errors) for message, errors in catalog.check() if errors]
    assert not problems, problems


@pytest.mark.parametrize("language", OVERLAY_LANGUAGES)
def test_the_catalog_holds_exactly_the_strings_marked_in_the_code(
    language: str, tmp_path: Path
) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            PYBABEL,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with pot.open("rb") as pot_file:
        marked = {message.id for message in read_po(pot_file) if message.id}
    translated = {message.id for message in catalog_of(language) if message.id}
    assert marked - translated == set(), "run `make translations-update` and translate these"
    assert translated - marked == set(), "strings no longer marked: run `make translations-update`"


def test_catalogs_are_compiled_when_missing_or_older(tmp_path: Path) -> None:
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, copy, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    mo = copy / "es" / "LC_MESSAGES" / "messages.mo"
    assert not mo.exists()
    assert compile_catalogs(copy) == []
    assert mo.stat().st_size > 0
    written = mo.stat().st_mtime_ns
    assert compile_catalogs(copy) == []
    assert mo.stat().st_mtime_ns == written  # up to date: left alone


def test_an_unwritable_catalog_folder_is_reported_not_raised(tmp_path: Path) -> None:
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, copy, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    folder = copy / "es" / "LC_MESSAGES"
    folder.chmod(0o555)
    try:
        problems = compile_catalogs(copy)
    finally:
        folder.chmod(0o755)
    # Root may write anyway; either way nothing is raised.
    assert problems == [] or "messages.mo" in problems[0]


@pytest.fixture
def app_config(fixture_app_config: dict[str, object]) -> dict[str, object]:
    """The small fixture course."""
    return fixture_app_config


def test_a_spanish_reader_gets_the_marked_interface_in_spanish(client) -> None:
    mentor = make_user()
    sign_in(client, mentor)
    english = client.get("/modules/alpha").get_data(as_text=True)
    assert "My training" in english and "What you will be able to do" in english
    choose(client, "es")
    html = client.get("/modules/alpha").get_data(as_text=True)
    for words in ("Mi formación", "Lo que podrás hacer", "Índice", "Ya leí este módulo"):
        assert words in html, words
    assert "What you will be able to do" not in html
    assert "Unos 10 minutos de lectura" in html
    progress.mark_read(db.session, mentor.id, current_course(), "alpha")
    start = client.get("/modules/alpha/quiz").get_data(as_text=True)
    assert "Cuestionario: Alpha module" in start and "Nota para aprobar: 75%" in start
    attempt = start_via_pages(client, "alpha")
    take = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Pregunta 1 de 4" in take and "Enviar mis respuestas" in take


def test_the_result_page_speaks_spanish_after_a_switch(client) -> None:
    from tests.services.test_quizzes import answers_for
    from tests.views.test_quiz import submit

    mentor = make_user()
    sign_in(client, mentor)
    progress.mark_read(db.session, mentor.id, current_course(), "alpha")
    attempt = start_via_pages(client, "alpha")
    choose(client, "es")
    assert submit(client, attempt, answers_for(attempt, correct=False)).status_code == 302
    html = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Resultado: Alpha module" in html and "Todavía no aprobado" in html
    assert "Tus respuestas" in html and "Incorrecta." in html and "Not right." not in html
