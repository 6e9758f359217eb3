"""Rate limits shared by several areas, kept per client address in RATELIMIT_STORAGE_URI."""

from __future__ import annotations

from flask import current_app

from app.extensions import limiter


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


# One budget for every verification page and the API, so switching between them gains nothing.
verification_limit = limiter.shared_limit(_verify_limit, scope="verify")
