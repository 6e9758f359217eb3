"""Program placeholders in module Markdown: `{{ program.reporting_chain }}` and a few others.

The syntax is deliberately tiny: a fixed set of names, no expressions, filters or nesting, one
placeholder within one line. The loader swaps each placeholder for a marker before rendering the
Markdown, so a module is rendered once; a page then fills the markers with the program's escaped
values (`fill`), which is a string replacement, not a second Markdown pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Name -> what it shows; the admin page and the checker's messages use these words.
PLACEHOLDERS: dict[str, str] = {
    "name": "the program's name",
    "coordinator": "the coordinator's name, role, email, phone and hours",
    "reporting_chain": "who to tell first, the after-hours line, the state hotline and whether "
    "mentors must also report directly",
    "first_contact": "who to tell first",
    "after_hours": "the after-hours line",
    "hotline": "the state's child-abuse hotline",
    "emergency": "the emergency numbers",
}

_PLACEHOLDER = re.compile(r"\s*program\.([a-z_]+)\s*")
_BRACES = re.compile(r"\{\{|\}\}")
# Private-use characters: Markdown and the sanitiser leave them alone, and no author types them.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_MARK_OPEN}([a-z_]+){_MARK_CLOSE}")


@dataclass(frozen=True)
class Found:
    """A placeholder a text uses, or a mistake in one, with its line."""

    line: int
    name: str | None
    problem: str | None = None


def scan(text: str, first_line: int = 1) -> list[Found]:
    """Every placeholder in `text` and every malformed, nested or unknown one, by line."""
    found: list[Found] = []
    for number, line in enumerate(text.splitlines(), first_line):
        if _MARK_OPEN in line or _MARK_CLOSE in line:
            found.append(
                Found(number, None, "private-use characters U+E000/U+E001 are not allowed")
            )
        tokens = list(_BRACES.finditer(line))
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.group() == "}}":
                found.append(Found(number, None, f"'}}}}' without an opening '{{{{': {_usage()}"))
                index += 1
                continue
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is None:
                found.append(
                    Found(number, None, f"'{{{{' is not closed on the same line: {_usage()}")
                )
                index += 1
                continue
            if following.group() == "{{":
                found.append(Found(number, None, "placeholders cannot be nested"))
                # Skip to the end of the outermost pair, so one mistake is named once.
                depth, index = 1, index + 1
                while index < len(tokens) and depth:
                    depth += 1 if tokens[index].group() == "{{" else -1
                    index += 1
                continue
            inner = line[token.end() : following.start()]
            found.append(_one(number, inner))
            index += 2
    return found


def _one(number: int, inner: str) -> Found:
    match = _PLACEHOLDER.fullmatch(inner)
    if match is None:
        return Found(
            number,
            None,
            f"malformed placeholder '{{{{{inner}}}}}': {_usage()}",
        )
    name = match.group(1)
    if name not in PLACEHOLDERS:
        return Found(
            number,
            None,
            f"unknown placeholder 'program.{name}'; the known ones are "
            + ", ".join(f"program.{known}" for known in PLACEHOLDERS),
        )
    return Found(number, name)


def _usage() -> str:
    return "write a placeholder as {{ program.NAME }} with nothing else inside the braces"


def mark(text: str) -> str:
    """`text` with each well-formed placeholder swapped for its marker (call after `scan`)."""

    def replace(match: re.Match[str]) -> str:
        inner = _PLACEHOLDER.fullmatch(match.group(1))
        if inner is None or inner.group(1) not in PLACEHOLDERS:
            return match.group(0)
        return f"{_MARK_OPEN}{inner.group(1)}{_MARK_CLOSE}"

    return re.sub(r"\{\{([^{}\n]*)\}\}", replace, text)


def fill(html: str, values: dict[str, str]) -> str:
    """Rendered HTML with each marker replaced by `values[name]`, already escaped HTML."""
    if _MARK_OPEN not in html:
        return html
    return _MARKER.sub(lambda match: values.get(match.group(1), ""), html)
