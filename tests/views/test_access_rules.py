"""Every route has an access rule: a new route cannot be forgotten.

Signed-out visitors are checked route by route in test_security.py; here, the roles.
"""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from tests.conftest import csrf_from
from tests.factories import make_user, sign_in
from tests.views.test_security import PUBLIC_ENDPOINTS as PUBLIC


def routes(app: Flask, prefix: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule, with placeholder values for its arguments."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if prefix and not rule.endpoint.startswith(prefix):
                continue
            values = {arg: 1 if arg.endswith("_id") else "x" for arg in rule.arguments}
            if "action" in rule.arguments:
                values["action"] = "suspend" if "certificate" in rule.rule else "deactivate"
            url = url_for(rule.endpoint, **values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    return found


def test_every_staff_and_admin_view_declares_its_rule(app: Flask) -> None:
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("staff."):
            assert getattr(view, "access_rule", None) in ("staff", "admin"), endpoint
        if endpoint.startswith("admin."):
            assert getattr(view, "access_rule", None) == "admin", endpoint


def test_every_endpoint_is_either_public_or_known_to_be_protected(app: Flask) -> None:
    protected_areas = ("learn.", "quiz.", "certificates.", "staff.", "admin.", "auth.")
    for endpoint in app.view_functions:
        assert endpoint in PUBLIC or endpoint.startswith(protected_areas), (
            f"{endpoint} has no access rule"
        )


def test_mentors_get_403_on_every_staff_and_admin_route(app: Flask, client) -> None:
    sign_in(client, make_user())
    token = csrf_from(client.get("/training").get_data(as_text=True))
    for endpoint, method, url in routes(app, ("staff.", "admin.")):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (endpoint, method, url, response.status_code)


def test_staff_get_403_on_every_admin_route(app: Flask, client) -> None:
    sign_in(client, make_user(role="staff"))
    token = csrf_from(client.get("/staff/").get_data(as_text=True))
    admin_routes = routes(app, ("admin.",))
    assert admin_routes
    for endpoint, method, url in admin_routes:
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (endpoint, method, url)


@pytest.mark.parametrize("role", ["mentor", "staff", "admin"])
def test_posting_without_csrf_is_refused_everywhere(app: Flask, client, role: str) -> None:
    sign_in(client, make_user(role=role))
    for endpoint, method, url in routes(app):
        if method != "POST":
            continue
        response = client.post(url, data={})
        assert response.status_code == 400, (endpoint, url, response.status_code)
