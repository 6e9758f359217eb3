"""The staff console in Spanish: pages, flashes, reasons and dates in the staff member's language,
and CSV exports with translated headers for people and stable keys for programs."""

from __future__ import annotations

import csv
import io
import re
import threading

import pytest

from app.extensions import db
from app.services import audit, funder_summary, reports
from app.staff.report_views import EXPORTS
from app.staff.views import ROSTER_COLUMNS
from tests.conftest import PROJECT
from tests.factories import make_user, post_form, sign_in

MARCH = "from=2026-03-01&to=2026-03-31"
SPANISH_DAY = re.compile(r"\b\d{1,2} de [a-záéíóú]+ de \d{4}\b")
ENGLISH_DAY = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|"
    r"September|October|November|December) \d{4}\b"
)


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def staff(app):
    return make_user(role="staff", name="Sam Staff")


@pytest.fixture
def spanish_client(client, staff):
    """A staff member whose account reads the site in Spanish."""
    staff.language = "es"
    db.session.commit()
    sign_in(client, staff)
    return client


@pytest.fixture
def english_client(client, staff):
    sign_in(client, staff)
    return client


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))


# --- pages -----------------------------------------------------------------------------------


def test_the_console_speaks_spanish_to_a_staff_member_who_chose_it(spanish_client) -> None:
    dashboard = page(spanish_client, "/staff/")
    assert "<h1>Panel</h1>" in dashboard
    assert "Del registro al emparejamiento" in dashboard
    assert "Registro de auditoría" in dashboard  # the staff navigation
    assert "<h1>Mentores</h1>" in page(spanish_client, "/staff/mentors")
    assert "Registrar un emparejamiento" in page(spanish_client, "/staff/matches/new")
    assert "Cada acción del personal" in page(spanish_client, "/staff/audit")
    assert "Resumen para financiadores" in page(spanish_client, f"/staff/reports?{MARCH}")
    assert "Registrar una sesión" in page(spanish_client, "/staff/in-person")
    assert "Pendiente: Nombre del programa" in dashboard  # the setup checklist


def test_an_english_reader_gets_the_console_unchanged(english_client) -> None:
    dashboard = page(english_client, "/staff/")
    assert "<h1>Dashboard</h1>" in dashboard and "From sign-up to match" in dashboard
    assert "Panel" not in dashboard
    assert "<h1>Mentors</h1>" in page(english_client, "/staff/mentors")
    assert "Funder summary" in page(english_client, f"/staff/reports?{MARCH}")


def test_the_cookie_decides_for_a_staff_member_without_a_stored_language(client, staff) -> None:
    sign_in(client, staff)
    client.set_cookie("lang", "es")
    assert "<h1>Panel</h1>" in page(client, "/staff/")


def test_the_administrator_pages_speak_spanish(client) -> None:
    admin = make_user(role="admin", name="Ada Admin")
    admin.language = "es"
    db.session.commit()
    sign_in(client, admin)
    accounts = page(client, "/admin/accounts")
    assert "Cuentas del personal" in accounts and "Agregar a un/a colega" in accounts
    assert "Nombre completo" in accounts  # a form label
    assert "Perfil del programa" in page(client, "/admin/program")


def test_stored_eligibility_reasons_are_shown_in_spanish_by_their_code(spanish_client) -> None:
    mentor = make_user(name="Nora Nueva")
    html = page(spanish_client, f"/staff/mentors/{mentor.id}")
    assert "No habilitado/a." in html
    assert "Todavía no tiene certificado: no terminó la formación." in html
    assert "No certificate yet" not in html
    assert "Sin empezar" in html and "Not started" not in html  # each module's state
    # A screening step's reason keeps the step's name and says the rest in Spanish.
    assert re.search(r"<li>[^<]+: pendiente\.</li>", html)
    roster = page(spanish_client, "/staff/mentors")
    assert "Todavía no tiene certificado: no terminó la formación." in roster


def test_an_english_reader_sees_the_stored_reason_text(english_client) -> None:
    mentor = make_user(name="Nora New")
    html = page(english_client, f"/staff/mentors/{mentor.id}")
    assert "No certificate yet: training not finished." in html


def test_staff_pages_write_dates_for_the_reader(spanish_client, client, staff) -> None:
    mentor = make_user(name="Dina Fecha")
    html = page(spanish_client, f"/staff/mentors/{mentor.id}")
    assert SPANISH_DAY.search(html), "a Spanish date on the mentor page"
    assert not ENGLISH_DAY.search(html)
    staff.language = "en"
    db.session.commit()
    assert ENGLISH_DAY.search(page(client, f"/staff/mentors/{mentor.id}"))


def test_a_flash_after_an_action_is_in_spanish(spanish_client) -> None:
    mentor = make_user(name="Tina Tipo")
    response = post_form(
        spanish_client,
        f"/staff/mentors/{mentor.id}/type",
        {"mentor_type": "survivor_mentor"},
        page=f"/staff/mentors/{mentor.id}",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Tipo de mentor cambiado." in html
    assert "Mentor/a sobreviviente" in html


# --- CSV: translated headers for people, stable keys for programs -------------------------


def test_the_roster_csv_has_spanish_headers_and_words_for_a_spanish_reader(
    spanish_client,
) -> None:
    make_user(name="Rita Roster")
    rows = csv_rows(spanish_client.get("/staff/mentors.csv"))
    assert rows[0][:3] == ["Nombre", "Correo electrónico", "Tipo de mentor"]
    rita = next(row for row in rows if row[0] == "Rita Roster")
    assert rita[2] == "Voluntario/a de la comunidad"
    assert rita[6] == "ninguno" and rita[8] == "no"
    assert "Todavía no tiene certificado" in rita[9]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rita[3])  # dates stay ISO


def test_the_keyed_roster_csv_is_the_same_whatever_the_reader_reads(
    spanish_client, client, staff
) -> None:
    make_user(name="Rita Roster")
    spanish = spanish_client.get("/staff/mentors.csv?keys=1").get_data(as_text=True)
    staff.language = "en"
    db.session.commit()
    english = client.get("/staff/mentors.csv?keys=1").get_data(as_text=True)
    assert spanish == english
    rows = list(csv.reader(io.StringIO(spanish.removeprefix("\ufeff"))))
    assert rows[0] == [column.key for column in ROSTER_COLUMNS]
    rita = next(row for row in rows if row[0] == "Rita Roster")
    assert rita[2] == "community_volunteer" and rita[6] == "none" and rita[8] == "no"
    assert "No certificate yet: training not finished." in rita[9]


def test_the_english_roster_csv_reads_as_before(english_client) -> None:
    make_user(name="Rita Roster")
    rows = csv_rows(english_client.get("/staff/mentors.csv"))
    assert rows[0] == [
        "Name",
        "Email",
        "Mentor type",
        "Registered",
        "Quizzes passed",
        "Quizzes required",
        "Certificate",
        "Certificate expires",
        "Eligible",
        "Not eligible because",
        "Matched",
        "Refresher due by",
        "Refresher overdue",
    ]
    rita = next(row for row in rows if row[0] == "Rita Roster")
    assert rita[2] == "Community volunteer" and rita[6] == "none" and rita[8] == "no"


@pytest.mark.parametrize("name", list(EXPORTS))
def test_each_report_csv_has_spanish_headers_or_keys_on_request(
    spanish_client, client, staff, name
) -> None:
    export = EXPORTS[name]
    human = csv_rows(spanish_client.get(f"/staff/reports/{name}.csv?{MARCH}"))
    assert human[0] != [column.key for column in export.columns]
    keyed = spanish_client.get(f"/staff/reports/{name}.csv?{MARCH}&keys=1")
    assert csv_rows(keyed)[0] == [column.key for column in export.columns]
    staff.language = "en"
    db.session.commit()
    english_keyed = client.get(f"/staff/reports/{name}.csv?{MARCH}&keys=1")
    assert keyed.get_data() == english_keyed.get_data()


def test_the_funder_summary_in_spanish_names_and_defines_each_measure(spanish_client) -> None:
    rows = csv_rows(spanish_client.get(f"/staff/reports/funder-summary.csv?{MARCH}"))
    assert rows[0] == ["Medida", "Cantidad", "De un total de", "Porcentaje", "Definición"]
    assert rows[1][0] == "Mentores reclutados"
    assert rows[1][4] == "Cuentas de mentor registradas en el período."
    keyed = csv_rows(spanish_client.get(f"/staff/reports/funder-summary.csv?{MARCH}&keys=1"))
    assert keyed[1][0] == "mentors_recruited"
    assert keyed[1][4] == "Mentor accounts registered in the range."


def test_the_audit_csv_has_spanish_headers_and_action_words(spanish_client) -> None:
    spanish_client.get("/staff/mentors.csv")  # an export is itself audited
    rows = csv_rows(spanish_client.get("/staff/audit.csv"))
    assert rows[0][:3] == ["Cuándo (UTC)", "Quién", "Acción"]
    assert any(
        row[2] == "Lista de mentores exportada" and row[7] == "export.roster" for row in rows
    )
    keyed = csv_rows(spanish_client.get("/staff/audit.csv?keys=1"))
    assert keyed[0] == [column.key for column in audit.EXPORT_COLUMNS]
    assert any(row[2] == "Roster exported" for row in keyed[1:])


def test_the_pages_link_the_keyed_exports(spanish_client) -> None:
    reports_page = page(spanish_client, f"/staff/reports?{MARCH}")
    keyed = f"/staff/reports/quizzes.csv?{MARCH}&keys=1".replace("&", "&amp;")
    assert keyed in reports_page
    assert "con las claves de columna" in reports_page
    assert "/staff/mentors.csv?keys=1" in page(spanish_client, "/staff/mentors")


def test_every_column_key_is_documented_with_its_english_header() -> None:
    documented = (PROJECT / "docs" / "csv-columns.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+?) \|", documented, re.MULTILINE))
    exports = {
        "roster": ROSTER_COLUMNS,
        "audit": audit.EXPORT_COLUMNS,
        "funder-summary": funder_summary.COLUMNS,
        **{name: export.columns for name, export in reports.EXPORTS.items()},
    }
    for name, columns in exports.items():
        for column in columns:
            assert (column.key, str(column.label)) in rows, (name, column.key)
        assert re.fullmatch(r"[a-z0-9_]+", column.key)


# --- refusals from the rules ----------------------------------------------------------------


def test_a_refused_match_says_why_in_spanish(spanish_client) -> None:
    response = post_form(
        spanish_client,
        "/staff/matches/new",
        {"model": "one_to_one", "youth_codes": "2014-05-06", "started_on": "2026-01-05"},
        page="/staff/matches/new",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "El emparejamiento no se registró." in html
    assert "El código de joven de la línea 1 parece una fecha." in html
    assert "2014-05-06" not in html.split("<form")[0]  # a refused code is never repeated


def test_bad_filters_and_dates_are_explained_in_spanish(spanish_client) -> None:
    roster = spanish_client.get("/staff/mentors?eligible=maybe")
    assert roster.status_code == 400
    assert "“maybe” no es una de las opciones de habilitado/a." in roster.get_data(as_text=True)
    reports_page = spanish_client.get("/staff/reports?from=2026-02-30")
    assert reports_page.status_code == 422
    assert "no existe en el calendario" in reports_page.get_data(as_text=True)
    audit_page = spanish_client.get("/staff/audit?from=2026-03-02&to=2026-03-01")
    assert "La fecha “desde” no puede ser posterior" in audit_page.get_data(as_text=True)


def test_the_program_profile_refuses_in_spanish(client) -> None:
    admin = make_user(role="admin", name="Ada Admin")
    admin.language = "es"
    db.session.commit()
    sign_in(client, admin)
    response = post_form(
        client,
        "/admin/program",
        {"name": "Programa", "time_zone": "Mars/Base", "mentor_types": ["community_volunteer"]},
        page="/admin/program",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "'Mars/Base' no es el nombre de una zona horaria" in html.replace("&#39;", "'")


def test_a_dangerous_action_asks_for_confirmation_in_spanish(spanish_client) -> None:
    mentor = make_user(name="Cora Confirma")
    response = post_form(
        spanish_client,
        f"/staff/accounts/{mentor.id}/deactivate",
        page=f"/staff/mentors/{mentor.id}",
    )
    html = response.get_data(as_text=True)
    assert "¿Desactivar la cuenta de Cora Confirma?" in html
    assert "Sí, desactivar a Cora Confirma" in html and "Cancelar y volver" in html


def test_report_figures_use_the_readers_decimal_sign(spanish_client, client, staff) -> None:
    html = page(spanish_client, f"/staff/reports?{MARCH}")
    assert re.search(r'id="online-hours"><strong>En línea:</strong> \d+,\d horas', html)
    staff.language = "en"
    db.session.commit()
    english = page(client, f"/staff/reports?{MARCH}")
    assert re.search(r'id="online-hours"><strong>Online:</strong> \d+\.\d hours', english)


@pytest.mark.parametrize("path", ["/staff/mentors.csv", "/staff/audit.csv"])
def test_a_streamed_export_keeps_the_readers_language_after_its_session_closes(
    spanish_client, path: str
) -> None:
    """As under gunicorn, the request's own application context (and database session) ends
    before the file streams: the words still come in the account's language, without a 500."""
    make_user(name="Zoe Mentor")
    outcome: dict[str, object] = {}

    def fetch() -> None:  # a thread has no application context of the test's to share
        response = spanish_client.get(path)
        outcome["status"] = response.status_code
        outcome["text"] = response.get_data(as_text=True)

    worker = threading.Thread(target=fetch)
    worker.start()
    worker.join(60)
    assert outcome["status"] == 200
    header = str(outcome["text"]).splitlines()[0]
    assert "Nombre" in header or "Cuándo" in header, header
