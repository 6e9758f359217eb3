"""The mentor's whole journey in Spanish on a 360 px phone: the language switch on the first page,
sign-up, the mailed confirmation, every module and quiz of the path (the first with its pre-check
and a failed attempt), the certificate and its PDF, and the public verification in a browser that
asks for Spanish. Every page must be in Spanish (`<html lang="es">` and a sentence only the
Spanish page has), axe-clean and no wider than the phone, so a page that falls back to English or
overflows with longer Spanish words fails here."""

from __future__ import annotations

import io
import re
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from app.content.translations import shown_in
from app.extensions import db
from app.models import OutboxMessage
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    PASSWORD,
    PHONE,
    assert_no_horizontal_scroll,
    axe_problems,
    mailed_link,
    plain,
    question_on_page,
)

NAME, EMAIL = "Lucía Fernández Ríos", "lucia.es@example.org"


def assert_spanish_and_tidy(page: Page, spanish: str | re.Pattern[str]) -> None:
    """The page is in Spanish (its lang, a sentence only the Spanish page has, no course text
    marked as English, no English default emergency line in the footer), axe finds nothing
    serious and nothing scrolls sideways at 360 px."""
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main")).to_contain_text(spanish)
    expect(page.locator("main [lang=en]")).to_have_count(0)
    expect(page.locator(".site-footer")).not_to_contain_text("If you are in danger now")
    assert axe_problems(page) == [], page.url
    assert_no_horizontal_scroll(page)


def last_mail(server: LiveServer, email: str) -> tuple[str, str]:
    """Subject and body of the newest mail queued for `email`."""
    with server.app.app_context():
        row = db.session.execute(
            sa.select(OutboxMessage.subject, OutboxMessage.body)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        ).one()
    return row.subject, row.body


def answer_quiz_in_spanish(page: Page, course, slug: str, correct: bool = True) -> None:
    """Answer every question on the attempt page right (or wrong), recognising the Spanish
    texts; the page is checked before it is submitted."""
    groups = page.get_by_role("group", name=re.compile(r"Pregunta \d+ de \d+"))
    expect(groups.first).to_be_visible()
    assert groups.count() > 0
    for index in range(groups.count()):
        group = groups.nth(index)
        question = question_on_page(group.inner_text(), course, slug)
        wanted = [option for option in question.options if option.correct == correct]
        if question.type != "multiple":
            wanted = wanted[:1]
        for option in wanted:
            group.get_by_label(plain(option.text_html), exact=True).check()
    assert_spanish_and_tidy(page, "Enviar mis respuestas")
    page.get_by_role("button", name="Enviar mis respuestas").click()


def test_a_mentor_walks_from_sign_up_to_a_verified_certificate_in_spanish(
    live_server: LiveServer, page: Page, browser
) -> None:
    base = live_server.url
    english = live_server.app.extensions["mentor_ready.course"]
    course = shown_in(english, "es")
    modules = course.modules_for("community_volunteer")
    page.set_viewport_size(PHONE)

    # The first page is in English (the browser asks for nothing else); the visitor chooses
    # "Español" with the language switch.
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Español").click()
    assert_spanish_and_tidy(page, "Crear una cuenta")

    # Sign up with the Spanish form.
    page.get_by_role("link", name="Crear una cuenta").first.click()
    expect(page.get_by_role("heading", name="Crea tu cuenta", level=1)).to_be_visible()
    assert_spanish_and_tidy(page, "Voluntario/a de la comunidad")
    page.get_by_label("Nombre completo").fill(NAME)
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Voluntario/a de la comunidad").check()
    page.get_by_role("button", name="Crear mi cuenta").click()
    expect(page.get_by_role("heading", name="Revisa tu correo electrónico")).to_be_visible()
    assert_spanish_and_tidy(page, "Abre el enlace que contiene para confirmar tu correo")

    # The confirmation mail is in Spanish, and so is the page its link opens.
    subject, body = last_mail(live_server, EMAIL)
    assert subject.startswith("Confirma tu correo electrónico"), subject
    assert "Gracias por registrarte" in body, body
    page.goto(base + mailed_link(live_server, EMAIL, "confirm-email"))
    assert_spanish_and_tidy(page, "Confirmar mi correo electrónico")
    page.get_by_role("button", name="Confirmar mi correo electrónico").click()
    expect(page.get_by_text("Tu correo electrónico está confirmado")).to_be_visible()
    assert_spanish_and_tidy(page, "Tu correo electrónico está confirmado")

    # Sign in.
    page.goto(base + "/sign-in")
    assert_spanish_and_tidy(page, "¿Eres nuevo/a aquí?")
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="Mi formación", level=1)).to_be_visible()
    assert_spanish_and_tidy(page, "0% completado")

    # Every module of the path, read and passed in Spanish.
    for number, module in enumerate(modules):
        first, last = number == 0, number == len(modules) - 1
        assert module.title != english.module(module.slug).title, "not offered in Spanish"
        next_step = page.get_by_role("link", name=re.compile("^Siguiente: Lee"))
        expect(next_step).to_contain_text(module.title)
        next_step.click()
        expect(page.get_by_role("heading", name=module.title, level=1)).to_be_visible()
        assert_spanish_and_tidy(page, "Ya leí este módulo")
        if first:
            # The ungraded pre-check, then one failed attempt, as a mentor might.
            page.get_by_role("button", name="Hacer la evaluación previa").click()
            answer_quiz_in_spanish(page, course, module.slug)
            assert_spanish_and_tidy(page, "Antes de leer, respondiste bien el")
            page.get_by_role("link", name="Leer el módulo").click()
        else:
            page.get_by_role("button", name="Saltar la evaluación previa").click()
        page.get_by_role("button", name="Ya leí este módulo").click()
        page.get_by_role("link", name="Ir al cuestionario").click()
        start = page.get_by_role("button", name="Empezar el cuestionario")
        expect(start).to_be_visible()
        if first or last:
            assert_spanish_and_tidy(page, "Empezar el cuestionario")
        if first:
            start.click()
            answer_quiz_in_spanish(page, course, module.slug, correct=False)
            expect(page.get_by_text("Todavía no aprobado")).to_be_visible()
            assert_spanish_and_tidy(page, "Qué repasar")
            page.get_by_role("link", name="Intentar de nuevo").click()
        start.click()
        answer_quiz_in_spanish(page, course, module.slug)
        expect(page.get_by_text("Aprobado", exact=True)).to_be_visible()
        if first or last:
            assert_spanish_and_tidy(page, "Aprobado")
        page.get_by_role("link", name="Volver a Mi formación").click()
        expect(page.get_by_role("heading", name="Mi formación", level=1)).to_be_visible()
        if first:
            assert_spanish_and_tidy(page, re.compile(r"1 de \d+ cuestionarios aprobados"))

    # My training: the course done, the certificate valid.
    assert_spanish_and_tidy(page, "100% completado")
    expect(page.locator("main")).to_contain_text("vigente")
    page.get_by_role("link", name="Ver tu certificado y descargar el PDF").click()
    assert_spanish_and_tidy(page, "Vigente desde")
    code = page.locator("code").first.inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)

    # The PDF is printed in Spanish, the holder's language.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar el PDF").click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert code in text
    assert "Certificado de formación" in text and "Código del certificado" in text, text

    # Anyone whose browser asks for Spanish checks the code on the public page.
    visitor_context = browser.new_context(viewport=PHONE, locale="es-MX")
    try:
        visitor = visitor_context.new_page()
        visitor.goto(f"{base}/verify")
        assert_spanish_and_tidy(visitor, "Código del certificado")
        visitor.get_by_label("Código del certificado").fill(code.lower().replace("-", " "))
        visitor.get_by_role("button", name="Verificar el certificado").click()
        expect(visitor.locator("main")).to_contain_text("Estado: vigente")
        assert_spanish_and_tidy(visitor, "este certificado es auténtico y está al día")
        main = visitor.locator("main").inner_text()
        assert "Lucía" in main and NAME not in main and EMAIL not in main
    finally:
        visitor_context.close()
