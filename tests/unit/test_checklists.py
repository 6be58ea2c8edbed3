"""The completeness check on typed lists and on PDFs the tests make themselves."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from handlers import texts
from knowledge.checklists import (
    ChecklistError,
    Findings,
    ItemStatus,
    PaymentMode,
    ProblemKind,
    Reference,
    build_report,
    compare_with_previous,
    find_reference,
    load_checklists,
)
from knowledge.document_check import check_pdf
from knowledge.pdf_text import MAX_PAGES, PdfProblem, read_pages, sniff
from knowledge.telegram_html import html_problems, to_plain_text
from tests.pdfs import (
    FULL_CPO_PACKAGE,
    OLD_CPO_PACKAGE,
    ZZBUT_PAGE,
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
        assert len(checklist.items) >= 6
        assert all(item.legal_basis and item.evidence for item in checklist.items)
        assert any("съдимост" in a for a in checklist.agency_checks)


def test_each_checklist_states_the_law_it_follows(checklists):
    for checklist in checklists.values():
        assert checklist.valid_from == dt.date(2024, 3, 29)
        assert checklist.law == "ЗПОО" and "ДВ бр. 27" in checklist.law_label


# Pages a citizen can open; program code is never a source a citizen is pointed to.
CITIZEN_SITES = ("parliament.bg", "navet.government.bg", "exlege.bg", "lex.bg")


def test_sources_are_pages_a_citizen_can_open(checklists):
    for checklist in checklists.values():
        for url in filter(None, (checklist.source, checklist.fee_url)):
            host = url.split("/")[2]
            assert any(host == s or host.endswith("." + s) for s in CITIZEN_SITES), url


# Numbers the 2024 amendment moved or repealed: the criminal-record check was ал. 15 (now 16),
# adding professions ал. 11 (now 12), changes to the licence ал. 10 (now 11), the decision term
# ал. 4 (now 5).
STALE = re.compile(r"49б,\s*ал\.\s*(?:4|10|15)\b|49б,\s*ал\.\s*11\s+ЗПОО|ал\.\s*13,\s*т\.\s*2")


def test_no_citation_the_2024_amendment_moved(checklists):
    for checklist in checklists.values():
        texts_ = [i.legal_basis + " " + i.advice for i in checklist.items]
        texts_ += [o.legal_basis for o in checklist.obsolete] + list(checklist.agency_checks)
        assert not [t for t in texts_ if STALE.search(t)], checklist.procedure


@pytest.mark.parametrize(
    ("procedure", "item", "basis"),
    [
        ("cpo-licence", "zzbut-declaration", "чл. 49б, ал. 2, т. 8 ЗПОО"),
        ("cpo-licence", "staff", "чл. 49б, ал. 2, т. 9 и ал. 3 ЗПОО"),
        ("cpo-licence", "fee", "чл. 49б, ал. 2, т. 10 и чл. 60, ал. 2, т. 1 ЗПОО"),
        ("cpo-amendment", "zzbut-declaration", "чл. 49б, ал. 12, т. 4 ЗПОО"),
        ("cpo-amendment", "public-register", "чл. 49б, ал. 12, т. 4 ЗПОО"),
        ("cpo-amendment", "curricula", "чл. 49б, ал. 12 ЗПОО"),
        ("cipo-licence", "zzbut-declaration", "чл. 49б, ал. 2, т. 8 ЗПОО"),
    ],
)
def test_items_cite_the_article_as_renumbered_in_2024(checklists, procedure, item, basis):
    assert next(i for i in checklists[procedure].items if i.id == item).legal_basis == basis


def test_documents_the_law_no_longer_asks_for(checklists):
    for procedure in checklists:
        obsolete = {o.id: o for o in checklists[procedure].obsolete}
        assert {"health", "fire-safety"} <= set(obsolete), procedure
        assert all(o.since == dt.date(2024, 3, 29) for o in obsolete.values())
        assert "ЗЗБУТ" in obsolete["health"].instead and "ЗЗБУТ" in obsolete["fire-safety"].instead
        assert not {"health", "fire-safety"} & {i.id for i in checklists[procedure].items}
    amendment = {o.id: o for o in checklists["cpo-amendment"].obsolete}
    assert amendment["formular"].legal_basis == "чл. 49б, ал. 12, т. 1 ЗПОО (отменена)"
    assert "регистър" in amendment["fire-safety"].instead


def test_the_teachers_item_explains_register_data_and_when_a_copy_is_still_needed(checklists):
    for procedure in checklists:
        staff = next(i for i in checklists[procedure].items if i.id == "staff")
        assert "ал. 3" in staff.legal_basis
        for exception in ("преди 2012 г.", "невписана в регистъра", "01.01.2007", "01.08.2016"):
            assert exception in staff.advice, (procedure, exception)


def test_full_pdf_package_is_complete_with_page_evidence(checklists, matchers):
    findings = check_pdf(matchers["cpo-licence"], "пакет.pdf", text_pdf(FULL_CPO_PACKAGE))
    report = build_report(checklists["cpo-licence"], findings)
    assert (report.found, report.required, report.complete) == (6, 6, True)
    rules = next(r for r in report.items if r.item.id == "rules")
    assert rules.evidence[0].file == "пакет.pdf" and rules.evidence[0].page == 1
    assert "ПРАВИЛНИК" in rules.evidence[0].snippet
    declaration = next(r for r in report.items if r.item.id == "zzbut-declaration")
    assert declaration.status is ItemStatus.FOUND
    assert declaration.evidence[0].page == ZZBUT_PAGE + 1
    assert declaration.reference == Reference("1234", dt.date(2025, 5, 15))
    assert report.obsolete == ()


def test_old_health_and_fire_documents_do_not_stand_for_the_declaration(checklists, matchers):
    findings = check_pdf(matchers["cpo-licence"], "стар.pdf", text_pdf(OLD_CPO_PACKAGE))
    report = build_report(checklists["cpo-licence"], findings)
    assert (report.found, report.required, report.complete) == (5, 6, False)
    assert statuses(report)["zzbut-declaration"] is ItemStatus.MISSING
    assert [(o.document.id, o.evidence[0].page) for o in report.obsolete] == [
        ("health", ZZBUT_PAGE + 1),
        ("fire-safety", ZZBUT_PAGE + 2),
    ]
    assert report.status_by_item()["health"] == "outdated"
    shown = to_plain_text(texts.document_report(report))
    assert "❌ Входящ номер и дата на декларацията по чл. 15 ЗЗБУТ" in shown
    assert (
        "Документ за пожарна безопасност („стар.pdf“, стр. 5 („УДОСТОВЕРЕНИЕ за пожарна "
        "безопасност на обекта, издадено от РДПБЗН“)) — не се изисква от 29.03.2024 г.; заменен е "
        "от входящия номер и датата на декларацията по чл. 15 ЗЗБУТ."
    ) in shown


def test_an_old_document_is_recognised_by_its_heading_not_by_a_mention(checklists, matchers):
    page = (
        "СПРАВКА ЗА ПРЕПОДАВАТЕЛИТЕ\n"
        + "Общи данни за преподавателя. " * 12
        + ("Иван Иванов — специалист по пожарна безопасност, становище РЗИ.")
    )
    findings = check_pdf(matchers["cpo-licence"], "с.pdf", text_pdf([page]))
    report = build_report(checklists["cpo-licence"], findings)
    assert statuses(report)["staff"] is ItemStatus.FOUND and report.obsolete == ()


def test_a_declaration_without_its_incoming_number_is_found_and_the_number_asked_for(
    checklists, matchers
):
    page = "ДЕКЛАРАЦИЯ\nпо чл. 15 от Закона за здравословни и безопасни условия на труд"
    findings = check_pdf(matchers["cpo-licence"], "д.pdf", text_pdf([page]))
    report = build_report(checklists["cpo-licence"], findings)
    declaration = next(r for r in report.items if r.item.id == "zzbut-declaration")
    assert declaration.status is ItemStatus.FOUND and declaration.reference is None
    assert texts.REPORT_NO_REFERENCE in texts.document_report(report)


CURRENT_LIST = (
    "1. Правилник за устройството и дейността\n2. Учебни планове\n3. Договор за наем\n"
    "4. Декларация по чл. 15 ЗЗБУТ, вх. № 1234/15.05.2025\n5. Справка за преподавателите\n"
    "6. Платежно нареждане\n"
)
OLD_LIST = (
    "1. Правилник за устройството и дейността\n2. Учебни планове\n3. Договор за наем\n"
    "4. Становище от РЗИ\n5. Удостоверение за пожарна безопасност\n"
    "6. Справка за преподавателите\n7. Платежно нареждане\n"
)


def test_typed_list_as_the_law_stands_is_complete_and_shows_the_incoming_number(
    checklists, matchers
):
    report = build_report(
        checklists["cpo-licence"], matchers["cpo-licence"].typed_lines(CURRENT_LIST)
    )
    assert report.complete and report.declared_only and (report.found, report.required) == (6, 6)
    declaration = next(r for r in report.items if r.item.id == "zzbut-declaration")
    assert declaration.reference == Reference("1234", dt.date(2025, 5, 15))
    shown = texts.document_report(report)
    assert "вх. № 1234 от 15.05.2025 г." in shown
    assert "Изисквания според ЗПОО, в сила от 29.03.2024 г." in shown
    assert not html_problems(shown)


def test_typed_list_with_the_old_documents_is_incomplete_and_says_why(checklists, matchers):
    report = build_report(checklists["cpo-licence"], matchers["cpo-licence"].typed_lines(OLD_LIST))
    assert not report.complete and (report.found, report.required) == (5, 6)
    assert statuses(report)["zzbut-declaration"] is ItemStatus.MISSING
    assert {o.document.id for o in report.obsolete} == {"health", "fire-safety"}
    shown = to_plain_text(texts.document_report(report))
    assert "Тези документи вече не се изискват" in shown
    assert (
        "Документ от здравните органи (РЗИ) за помещенията (в списъка („Становище от РЗИ“))"
        in shown
    )


def test_typed_list_is_declared_not_proven(checklists, matchers):
    findings = matchers["cipo-licence"].typed_lines(
        "1. Формуляр\n2. Правилник за дейността\n- договор за наем\n"
        "* декларация по чл. 15 ЗЗБУТ, вх. № 77/02.04.2024\n"
        "списък на консултантите\nплатежно нареждане\n"
        "информационни материали и правила за консултиране\n"
    )
    report = build_report(checklists["cipo-licence"], findings)
    assert set(statuses(report).values()) == {ItemStatus.DECLARED}
    assert report.complete and report.declared_only


@pytest.mark.parametrize(
    ("lines", "payment"),
    [
        ("платих електронно", PaymentMode.ELECTRONIC),
        ("Таксата е платена по електронен път.", PaymentMode.ELECTRONIC),
        ("платихме през pay.egov.bg електронно", PaymentMode.ELECTRONIC),
        ("platih elektronno", PaymentMode.ELECTRONIC),
        ("платих по банков път", PaymentMode.BANK),
        ("Платихме таксата с банков превод", PaymentMode.BANK),
        ("не съм платил електронно", PaymentMode.BANK),
        ("платих електронно\nне, всъщност платих по банков път", PaymentMode.BANK),
        ("правилник\nплатежно нареждане", None),
    ],
)
def test_how_the_fee_was_paid_is_read_from_a_typed_line(matchers, lines, payment):
    assert matchers["cpo-licence"].typed_lines(lines).payment is payment


@pytest.mark.parametrize(
    ("said", "required", "fee_status"),
    [
        ("платих електронно", 5, "not_required"),
        ("платих по банков път", 6, "missing"),
        ("", 6, "missing"),
    ],
)
def test_payment_proof_is_required_unless_the_fee_was_paid_electronically(
    checklists, matchers, said, required, fee_status
):
    package = CURRENT_LIST.replace("6. Платежно нареждане\n", "") + said
    report = build_report(checklists["cpo-licence"], matchers["cpo-licence"].typed_lines(package))
    assert (report.found, report.required) == (5, required)
    assert report.complete is (required == 5)
    assert report.status_by_item()["fee"] == fee_status
    shown = texts.document_report(report)
    if said == "платих електронно":
        assert "не е нужен: таксата е платена по електронен път" in shown
    elif said:
        assert texts.REPORT_PAID_BY_BANK in shown
    else:
        assert texts.REPORT_PAYMENT_UNKNOWN in shown


def test_a_statement_about_payment_is_not_a_document(checklists, matchers):
    findings = matchers["cpo-licence"].typed_lines("Платих таксата по банков път")
    assert findings.typed_lines == 0 and findings.hits == []
    report = build_report(checklists["cpo-licence"], findings)
    assert statuses(report)["fee"] is ItemStatus.MISSING and report.payment is PaymentMode.BANK


def test_payment_given_to_the_report_wins_over_the_list(checklists, matchers):
    findings = matchers["cpo-licence"].typed_lines("платих по банков път")
    report = build_report(checklists["cpo-licence"], findings, payment=PaymentMode.ELECTRONIC)
    assert report.payment is PaymentMode.ELECTRONIC and report.required == 5


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("декларация по чл. 15 ЗЗБУТ, вх. № 1234/15.05.2025", ("1234", dt.date(2025, 5, 15))),
        ("Вх. №94-00-123 от 15.05.2025 г.", ("94-00-123", dt.date(2025, 5, 15))),
        ("входящ номер 1234, 1.5.2025", ("1234", dt.date(2025, 5, 1))),
        ("вх.№ ЖС-12 / 03.06.2024", ("ЖС-12", dt.date(2024, 6, 3))),
        ("vh. No 55 ot 01.02.2025", ("55", dt.date(2025, 2, 1))),
        ("вх. № 12 от 31.02.2025", ("12", None)),  # no such day
        ("вх. № 12", ("12", None)),
        ("декларация по чл. 15, ал. 1 ЗЗБУТ", None),
        ("вх. № от 12.01.2025", None),
    ],
)
def test_incoming_number_and_date(text, reference):
    assert find_reference(text) == (Reference(*reference) if reference else None)


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
    declaration = next(r for r in report.items if r.item.id == "zzbut-declaration")
    assert declaration.status is ItemStatus.MISSING and declaration.alternative_satisfied
    assert report.complete and report.required == 5
    assert {o.document.id for o in report.obsolete} == {"formular", "health"}
    assert "отменен е" in texts.document_report(report)
    assert report.fee.bgn == Decimal(1250) and report.fee.eur == Decimal("639.11")


def test_amendment_with_the_declaration_number(checklists, matchers):
    findings = matchers["cpo-amendment"].typed_lines(
        "учебни планове\nдоговор за наем\nдекларация по чл. 15 ЗЗБУТ вх. № 4321\n"
        "справка за преподавателите\nплатих електронно"
    )
    report = build_report(checklists["cpo-amendment"], findings, professions=3)
    assert report.complete and (report.found, report.required) == (4, 4)
    shown = texts.document_report(report)
    assert "вх. № 4321" in shown and texts.REPORT_NO_REFERENCE_DATE not in shown


@pytest.mark.parametrize(
    ("count", "bgn"),
    [(1, 950), (10, 950), (11, 1250), (20, 1250), (21, None), (22, 1550), (60, 1550)],
)
def test_fee_bands(checklists, count, bgn):
    fee = checklists["cpo-amendment"].fee_for(count)
    assert (fee.bgn if fee else None) == (Decimal(bgn) if bgn else None)


def test_changes_since_the_previous_check(checklists, matchers):
    first = build_report(
        checklists["cpo-licence"], matchers["cpo-licence"].typed_lines("договор за наем\nправилник")
    )
    second = build_report(
        checklists["cpo-licence"],
        matchers["cpo-licence"].typed_lines("договор за наем\nучебни планове\nплатих електронно"),
    )
    change = compare_with_previous(second, first.status_by_item())
    assert change.now_found == (
        "Учебни планове и учебни програми за всяка професия и специалност",
        "Документ за платена такса за проверка на редовността",  # no longer required
    )
    assert "Правилник за устройството и дейността на ЦПО" in change.no_longer_found
    assert "Входящ номер и дата на декларацията по чл. 15 ЗЗБУТ" in change.still_missing


def test_findings_survive_a_round_trip_through_json(matchers):
    import json

    findings = check_pdf(matchers["cpo-licence"], "a.pdf", text_pdf(FULL_CPO_PACKAGE[:4]))
    findings.extend(check_pdf(matchers["cpo-licence"], "s.pdf", scanned_pdf(1)))
    findings.extend(matchers["cpo-licence"].typed_lines("платих по банков път"))
    assert any(h.evidence.reference for h in findings.hits)
    again = Findings.from_dict(json.loads(json.dumps(findings.to_dict())))
    assert again == findings and again.payment is PaymentMode.BANK


def test_findings_saved_before_references_still_load():
    saved = {"hits": [["rules", "found", "a.pdf", 1, "ПРАВИЛНИК"]], "files": ["a.pdf"]}
    findings = Findings.from_dict(saved)
    assert findings.hits[0].evidence.reference is None and findings.payment is None


CHECKLIST_HEAD = """
procedure = "x"
title = "X"
source = "https://www.parliament.bg/bg/laws/ID/165143"
law = "ЗПОО"
law_label = "изм. ДВ бр. 27/2024"
"""


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            'valid_from = "29.03.2024"\n[[item]]\nid="a"\ntitle="A"\nevidence=["a"]\n'
            'legal_basis="b"',
            "valid_from",
        ),
        (
            "valid_from = 2024-03-29\n[[item]]\nid='a'\ntitle='A'\nevidence=['a']\n"
            "legal_basis='b'\nrequired_unless='paid-in-gold'",
            "required_unless",
        ),
        (
            "valid_from = 2024-03-29\n[[item]]\nid='a'\ntitle='A'\nevidence=['a']\n"
            "legal_basis='b'\nrequired_unless='paid-electronically'",
            "[payment]",
        ),
        (
            "valid_from = 2024-03-29\n[[item]]\nid='a'\ntitle='A'\nevidence=['a']\n"
            "legal_basis='b'\n[[obsolete]]\nid='a'\ntitle='A'\nevidence=['a']\n"
            "since=2024-03-29\nlegal_basis='b'",
            "duplicate",
        ),
        ("[[item]]\nid='a'\ntitle='A'\nevidence=['a']\nlegal_basis='b'", "valid_from"),
    ],
)
def test_bad_checklist_files_are_rejected_naming_the_file(tmp_path, content, problem):
    (tmp_path / "x.toml").write_text(CHECKLIST_HEAD + content, encoding="utf-8")
    with pytest.raises(ChecklistError) as error:
        load_checklists(tmp_path)
    assert "x.toml" in str(error.value) and problem in str(error.value)
