"""A document check from start to finish: typed lists and PDF files in, findings out."""

from __future__ import annotations

import time

from knowledge.checklists import DocumentMatcher, Findings, Problem, ProblemKind
from knowledge.pdf_text import TIME_BUDGET_SECONDS, PdfProblem, read_pages


def check_pdf(
    matcher: DocumentMatcher, file_name: str, content: bytes, deadline: float | None = None
) -> Findings:
    """Read one PDF (blocking: run it in a worker thread) and say what it shows."""
    findings = Findings(files=[file_name])
    unreadable: dict[ProblemKind, list[int]] = {}
    try:
        for page in read_pages(content, deadline=deadline):
            if not page.readable and page.kind is not None:
                unreadable.setdefault(page.kind, []).append(page.number)
                continue
            findings.hits.extend(matcher.page(file_name, page.number, page.text))
    except PdfProblem as problem:
        findings.problems.append(Problem(file_name, problem.kind))
    for kind, pages in unreadable.items():
        findings.problems.append(Problem(file_name, kind, tuple(pages)))
    return findings


def new_deadline(budget: float = TIME_BUDGET_SECONDS) -> float:
    return time.monotonic() + budget
