"""`python -m bot check-docs`: the document check from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bot.content import Knowledge
from handlers import texts
from knowledge.checklists import (
    Findings,
    PaymentMode,
    Problem,
    ProblemKind,
    Reference,
    build_report,
)
from knowledge.document_check import check_pdf, new_deadline
from knowledge.pdf_text import MAX_FILES, MAX_PAGES
from knowledge.telegram_html import to_plain_text


class UsageError(ValueError):
    pass


def run_check_docs(
    knowledge: Knowledge,
    procedure: str,
    files: list[str],
    professions: int | None,
    as_json: bool,
    out: TextIO,
    stdin: TextIO = sys.stdin,
    payment: PaymentMode | None = None,
) -> None:
    """`payment` (from --paid-electronically / --paid-by-bank) wins over what a typed list
    says about the fee."""
    checklist = knowledge.checklists[procedure]
    matcher = knowledge.document_matchers[procedure]
    findings = Findings()
    deadline = new_deadline()
    pdf_count = 0
    for name in files:
        if name == "-":
            findings.extend(matcher.typed_lines(stdin.read()))
            continue
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"no such file: {name}")
        pdf_count += 1
        if pdf_count > MAX_FILES:
            findings.problems.append(Problem(path.name, ProblemKind.TOO_MANY_FILES))
            continue
        findings.extend(check_pdf(matcher, path.name, path.read_bytes(), deadline))
    report = build_report(checklist, findings, professions, payment)
    if as_json:
        out.write(json.dumps(report_json(report), ensure_ascii=False) + "\n")
    else:
        out.write(to_plain_text(texts.document_report(report)) + "\n")
        for problem in report.problems:
            out.write(f"! {problem_message(problem)}\n")


def problem_message(problem: Problem) -> str:
    return to_plain_text(
        texts.problem(
            problem.kind.value,
            problem.file,
            problem.pages,
            max_pages=MAX_PAGES,
            max_files=MAX_FILES,
        )
    )


def report_json(report) -> dict[str, object]:
    checklist = report.checklist
    return {
        "procedure": checklist.procedure,
        "law": {
            "name": checklist.law,
            "label": checklist.law_label,
            "valid_from": checklist.valid_from.isoformat(),
            "source": checklist.source,
        },
        "payment": report.payment.value if report.payment else None,
        "complete": report.complete,
        "found": report.found,
        "required": report.required,
        "items": [
            {
                "id": r.item.id,
                "title": r.item.title,
                "status": r.status.value,
                "evidence": [
                    {"file": e.file, "page": e.page, "snippet": e.snippet} for e in r.evidence
                ],
                "legal_basis": r.item.legal_basis,
                "required": r.required,
                "reference": _reference_json(r.reference),
            }
            for r in report.items
        ],
        "outdated": [
            {
                "id": o.document.id,
                "title": o.document.title,
                "since": o.document.since.isoformat(),
                "instead": o.document.instead,
                "legal_basis": o.document.legal_basis,
                "evidence": [
                    {"file": e.file, "page": e.page, "snippet": e.snippet} for e in o.evidence
                ],
            }
            for o in report.obsolete
        ],
        "agency_checks": list(report.checklist.agency_checks),
        "fee": (
            {"bgn": float(report.fee.bgn), "eur": float(report.fee.eur)} if report.fee else None
        ),
        "problems": [
            {"file": p.file, "kind": p.kind.value, "message": problem_message(p)}
            for p in report.problems
        ],
    }


def _reference_json(reference: Reference | None) -> dict[str, str | None] | None:
    if reference is None:
        return None
    return {
        "number": reference.number,
        "date": reference.date.isoformat() if reference.date else None,
    }
