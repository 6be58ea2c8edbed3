"""Reading the text of submitted PDFs: the only module that imports pypdf.

It is synchronous, CPU-bound and trusts nothing in the file, so it runs only inside the child
process of knowledge/pdf_worker.py, under that process's time and memory limits. pypdf's own
limits (PYPDF_LIMITS) are set tighter than its defaults, on purpose, so most bombs stop early with
a clear TOO_COMPLEX instead of running into the hard limits. Everything that can be wrong with a
file comes back as a PdfProblem with a kind the handler explains in plain Bulgarian.
"""

from __future__ import annotations

import io
import logging
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from pypdf import Configuration, PdfReader, apply_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError, PyPdfError

from knowledge.checklists import ProblemKind

# pypdf reports every oddity of a real-world PDF as a warning; the check reports what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_FILE_BYTES = 20 * 1024 * 1024  # the public Bot API's download limit
MAX_PAGES = 300
MAX_FILES = 10
TIME_BUDGET_SECONDS = 60.0
# A page with fewer letters than this has no usable text layer (a scan, or an image).
MIN_LETTERS_PER_PAGE = 20
# Below this share of letters among the visible characters, the text layer is garbage
# (a font without a Unicode map gives replacement characters or symbol soup).
MIN_LETTER_SHARE = 0.5
# A page's text beyond this is not needed to recognise a document (a dense page has ~6,000).
MAX_PAGE_CHARS = 100_000

_DECODED_BYTES = 40 * 1024 * 1024  # a page's content stream, or a 300-dpi A4 scan in colour
# pypdf's resource limits, tighter than its defaults (75 MB per stream, 100,000 page-tree
# entries, 5,000 form XObject invocations per page): nothing an applicant sends comes near them.
PYPDF_LIMITS = Configuration(
    maximum_declared_stream_length=_DECODED_BYTES,
    array_based_stream_maximum_output_length=_DECODED_BYTES,
    jbig2_maximum_output_length=_DECODED_BYTES,
    lzw_maximum_output_length=_DECODED_BYTES,
    run_length_maximum_output_length=_DECODED_BYTES,
    zlib_maximum_output_length=_DECODED_BYTES,
    brotli_maximum_output_length=_DECODED_BYTES,
    image_maximum_buffer_size=_DECODED_BYTES,
    stream_decoding_work_maximum_length=4 * _DECODED_BYTES,
    page_tree_maximum_entries=10 * MAX_PAGES,
    page_tree_maximum_depth=50,
    outline_maximum_entries=10_000,
    xform_maximum_invocations_per_extraction=1_000,
    disable_legacy_handling=True,
)


class PdfProblem(Exception):
    def __init__(self, kind: ProblemKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class PageText:
    number: int  # 1-based
    text: str
    readable: bool  # False: no text layer (scan) or garbled
    kind: ProblemKind | None = None  # NO_TEXT or GARBLED when not readable


_MAGIC = {
    b"PK\x03\x04": "zip",  # .docx, .xlsx, .odt are zip containers
    b"\xd0\xcf\x11\xe0": "ole",  # old .doc / .xls
    b"\x89PNG": "image",
    b"\xff\xd8\xff": "image",
    b"GIF8": "image",
    b"II*\x00": "image",
    b"MM\x00*": "image",
}


def sniff(content: bytes) -> str:
    """What the bytes are: "pdf", "zip", "ole", "image" or "unknown" (the file name is ignored)."""
    if b"%PDF-" in content[:1024]:
        return "pdf"
    for magic, kind in _MAGIC.items():
        if content.startswith(magic):
            return kind
    return "unknown"


def letter_share(text: str) -> float:
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0.0
    letters = sum(1 for c in visible if unicodedata.category(c).startswith("L") or c.isdigit())
    return letters / len(visible)


def classify_page(text: str) -> ProblemKind | None:
    """None for a usable page; NO_TEXT (a scan) or GARBLED (symbol soup) otherwise."""
    visible = sum(1 for c in text if not c.isspace())
    if visible < MIN_LETTERS_PER_PAGE:
        return ProblemKind.NO_TEXT
    if text.count("\ufffd") > visible * 0.1 or letter_share(text) < MIN_LETTER_SHARE:
        return ProblemKind.GARBLED
    return None


def read_pages(
    content: bytes,
    *,
    max_pages: int = MAX_PAGES,
    deadline: float | None = None,
) -> Iterator[PageText]:
    """Yield the text of each page; raise PdfProblem for a file that cannot be checked.

    `deadline` is a time.monotonic() value: past it, TIME_BUDGET is raised between pages.
    """
    if len(content) > MAX_FILE_BYTES:
        raise PdfProblem(ProblemKind.TOO_LARGE)
    if sniff(content) != "pdf":
        raise PdfProblem(ProblemKind.NOT_PDF, sniff(content))
    with apply_configuration(PYPDF_LIMITS):
        yield from _read(content, max_pages, deadline)


def _read(content: bytes, max_pages: int, deadline: float | None) -> Iterator[PageText]:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise PdfProblem(ProblemKind.ENCRYPTED)
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise PdfProblem(ProblemKind.ENCRYPTED) from exc
        count = len(reader.pages)
        if count == 0:
            raise PdfProblem(ProblemKind.CORRUPT, "no pages")
        if count > max_pages:
            raise PdfProblem(ProblemKind.TOO_MANY_PAGES, str(count))
        for index in range(count):
            if deadline is not None and time.monotonic() > deadline:
                raise PdfProblem(ProblemKind.TIME_BUDGET)
            text = (reader.pages[index].extract_text() or "")[:MAX_PAGE_CHARS]
            kind = classify_page(text)
            yield PageText(index + 1, text, kind is None, kind)
    except PdfProblem:
        raise
    except FileNotDecryptedError as exc:
        raise PdfProblem(ProblemKind.ENCRYPTED) from exc
    except (LimitReachedError, MemoryError) as exc:  # a bomb, or the child's memory limit
        raise PdfProblem(ProblemKind.TOO_COMPLEX, type(exc).__name__) from exc
    except (
        PdfReadError,
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        AssertionError,
        RecursionError,
        OSError,
    ) as exc:
        # pypdf signals truncated or broken files with many exception types.
        raise PdfProblem(ProblemKind.CORRUPT, type(exc).__name__) from exc
