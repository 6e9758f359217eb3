"""Text people type that others will read: no characters that hide or reorder what is shown."""

from __future__ import annotations

import unicodedata


def is_invisible(char: str) -> bool:
    """Whether `char` is a control or format character (bidi controls, zero-width, BOM...)."""
    # Category Cf holds every bidi control (U+202A to 202E, U+2066 to 2069, U+200E/200F, U+061C) and the
    # zero-width characters (U+200B to 200D, U+2060, U+FEFF); Cc holds NUL and the other controls.
    return unicodedata.category(char) in ("Cf", "Cc") and char not in " \t\n\r"


def has_invisible(text: str) -> bool:
    """Whether `text` holds a character that is not shown or that reorders what is shown."""
    return any(is_invisible(char) for char in text)


def without_invisible(text: str) -> str:
    """`text` with bidi controls, zero-width and other control or format characters removed."""
    # A right-to-left override can make "Maria" display as another name on a certificate or in
    # the roster; dropping the characters keeps the letters people meant to type.
    return "".join(char for char in text if not is_invisible(char))
