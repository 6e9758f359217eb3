"""The certificate in Spanish: the PDF in the holder's language, verification in the visitor's.

Only words (and how dates are written) change with the language: the code, the dates' values, the
QR code, the JSON API and the signed Open Badge are the same in every language.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from app.extensions import db
from app.models import User, utcnow
from app.services import certificates
from tests.conftest import csrf_from
from tests.factories import make_user, sign_in
from tests.services.test_certificates import certify
from tests.services.test_eligibility_matching import attend_in_person
from tests.views.test_languages import TRANSLATED_COURSE

SPANISH_NAME = "Ángela María José Núñez-Ibáñez ¡Óscar! ¿Éxito? Úrsula"


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def speaking(user: User, language: str | None) -> User:
    """Store `language` as the account's choice, as the language switch does when signed in."""
    user.language = language
    db.session.commit()
    return user


@pytest.fixture
def holder(app):
    mentor = make_user(name=SPANISH_NAME)
    return mentor, certify(mentor, at=utcnow() - timedelta(days=1))


def pdf_of(app, user: User, certificate) -> PdfReader:
    """The certificate's PDF as `user` downloads it, on their own browser."""
    client = app.test_client()
    sign_in(client, user)
    response = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def text_of(reader: PdfReader) -> str:
    """The page's text with its lines joined, as a person reads it."""
    return " ".join(reader.pages[0].extract_text().split())


def links_of(reader: PdfReader) -> list[str]:
    return [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]


def images_of(reader: PdfReader) -> list[bytes]:
    return [image.data for image in reader.pages[0].images]


# The PDF ----------------------------------------------------------------------------------------


def test_a_spanish_holder_gets_a_spanish_pdf_with_the_same_code_dates_and_qr(app, holder) -> None:
    mentor, certificate = holder
    english = pdf_of(app, mentor, certificate)
    speaking(mentor, "es")
    spanish = pdf_of(app, mentor, certificate)
    code = certificates.format_code(certificate.code)

    words = text_of(spanish)
    for phrase in (
        "Certificado de formación",
        "Se certifica que",
        "completó la formación y aprobó todos los cuestionarios requeridos de",
        "Vigente desde",
        "Vigente hasta",
        "Código del certificado",
        f"Verifícalo en http://localhost/verify/{code}",
    ):
        assert phrase in words, phrase
    for phrase in ("Certificate of Training", "This certifies that", "Valid from", "Check it at"):
        assert phrase not in words, phrase
    # The dates' values are the same; only their words follow the language.
    for moment in (certificate.valid_from, certificate.valid_until):
        assert f"{moment:%-d %B %Y}" in text_of(english)
        spanish_date = format_date(moment, "long", locale="es")
        assert " de " in spanish_date and spanish_date in words
    # The code, the link and the QR code are identical in both languages.
    assert code in text_of(english) and code in words
    assert links_of(spanish) == links_of(english) == [f"http://localhost/verify/{code}"]
    assert images_of(spanish) == images_of(english) and len(images_of(spanish)) == 1
    assert spanish.metadata.title == f"Certificado de Mentor Ready {code}"
    assert english.metadata.title == f"Mentor Ready certificate {code}"


def test_spanish_letters_and_marks_print_in_the_pdf(app, holder) -> None:
    mentor, certificate = holder
    speaking(mentor, "es")
    words = text_of(pdf_of(app, mentor, certificate))
    assert SPANISH_NAME in words
    for character in "áéíóúñ¿¡ÁÉÓÚ":
        assert character in words, character
    assert "[latin" not in words  # no letter had to be spelt out for lack of a glyph


def test_whoever_downloads_it_the_pdf_speaks_the_holders_language(app, holder) -> None:
    mentor, certificate = holder
    speaking(mentor, "es")
    staff = make_user(role="staff")  # reads the site in English
    assert "Certificado de formación" in text_of(pdf_of(app, staff, certificate))
    speaking(staff, "es")
    speaking(mentor, None)
    english = text_of(pdf_of(app, staff, certificate))
    assert "Certificate of Training" in english and "Vigente" not in english


def test_a_holder_who_saved_no_language_gets_english_whatever_the_browser_says(app, holder) -> None:
    mentor, certificate = holder
    client = app.test_client()
    client.set_cookie("lang", "es")
    sign_in(client, mentor)
    response = client.get(
        f"/certificates/{certificate.id}/certificate.pdf", headers={"Accept-Language": "es"}
    )
    assert "Certificate of Training" in text_of(PdfReader(io.BytesIO(response.data)))
    # The certificate page, in Spanish, says which language the PDF is in and how to change it.
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Tu certificado" in page and "El PDF está en el idioma guardado en tu cuenta" in page


# The holder's certificate page ------------------------------------------------------------------


def test_the_certificate_page_speaks_spanish_with_spanish_dates(app, client, holder) -> None:
    mentor, certificate = holder
    speaking(mentor, "es")
    sign_in(client, mentor)
    html = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert '<html lang="es">' in html
    for words in (
        "<h1>Tu certificado</h1>",
        "<dt>Estado</dt><dd><strong>Vigente</strong></dd>",
        "Verifícalo en línea",
        "Descargar el PDF",
        "Pide que se corrija tu nombre",
        format_date(certificate.valid_until, "long", locale="es"),
    ):
        assert words in html, words
    assert 'id="pdf-language"' not in html  # the PDF is in the page's language
    assert certificates.format_code(certificate.code) in html


def test_staff_reading_in_english_are_told_the_pdf_is_in_the_holders_language(
    app, client, holder
) -> None:
    mentor, certificate = holder
    staff = make_user(role="staff")
    sign_in(client, staff)
    html = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "<dt>Status</dt><dd><strong>Valid</strong></dd>" in html
    assert "The PDF is in the holder's language." not in html
    speaking(mentor, "es")
    html = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "The PDF is in the holder's language." in html
    assert f"Certificate of {SPANISH_NAME}" in html


def test_an_english_holder_sees_the_page_unchanged(app, client, holder) -> None:
    mentor, certificate = holder
    sign_in(client, mentor)
    html = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "<h1>Your certificate</h1>" in html and "Download the PDF" in html
    assert f"<dd>{certificate.valid_until:%-d %B %Y}</dd>" in html
    assert f"{certificate.course_title} (version {certificate.course_version})" in html


# Public verification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "how", [{"cookie": "es"}, {"headers": {"Accept-Language": "es-MX,es;q=0.9"}}]
)
def test_the_verification_page_speaks_the_visitors_language(client, holder, how) -> None:
    _mentor, certificate = holder
    code = certificates.format_code(certificate.code)
    if "cookie" in how:
        client.set_cookie("lang", how["cookie"])
    response = client.get(f"/verify/{code}", headers=how.get("headers", {}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="es">' in html
    for words in (
        "Estado: <strong>vigente</strong>: este certificado es auténtico y está al día.",
        "<dt>Titular</dt><dd>Ángela Ú.</dd>",
        "Versión del curso",
        "Verifica el nombre completo de la persona titular",
        "Legible por máquina:",
    ):
        assert words in html, words
    assert "Status:" not in html and 'class="verify-status verify-valid"' in html
    # The dates stay as the API gives them.
    assert certificate.valid_from.date().isoformat() in html
    assert response.headers.getlist("Set-Cookie") == []  # a look-up still creates no session


def test_hours_are_written_as_the_visitor_writes_numbers(client, holder) -> None:
    mentor, certificate = holder
    attend_in_person(make_user(role="staff").id, mentor, "1.5", utcnow() - timedelta(hours=1))
    code = certificates.format_code(certificate.code)
    english = client.get(f"/verify/{code}").get_data(as_text=True)
    assert '<dd id="in-person-hours">1.5 hours attended</dd>' in english
    client.set_cookie("lang", "es")
    spanish = client.get(f"/verify/{code}").get_data(as_text=True)
    assert '<dd id="in-person-hours">1,5 horas asistidas</dd>' in spanish
    assert client.get(f"/api/v1/certificates/{code}").json["in_person_hours"] == 1.5


def test_an_english_visitor_gets_the_verification_page_in_english(client, holder) -> None:
    _mentor, certificate = holder
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Status: <strong>valid</strong>: this certificate is genuine and current." in html
    assert "<dt>Holder</dt><dd>Ángela Ú.</dd>" in html and "Estado" not in html


def test_status_words_follow_the_status_code(app, client, holder) -> None:
    _mentor, certificate = holder
    staff = make_user(role="staff")
    certificates.suspend(db.session, staff.id, certificate.id, "A concern")
    client.set_cookie("lang", "es")
    code = certificates.format_code(certificate.code)
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Estado: <strong>suspendido</strong>" in html
    name_page = client.get(f"/verify/{code}/name").get_data(as_text=True)
    assert "Estado: <strong>suspendido</strong>." in name_page
    certificates.revoke(db.session, staff.id, certificate.id, "Withdrawn")
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Estado: <strong>revocado</strong>: el programa retiró este certificado." in html


def test_the_name_check_answers_in_spanish(client, holder) -> None:
    _mentor, certificate = holder
    client.set_cookie("lang", "es")
    code = certificates.format_code(certificate.code)
    page = client.get(f"/verify/{code}/name").get_data(as_text=True)
    assert "Nombre completo que esperas" in page and "Verificar el nombre" in page
    token = csrf_from(page)
    matched = client.post(
        f"/verify/{code}/name", data={"full_name": SPANISH_NAME, "csrf_token": token}
    ).get_data(as_text=True)
    assert "<strong>coincide</strong> con el nombre de la persona titular" in matched
    missed = client.post(
        f"/verify/{code}/name", data={"full_name": "Ángela Núñez", "csrf_token": token}
    ).get_data(as_text=True)
    assert "<strong>no coincide</strong>" in missed
    empty = client.post(f"/verify/{code}/name", data={"full_name": "", "csrf_token": token})
    assert empty.status_code == 422
    assert "Escribe el nombre completo que esperas." in empty.get_data(as_text=True)


def test_the_code_form_and_the_unknown_code_page_speak_spanish(client, holder) -> None:
    client.set_cookie("lang", "es")
    form = client.get("/verify", query_string={"code": ""})
    html = form.get_data(as_text=True)
    assert form.status_code == 422 and "<title>Error: Verificar un certificado" in html
    assert "Escribe el código impreso en el certificado." in html
    assert "Hay un problema" in html and "There is a problem" not in html
    missing = client.get("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "No hay ningún certificado con ese código" in html
    assert 'value="ZZZZ-ZZZZ-ZZZZ-ZZZZ"' in html  # the code as typed, to correct


# The JSON API stays language-neutral ------------------------------------------------------------


def test_the_api_answers_the_same_bytes_in_every_language(app, holder) -> None:
    _mentor, certificate = holder
    code = certificates.format_code(certificate.code)
    answers = []
    for lang, accept in ((None, None), ("es", "es"), (None, "es-MX,es;q=0.9"), ("es", "en")):
        client = app.test_client()
        if lang:
            client.set_cookie("lang", lang)
        headers = {"Accept-Language": accept} if accept else {}
        found = client.get(f"/api/v1/certificates/{code}", headers=headers)
        unknown = client.get("/api/v1/certificates/ZZZZ-ZZZZ-ZZZZ-ZZZZ", headers=headers)
        answers.append((found.status_code, found.data, unknown.status_code, unknown.data))
    assert all(answer == answers[0] for answer in answers)
    assert json.loads(answers[0][1])["status"] == "valid"


# The signed Open Badge stays as signed; only the check page speaks Spanish ----------------------


class TestOpenBadges:
    @pytest.fixture
    def app_config(self, fixture_app_config, tmp_path):
        return {**fixture_app_config, "CREDENTIAL_KEY_PATH": str(tmp_path / "key.pem")}

    @pytest.fixture
    def signing(self, app, runner):
        assert runner.invoke(args=["credentials", "init-key"]).exit_code == 0

    def test_the_credential_is_byte_identical_in_every_language(
        self, app, holder, signing, monkeypatch
    ) -> None:
        mentor, certificate = holder
        moment = utcnow()
        monkeypatch.setattr(certificates, "utcnow", lambda: moment)
        bodies = []
        for language in (None, "es"):
            speaking(mentor, language)
            client = app.test_client()
            client.set_cookie("lang", language or "en")
            sign_in(client, mentor)
            response = client.get(f"/certificates/{certificate.id}/open-badge.json")
            assert response.status_code == 200
            bodies.append(response.data)
        assert bodies[0] == bodies[1]

    def test_the_check_page_speaks_spanish_and_says_why_in_spanish(
        self, client, holder, signing
    ) -> None:
        client.set_cookie("lang", "es")
        page = client.get("/credentials/verify").get_data(as_text=True)
        assert "Verificar una insignia Open Badge" in page and "Archivo de la credencial" in page
        response = client.post(
            "/credentials/verify",
            data={"csrf_token": csrf_from(page), "credential": (io.BytesIO(b" "), "badge.json")},
            content_type="multipart/form-data",
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "<title>No válida: " in html
        assert "El archivo está vacío." in html


def test_a_too_long_code_is_refused_in_spanish(client) -> None:
    client.set_cookie("lang", "es")
    response = client.get("/verify", query_string={"code": "A" * 65})
    assert response.status_code == 422
    assert "Este campo no puede tener más de 64 caracteres." in response.get_data(as_text=True)


class TestModuleTitles:
    @pytest.fixture
    def app_config(self, database_url):
        """The fixture course with alpha offered in Spanish and beta not (its quiz is English)."""
        return {
            "MODULES_DIR": str(TRANSLATED_COURSE / "modules"),
            "QUIZZES_DIR": str(TRANSLATED_COURSE / "quizzes"),
        }

    def test_certified_modules_are_named_in_the_visitors_language_where_offered(
        self, client, holder
    ) -> None:
        _mentor, certificate = holder
        code = certificates.format_code(certificate.code)
        english = client.get(f"/verify/{code}").get_data(as_text=True)
        assert "<li>Alpha module</li>" in english and "<li>Beta module</li>" in english
        client.set_cookie("lang", "es")
        html = client.get(f"/verify/{code}").get_data(as_text=True)
        assert "<li>Módulo alfa</li>" in html and "Alpha module" not in html
        assert '<li lang="en">Beta module</li>' in html
        # The facts stay as certified: the API names the modules as the English course does.
        api = client.get(f"/api/v1/certificates/{code}").json
        assert api["modules"][:2] == ["Alpha module", "Beta module"]
