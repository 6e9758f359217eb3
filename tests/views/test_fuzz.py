"""Random input to every route of the URL map, signed out and signed in: never a 500."""

from __future__ import annotations

import io
import re
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from tests.conftest import csrf_from
from tests.factories import make_user, sign_in
from tests.services.test_certificates import certify

# Routes whose success changes who is signed in, which would end the run for that role early.
SKIPPED = {"auth.sign_out", "static"}
FIELD_NAMES = [
    *("email", "password", "current_password", "name", "mentor_type", "remember", "role"),
    *("text", "warning_signs", "what_helps", "people_to_call", "boundaries", "commitments"),
    *("check_in", "step", "result", "completed_on", "note", "reason", "model", "mentors"),
    *("youth_codes", "started_on", "ended_on", "full_name", "code", "start", "skip", "submit"),
    *("q", "sort", "order", "page", "from", "to", "actor", "action", "mentor", "certificate"),
]
HOSTILE = [
    "\x00",
    "a\x00b",
    "\u202etxt.exe",
    "\u2066YTH-1\u2069",
    "\u200b",
    "\ufeff",
    "²",
    "9" * 5000,
    str(2**31),
    str(2**64 + 1),
    "-1",
    "0",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "",
    " ",
]
NUMBERS = st.sampled_from([1, 2, 3, 0, 2**31 - 1, 2**31, 2**63, 2**64 + 1, 10**30])
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
FILE_PART = st.builds(lambda body: (io.BytesIO(body), "upload.txt"), st.binary(max_size=64))
VALUES = st.one_of(TEXT, TEXT, TEXT, FILE_PART)
FIELDS = st.dictionaries(
    st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=10)), VALUES, max_size=8
)
ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every GET and POST route."""
    return sorted(
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED
        for method in sorted(rule.methods & {"GET", "POST"})
    )


def fill(rule: str, data: st.DataObject) -> str:
    """The rule with each variable replaced by a drawn number or text."""

    def value(match: re.Match) -> str:
        if match.group(1) == "int":
            return str(data.draw(NUMBERS))
        return quote(data.draw(st.one_of(TEXT, st.sampled_from(["alpha", "beta"]))), safe="")

    return ARGUMENT.sub(value, rule)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["signed-out", "mentor", "staff", "admin"])
def test_no_input_makes_any_route_fail(app: Flask, client, role: str) -> None:
    mentor = make_user()
    certify(mentor)
    if role != "signed-out":
        sign_in(client, mentor if role == "mentor" else make_user(role=role))
    token = csrf_from(client.get("/sign-in", follow_redirects=True).get_data(as_text=True))
    table = routes(app)

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data(), fields=FIELDS, with_token=st.booleans())
    def send(data: st.DataObject, fields: dict, with_token: bool) -> None:
        endpoint, method, rule = data.draw(st.sampled_from(table))
        url = fill(rule, data)
        if method == "GET":
            texts = {k: v for k, v in fields.items() if isinstance(v, str)}
            response = client.get(f"{url}?{urlencode(texts)}" if texts else url)
        else:
            if with_token:
                fields = {**fields, "csrf_token": token}
            response = client.post(url, data=fields)
        assert response.status_code < 500, (role, endpoint, method, url, fields)
        db.session.rollback()

    send()
