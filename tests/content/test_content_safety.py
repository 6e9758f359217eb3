"""Content that could hang the app or run script is refused with file:line; rendered HTML is sanitised."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from app.content import load_course
from app.content.loader import MAX_FILE_BYTES
from app.content.markup import render, sanitise
from tests.conftest import FIXTURE_COURSE
from tests.content.test_loader import edit, problems_in

ALIAS_BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture course."""
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    return tmp_path / "course"


# YAML ------------------------------------------------------------------------------------------


def test_an_alias_bomb_in_front_matter_is_refused_at_once(course_dir: Path) -> None:
    edit(course_dir / "modules/alpha.md", "content_note:", ALIAS_BOMB + "content_note:")
    started = time.monotonic()
    problems = problems_in(course_dir)
    assert time.monotonic() - started < 5
    assert "alpha.md:7: YAML anchors (&a) are not allowed; write the value out" in problems
    assert "alpha.md:8: YAML aliases (*a) are not allowed; write the value out" in problems


def test_anchors_and_aliases_in_a_quiz_are_refused(course_dir: Path) -> None:
    edit(
        course_dir / "quizzes/alpha.yaml",
        "    explanation: Because B.",
        "    explanation: &because Because B.\n    review: *because",
    )
    problems = problems_in(course_dir)
    assert any(p.startswith("alpha.yaml:15: YAML anchors (&because)") for p in problems)
    assert any(p.startswith("alpha.yaml:16: YAML aliases (*because)") for p in problems)


def test_a_file_over_one_megabyte_is_refused_before_it_is_read(course_dir: Path) -> None:
    with (course_dir / "quizzes/beta.yaml").open("a") as quiz:
        quiz.write("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with (course_dir / "modules/gamma.md").open("a") as module:
        module.write("Padding text. " * (MAX_FILE_BYTES // 14 + 1))
    problems = problems_in(course_dir)
    assert any(p.startswith("beta.yaml:1: the file is") and "limited to" in p for p in problems)
    assert any(p.startswith("gamma.md:1: the file is") and "limited to" in p for p in problems)


def test_deeply_nested_yaml_is_refused_at_once(course_dir: Path) -> None:
    edit(course_dir / "quizzes/gamma.yaml", "draw:", "deep: " + "[" * 200_000 + "\ndraw:")
    balanced = "  - [a, {b: '[[[', c: \"{{\"}]  # [[[\n"
    edit(course_dir / "quizzes/beta.yaml", "draw:", "deep:\n" + balanced * 60 + "draw:")
    edit(course_dir / "modules/beta.md", "title:", "deep: " + "{a: " * 60 + "\ntitle:")
    started = time.monotonic()
    problems = problems_in(course_dir)
    assert time.monotonic() - started < 5
    assert any(p.startswith("gamma.yaml:") and "nested more than 50 levels" in p for p in problems)
    assert any(p.startswith("beta.md:2:") and "nested more than 50 levels" in p for p in problems)
    assert not any(p.startswith("beta.yaml:") and "nested" in p for p in problems), problems


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "NO", "y", "n"])
def test_yes_no_on_off_are_not_taken_for_booleans(course_dir: Path, word: str) -> None:
    edit(
        course_dir / "quizzes/alpha.yaml",
        "{id: b, text: Alpha one right B, correct: true}",
        f"{{id: b, text: Alpha one right B, correct: {word}}}",
    )
    problems = problems_in(course_dir)
    if word in ("y", "n"):  # PyYAML reads these as text; the option then has no boolean
        assert "alpha.yaml:13: each option needs 'correct: true' or 'correct: false'" in problems
    else:
        assert (
            f"alpha.yaml:13: '{word}' is read as true or false; write true or false, "
            "or put text in quotes"
        ) in problems


def test_quoted_yes_is_text_and_true_false_still_load(course_dir: Path) -> None:
    edit(course_dir / "quizzes/alpha.yaml", "text: Alpha one wrong A,", 'text: "yes",')
    edit(course_dir / "quizzes/alpha.yaml", "shuffle: true", "shuffle: True")
    course = load_course(course_dir / "modules", course_dir / "quizzes")
    quiz = course.quiz("alpha")
    assert quiz is not None and quiz.shuffle is True
    assert quiz.question("a1").options[0].text_html == "yes"


# Markdown --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<iframe src="https://example.org"></iframe>',
        '<form action="https://example.org"><input name="q"></form>',
        "Some <span>inline</span> HTML.",
        "<!-- a comment -->",
    ],
)
def test_raw_html_in_a_module_is_refused_with_its_line(course_dir: Path, html: str) -> None:
    edit(course_dir / "modules/alpha.md", "More alpha text.", f"More alpha text.\n\n{html}")
    problems = problems_in(course_dir)
    assert any(
        p.startswith("alpha.md:22: raw HTML is not allowed in Markdown") for p in problems
    ), problems


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(1))",
        "[click](  jav&#x61;script:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        "[click][x]\n\n[x]: javascript:alert(1)",
    ],
)
def test_script_links_in_a_module_are_refused_with_their_line(course_dir: Path, link: str) -> None:
    edit(course_dir / "modules/alpha.md", "More alpha text.", f"More alpha text.\n\n{link}")
    problems = problems_in(course_dir)
    line = 22 + link.count("\n")  # a reference link is refused where its address is written
    assert any(
        p.startswith(f"alpha.md:{line}: '") and "links are not allowed" in p for p in problems
    ), problems


def test_html_and_script_links_in_quiz_texts_are_refused_at_their_key(course_dir: Path) -> None:
    path = course_dir / "quizzes/alpha.yaml"
    edit(path, "prompt: Alpha question one?", "prompt: Alpha <b onclick=x>one</b>?")
    edit(path, "text: Alpha one wrong C,", "text: '[c](javascript:alert(1))',")
    edit(path, "explanation: Because A and C.", "explanation: <script>x()</script>")
    problems = problems_in(course_dir)
    assert any(p.startswith("alpha.yaml:10: raw HTML") for p in problems)
    assert any(p.startswith("alpha.yaml:14: 'javascript:' links") for p in problems)
    assert any(p.startswith("alpha.yaml:25: raw HTML") for p in problems)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        (
            '## Danger {: onclick="alert(1)" }',
            "alpha.md:22: the attribute 'onclick' is not allowed",
        ),
        ("A [link](https://example.org){: onmouseover=x }", "alpha.md:22: the attribute"),
        ("![a photo](https://example.org/p.png)", "alpha.md:22: images are not supported"),
    ],
)
def test_what_the_sanitiser_would_drop_is_named_by_the_checker(
    course_dir: Path, markdown: str, expected: str
) -> None:
    edit(course_dir / "modules/alpha.md", "More alpha text.", f"More alpha text.\n\n{markdown}")
    problems = problems_in(course_dir)
    assert any(p.startswith(expected) for p in problems), problems


def test_markdown_links_entities_and_angle_brackets_in_text_are_fine(course_dir: Path) -> None:
    text = (
        "Call [the hotline](tel:18883737888), see <https://example.org/help>, write to "
        "<help@example.org> or [the guide](#first-section 'Title = first'). Fewer than 3 < 5 "
        "&amp; AT&T.\n\n| Left | Right |\n| :--- | ---: |\n| a | b |\n\n!!! tip\n    Rest.\n"
    )
    edit(course_dir / "modules/alpha.md", "More alpha text.", text)
    assert problems_in(course_dir) == []
    alpha = load_course(course_dir / "modules", course_dir / "quizzes").module("alpha")
    assert alpha is not None
    assert 'href="tel:18883737888"' in alpha.body_html
    assert 'href="https://example.org/help"' in alpha.body_html


def test_the_sanitiser_is_a_second_wall_that_keeps_what_modules_use() -> None:
    text = (
        '## Takeaways {#key-takeaways tabindex="-1" onclick="alert(1)"}\n\n'
        '!!! note "Remember"\n    Look after yourself.\n\n'
        "| a | b |\n| - | - |\n| 1 | 2 |\n\n"
        "[site](https://example.org) [bad](javascript:alert(1))\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(1)>\n"
    )
    rendered = render(text)
    assert rendered.problems  # the checker refuses it ...
    html = rendered.html  # ... and what would be served is clean anyway
    assert '<h2 id="key-takeaways" tabindex="-1">Takeaways</h2>' in html
    assert '<div class="admonition note">' in html and 'class="admonition-title"' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<a href="https://example.org">site</a>' in html
    for gone in ("onclick", "<script", "onerror", "javascript:", "<img"):
        assert gone not in html
    assert sanitise('<a href="data:text/html,x">x</a><iframe></iframe>') == "<a>x</a>"


def test_the_real_course_renders_identically_through_the_sanitiser() -> None:
    import markdown

    from app.content.markup import MARKDOWN_EXTENSIONS

    project = Path(__file__).resolve().parents[2]
    for path in sorted((project / "modules").glob("*.md")):
        if path.name == "README.md":
            continue
        body = path.read_text("utf-8").split("\n---\n", 1)[1]
        raw = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html").convert(body)
        assert sanitise(raw) == raw, path.name
