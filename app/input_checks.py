"""Request checks every route shares: input no page can use is refused before any view runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Flask, current_app, request
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

# The largest id a PostgreSQL INTEGER column holds; SQLite also overflows past 2**63 - 1.
LARGEST_ID = 2**31 - 1


View = TypeVar("View", bound=Callable[..., object])


def accepts_files(view: View) -> View:
    """Let one view take file parts; it must bound and check what it reads itself."""
    view.accepts_files = True  # type: ignore[attr-defined]
    return view


class RefusedInput(BadRequest):
    """A 400 whose description is written for the person who sent the request."""


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in routes: a positive whole number that fits an id column, else a 404."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = 1,
        max: int | None = LARGEST_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(raw: object, largest: int = LARGEST_ID) -> int:
    """A typed whole number from 1 to `largest` (ASCII digits only); ValueError otherwise."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        raise ValueError("not a whole number")
    # str.isdigit() accepts "²", which int() refuses; very long digit strings are refused first.
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(largest)):
        raise ValueError("not a whole number")
    number = int(text)
    if not 1 <= number <= largest:
        raise ValueError("out of range")
    return number


def install(app: Flask) -> None:
    """Bound every `<int:...>` route and check each request before CSRF and the views read it."""
    # Rules pick their converter when they are added, so this comes before any blueprint.
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_unusable_input)


def refuse_unusable_input() -> None:
    """Refuse NUL characters, file uploads and oversized forms once, for every route."""
    if _count(request.args) > _parts_limit():
        raise RequestEntityTooLarge()
    if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
        raise _nul_refusal()
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    # Werkzeug counts multipart parts itself but not URL-encoded fields, so both are counted here.
    if _count(request.form) + _count(request.files) > _parts_limit():
        raise RequestEntityTooLarge()
    if request.files and not _view_accepts_files():
        # No other page takes a file; a file part where a text field is expected would reach WTForms.
        raise RefusedInput(
            gettext(
                "This form does not take files. Please type your answers in the form and send it "
                "again."
            )
        )
    if None in request.form:
        # Werkzeug keeps a multipart part whose header it cannot read under no name.
        raise RefusedInput(
            gettext("Part of the form could not be read. Please reload the page and try again.")
        )
    if _has_nul(request.form.items(multi=True)):
        raise _nul_refusal()


def _view_accepts_files() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "accepts_files", False))


def _parts_limit() -> int:
    return int(current_app.config["MAX_FORM_PARTS"])


def _count(fields: MultiDict) -> int:
    return sum(len(values) for values in fields.listvalues())


def _has_nul(items: Iterable[tuple[str, str]]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in items)


def _nul_refusal() -> RefusedInput:
    return RefusedInput(
        gettext(
            "What you sent contains a NUL character (an invisible control character, often left "
            "by copying from another program). Nothing was saved. Please remove it, or type the "
            "text again, and send it once more."
        )
    )
