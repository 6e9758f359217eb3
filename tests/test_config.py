"""Settings: production refuses an unsafe secret key; the health check reports the database."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient

import config
from app import StartupError, create_app
from app.extensions import db
from tests.conftest import config_for

UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def production_settings(**overrides: object) -> type[config.ProductionConfig]:
    """ProductionConfig with cheap hashing and any overrides."""
    return type(
        "ProductionForTest",
        (config.ProductionConfig,),
        {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1, **overrides},
    )


@pytest.mark.parametrize(
    "secret_key",
    [config.DEFAULT_SECRET_KEY, None, "", "s" * 31],
    ids=["default", "missing", "empty", "31-characters"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key: str | None) -> None:
    with pytest.raises(StartupError) as raised:
        create_app(production_settings(SECRET_KEY=secret_key))
    message = str(raised.value)
    assert "\n" not in message
    assert "SECRET_KEY" in message and "at least 32 characters" in message
    assert secret_key is None or not secret_key or secret_key not in message


@pytest.mark.parametrize(
    "secret_key",
    ["a" * 40, "abcdefg" * 5 + "ab" + "a" * 10, "0123456789abcdef" * 4, "changeme" * 5],
    ids=["one-character", "seven-characters", "a-repeated-hex-run", "a-repeated-word"],
)
def test_production_refuses_a_long_secret_key_with_little_variety(secret_key: str) -> None:
    with pytest.raises(StartupError) as raised:
        create_app(production_settings(SECRET_KEY=secret_key))
    message = str(raised.value)
    assert "SECRET_KEY" in message and "too little variety" in message
    assert secret_key not in message


def test_production_starts_with_a_long_random_secret_key(database_url: str) -> None:
    app = create_app(
        production_settings(SECRET_KEY=secrets.token_hex(32), SQLALCHEMY_DATABASE_URI=database_url)
    )
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_development_starts_with_the_default_key(database_url: str) -> None:
    settings = type(
        "DevForTest", (config.DevelopmentConfig,), {"SQLALCHEMY_DATABASE_URI": database_url}
    )
    app = create_app(settings)
    assert app.config["SECRET_KEY"] == config.DEFAULT_SECRET_KEY
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_environment_chooses_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTOR_READY_ENV", " Production ")
    assert config.config_from_environment() is config.ProductionConfig
    monkeypatch.delenv("MENTOR_READY_ENV")
    assert config.config_from_environment() is config.DevelopmentConfig


def test_an_unknown_environment_name_stops_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MENTOR_READY_ENV", "staging")
    with pytest.raises(SystemExit) as raised:
        config.config_from_environment()
    assert (
        str(raised.value)
        == "MENTOR_READY_ENV='staging' is not one of: development, production, testing"
    )


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    app = create_app(config_for("postgresql://nobody@127.0.0.1:1/none"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == UNREACHABLE_DATABASE


def test_healthz_is_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable() -> None:
    app: Flask = create_app(config_for(UNREACHABLE_DATABASE))
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.is_json
        assert response.get_json()["status"] != "ok"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_production_sends_hsts_and_trusts_only_the_configured_proxies(database_url: str) -> None:
    """HSTS in production; X-Forwarded-For is believed only for PROXY_COUNT hops."""
    settings = type(
        "Prod",
        (config.ProductionConfig,),
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PROXY_COUNT": 1,
        },
    )
    app = create_app(settings)
    seen = {}

    @app.get("/_who")
    def who() -> str:
        from flask import request

        seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    client = app.test_client()
    response = client.get(
        "/_who", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert seen == {"addr": "203.0.113.9", "scheme": "https"}
    plain = create_app(config_for(database_url))
    try:
        assert "Strict-Transport-Security" not in plain.test_client().get("/healthz").headers
    finally:
        with plain.app_context():
            db.session.remove()
            db.engine.dispose()
