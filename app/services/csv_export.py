"""CSV that is safe to open in a spreadsheet, produced row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale

from app.content.translations import SOURCE_LANGUAGE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A cell as text; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a real number, such as a negative gain, stays a number
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """UTF-8 CSV text, one line at a time, header first, for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Iterable[Any]) -> str:
        writer.writerow([neutralise(value) for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    yield "\ufeff" + line(header)  # the BOM makes spreadsheet programs read UTF-8 correctly
    for row in rows:
        yield line(row)


@dataclass(frozen=True)
class Column:
    """One column of an export: a stable key for programs, a header for people.

    `key` never changes and is never translated (docs/csv-columns.md lists every key). `label` is
    a lazy string, so it is written in the reader's language. `words`, where a column holds codes
    (a status, yes or no), turns a code into words for people; the keyed file keeps the codes.
    """

    key: str
    label: Any
    words: Callable[[Any], Any] | None = None


def _in_english(rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    """Rows with every text read in English: the keyed file is the same in every language.

    Each row is fetched and read inside its own `force_locale`, never across a `yield`: a streamed
    response may resume in another application context.
    """
    plain = (str, int, float, type(None))
    iterator = iter(rows)
    while True:
        with force_locale(SOURCE_LANGUAGE):
            row = next(iterator, None)
            if row is None:
                return
            values = [value if isinstance(value, plain) else str(value) for value in row]
        yield values


def table_lines(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, keys: bool = False
) -> Iterator[str]:
    """CSV lines for `columns`: headers and words in the reader's language, or, with `keys`, the
    language-neutral file for programs (stable keys as the header, codes left as codes)."""
    if keys:
        yield from csv_lines([column.key for column in columns], _in_english(rows))
        return
    header = [str(column.label) for column in columns]
    converters = [column.words for column in columns]
    shown = (
        [
            value if words is None else words(value)
            for words, value in zip(converters, row, strict=True)
        ]
        for row in rows
    )
    yield from csv_lines(header, shown)


def words_for(table: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A `Column.words` that looks a code up in `table` (lazy strings), leaving others as they are."""
    return lambda value: str(table[value]) if value in table else value
