"""Settings for Mentor Ready: the only place environment variables are read."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production
MIN_SECRET_CHARACTERS = 8


def secret_key_problem(secret: str | None) -> str | None:
    """Why `secret` is not fit to sign production sessions, or None when it is."""
    advice = "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
    if not secret or secret == DEFAULT_SECRET_KEY or len(secret) < 32:
        return (
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            + advice
        )
    # 40 times "a" or "changeme" repeated is long but guessable. The threshold is 8 different
    # characters, not 16: a random 32-digit hex key has fewer than 16 about once in four tries.
    if len(set(secret)) < MIN_SECRET_CHARACTERS or _repeats_a_block(secret):
        return (
            f"SECRET_KEY has too little variety (fewer than {MIN_SECRET_CHARACTERS} different "
            "characters, or a short part repeated); use a random value " + advice
        )
    return None


def _repeats_a_block(text: str) -> bool:
    """Whether `text` is a block of at most half its length written again and again."""
    return any(
        text == (text[:size] * (len(text) // size + 1))[: len(text)]
        for size in range(1, len(text) // 2 + 1)
    )


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'mentor_ready.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    DATABASE_CONNECT_TIMEOUT = _env_int("DATABASE_CONNECT_TIMEOUT", 5)
    SQLITE_BUSY_TIMEOUT = 10.0  # seconds
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: limits are not applied (fail open) and the error is logged once a minute.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    PROGRAM_NAME = os.environ.get("PROGRAM_NAME", "Mentor Ready")

    MODULES_DIR = os.environ.get("MODULES_DIR", str(BASE_DIR / "modules"))
    QUIZZES_DIR = os.environ.get("QUIZZES_DIR", str(BASE_DIR / "quizzes"))

    # Mail is queued in the outbox and sent by `flask outbox send`; with no SMTP host it is
    # written to the log instead (link tokens cut short in production).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Mentor Ready <no-reply@localhost>")

    # Encrypts staff TOTP secrets; when empty, a key is derived from SECRET_KEY (changing either
    # means every staff member enrols again after an administrator's reset).
    SECOND_FACTOR_KEY = os.environ.get("SECOND_FACTOR_KEY", "")

    # Signs Open Badges 3.0 credentials; made by `flask credentials init-key`, kept out of the
    # database (and its backups) so a database copy cannot sign anything.
    CREDENTIAL_KEY_PATH = os.environ.get(
        "CREDENTIAL_KEY_PATH", str(BASE_DIR / "instance" / "credential-signing-key.pem")
    )

    PASSWORD_RESET_HOURS = 1
    MAX_CONTENT_LENGTH = 64 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    # Fields per request, URL-encoded or multipart (a quiz of 8 questions posts a few dozen).
    MAX_FORM_PARTS = 500
    WTF_CSRF_TIME_LIMIT = (
        None  # the token lives as long as the session, so slow readers are not punished
    )

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # "Keep me signed in" lasts 30 days, and only for mentors: staff sign-ins end with the browser.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    # Argon2id parameters (RFC 9106 second recommended option: 64 MiB, 3 passes).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none, trust nothing).
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    HSTS = False

    CERTIFICATE_VALIDITY_MONTHS = _env_int("CERTIFICATE_VALIDITY_MONTHS", 12)
    # Days a certified mentor has to take a refresher after a module change takes effect.
    REFRESHER_GRACE_DAYS = _env_int("REFRESHER_GRACE_DAYS", 60)
    CERTIFICATE_PUBLIC_NAME = os.environ.get("CERTIFICATE_PUBLIC_NAME", "initial")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute")
    # Youth codes: the program's format (a regular expression on the code in capitals) and an
    # example shown to staff. Dates, phone numbers and name-like words are refused whatever it is.
    YOUTH_CODE_PATTERN = os.environ.get("YOUTH_CODE_PATTERN", r"^[A-Z]{1,4}-[0-9]{1,6}$")
    YOUTH_CODE_EXAMPLE = os.environ.get("YOUTH_CODE_EXAMPLE", "YTH-1234")


class DevelopmentConfig(Config):
    """Local development: SQLite under instance/, mail in the log."""

    ENV_NAME = "development"


class TestingConfig(Config):
    """The test suite: a database chosen by the tests, cheap password hashing."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = False
    BASE_URL = "http://localhost"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    """Production: PostgreSQL, Redis-backed rate limits, secure cookies, a real secret."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    """The settings class named by MENTOR_READY_ENV (development when unset)."""
    name = os.environ.get("MENTOR_READY_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise SystemExit(f"MENTOR_READY_ENV={name!r} is not one of: {', '.join(sorted(CONFIGS))}")
    return CONFIGS[name]
