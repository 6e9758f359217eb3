"""Redis stops while rate limits are kept in it: pages fail open, the log says so once a minute,
and /healthz reports the site degraded until Redis is back."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from app.logfilters import limit_logger
from tests.conftest import csrf_from
from tests.faults.servers import RedisServer

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_config(database_url: str, redis_server: RedisServer) -> dict[str, object]:
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_server.url,
        "SIGN_IN_RATE_LIMIT": "3 per minute",
    }


def wrong_sign_in(client) -> int:
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in",
        data={"email": "nobody@example.org", "password": "not a password", "csrf_token": token},
    )
    return response.status_code


def limiter_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "flask-limiter" and r.levelno >= logging.ERROR]


def test_rate_limits_fail_open_while_redis_is_down_and_recover(
    app, client, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    once_a_minute = limit_logger("flask-limiter", 60)
    once_a_minute.last, once_a_minute.held_back = None, 0  # earlier tests in this process
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert [wrong_sign_in(client) for _ in range(4)] == [422, 422, 422, 429]  # kept in Redis

    redis_server.stop()
    with caplog.at_level(logging.ERROR, logger="flask-limiter"):
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.get_json() == {
            "status": "degraded",
            "database": "ok",
            "rate_limits": "unavailable",
        }
        # Fail open: the limit is not applied, and nothing is a 500.
        assert [wrong_sign_in(client) for _ in range(5)] == [422] * 5
        assert client.get("/verify/ABCD-EFGH-JKMN-PQRS").status_code == 404
        assert client.get("/api/v1/certificates/ABCD-EFGH-JKMN-PQRS").status_code == 404
        token = csrf_from(client.get("/forgot-password").get_data(as_text=True))
        forgot = client.post(
            "/forgot-password", data={"email": "nobody@example.org", "csrf_token": token}
        )
        assert forgot.status_code == 302
        newcomer = app.test_client()
        token = csrf_from(newcomer.get("/register").get_data(as_text=True))
        registered = newcomer.post(
            "/register",
            data={
                "name": "Rae Redis",
                "email": "rae@example.org",
                "password": "a long enough passphrase for this",
                "mentor_type": "community_volunteer",
                "csrf_token": token,
            },
        )
        assert registered.status_code == 302
    assert len(limiter_errors(caplog)) == 1

    redis_server.start()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    statuses = [wrong_sign_in(client) for _ in range(4)]
    assert statuses[-1] == 429  # limits apply again, without a restart


def test_the_log_filter_lets_one_record_through_a_minute() -> None:
    clock = iter([0.0, 10.0, 59.0, 61.0, 62.0]).__next__
    from app.logfilters import AtMostOncePer

    gate = AtMostOncePer(60, clock=clock)
    records = [
        logging.LogRecord("x", logging.ERROR, __file__, 1, "Redis down", None, None)
        for _ in range(5)
    ]
    assert [gate.filter(record) for record in records] == [True, False, False, True, False]
    assert "2 more like it" in records[3].getMessage()
