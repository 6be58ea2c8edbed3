"""A document check from start to finish: typed lists and PDF files in, findings out.

PDFs are read in a child process with hard limits (knowledge/pdf_worker.py); only the text comes
back, and the matching runs here."""

from __future__ import annotations

import asyncio
import time

from knowledge.checklists import DocumentMatcher, Findings, Problem, ProblemKind
from knowledge.pdf_text import TIME_BUDGET_SECONDS
from knowledge.pdf_worker import PdfJob, Reading, read_isolated


def findings_from(matcher: DocumentMatcher, file_name: str, reading: Reading) -> Findings:
    """What the pages read show; a file stopped part-way keeps the pages read before."""
    findings = Findings(files=[file_name])
    unreadable: dict[ProblemKind, list[int]] = {}
    for page in reading.pages:
        if not page.readable and page.kind is not None:
            unreadable.setdefault(page.kind, []).append(page.number)
            continue
        findings.hits.extend(matcher.page(file_name, page.number, page.text))
    if reading.problem is not None:
        findings.problems.append(Problem(file_name, reading.problem))
    for kind, pages in unreadable.items():
        findings.problems.append(Problem(file_name, kind, tuple(pages)))
    return findings


def check_pdf(
    matcher: DocumentMatcher, file_name: str, content: bytes, deadline: float | None = None
) -> Findings:
    """Read one PDF and say what it shows (blocking: for the command line)."""
    return findings_from(matcher, file_name, read_isolated(content, deadline))


async def check_pdf_async(
    matcher: DocumentMatcher, file_name: str, content: bytes, deadline: float | None = None
) -> Findings:
    """The same for the bot: the event loop never waits on the read, and a cancelled check
    (shutdown, a dropped update) kills the reader at once."""
    job = PdfJob(content, deadline)
    try:
        await asyncio.to_thread(job.start)
        reading = await asyncio.to_thread(job.wait)
    finally:
        job.kill()
    return await asyncio.to_thread(findings_from, matcher, file_name, reading)


def new_deadline(budget: float = TIME_BUDGET_SECONDS) -> float:
    return time.monotonic() + budget
