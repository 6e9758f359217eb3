"""Every string a person reads is marked for translation: templates and Python alike.

A simple extraction diff, run over the whole app: it reads every template's text and the
attributes people read (alt, title, placeholder, aria-label), and every Python string handed to
the places that show text (flash messages, form labels, choices and validator messages, refusals
raised by the rules, e-mails). Whatever holds a letter and is not inside `_()`, `gettext`,
`ngettext`, `_l` or `{% trans %}` is listed with file:line. What stays English on purpose is
listed in NOT_FOR_TRANSLATION with its reason.
"""

from __future__ import annotations

import ast
import functools
import re
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

APP = Path(__file__).resolve().parent.parent / "app"
HOLE = "\u2063"  # stands for an expression or a marked block in the rebuilt template text

# Parts of the app whose words are English by design.
NOT_FOR_TRANSLATION_FILES = {
    # The JSON API is language-neutral: codes and statuses; its error titles stay English.
    "api/views.py",
    # Operators' command line and the demo data it seeds.
    "cli.py",
    "demo.py",
}
# Texts that read the same in every language: names, symbols, language names in themselves.
NOT_FOR_TRANSLATION_TEXTS = {
    "Mentor Ready",
    "English",
    "Español",
    "Language · Idioma",
    "Language",  # the language page's label, shown with "Idioma" beside it
    "Idioma",
    "QR",
    "PDF",
    "CSV",
    "JSON",
    "OK",
}
# Attributes whose value people read or hear.
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "summary"}
LETTERS = re.compile(r"[A-Za-z]{2,}")
# Code, not words: scripts, styles and names shown as code (`program.coordinator_name`).
SKIPPED_ELEMENTS = {"script", "style", "code", "kbd"}


def _words(text: str) -> str | None:
    """`text` when it holds words a reader would need translated, else None."""
    text = " ".join(text.replace(HOLE, " ").split())
    if not text or not LETTERS.search(text):
        return None
    if text in NOT_FOR_TRANSLATION_TEXTS:
        return None
    if re.fullmatch(r"&[a-z]+;|[\W\d_]*", text):
        return None
    return text


def _template_text(source: str) -> str:
    """The template with every expression, tag and marked block replaced by HOLE, keeping lines."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # lexing only
    parts: list[str] = []
    in_trans = 0
    expect_block_name = False
    for _line, kind, value in env.lex(source):
        if kind == "block_begin":
            expect_block_name = True
            parts.append(HOLE)
            continue
        if expect_block_name and kind == "name":
            if value == "trans":
                in_trans += 1
            elif value == "endtrans":
                in_trans -= 1
            expect_block_name = False
        if kind == "data" and not in_trans:
            parts.append(value)
        else:
            # Keep the line count, so a finding points at its line.
            parts.append(HOLE + "\n" * value.count("\n") if isinstance(value, str) else HOLE)
    # A tag whose name is an expression (<{{ h }}>) is still a tag.
    return "".join(parts).replace("</" + HOLE, "</x-hole").replace("<" + HOLE, "<x-hole")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and (words := _words(value)):
                self.found.append((self.getpos()[0], f'{name}="{words}"'))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and (words := _words(data)):
            self.found.append((self.getpos()[0], words))


def unmarked_in_templates() -> list[str]:
    findings = []
    for path in sorted((APP / "templates").rglob("*.html")):
        reader = _Reader()
        reader.feed(_template_text(path.read_text(encoding="utf-8")))
        reader.close()
        name = path.relative_to(APP)
        findings += [f"app/{name}:{line}: {text[:80]}" for line, text in reader.found]
    return findings


MARKERS = {"_", "_l", "gettext", "ngettext", "lazy_gettext", "lazy_ngettext", "pgettext"}
VALIDATORS = {
    "DataRequired",
    "InputRequired",
    "Length",
    "Email",
    "EqualTo",
    "Regexp",
    "NumberRange",
    "AnyOf",
    "NoneOf",
    "URL",
}


@functools.cache
def _refusal_classes() -> frozenset[str]:
    """WTForms' and the rules' refusals, with every subclass the app defines of them."""
    names = {"DomainError", "ValidationError", "StopValidation"}
    classes = [
        node
        for path in APP.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    grew = True
    while grew:
        grew = False
        for node in classes:
            if node.name not in names and any(_name(base) in names for base in node.bases):
                names.add(node.name)
                grew = True
    return frozenset(names)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _plain_text(node: ast.AST | None) -> str | None:
    """The words of a literal string or f-string that is not marked, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _words(node.value)
    if isinstance(node, ast.JoinedStr):
        literal = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
        return _words(literal)
    return None


def _unmarked_in_python(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    refusals = _refusal_classes()
    found: list[tuple[int, str]] = []

    def report(node: ast.AST | None, what: str) -> None:
        if node is not None and (text := _plain_text(node)):
            found.append((node.lineno, f"{what}: {text[:70]}"))

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = _name(node.func)
        if called in MARKERS:
            continue
        first = node.args[0] if node.args else None
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        if called == "flash":
            report(first, "flash")
        elif called.endswith("Field") and called[:1].isupper():
            report(first, "form label")
            report(keywords.get("label"), "form label")
            report(keywords.get("description"), "form hint")
            choices = keywords.get("choices")
            if isinstance(choices, ast.List | ast.Tuple):
                for choice in choices.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        report(choice.elts[1], "form choice")
        elif called in VALIDATORS:
            report(keywords.get("message"), "validator message")
        elif called in refusals:
            report(first, "refusal")
            report(keywords.get("message"), "refusal")
        elif called == "enqueue":  # outbox.enqueue(session, to, subject, body)
            for argument in node.args[2:4]:
                report(argument, "e-mail")
    return found


def unmarked_in_python() -> list[str]:
    findings = []
    for path in sorted(APP.rglob("*.py")):
        name = path.relative_to(APP).as_posix()
        if name in NOT_FOR_TRANSLATION_FILES:
            continue
        findings += [f"app/{name}:{line}: {text}" for line, text in _unmarked_in_python(path)]
    return findings


def test_every_template_string_people_read_is_marked() -> None:
    findings = unmarked_in_templates()
    assert not findings, "Unmarked template text:\n" + "\n".join(findings)


def test_every_python_string_people_read_is_marked() -> None:
    findings = unmarked_in_python()
    assert not findings, "Unmarked Python text:\n" + "\n".join(findings)


def test_the_scan_finds_what_it_looks_for() -> None:
    """The scan itself: an unmarked sentence is found, a marked one is not."""
    reader = _Reader()
    reader.feed(
        _template_text(
            '<p>{{ _("Marked") }}</p><p>Not marked</p><img alt="A photo">'
            "{% trans %}Also marked{% endtrans %}<script>var x = 'code';</script>"
        )
    )
    assert [text for _, text in reader.found] == ["Not marked", 'alt="A photo"']
    source = APP.parent / "tests" / "fixtures" / "unmarked_example.py"
    assert sorted(text for _, text in _unmarked_in_python(source)) == [
        "e-mail: A subject",
        "flash: Saved without a marker.",
        "form label: Your name",
        "refusal: Not allowed today.",
        "validator message: Enter your name.",
    ]
