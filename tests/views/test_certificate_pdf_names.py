"""The certificate PDF prints every name: each script, long names, marks and emoji, nothing overlapping."""

from __future__ import annotations

import io
import logging
import unicodedata
from datetime import timedelta

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from app.models import utcnow
from tests.factories import make_user, sign_in
from tests.services.test_certificates import certify

NAMES = {
    "latin": "Zoë Łukasiewicz-Ðorđević Ångström",
    "cyrillic": "Анна Ивановна Сергеева",
    "greek": "Ελένη Παπαδοπούλου",
    "arabic": "فاطمة الزهراء",
    "hebrew": "שרה כהן",
    "devanagari": "प्रिया शर्मा",
    "chinese": "王秀英",
    "japanese": "山田 はなこ",
    "korean": "김민지",
    "vietnamese": "Nguyễn Thị Phương Thảo",
    "two hundred characters": ("Maximiliana Wolfeschlegelsteinhausen " * 6)[:199] + "Z",
}


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def _pdf_for(client, app, name: str) -> bytes:
    mentor = make_user(name=name)
    certificate = certify(mentor, at=utcnow() - timedelta(days=1))
    client = app.test_client()  # each mentor signs in on their own browser
    sign_in(client, mentor)
    response = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 200
    return response.data


def _visible(text: str) -> str:
    # Glyphs HarfBuzz builds (conjuncts, the reph) carry private codes pypdf shows as controls.
    kept = "".join(c for c in text.replace("\n", " ") if unicodedata.category(c) != "Cc")
    return " ".join(kept.split())


def _text_blocks(page) -> list[tuple[float, float, float, float]]:
    """The box (x0, y0, x1, y1 in points) of each text object and image drawn on the page."""
    fonts = page["/Resources"]["/Font"]
    widths: dict[str, tuple[dict[int, float], float, float]] = {}
    for key, ref in fonts.items():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        table: dict[int, float] = {}
        w = list(descendant.get("/W", []))
        i = 0
        while i < len(w):
            first = int(w[i])
            if isinstance(w[i + 1], list | tuple) or hasattr(w[i + 1], "__iter__"):
                for offset, width in enumerate(w[i + 1]):
                    table[first + offset] = float(width)
                i += 2
            else:
                for cid in range(first, int(w[i + 1]) + 1):
                    table[cid] = float(w[i + 2])
                i += 3
        descriptor = descendant["/FontDescriptor"].get_object()
        widths[key] = (table, float(descriptor["/Ascent"]), float(descriptor["/Descent"]))

    blocks: list[tuple[float, float, float, float]] = []
    box: list[float] | None = None
    font, size, x, y = None, 0.0, 0.0, 0.0
    matrix: list[float] = []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        op = operator.decode()
        if op == "BT":
            box, x, y = None, 0.0, 0.0
        elif op == "ET" and box is not None:
            blocks.append(tuple(box))
        elif op == "Tf":
            font, size = operands[0], float(operands[1])
        elif op == "Td":
            x, y = x + float(operands[0]), y + float(operands[1])
        elif op == "Tm":
            x, y = float(operands[4]), float(operands[5])
        elif op in ("Tj", "TJ"):
            table, ascent, descent = widths[font]
            raw = (
                operands[0]
                if op == "Tj"
                else b"".join(
                    bytes(part.original_bytes)
                    for part in operands[0]
                    if hasattr(part, "original_bytes")
                )
            )
            data = bytes(raw.original_bytes) if hasattr(raw, "original_bytes") else bytes(raw)
            advance = sum(
                table.get(int.from_bytes(data[i : i + 2], "big"), 1000.0)
                for i in range(0, len(data), 2)
            )
            x1 = x + advance / 1000 * size
            glyph = [x, y + descent / 1000 * size, x1, y + ascent / 1000 * size]
            box = (
                glyph
                if box is None
                else [
                    min(box[0], glyph[0]),
                    min(box[1], glyph[1]),
                    max(box[2], glyph[2]),
                    max(box[3], glyph[3]),
                ]
            )
            x = x1
        elif op == "cm":
            matrix = [float(v) for v in operands]
        elif op == "Do" and matrix:
            blocks.append((matrix[4], matrix[5], matrix[4] + matrix[0], matrix[5] + matrix[3]))
    return blocks


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("script", sorted(NAMES))
def test_every_name_prints_whole_and_apart_from_everything_else(
    client, app, caplog, script
) -> None:
    name = NAMES[script]
    with caplog.at_level(logging.WARNING):
        body = _pdf_for(client, app, name)
    assert not [r for r in caplog.records if "missing" in r.getMessage()], caplog.text
    page = PdfReader(io.BytesIO(body)).pages[0]
    assert _visible(name) in _visible(page.extract_text())
    blocks = _text_blocks(page)
    assert len(blocks) >= 10
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    for index, block in enumerate(blocks):
        assert (
            block[0] >= 28 and block[2] <= width - 28 and block[1] >= 28 and block[3] <= height - 28
        )
        for other in blocks[index + 1 :]:
            assert not _overlaps(block, other), (block, other)


def test_a_long_name_shrinks_but_a_short_one_does_not(client, app) -> None:
    sizes = {}
    for label, name in (("short", "Ana Lee"), ("long", NAMES["two hundred characters"])):
        content = PdfReader(io.BytesIO(_pdf_for(client, app, name))).pages[0].get_contents()
        sizes[label] = {
            float(operands[1])
            for operands, operator in ContentStream(content, None).operations
            if operator == b"Tf"
        }
    # 30 pt is the title, 14 and 12 the sentences and dates, 10 the link: the rest is the name.
    fixed = {30.0, 14.0, 12.0, 10.0}
    assert sizes["short"] - fixed == {26.0}
    (long_size,) = sizes["long"] - fixed
    assert long_size <= 16
    assert sizes["long"] >= fixed


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("\u0301\u0308\u0323", "\u25cc"),  # only combining marks: shown on a dotted circle
        ("🌻🦄", "[sunflower] [unicorn face]"),  # emoji no shipped font draws: named in words
        ("Rosa 🌹", "Rosa [rose]"),
    ],
)
def test_names_of_only_marks_or_emoji_print_something_sensible(
    client, app, caplog, name, expected
) -> None:
    with caplog.at_level(logging.WARNING):
        body = _pdf_for(client, app, name)
    assert not [r for r in caplog.records if "missing" in r.getMessage()], caplog.text
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert expected in text
