"""PDFs made by the tests themselves: Cyrillic text in an embedded font (DejaVu Sans, shipped
inside matplotlib, so nothing depends on the fonts of the machine), scans, encrypted, broken."""

from __future__ import annotations

import io
import zipfile
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter


@cache
def font_file() -> str:
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")


def text_pdf(pages: list[str]) -> bytes:
    """One page per string, Cyrillic text with the font embedded."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=font_file())
    pdf.set_font("DejaVu", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 7, text)
    return bytes(pdf.output())


def scanned_pdf(pages: int) -> bytes:
    """Pages with only drawings on them, as a scanner's PDF has no text layer."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.set_fill_color(200, 200, 200)
        for row in range(20):
            pdf.rect(20, 20 + row * 12, 170, 6, style="F")
    return bytes(pdf.output())


def encrypted_pdf(pages: list[str], password: str = "tajna") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(pages))))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def empty_password_pdf(pages: list[str]) -> bytes:
    """Encrypted with an empty user password: readers open it without asking."""
    return encrypted_pdf(pages, password="")


def truncated(content: bytes) -> bytes:
    return content[: len(content) // 3]


def docx_bytes() -> bytes:
    """A minimal Word document: a zip container, whatever its name says."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Правилник</w:document>")
    return out.getvalue()


# A package for a new ЦПО licence as the law stands since ДВ бр. 27/2024: the declaration under
# чл. 15 ЗЗБУТ (its incoming number and date) instead of the health and fire-safety documents.
FULL_CPO_PACKAGE = [
    "ПРАВИЛНИК ЗА УСТРОЙСТВОТО И ДЕЙНОСТТА\nна ЦПО „Знание“\nЧл. 1. Центърът се управлява от директор.",
    "УЧЕБЕН ПЛАН\nпо професия 522020 Електромонтьор, специалност 5220210",
    "ДОГОВОР ЗА НАЕМ\nна помещения за провеждане на обучение, гр. София",
    "ДЕКЛАРАЦИЯ\nпо чл. 15 от Закона за здравословни и безопасни условия на труд\n"
    "Вх. № 1234/15.05.2025 г., Дирекция „Инспекция по труда“ София",
    "СПРАВКА ЗА ПРЕПОДАВАТЕЛИТЕ\nс данни от регистрите: номер на дипломата, висше училище, "
    "година на издаване; автобиографии в европейски формат Европас",
    "ПЛАТЕЖНО НАРЕЖДАНЕ\nза платена такса по чл. 60, ал. 2, т. 1 ЗПОО",
]
ZZBUT_PAGE = 3  # index of the declaration in FULL_CPO_PACKAGE

# What the 2022–2023 templates asked for instead of the declaration.
OLD_SAFETY_DOCUMENTS = [
    "СТАНОВИЩЕ\nза съответствие със здравните изисквания, издадено от РЗИ София",
    "УДОСТОВЕРЕНИЕ\nза пожарна безопасност на обекта, издадено от РДПБЗН",
]
OLD_CPO_PACKAGE = [
    *FULL_CPO_PACKAGE[:ZZBUT_PAGE],
    *OLD_SAFETY_DOCUMENTS,
    *FULL_CPO_PACKAGE[ZZBUT_PAGE + 1 :],
]
