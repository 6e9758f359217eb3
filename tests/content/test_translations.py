"""Translation overlays: read beside the English, checked with file:line, offered only when whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content import check_course
from app.content.translations import (
    INVALID,
    LANGUAGES,
    MISSING,
    OVERLAY_LANGUAGES,
    STALE,
    TRANSLATED,
    Translations,
    overlay_name,
)
from tests.conftest import FIXTURE_COURSE

TRANSLATED_COURSE = FIXTURE_COURSE.parent / "course_es"


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A copy of the fixture course with Spanish overlays, to break one file at a time."""
    target = tmp_path / "course"
    shutil.copytree(TRANSLATED_COURSE, target)
    return target


def load(course: Path) -> Translations:
    """The translations of `course` (whose English must be valid)."""
    loaded, problems = check_course(course / "modules", course / "quizzes")
    assert not problems, problems
    assert loaded is not None and loaded.translations is not None
    return loaded.translations


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (which must be there) by `new` in `path`."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(course: Path) -> list[str]:
    """Each translation problem as `file:line: message`."""
    return [str(problem) for problem in load(course).problems]


def one_problem(course: Path, file: str, line: int, words: str) -> None:
    """Exactly one problem, at `file:line`, saying `words`; the module is then invalid."""
    found = problems_of(course)
    assert len(found) == 1, found
    assert found[0].startswith(f"{course / file}:{line}: "), found
    assert words in found[0], found


def test_the_languages_come_from_one_constant() -> None:
    assert LANGUAGES == {"en": "English", "es": "Español"}
    assert OVERLAY_LANGUAGES == ("es",)
    assert overlay_name(Path("modules/alpha.es.md")) == ("alpha", "es")
    assert overlay_name(Path("quizzes/boundaries-safety-reporting.es.yaml")) == (
        "boundaries-safety-reporting",
        "es",
    )
    assert overlay_name(Path("modules/alpha.md")) is None


def test_the_fixture_states_translated_and_missing() -> None:
    translations = load(TRANSLATED_COURSE)
    states = translations.by_language["es"]
    assert states["alpha"].state == TRANSLATED and states["alpha"].offered
    # beta has its module but not its quiz; gamma has neither.
    assert states["beta"].state == MISSING and not states["beta"].offered
    assert [Path(p).name for p in states["beta"].missing] == ["beta.es.yaml"]
    assert states["gamma"].state == MISSING
    assert translations.offered("en", "gamma") and not translations.offered("es", "gamma")
    assert not translations.problems


def test_the_real_course_has_no_mistaken_translation() -> None:
    project = FIXTURE_COURSE.parent.parent.parent
    translations = load(project)
    assert not translations.problems


def test_an_overlay_changes_texts_only() -> None:
    course, _ = check_course(TRANSLATED_COURSE / "modules", TRANSLATED_COURSE / "quizzes")
    assert course is not None and course.translations is not None
    translation = course.translations.get("es", "alpha")
    assert translation is not None
    english_module, english_quiz = course.modules["alpha"], course.quizzes["alpha"]
    module = translation.apply_module(english_module)
    quiz = translation.apply_quiz(english_quiz)
    assert module.title == "Módulo alfa" and "Texto de alfa sobre la seguridad" in module.body_html
    assert [h.anchor for h in module.headings] == [h.anchor for h in english_module.headings]
    assert module.sections[0].title == "Primera sección"
    for same in ("slug", "version", "minutes", "requires", "placeholders", "word_count"):
        assert getattr(module, same) == getattr(english_module, same), same
    assert quiz.title == "Cuestionario alfa"
    for same in ("slug", "version", "pass_mark", "draw", "shuffle", "max_failures"):
        assert getattr(quiz, same) == getattr(english_quiz, same), same
    for mine, theirs in zip(quiz.questions, english_quiz.questions, strict=True):
        assert (mine.id, mine.type, mine.review, mine.critical, mine.scenario) == (
            theirs.id,
            theirs.type,
            theirs.review,
            theirs.critical,
            theirs.scenario,
        )
        assert [(o.id, o.correct) for o in mine.options] == [
            (o.id, o.correct) for o in theirs.options
        ]
        assert mine.prompt_html != theirs.prompt_html
    assert quiz.question("a3").option("a").text_html == "Verdadero"


def test_a_placeholder_is_rendered_the_english_way(course_dir: Path) -> None:
    course, _ = check_course(course_dir / "modules", course_dir / "quizzes")
    assert course is not None and course.translations is not None
    translation = course.translations.get("es", "alpha")
    assert translation is not None and translation.module is not None
    # The same private-use marker the English body holds, filled per program at request time.
    assert "\ue000first_contact\ue001" in translation.module.body_html
    assert "{{" not in translation.module.body_html


# --- stale: a state, not a mistake -----------------------------------------------------------


def test_a_changed_english_module_makes_its_translation_stale(course_dir: Path) -> None:
    edit(course_dir / "modules" / "alpha.md", "More alpha text.", "More alpha text, revised.")
    translation = load(course_dir).get("es", "alpha")
    assert translation is not None
    assert translation.state == STALE and not translation.offered
    assert translation.changed == (str(course_dir / "modules" / "alpha.md"),)
    assert translation.module is None and translation.quiz is None
    assert not load(course_dir).problems


def test_a_changed_english_quiz_makes_its_translation_stale(course_dir: Path) -> None:
    edit(course_dir / "quizzes" / "alpha.yaml", "Because B.", "Because B, as the text says.")
    translation = load(course_dir).get("es", "alpha")
    assert translation is not None and translation.state == STALE
    assert translation.changed == (str(course_dir / "quizzes" / "alpha.yaml"),)


# --- quiz overlays ---------------------------------------------------------------------------

QUIZ = "quizzes/alpha.es.yaml"
MODULE = "modules/alpha.es.md"


def test_an_unknown_question_id_is_named(course_dir: Path) -> None:
    path = course_dir / QUIZ
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  a9:\n    prompt: ¿Otra?\n    options:\n      a: Sí\n    explanation: No.\n",
        encoding="utf-8",
    )
    lines = len(path.read_text(encoding="utf-8").splitlines())
    one_problem(course_dir, QUIZ, lines - 4, "unknown question id 'a9'")
    translation = load(course_dir).get("es", "alpha")
    assert translation is not None and translation.state == INVALID and not translation.offered


def test_a_missing_question_is_named(course_dir: Path) -> None:
    path = course_dir / QUIZ
    text = path.read_text(encoding="utf-8")
    start, end = text.index("  a5:\n"), len(text)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    one_problem(course_dir, QUIZ, 3, "missing question 'a5'")


def test_a_missing_option_is_named(course_dir: Path) -> None:
    edit(course_dir / QUIZ, "      c: Alfa uno incorrecta C\n", "")
    found = problems_of(course_dir)
    assert any(
        p.startswith(f"{course_dir / QUIZ}:7: ") and "has 2 options; the English has 3" in p
        for p in found
    ), found
    assert any("missing option 'c' in question 'a1'" in p for p in found), found


def test_an_unknown_option_id_is_named(course_dir: Path) -> None:
    edit(course_dir / QUIZ, "      c: Alfa uno incorrecta C\n", "      d: Alfa uno incorrecta D\n")
    found = problems_of(course_dir)
    assert any(
        p.startswith(f"{course_dir / QUIZ}:9: ") and "unknown option id 'd'" in p for p in found
    ), found


def test_a_different_number_of_options_is_named(course_dir: Path) -> None:
    edit(course_dir / QUIZ, "      b: Alfa cinco incorrecta B\n", "")
    found = problems_of(course_dir)
    assert any("question 'a5' has 1 options; the English has 2 (a, b)" in p for p in found), found


def test_a_quiz_overlay_cannot_change_answers(course_dir: Path) -> None:
    edit(
        course_dir / QUIZ, "    explanation: Por B.\n", "    explanation: Por B.\n    correct: b\n"
    )
    one_problem(course_dir, QUIZ, 11, "unknown key 'correct' in question 'a1'")


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("    explanation: Por B.\n", "", 4, "missing 'explanation'"),
        ("title: Cuestionario alfa\n", "", 1, "missing 'title'"),
        ("    prompt: ¿Pregunta alfa uno?\n", "", 4, "missing 'prompt'"),
    ],
)
def test_a_missing_quiz_key_is_named(
    course_dir: Path, old: str, new: str, line: int, words: str
) -> None:
    edit(course_dir / QUIZ, old, new)
    one_problem(course_dir, QUIZ, line, words)


def test_a_missing_source_hash_is_named(course_dir: Path) -> None:
    path = course_dir / QUIZ
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[1:]), encoding="utf-8")
    one_problem(course_dir, QUIZ, 1, "missing 'source_sha256'")


def test_script_and_html_in_quiz_texts_are_refused(course_dir: Path) -> None:
    edit(course_dir / QUIZ, "      b: Alfa uno correcta B\n", '      b: "<script>x()</script>"\n')
    edit(
        course_dir / QUIZ,
        "    explanation: Por A y C.\n",
        "    explanation: '[a](javascript:x())'\n",
    )
    found = problems_of(course_dir)
    assert any(
        p.startswith(f"{course_dir / QUIZ}:8: ") and "raw HTML is not allowed" in p for p in found
    ), found
    assert any(
        p.startswith(f"{course_dir / QUIZ}:17: ") and "'javascript:' links" in p for p in found
    ), found


def test_a_true_false_option_written_as_a_boolean_is_named(course_dir: Path) -> None:
    edit(course_dir / QUIZ, '      a: "Verdadero"\n', "      a: true\n")
    one_problem(course_dir, QUIZ, 21, 'quote it: "Verdadero"')


# --- module overlays -------------------------------------------------------------------------


def test_different_heading_anchors_are_named(course_dir: Path) -> None:
    edit(course_dir / MODULE, "## Segunda sección {#second-section}", "## Segunda sección")
    one_problem(
        course_dir, MODULE, 18, "heading anchors differ from the English: this heading's anchor"
    )


def test_a_dropped_heading_is_named(course_dir: Path) -> None:
    edit(course_dir / MODULE, "## Ideas clave {#key-takeaways}\n\n- Alfa importa.\n", "")
    one_problem(course_dir, MODULE, 11, "ends before the English heading {#key-takeaways}")


def test_different_placeholders_are_named(course_dir: Path) -> None:
    edit(course_dir / MODULE, "{{ program.first_contact }}", "{{ program.hotline }}")
    one_problem(
        course_dir,
        MODULE,
        16,
        "placeholders differ from the English: the translation lacks "
        "{{ program.first_contact }} and adds {{ program.hotline }}",
    )


def test_a_dropped_placeholder_is_named(course_dir: Path) -> None:
    edit(course_dir / MODULE, " Avisa primero a {{ program.first_contact }}.", "")
    one_problem(course_dir, MODULE, 11, "lacks {{ program.first_contact }}")


def test_raw_html_in_the_body_is_refused(course_dir: Path) -> None:
    edit(course_dir / MODULE, "Más texto de alfa.", '<script>alert("x")</script>')
    one_problem(course_dir, MODULE, 20, "raw HTML is not allowed")


def test_html_in_the_front_matter_is_refused(course_dir: Path) -> None:
    edit(course_dir / MODULE, "title: Módulo alfa", "title: Módulo <b>alfa</b>")
    one_problem(course_dir, MODULE, 3, "HTML is not allowed in 'title'")


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("summary: El primer módulo de prueba.\n", "", 2, "missing 'summary'"),
        (
            "content_note: Este módulo de prueba menciona temas difíciles.\n",
            "",
            2,
            "missing 'content_note'",
        ),
        ("  - Conocer alfa\n", "  - Conocer alfa\n  - Y algo más\n", 5, "'objectives' has 2"),
        ("reflection:\n  - ¿Qué te enseñó alfa?\n", "", 2, "missing 'reflection'"),
        ("title: Módulo alfa\n", "title: Módulo alfa\nminutes: 5\n", 4, "unknown key 'minutes'"),
        ("source_sha256: ", "source_sha256: nothex", 2, "64 lowercase hexadecimal"),
    ],
)
def test_a_module_overlay_front_matter_mistake_is_named(
    course_dir: Path, old: str, new: str, line: int, words: str
) -> None:
    edit(course_dir / MODULE, old, new)
    one_problem(course_dir, MODULE, line, words)


def test_a_translation_of_no_module_is_named(course_dir: Path) -> None:
    shutil.copy(course_dir / MODULE, course_dir / "modules" / "delta.es.md")
    one_problem(course_dir, "modules/delta.es.md", 1, "a translation of 'delta', which is not")


def test_a_translation_into_an_unknown_language_is_named(course_dir: Path) -> None:
    shutil.copy(course_dir / QUIZ, course_dir / "quizzes" / "alpha.fr.yaml")
    one_problem(course_dir, "quizzes/alpha.fr.yaml", 1, "'fr' is not a language of the course")


def test_invalid_yaml_in_an_overlay_is_named_by_line(course_dir: Path) -> None:
    edit(course_dir / QUIZ, "      b: Alfa uno correcta B\n", "      b: [unclosed\n")
    found = problems_of(course_dir)
    assert found and found[0].startswith(f"{course_dir / QUIZ}:"), found
    assert "invalid YAML" in found[0]
