"""The program's words in the course and the footer for a Spanish reader: what the program typed
is shown as typed, while the fallbacks shown before it has written them, the reporting chain's
labels and the default emergency line are in Spanish (and unchanged in English)."""

from __future__ import annotations

from app.extensions import db
from tests.factories import make_user, sign_in
from tests.views.test_program_profile import admin_client, fill  # noqa: F401 (a fixture)


def spanish_mentor(app):
    client = app.test_client()
    sign_in(client, make_user())
    client.set_cookie("lang", "es")
    return client


def footer(html: str) -> str:
    return html.split('class="site-footer"')[1]


def test_before_the_profile_is_filled_a_spanish_reader_is_told_to_ask_in_spanish(
    app, client
) -> None:
    module = spanish_mentor(app).get("/modules/youth-in-crisis").get_data(as_text=True)
    assert '<html lang="es">' in module
    assert "Tu programa todavía no escribió aquí su cadena de reporte." in module
    assert "has not written its reporting chain" not in module
    assert "Si estás en peligro ahora, llama al 911" in footer(module)
    assert "If you are in danger now" not in module
    boundaries = spanish_mentor(app).get("/modules/boundaries-safety-reporting")
    assert "todavía no agregó aquí el contacto de su coordinador/a" in boundaries.get_data(
        as_text=True
    )

    sign_in(client, make_user())
    english = client.get("/modules/youth-in-crisis").get_data(as_text=True)
    assert "Your program has not written its reporting chain here yet. Before you" in english
    assert (
        "If you are in danger now, call 911 (in the United States). "
        "The National Human Trafficking Hotline is 1-888-373-7888." in footer(english)
    )


def test_the_programs_own_words_keep_their_language_under_spanish_labels(
    admin_client,  # noqa: F811 (the fixture)
    app,
) -> None:
    assert fill(admin_client).status_code == 302
    db.session.expire_all()
    module = spanish_mentor(app).get("/modules/boundaries-safety-reporting").get_data(as_text=True)
    assert "<strong>A quién avisar primero:</strong> Call Dana Ortiz at once, day or night." in (
        module
    )
    assert "<strong>Línea estatal para reportar maltrato infantil:</strong> Riverside" in module
    assert "también debes hacer el reporte tú" in module
    assert "Riverside crisis line 555-0150" in footer(module)
    assert "Tell first" not in module and "Si estás en peligro ahora" not in module

    english = app.test_client()
    sign_in(english, make_user())
    module = english.get("/modules/boundaries-safety-reporting").get_data(as_text=True)
    assert "<strong>Tell first:</strong> Call Dana Ortiz at once, day or night." in module
    assert "you must also make the report yourself" in module
