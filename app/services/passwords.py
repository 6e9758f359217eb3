"""Password rules (NIST SP 800-63B-4, single factor) and argon2id hashing."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext

MIN_LENGTH = 15
MAX_LENGTH = 256

_hasher = PasswordHasher()


def configure_hasher(time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Set the argon2id cost; called once when the app starts."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def normalise(password: str) -> str:
    """NFC-normalise so the same password typed on two keyboards hashes the same."""
    return unicodedata.normalize("NFC", password)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("app").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, context: tuple[str, ...] = ()) -> str | None:
    """Why a new password is refused, or None. `context` holds the person's name and email."""
    password = normalise(password)
    length = len(password)
    if length < MIN_LENGTH:
        return gettext(
            "Use at least %(least)s characters (this one has %(length)s). A short phrase works well.",
            least=MIN_LENGTH,
            length=length,
        )
    if length > MAX_LENGTH:
        return gettext("Use at most %(count)s characters.", count=MAX_LENGTH)
    folded = password.casefold()
    squeezed = "".join(folded.split())
    if folded in _common_passwords() or squeezed in _common_passwords():
        return gettext(
            "That password is too common: it appears in lists attackers try first. Choose another."
        )
    if len(set(squeezed)) <= 2:
        return gettext(
            "That password repeats the same characters. Choose something less predictable."
        )
    for word in context:
        word = word.casefold().strip()
        if len(word) >= 4 and word in folded and len(folded) - len(word) < 8:
            return gettext(
                "That password is mostly your name or email address. Choose something else."
            )
    return None


def hash_password(password: str) -> str:
    """An argon2id hash of the whole password (never truncated)."""
    return _hasher.hash(normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`."""
    try:
        return _hasher.verify(password_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with older cost settings."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# A hash to verify against when the email is unknown, so both answers take the same time.
def dummy_hash() -> str:
    """A valid hash of a random value, computed lazily with the current settings."""
    return _dummy_hash_for(_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)


@lru_cache(maxsize=4)
def _dummy_hash_for(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher.hash("not a real password, only for timing")
