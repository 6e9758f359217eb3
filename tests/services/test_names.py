"""Names: bidi controls and invisible characters are dropped, so one name cannot pose as another."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.services import certificates
from app.services.accounts import normalise_name
from app.services.errors import DomainError
from app.services.text import has_invisible, without_invisible
from tests.factories import make_user, post_form, sign_in
from tests.services.test_certificates import certify

HIDDEN = [
    *map(chr, range(0x202A, 0x202F)),  # embeddings, overrides, pop
    *map(chr, range(0x2066, 0x206A)),  # isolates
    "\u200e",
    "\u200f",
    "\u061c",  # marks
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",  # zero-width and BOM
    "\u00ad",
    "\u180e",
    "\x07",  # soft hyphen, Mongolian vowel separator, a control
]


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.mark.parametrize("char", HIDDEN)
def test_every_bidi_and_invisible_character_is_dropped_from_names(char: str) -> None:
    assert has_invisible(f"Ma{char}ria")
    assert normalise_name(f" Ma{char}ria  Garc\u0131a{char} ") == "Maria Garc\u0131a"


def test_letters_of_every_script_and_accents_are_kept() -> None:
    for name in ("Zoë Ñúñez", "محمد علي", "王小明", "Nguyễn Thị Minh Khai", "O'Brien-Smith"):
        assert without_invisible(name) == name and normalise_name(name) == name


def test_a_right_to_left_override_cannot_reverse_a_stored_name(app) -> None:
    user = make_user(name="Ann \u202enosrednA\u202c Lee")
    assert db.session.get(User, user.id).name == "Ann nosrednA Lee"


def test_a_name_made_only_of_invisible_characters_is_refused(app) -> None:
    with pytest.raises(DomainError, match="Enter your name"):
        make_user(name="\u202e\u200b\ufeff")


def test_registration_and_invitations_store_names_without_hidden_characters(app, client) -> None:
    post_form(
        client,
        "/register",
        {
            "name": "Eve\u202e \u2066Evil\u2069",
            "email": "eve@example.org",
            "password": "lantern maple orbit river 42",
            "mentor_type": "community_volunteer",
        },
        page="/register",
    )
    admin_client = app.test_client()
    sign_in(admin_client, make_user(role="admin"))
    post_form(
        admin_client,
        "/admin/accounts",
        {"name": "Noor\u200b New\u200dcomer", "email": "noor@example.org", "role": "staff"},
    )
    names = dict(db.session.execute(sa.select(User.email, User.name)).tuples().all())
    assert names["eve@example.org"] == "Eve Evil"
    assert names["noor@example.org"] == "Noor Newcomer"


def test_the_command_line_stores_names_without_hidden_characters(app, runner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cli@example.org",
            "--name",
            "Cli\u200f Person",
            "--role",
            "staff",
        ],
        input="lantern maple orbit river 42\nlantern maple orbit river 42\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.name).where(User.email == "cli@example.org")) == (
        "Cli Person"
    )


def test_a_verifier_typing_hidden_characters_still_gets_the_right_answer(app) -> None:
    certificate = certify(make_user(name="Rosa Delgado"))
    code = certificate.code
    assert certificates.name_matches(db.session, code, "Rosa\u200b Del\u2060gado") is True
    assert certificates.name_matches(db.session, code, "\u202eodagleD asoR") is False
