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


# -- hostile files: each must give its real result or "too_complex" within the limits ---------


def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF assembled from object bodies (object n is objects[n - 1]) with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, compress: bool = True, extra: bytes = b"") -> bytes:
    import zlib

    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pages_pdf(content_streams: list[bytes]) -> bytes:
    """One page per content stream (a stream object), all with Helvetica as /F1."""
    count = len(content_streams)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count)), count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, stream in enumerate(content_streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * i)
        )
        objects.append(stream)
    return raw_pdf(objects)


def _one_page_pdf(content_stream: bytes) -> bytes:
    return pages_pdf([content_stream])


def latin_page(text: str) -> bytes:
    """A content stream showing one line of ASCII text (for raw test files)."""
    return _stream(b"BT /F1 12 Tf 72 760 Td (%s) Tj ET" % text.encode("ascii"))


def text_bomb_pdf(operators: int = 1_000_000) -> bytes:
    """One page of many short text-show operators, each on its own line: about 20 KB
    compressed, a minute or more of pypdf's extract_text and hundreds of MB."""
    ops = bytearray(b"BT /F1 1 Tf\n")
    for i in range(operators):
        ops += b"0 -1 Td (w%d) Tj\n" % (i % 97)
    ops += b"ET\n"
    return _one_page_pdf(_stream(bytes(ops)))


def text_bomb_stream(operators: int = 1_000_000) -> bytes:
    ops = b"BT /F1 1 Tf\n" + b"T* (w) Tj\n" * operators + b"ET\n"
    return _stream(ops)


def flate_bomb_pdf(megabytes: int = 400) -> bytes:
    """A content stream of a few hundred KB that inflates to `megabytes` MB."""
    import zlib

    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return _one_page_pdf(stream)


def operator_stream_pdf(megabytes: int = 70) -> bytes:
    """A page whose (compressed) content stream holds `megabytes` MB of drawing operators."""
    line = b"1 1 m 2 2 l S\n"
    return _one_page_pdf(_stream(line * (megabytes * 1024 * 1024 // len(line))))


def page_tree_loop_pdf() -> bytes:
    """A page tree whose node lists itself (and its parent) among its kids."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R 4 0 R] /Count 3 >>",
            b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
            b" /Resources << /Font << /F1 6 0 R >> >> >>",
            _stream(b"BT /F1 12 Tf 72 760 Td (Pravilnik) Tj ET"),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )
