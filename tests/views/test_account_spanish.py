"""The account, learner, public and error pages, their messages and the mentors' e-mails in
Spanish for a Spanish reader, and unchanged in English for everyone else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.extensions import db
from app.models import User
from tests.conftest import FIXTURE_COURSE, csrf_from
from tests.factories import make_user, post_form, queued_mail, sign_in
from tests.services.test_certificates import certify

TRANSLATED_COURSE = FIXTURE_COURSE.parent / "course_es"


@pytest.fixture
def app_config(fixture_app_config):
    """The small fixture course (alpha, beta, gamma)."""
    return fixture_app_config


def spanish(client: FlaskClient) -> FlaskClient:
    """A visitor who chose Spanish (the switch's cookie)."""
    client.set_cookie("lang", "es")
    return client


def text_of(response) -> str:
    """The page's HTML."""
    return response.get_data(as_text=True)


# --- account pages -----------------------------------------------------------------------------


def test_sign_in_and_registration_speak_spanish(client: FlaskClient) -> None:
    spanish(client)
    page = text_of(client.get("/sign-in"))
    assert "<h1>Iniciar sesión</h1>" in page
    assert "¿Olvidaste tu contraseña?" in page
    assert "Mantener mi sesión iniciada en este dispositivo durante 30 días" in page
    page = text_of(client.get("/register"))
    assert "Crea tu cuenta" in page
    assert "¿Qué tipo de mentor/a serás?" in page
    assert "Voluntario/a de la comunidad" in page  # the mentor types, by their codes
    assert "Solo el personal de tu programa ve el tipo de mentor/a que elegiste." in page
    assert 'value="community_volunteer"' in page


def test_form_errors_and_flash_messages_are_spanish(client: FlaskClient) -> None:
    spanish(client)
    response = client.post(
        "/register", data={"csrf_token": csrf_from(text_of(client.get("/register")))}
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "<title>Error: Crea tu cuenta" in page
    assert "Escribe tu nombre." in page
    assert "Elige el tipo de mentor/a que serás." in page
    response = post_form(client, "/forgot-password", {"email": "nobody@example.org"})
    page = text_of(client.get(response.location))
    assert "Si alguna cuenta usa ese correo, le enviamos un enlace" in page


def test_a_signed_in_mentor_reads_the_account_page_in_their_stored_language(
    client: FlaskClient,
) -> None:
    user = make_user(name="Ana Pérez")
    user.language = "es"
    db.session.commit()
    sign_in(client, user)
    page = text_of(client.get("/account"))
    assert "<h1>Tu cuenta</h1>" in page
    assert "Guardar mis preferencias" in page
    assert "Pídenos que corrijamos tu nombre legal" in page
    response = post_form(client, "/account", {"reminders": "y"}, page="/account")
    assert "Tus preferencias están guardadas." in text_of(client.get(response.location))


def test_an_english_reader_gets_the_english_pages_unchanged(client: FlaskClient) -> None:
    page = text_of(client.get("/sign-in"))
    assert "<h1>Sign in</h1>" in page
    assert "Forgot your password?" in page
    page = text_of(client.get("/register"))
    assert "Community volunteer" in page
    assert 'Already have an account? <a href="/sign-in">Sign in</a>.' in page


# --- e-mails -----------------------------------------------------------------------------------


def register(client: FlaskClient, email: str, name: str = "Lucía Gómez") -> None:
    """Sign up through the form."""
    page = text_of(client.get("/register"))
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_from(page),
            "name": name,
            "email": email,
            "password": "a long enough pass phrase",
            "mentor_type": "community_volunteer",
        },
    )
    assert response.status_code == 302, text_of(response)


def test_a_spanish_sign_up_keeps_its_language_and_is_mailed_in_spanish(
    client: FlaskClient,
) -> None:
    register(spanish(client), "lucia@example.org")
    user = db.session.scalar(db.select(User).where(User.email == "lucia@example.org"))
    assert user.language == "es"
    [mail] = queued_mail("lucia@example.org")
    assert mail.subject == "Confirma tu correo electrónico para Mentor Ready"
    assert mail.body.startswith("Hola, Lucía:\n\nGracias por registrarte en Mentor Ready.")
    assert "/confirm-email/" in mail.body


def test_mail_follows_the_recipients_language_not_the_senders(app: Flask) -> None:
    english = make_user(name="Emma Stone", email="emma@example.org")
    english.email_confirmed_at = datetime.now(UTC)
    db.session.commit()
    spanish_reader = spanish(app.test_client())
    # Someone reading in Spanish signs up with Emma's address: Emma is told in English.
    register(spanish_reader, "emma@example.org", name="Someone Else")
    [notice] = queued_mail("emma@example.org")
    assert notice.subject == ("Someone tried to sign up to Mentor Ready with your email address")
    assert notice.body.startswith("Hello Emma,\n\n")
    assert db.session.get(User, english.id).language is None
    # And a mentor who reads in Spanish gets the reset link in Spanish from an English page.
    ana = make_user(name="Ana Pérez", email="ana@example.org")
    ana.language = "es"
    db.session.commit()
    english_reader = app.test_client()
    post_form(english_reader, "/forgot-password", {"email": "ana@example.org"})
    [reset] = queued_mail("ana@example.org")
    assert reset.subject == "Restablece tu contraseña de Mentor Ready"
    assert "dentro de la próxima 1 hora" in reset.body


def test_notices_queued_by_the_command_are_worded_in_each_mentors_language(
    app: Flask, runner: FlaskCliRunner
) -> None:
    day = date(2027, 1, 20)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    ana = make_user(name="Ana Pérez", now=noon - timedelta(days=2))
    ana.language = "es"
    emma = make_user(name="Emma Stone", now=noon - timedelta(days=2))
    db.session.commit()
    certify(ana, at=noon - timedelta(hours=3))
    certify(emma, at=noon - timedelta(hours=3))
    # Outside any request, as cron runs it.
    result = runner.invoke(args=["notices", "send", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    [spanish_mail] = queued_mail(ana.email)
    assert spanish_mail.subject == "Tu certificado de Mentor Ready está listo"
    assert spanish_mail.body.startswith("Hola, Ana:\n\n¡Felicitaciones!")
    assert "Vigente desde el 20 de enero de 2027 hasta el " in spanish_mail.body
    assert "Puedes elegir qué recordatorios recibes" in spanish_mail.body
    [english_mail] = queued_mail(emma.email)
    assert english_mail.subject == "Your Mentor Ready certificate is ready"
    assert english_mail.body.startswith("Hello Emma,\n\nCongratulations:")
    assert "Valid from 20 January 2027 until " in english_mail.body


# --- learner pages -----------------------------------------------------------------------------


def spanish_mentor(client: FlaskClient, **kwargs) -> User:
    """A signed-in mentor whose account reads Spanish."""
    user = make_user(**kwargs)
    user.language = "es"
    db.session.commit()
    sign_in(client, user)
    return user


def test_my_training_speaks_spanish_down_to_the_checklist(client: FlaskClient) -> None:
    spanish_mentor(client, name="Ana Pérez")
    page = text_of(client.get("/training"))
    assert "<h1>Mi formación</h1>" in page
    assert (
        "Hola, Ana. Te estás formando como <strong>voluntario/a de la comunidad</strong>." in page
    )
    assert "0% completado" in page
    assert "Siguiente: Lee “" in page  # the next step, worded from its kind
    assert '<span class="check-state">Pendiente:</span>' in page
    assert "Verificación de antecedentes" in page  # a screening step by its English label
    assert "Esperando a tu programa." in page
    assert "Una verificación de antecedentes penales" in page  # what the step is
    assert "Termina la formación para obtener tu certificado." in page
    assert "Sin empezar" in page  # a module's state
    assert "0 intentos de cuestionario" in page
    assert "Background check" not in page
    assert "Not started" not in page


def test_my_training_in_english_is_unchanged(client: FlaskClient) -> None:
    user = make_user(name="Emma Stone")
    sign_in(client, user)
    page = text_of(client.get("/training"))
    assert "Hello Emma. You are training as a <strong>community volunteer</strong>." in page
    assert "0% complete · 0 of " in page
    assert (
        '<span class="check-state">To do:</span> <strong>Background check:</strong> Waiting for your program.'
        in page
    )
    assert "Finish the training to earn your certificate." in page
    assert "0 quiz attempts" in page


def test_journal_and_self_care_plan_speak_spanish(client: FlaskClient) -> None:
    spanish_mentor(client)
    page = text_of(client.get("/journal"))
    assert "<h1>Mi diario</h1>" in page
    assert "<strong>Solo tú puedes verlas</strong>" in page
    page = text_of(client.get("/self-care"))
    assert "Mi plan de autocuidado" in page
    assert "Mis señales de alerta" in page
    assert "Guardar mi plan" in page
    response = post_form(client, "/self-care", {"warning_signs": "x" * 4001}, page="/self-care")
    assert response.status_code == 422
    assert "<title>Error: Mi plan de autocuidado" in text_of(response)
    assert "Hasta 4.000 caracteres." in text_of(response)  # the number written the Spanish way
    response = post_form(client, "/self-care", {"what_helps": "Caminar"}, page="/self-care")
    page = text_of(client.get(response.location))
    assert "Tu plan de autocuidado está guardado. Solo tú puedes verlo." in page
    assert "Guardado por última vez: " in page
    page = text_of(client.get("/self-care/print"))
    assert "actualizado el " in page and " de 20" in page  # a Spanish date: "5 de marzo de 2026"


# --- public and error pages --------------------------------------------------------------------


def test_the_landing_page_speaks_spanish(client: FlaskClient) -> None:
    page = text_of(spanish(client).get("/"))
    assert "Por qué importa esta formación" in page
    assert "Cómo funciona la certificación" in page
    assert "Tiempo de lectura: unos " in page
    english = text_of(client.application.test_client().get("/"))
    assert "Why this training matters" in english
    assert "Reading time: about " in english


def test_error_pages_speak_spanish_and_the_api_stays_english(client: FlaskClient) -> None:
    response = spanish(client).get("/no-such-page")
    assert response.status_code == 404
    page = text_of(response)
    assert "<h1>No encontramos esa página</h1>" in page
    assert "Error 404." in page
    assert "Ir a la página de inicio" in page
    response = client.get("/api/no-such-thing", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "We could not find that page"
    # A form posted without its token: the message is Spanish too.
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "Al formulario le faltaba su código de seguridad" in text_of(response)
    # An English reader's page is unchanged.
    page = text_of(client.application.test_client().get("/no-such-page"))
    assert "<h1>We could not find that page</h1>" in page
    assert "Error 404." in page


class TestWithTheSpanishCourse:
    """The fixture course with alpha translated into Spanish."""

    @pytest.fixture
    def app_config(self, database_url: str) -> dict[str, object]:
        """alpha offered in Spanish, beta partly, gamma not."""
        return {
            "MODULES_DIR": str(TRANSLATED_COURSE / "modules"),
            "QUIZZES_DIR": str(TRANSLATED_COURSE / "quizzes"),
        }

    def test_a_nudge_names_the_next_step_and_its_module_in_spanish(
        self, app: Flask, runner: FlaskCliRunner
    ) -> None:
        day = date(2027, 1, 20)
        ana = make_user(name="Ana Pérez", now=datetime(2026, 12, 1, 12, tzinfo=UTC))
        ana.language = "es"
        db.session.commit()
        result = runner.invoke(args=["notices", "send", "--today", day.isoformat()])
        assert result.exit_code == 0, result.output
        [nudge] = queued_mail(ana.email)
        assert nudge.subject == "Tu formación de Mentor Ready te espera cuando estés listo/a"
        assert "Tu próximo paso: Lee “Módulo alfa”." in nudge.body

    def test_my_training_names_the_next_step_in_spanish(self, client: FlaskClient) -> None:
        spanish_mentor(client)
        page = text_of(client.get("/training"))
        assert "Siguiente: Lee “Módulo alfa”" in page


def test_a_name_request_refused_by_the_rules_says_why_in_spanish(client: FlaskClient) -> None:
    spanish_mentor(client, name="Ana Pérez")
    page = text_of(client.get("/account/name"))
    assert "<h1>Corrige tu nombre</h1>" in page
    response = post_form(client, "/account/name", {"name": "Ana Pérez"}, page="/account/name")
    assert response.status_code == 422
    assert "Ese ya es el nombre registrado." in text_of(response)


def test_a_page_that_needs_a_sign_in_says_so_in_spanish(client: FlaskClient) -> None:
    response = spanish(client).get("/training")
    assert response.status_code == 302
    assert "Inicia sesión para continuar, por favor." in text_of(client.get(response.location))
    english = client.application.test_client()
    response = english.get("/training")
    assert "Please sign in to continue." in text_of(english.get(response.location))


def test_a_closed_quiz_says_why_in_spanish(app, client: FlaskClient) -> None:
    """The reason a quiz is not open yet (module unread) is in the reader's language."""
    sign_in(spanish(client), make_user())
    html = text_of(client.get("/modules/alpha/quiz"))
    assert "Lee el módulo y márcalo como leído para abrir su cuestionario." in html
    assert "Read the module and mark it read" not in html


def test_an_ended_staff_session_is_explained_in_spanish(app, client: FlaskClient) -> None:
    staff = make_user(role="staff")
    staff.language = "es"
    db.session.commit()
    sign_in(client, staff)
    with client.session_transaction() as session:
        del session["staff_signed_in_at"]
    assert client.get("/staff/").status_code == 302
    client.set_cookie("lang", "es")
    html = text_of(client.get("/sign-in"))
    assert "Las sesiones del personal" in html and "at most 12 hours" not in html
