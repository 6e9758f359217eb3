"""Markdown to HTML for modules and quizzes: raw HTML and script links refused, the output sanitised.

Content is written by the program's trainer, but the rendered HTML is served as-is, so it gets
two walls: the checker refuses raw HTML and `javascript:`-style links with file and line, and
whatever is rendered passes through nh3's allow-list, which keeps only what modules use.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import markdown
import nh3

MARKDOWN_EXTENSIONS = ["toc", "tables", "admonition", "attr_list"]

ALLOWED_TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
    *("strong", "em", "b", "i", "sup", "sub", "abbr", "del", "ins", "span", "div", "a"),
    *("ul", "ol", "li", "dl", "dt", "dd"),
    *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
}
_HEADING = {"id", "tabindex"}  # toc anchors, and headings a page moves focus to
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{f"h{level}": _HEADING for level in range(1, 7)},
    "div": {"class"},  # admonitions: "admonition note"
    "p": {"class"},  # "admonition-title"
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
REFUSED_SCHEMES = ("javascript:", "data:", "vbscript:")

_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_URL_ATTRIBUTE = re.compile(r"""\b(?:href|src)\s*=\s*"([^"]*)\"""")
_INVISIBLE_IN_URL = re.compile(r"[\x00-\x20\x7f]+")
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_ATTRIBUTE = re.compile(r"""([^\s"'=/>]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""")


@dataclass(frozen=True)
class MarkupProblem:
    """Something in a Markdown text that is not allowed, and the line it is on."""

    line: int
    message: str


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML, the headings' table of contents, and what the checker refuses."""

    html: str
    toc_tokens: list
    problems: list[MarkupProblem]


def render(text: str, first_line: int = 1, inline: bool = False) -> Rendered:
    """Render Markdown; report raw HTML and script links by line; sanitise what is returned."""
    converter = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")
    raw_html = converter.convert(text)
    lines = text.splitlines()
    problems = [
        MarkupProblem(
            _line_of(lines, snippet.strip().splitlines()[0], first_line),
            f"raw HTML is not allowed in Markdown (found {_shorten(snippet)}); "
            "write it in Markdown instead",
        )
        for snippet in converter.htmlStash.rawHtmlBlocks
        # Python-Markdown keeps character references (&amp;, &#8212;) here too: those are text.
        if isinstance(snippet, str) and snippet.strip() and not _ENTITY.fullmatch(snippet.strip())
    ]
    for url in _URL_ATTRIBUTE.findall(raw_html):
        plain = _INVISIBLE_IN_URL.sub("", html.unescape(url)).lower()
        if plain.startswith(REFUSED_SCHEMES):
            scheme = plain.split(":", 1)[0]
            problems.append(
                MarkupProblem(
                    _line_of_scheme(lines, scheme, first_line),
                    f"'{scheme}:' links are not allowed; link to a web page (https://...) instead",
                )
            )
    if not problems:  # raw HTML already explains any tag or attribute it brought
        problems.extend(_outside_allow_list(raw_html, lines, first_line))
    cleaned = sanitise(raw_html)
    if inline and _one_paragraph(cleaned):
        cleaned = cleaned[3:-4]
    return Rendered(cleaned, getattr(converter, "toc_tokens", []), problems)


def _outside_allow_list(raw_html: str, lines: list[str], first_line: int) -> list[MarkupProblem]:
    """Tags and attributes Markdown produced that the sanitiser would drop (images, `{: onclick}`)."""
    problems = []
    for tag, attributes in _TAG.findall(raw_html):
        if tag not in ALLOWED_TAGS:
            needle = "![" if tag == "img" else tag
            what = "images are" if tag == "img" else f"<{tag}> is"
            problems.append(
                MarkupProblem(
                    _line_of(lines, needle, first_line), f"{what} not supported in content"
                )
            )
            continue
        for name in _ATTRIBUTE.findall(attributes):
            # Column alignment from the tables extension is inline style, which the CSP blocks.
            if name in ALLOWED_ATTRIBUTES.get(tag, set()) or (
                tag in ("th", "td") and name == "style"
            ):
                continue
            problems.append(
                MarkupProblem(
                    _line_of(lines, name, first_line),
                    f"the attribute '{name}' is not allowed on <{tag}> (attribute lists may set "
                    "an id, a class on notes, or tabindex on headings)",
                )
            )
    return problems


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(nh3.clean(fragment, tags=set())).split())


def _one_paragraph(fragment: str) -> bool:
    return fragment.startswith("<p>") and fragment.endswith("</p>") and fragment.count("<p>") == 1


def sanitise(fragment: str) -> str:
    """`fragment` with only the allowed tags, attributes and link schemes left."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def _shorten(snippet: str) -> str:
    first = " ".join(snippet.split())
    return repr(first if len(first) <= 40 else first[:37] + "...")


def _line_of(lines: list[str], needle: str, first_line: int) -> int:
    for number, line in enumerate(lines):
        if needle and needle in line:
            return number + first_line
    return first_line


def _line_of_scheme(lines: list[str], scheme: str, first_line: int) -> int:
    for number, line in enumerate(lines):
        if scheme + ":" in _INVISIBLE_IN_URL.sub("", html.unescape(line)).lower():
            return number + first_line
    return first_line
