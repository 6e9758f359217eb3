"""The certificate as a landscape PDF with a QR code that opens its verification page."""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from app.models import Certificate
from app.services.certificates import format_code

# fpdf2's font subsetting logs dozens of INFO lines per certificate; keep the app's log readable.
logging.getLogger("fontTools").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _font_paths() -> tuple[Path, Path]:
    fonts = resources.files("app").joinpath("data/fonts")
    return Path(str(fonts.joinpath("DejaVuSans.ttf"))), Path(
        str(fonts.joinpath("DejaVuSans-Bold.ttf"))
    )


def verification_url(base_url: str, code: str) -> str:
    """The public page a QR code or a printed link opens."""
    return f"{base_url.rstrip('/')}/verify/{format_code(code)}"


def render_certificate_pdf(
    certificate: Certificate, *, holder_name: str, program_name: str, base_url: str
) -> bytes:
    """A one-page landscape certificate; any Unicode name prints correctly."""
    regular, bold = _font_paths()
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(f"{program_name} certificate {format_code(certificate.code)}")
    pdf.set_author(program_name)
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
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
    pdf.cell(width, 14, "Certificate of Training", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 14)
    pdf.cell(width, 8, "This certifies that", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 26)
    pdf.multi_cell(width, 13, holder_name, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 14)
    pdf.multi_cell(
        width,
        8,
        f"has completed the training and passed every required quiz of\n"
        f"{certificate.course_title} (version {certificate.course_version}).",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    pdf.set_y(pdf.h - 70)
    pdf.set_font("DejaVu", "", 12)
    details = [
        ("Valid from", f"{certificate.valid_from:%-d %B %Y}"),
        ("Valid until", f"{certificate.valid_until:%-d %B %Y}"),
        ("Certificate code", format_code(certificate.code)),
    ]
    for label, value in details:
        pdf.set_x(30)
        pdf.set_font("DejaVu", "", 12)
        pdf.cell(45, 8, label)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(90, 8, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    url = verification_url(base_url, certificate.code)
    pdf.set_x(30)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(150, 8, f"Check it at {url}", link=url)

    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(qr, x=pdf.w - 75, y=pdf.h - 78, w=48, h=48, alt_text=f"QR code that opens {url}")
    return bytes(pdf.output())
