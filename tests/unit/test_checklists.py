"""The completeness check on typed lists and on PDFs the tests make themselves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from knowledge.checklists import (
    Findings,
    ItemStatus,
    ProblemKind,
    build_report,
    compare_with_previous,
    load_checklists,
)
from knowledge.document_check import check_pdf
from knowledge.pdf_text import MAX_PAGES, PdfProblem, read_pages, sniff
from tests.pdfs import (
    FULL_CPO_PACKAGE,
    docx_bytes,
    empty_password_pdf,
    encrypted_pdf,
    scanned_pdf,
    text_pdf,
    truncated,
)


@pytest.fixture(scope="module")
def checklists():
    return load_checklists()


@pytest.fixture(scope="module")
def matchers(knowledge):
    return knowledge.document_matchers


def statuses(report):
    return {r.item.id: r.status for r in report.items}


def test_three_procedures_with_items_legal_basis_and_agency_checks(checklists):
    assert set(checklists) == {"cpo-licence", "cpo-amendment", "cipo-licence"}
    for checklist in checklists.values():
        assert len(checklist.items) >= 7
        assert all(item.legal_basis and item.evidence for item in checklist.items)
        assert any("съдимост" in a for a in checklist.agency_checks)


def test_full_pdf_package_is_complete_with_page_evidence(checklists, matchers):
    findings = check_pdf(matchers["cpo-licence"], "пакет.pdf", text_pdf(FULL_CPO_PACKAGE))
    report = build_report(checklists["cpo-licence"], findings)
    assert (report.found, report.required, report.complete) == (8, 8, True)
    rules = next(r for r in report.items if r.item.id == "rules")
    assert rules.evidence[0].file == "пакет.pdf" and rules.evidence[0].page == 2
    assert "ПРАВИЛНИК" in rules.evidence[0].snippet


def test_missing_documents_are_missing(checklists, matchers):
    findings = check_pdf(matchers["cpo-licence"], "a.pdf", text_pdf(FULL_CPO_PACKAGE[:3]))
    report = build_report(checklists["cpo-licence"], findings)
    got = statuses(report)
    assert got["formular"] is got["rules"] is got["curricula"] is ItemStatus.FOUND
    assert got["fire-safety"] is got["fee"] is ItemStatus.MISSING
    assert (report.found, report.required, report.complete) == (3, 8, False)


def test_typed_list_is_declared_not_proven(checklists, matchers):
    findings = matchers["cipo-licence"].typed_lines(
        "1. Формуляр\n2. Правилник за дейността\n- договор за наем\n* становище на РЗИ\n"
        "противопожарно удостоверение\nсписък на консултантите\nплатежно нареждане\n"
        "информационни материали и правила за консултиране\n"
    )
    report = build_report(checklists["cipo-licence"], findings)
    assert set(statuses(report).values()) == {ItemStatus.DECLARED}
    assert report.complete and report.declared_only


def test_latin_typed_list(checklists, matchers):
    findings = matchers["cpo-licence"].typed_lines("dogovor za naem\npravilnik za deynostta")
    got = statuses(build_report(checklists["cpo-licence"], findings))
    assert got["premises"] is got["rules"] is ItemStatus.DECLARED


def test_a_word_only_in_the_body_is_unsure_not_found(checklists, matchers):
    body = "Общи положения. " * 30 + "Центърът събира такса за обучение по ценоразпис."
    findings = check_pdf(matchers["cpo-licence"], "p.pdf", text_pdf(["ПРАВИЛНИК\n" + body]))
    got = statuses(build_report(checklists["cpo-licence"], findings))
    assert got["rules"] is ItemStatus.FOUND
    assert got["fee"] is ItemStatus.UNSURE


def test_scanned_pages_make_the_rest_unsure(checklists, matchers):
    findings = check_pdf(matchers["cpo-licence"], "scan.pdf", scanned_pdf(3))
    assert [(p.kind, p.pages) for p in findings.problems] == [(ProblemKind.NO_TEXT, (1, 2, 3))]
    report = build_report(checklists["cpo-licence"], findings)
    assert set(statuses(report).values()) == {ItemStatus.UNSURE}
    assert not report.complete


def test_garbled_text_is_unsure(matchers):
    soup = "■□▲△●○◆◇ " * 12
    findings = check_pdf(matchers["cpo-licence"], "g.pdf", text_pdf([soup]))
    assert [p.kind for p in findings.problems] == [ProblemKind.GARBLED]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (docx_bytes(), ProblemKind.NOT_PDF),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, ProblemKind.NOT_PDF),
        (b"just some text, not a pdf", ProblemKind.NOT_PDF),
        (encrypted_pdf(["Правилник за дейността на центъра и още текст"]), ProblemKind.ENCRYPTED),
        (truncated(text_pdf(FULL_CPO_PACKAGE)), ProblemKind.CORRUPT),
        (b"%PDF-1.7\n" + b"\x00garbage" * 50, ProblemKind.CORRUPT),
        (b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), ProblemKind.TOO_LARGE),
    ],
)
def test_files_that_cannot_be_checked(matchers, content, kind):
    findings = check_pdf(matchers["cpo-licence"], "f.pdf", content)
    assert [p.kind for p in findings.problems] == [kind]
    assert findings.hits == []


def test_empty_password_pdf_opens():
    pages = list(read_pages(empty_password_pdf(["Правилник за устройството и дейността на ЦПО"])))
    assert pages[0].readable and "Правилник" in pages[0].text


def test_page_limit():
    with pytest.raises(PdfProblem) as problem:
        list(read_pages(text_pdf(["ред"] * 4), max_pages=3))
    assert problem.value.kind is ProblemKind.TOO_MANY_PAGES
    assert MAX_PAGES == 300


def test_content_not_name_decides(matchers):
    assert sniff(docx_bytes()) == "zip"
    assert sniff(text_pdf(["х"])) == "pdf"


def test_amendment_alternatives_and_fee(checklists, matchers):
    findings = matchers["cpo-amendment"].typed_lines(
        "формуляр\nучебни планове\nдоговор за наем\nстановище РЗИ\n"
        "удостоверение за вписване в регистъра на обектите с обществено предназначение\n"
        "справка за преподавателите\nплатежно нареждане"
    )
    report = build_report(checklists["cpo-amendment"], findings, professions=12)
    fire = next(r for r in report.items if r.item.id == "fire-safety")
    assert fire.status is ItemStatus.MISSING and fire.alternative_satisfied
    assert report.complete and report.required == 7
    assert report.fee.bgn == Decimal(1250) and report.fee.eur == Decimal("639.11")


@pytest.mark.parametrize(
    ("count", "bgn"),
    [(1, 950), (10, 950), (11, 1250), (20, 1250), (21, None), (22, 1550), (60, 1550)],
)
def test_fee_bands(checklists, count, bgn):
    fee = checklists["cpo-amendment"].fee_for(count)
    assert (fee.bgn if fee else None) == (Decimal(bgn) if bgn else None)


def test_changes_since_the_previous_check(checklists, matchers):
    first = build_report(
        checklists["cpo-licence"], matchers["cpo-licence"].typed_lines("формуляр\nправилник")
    )
    second = build_report(
        checklists["cpo-licence"], matchers["cpo-licence"].typed_lines("формуляр\nучебни планове")
    )
    change = compare_with_previous(second, first.status_by_item())
    assert change.now_found == ("Учебни планове и учебни програми за всяка професия и специалност",)
    assert "Правилник за устройството и дейността на ЦПО" in change.no_longer_found
    assert "Документ за пожарна безопасност" in change.still_missing


def test_findings_survive_a_round_trip_through_json(matchers):
    import json

    findings = check_pdf(matchers["cpo-licence"], "a.pdf", text_pdf(FULL_CPO_PACKAGE[:2]))
    findings.extend(check_pdf(matchers["cpo-licence"], "s.pdf", scanned_pdf(1)))
    again = Findings.from_dict(json.loads(json.dumps(findings.to_dict())))
    assert again == findings
