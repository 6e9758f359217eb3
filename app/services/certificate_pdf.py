"""The certificate as a landscape PDF with a QR code that opens its verification page.

Its words are in the holder's language; the code, the dates' values and the QR code are the same
in every language.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import segno
from flask_babel import force_locale, gettext
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import TTFFont

from app.models import Certificate
from app.services.certificates import format_code
from app.services.dates import long_date

# fpdf2's font subsetting logs dozens of INFO lines per certificate; keep the app's log readable.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# Scripts DejaVu Sans does not draw well or at all, tried in this order when a glyph is missing.
# Only bold faces are shipped: the name is the one place these scripts appear.
FALLBACK_FONTS = (
    ("NotoArabic", "NotoSansArabic-Bold.ttf"),
    ("NotoHebrew", "NotoSansHebrew-Bold.ttf"),
    ("NotoDevanagari", "NotoSansDevanagari-Bold.ttf"),
    ("NotoCJK", "NotoSansCJKsc-Bold-subset.ttf"),
)

# The box the holder's name must stay inside (mm from the top-left corner of an A4 landscape page).
NAME_TOP = 78.0
NAME_HEIGHT = 34.0
NAME_LARGEST = 26.0
NAME_SMALLEST_ONE_LINE = 16.0
NAME_SMALLEST = 7.0
NAME_MOST_LINES = 4
# Wide enough for the tallest fallback font (Noto CJK), so wrapped lines never touch.
LINE_SPACING = 1.5
# The column of the labels beside the dates and the code; wider when a language's labels are.
LABEL_WIDTH = 45.0


@lru_cache(maxsize=1)
def _fonts_dir() -> Path:
    return Path(str(resources.files("app").joinpath("data/fonts")))


def verification_url(base_url: str, code: str) -> str:
    """The public page a QR code or a printed link opens."""
    return f"{base_url.rstrip('/')}/verify/{format_code(code)}"


@cache
def _coverage(filename: str) -> frozenset[int]:
    """The code points a shipped font draws, read once per process."""
    with TTFont(_fonts_dir() / filename, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _new_pdf(text: str) -> FPDF:
    fonts = _fonts_dir()
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    # fpdf2 parses every font it is given, which takes longer than the page itself: only the
    # fallbacks that draw a character of this certificate are added.
    wanted = {ord(c) for c in text} - _coverage("DejaVuSans-Bold.ttf")
    fallbacks = [family for family, filename in FALLBACK_FONTS if wanted & _coverage(filename)]
    for family, filename in FALLBACK_FONTS:
        if family in fallbacks:
            pdf.add_font(family, "B", str(fonts / filename))
    if fallbacks:
        # Regular text may borrow a bold fallback: better a heavier glyph than an empty box.
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    # HarfBuzz joins Arabic letters, orders right-to-left runs and places Devanagari vowel signs.
    pdf.set_text_shaping(True)
    return pdf


def printable_name(pdf: FPDF, name: str) -> str:
    """The name as it can be printed: a character no shipped font draws becomes its Unicode name.

    An emoji or a rare ideograph would otherwise print as an empty box (or nothing), so the
    certificate names it in words instead, like "[sunflower]". A name of nothing printable (only
    spaces or only combining marks with no letter) keeps its marks, which HarfBuzz places on a
    dotted circle, the way typographers show a mark on its own.
    """
    fonts = [f for f in pdf.fonts.values() if isinstance(f, TTFFont)]
    parts: list[str] = []
    for character in name:
        if not character.isprintable() and character != " ":
            continue
        if any(ord(character) in font.cmap for font in fonts):
            parts.append(character)
            continue
        if unicodedata.category(character) in ("Mn", "Me", "Cf", "Sk") or character in "\ufe0f":
            # A variation selector or a skin tone after an emoji adds nothing worth naming.
            continue
        described = unicodedata.name(character, "").lower()
        parts.append(f"[{described}]" if described else "\ufffd")
    text = " ".join("".join(parts).replace("][", "] [").split())
    if not any(unicodedata.category(c)[0] != "M" for c in text):
        # Marks with no letter to sit on are shown on a dotted circle, as type specimens do.
        return "\u25cc" + text
    return text


def _fit_name(pdf: FPDF, name: str, width: float) -> tuple[float, float]:
    """The largest font size (pt) and line height (mm) at which the name fits its box."""
    size = NAME_LARGEST
    while size >= NAME_SMALLEST:
        pdf.set_font("DejaVu", "B", size)
        line_height = size * 0.3528 * LINE_SPACING
        lines = pdf.multi_cell(
            width, line_height, name, dry_run=True, output=MethodReturnValue.LINES
        )
        # One line is tried down to a readable size before a long name is allowed to wrap.
        if len(lines) == 1 or (
            size <= NAME_SMALLEST_ONE_LINE
            and len(lines) <= NAME_MOST_LINES
            and len(lines) * line_height <= NAME_HEIGHT
        ):
            return size, line_height
        size -= 1
    return NAME_SMALLEST, NAME_SMALLEST * 0.3528 * LINE_SPACING


def render_certificate_pdf(
    certificate: Certificate,
    *,
    holder_name: str,
    program_name: str,
    base_url: str,
    language: str = "en",
) -> bytes:
    """A one-page landscape certificate in `language`; a name in any script prints inside its box."""
    # The words follow the holder's language whatever the request's is (staff may download it).
    with force_locale(language):
        return _render(certificate, holder_name, program_name, base_url, language)


def _render(
    certificate: Certificate, holder_name: str, program_name: str, base_url: str, language: str
) -> bytes:
    code = format_code(certificate.code)
    pdf = _new_pdf(holder_name + program_name)
    pdf.set_title(gettext("%(program)s certificate %(code)s", program=program_name, code=code))
    pdf.set_author(program_name)
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin

    pdf.set_draw_color(31, 95, 122)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)

    pdf.set_y(28)
    pdf.set_font("DejaVu", "", 14)
    pdf.set_text_color(74, 88, 99)
    pdf.cell(width, 8, program_name, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 30)
    pdf.set_text_color(31, 42, 51)
    pdf.cell(
        width,
        14,
        gettext("Certificate of Training"),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 14)
    pdf.cell(
        width, 8, gettext("This certifies that"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )

    # The name is centred in a fixed box, shrunk (and wrapped when very long) until it fits, so
    # nothing below it ever moves.
    name = printable_name(pdf, holder_name)
    size, line_height = _fit_name(pdf, name, width)
    pdf.set_font("DejaVu", "B", size)
    lines = pdf.multi_cell(width, line_height, name, dry_run=True, output=MethodReturnValue.LINES)
    used = min(len(lines), NAME_MOST_LINES) * line_height
    pdf.set_xy(pdf.l_margin, NAME_TOP + (NAME_HEIGHT - used) / 2)
    pdf.multi_cell(
        width,
        line_height,
        name,
        align="C",
        max_line_height=line_height,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    pdf.set_xy(pdf.l_margin, NAME_TOP + NAME_HEIGHT + 2)
    pdf.set_font("DejaVu", "", 14)
    pdf.multi_cell(
        width,
        8,
        gettext(
            "has completed the training and passed every required quiz of\n"
            "%(course)s (version %(version)s).",
            course=certificate.course_title,
            version=certificate.course_version,
        ),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    pdf.set_y(pdf.h - 70)
    pdf.set_font("DejaVu", "", 12)
    details = [
        (gettext("Valid from"), long_date(certificate.valid_from, language)),
        (gettext("Valid until"), long_date(certificate.valid_until, language)),
        (gettext("Certificate code"), code),
    ]
    label_width = max(LABEL_WIDTH, *(pdf.get_string_width(label) + 4 for label, _ in details))
    for label, value in details:
        pdf.set_x(30)
        pdf.set_font("DejaVu", "", 12)
        pdf.cell(label_width, 8, label)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(90, 8, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    url = verification_url(base_url, certificate.code)
    pdf.set_x(30)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(150, 8, gettext("Check it at %(url)s", url=url), link=url)

    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(
        qr,
        x=pdf.w - 75,
        y=pdf.h - 78,
        w=48,
        h=48,
        alt_text=gettext("QR code that opens %(url)s", url=url),
    )
    return bytes(pdf.output())
