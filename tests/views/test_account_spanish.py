"""The account, learner, public and error pages, their messages and the mentors' e-mails in
Spanish for a Spanish reader, and unchanged in English for everyone else."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.extensions import db
from tests.conftest import csrf_from
from tests.factories import make_user, post_form, sign_in


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
