"""A centre checks its document package in the chat, through the real Dispatcher."""

from __future__ import annotations

import asyncio
import gc
import sys

from sqlalchemy import select

from handlers import texts
from knowledge.checklists import PaymentMode
from storage.models import ConsultationRow
from tests.pdfs import (
    FULL_CPO_PACKAGE,
    OLD_CPO_PACKAGE,
    docx_bytes,
    encrypted_pdf,
    scanned_pdf,
    text_pdf,
)


async def checks(session_factory) -> list[ConsultationRow]:
    async with session_factory() as session:
        rows = await session.scalars(
            select(ConsultationRow)
            .where(ConsultationRow.kind == "checklist")
            .order_by(ConsultationRow.id)
        )
        return list(rows)


async def choose(user, procedure_title: str):
    menu = (await user.send("/documents"))[0]
    assert menu.text == texts.DOCS_CHOOSE
    return await user.press_button(menu, procedure_title)


async def test_pdf_package_gives_an_item_by_item_report_and_is_recorded(chat, session_factory):
    replies = await choose(chat.user, "Нова лицензия на ЦПО")
    assert "Изпратете документите" in replies[0].text
    read = await chat.user.send_document(
        "пакет.pdf", text_pdf(FULL_CPO_PACKAGE[:5]), "application/pdf"
    )
    assert read[-1].text == texts.DOCS_FILE_READ.format(name="пакет.pdf")
    report = (await chat.user.press_button(read[-1], texts.BUTTON_DONE))[0].text
    assert "Изпълнени изисквания: 5 от 6" in report
    assert "Изисквания според ЗПОО, в сила от 29.03.2024 г." in report
    assert "✅ Правилник за устройството и дейността на ЦПО" in report
    assert "„пакет.pdf“, стр. 1" in report
    assert "❌ Документ за платена такса" in report
    assert "Основание: чл. 49б, ал. 2, т. 10 и чл. 60, ал. 2, т. 1 ЗПОО" in report
    assert texts.REPORT_PAYMENT_UNKNOWN in report  # the user did not say how they paid
    assert "съдимост" in report  # what the agency checks itself
    [row] = await checks(session_factory)
    assert (row.topic, row.found, row.required, row.complete) == ("cpo-licence", 5, 6, False)
    assert row.details["fee"] == "missing"


async def test_package_with_the_zzbut_declaration_is_complete(chat, session_factory):
    await choose(chat.user, "Нова лицензия на ЦПО")
    read = await chat.user.send_document("пакет.pdf", text_pdf(FULL_CPO_PACKAGE))
    report = (await chat.user.press_button(read[-1], texts.BUTTON_DONE))[0].text
    assert "Изпълнени изисквания: 6 от 6" in report and texts.REPORT_COMPLETE in report
    assert "✅ Входящ номер и дата на декларацията по чл. 15 ЗЗБУТ" in report
    assert "вх. № 1234 от 15.05.2025 г." in report
    assert "„пакет.pdf“, стр. 4" in report
    assert "вече не се изискват" not in report
    [row] = await checks(session_factory)
    assert (row.found, row.required, row.complete) == (6, 6, True)


async def test_package_with_the_old_health_and_fire_documents_is_incomplete_and_says_why(
    chat, session_factory
):
    await choose(chat.user, "Нова лицензия на ЦПО")
    read = await chat.user.send_document("стар.pdf", text_pdf(OLD_CPO_PACKAGE))
    report = (await chat.user.press_button(read[-1], texts.BUTTON_DONE))[0].text
    assert "Изпълнени изисквания: 5 от 6" in report and texts.REPORT_INCOMPLETE in report
    assert "❌ Входящ номер и дата на декларацията по чл. 15 ЗЗБУТ" in report
    assert "Тези документи вече не се изискват" in report
    for title in (
        "Документ от здравните органи (РЗИ) за помещенията",
        "Документ за пожарна безопасност",
    ):
        line = next(x for x in report.splitlines() if x.startswith(f"• {title}"))
        assert (
            "не се изисква от 29.03.2024 г.; заменен е от входящия номер и датата на декларацията по чл. 15 ЗЗБУТ"
            in line
        )
    [row] = await checks(session_factory)
    assert row.complete is False
    assert row.details["health"] == row.details["fire-safety"] == "outdated"


async def test_typed_list_in_several_messages_then_the_word_done(chat, session_factory):
    await choose(chat.user, "Нова лицензия на ЦИПО")
    noted = await chat.user.send("Формуляр\nПравилник за дейността\nдоговор за наем")
    assert noted[0].text == texts.docs_list_noted(3)
    await chat.user.send(
        "декларация по чл. 15 ЗЗБУТ, вх. № 1234/15.05.2025\nсписък на консултантите"
    )
    await chat.user.send("платежно нареждане\nинформационни материали")
    report = (await chat.user.send("готово"))[0].text
    assert "Изпълнени изисквания: 7 от 7" in report and "декларирани" in report
    assert "вх. № 1234 от 15.05.2025 г." in report
    [row] = await checks(session_factory)
    assert row.complete is True


async def test_typed_list_with_the_old_documents_says_what_replaced_them(chat):
    await choose(chat.user, "Нова лицензия на ЦПО")
    await chat.user.send(
        "правилник\nучебни планове\nдоговор за наем\nстановище от РЗИ\n"
        "удостоверение за пожарна безопасност\nсправка за преподавателите\nплатежно нареждане"
    )
    report = (await chat.user.send("готово"))[0].text
    assert "Изпълнени изисквания: 5 от 6" in report
    assert "Тези документи вече не се изискват" in report and "заменен е от" in report


async def test_payment_buttons_decide_whether_the_proof_is_required(chat, session_factory):
    collect = (await choose(chat.user, "Нова лицензия на ЦПО"))[0]
    assert texts.DOCS_COLLECT_PAYMENT in collect.text
    assert [label for label, _ in collect.buttons] == [
        texts.BUTTON_PAID_ELECTRONICALLY,
        texts.BUTTON_PAID_BY_BANK,
        texts.BUTTON_DONE,
    ]
    said = await chat.user.press_button(collect, texts.BUTTON_PAID_ELECTRONICALLY)
    assert said[0].text == texts.list_noted(0, PaymentMode.ELECTRONIC)
    await chat.user.send(
        "правилник\nучебни планове\nдоговор за наем\n"
        "декларация по чл. 15 ЗЗБУТ, вх. № 1234/15.05.2025\nсправка за преподавателите"
    )
    report = (await chat.user.send("готово"))[0].text
    assert "Изпълнени изисквания: 5 от 5" in report
    assert "не е нужен: таксата е платена по електронен път" in report
    [row] = await checks(session_factory)
    assert row.details["fee"] == "not_required" and row.complete is True
    collect = (await choose(chat.user, "Нова лицензия на ЦПО"))[0]
    said = await chat.user.press_button(collect, texts.BUTTON_PAID_BY_BANK)
    assert said[0].text == texts.list_noted(0, PaymentMode.BANK)
    await chat.user.send("правилник")
    report = (await chat.user.send("готово"))[0].text
    assert "❌ Документ за платена такса" in report and texts.REPORT_PAID_BY_BANK in report
    [row] = await checks(session_factory)  # a repeated check folds into the same row
    assert row.details["fee"] == "missing" and row.complete is False


async def test_typed_payment_statement_both_ways(chat):
    await choose(chat.user, "Нова лицензия на ЦПО")
    said = await chat.user.send("платих по банков път")
    assert said[0].text == texts.list_noted(0, PaymentMode.BANK)
    said = await chat.user.send("правилник\nплатих електронно")
    assert said[0].text == texts.list_noted(1, PaymentMode.ELECTRONIC)
    assert texts.docs_list_noted(1) in said[0].text
    report = (await chat.user.send("готово"))[0].text
    assert "Изпълнени изисквания: 1 от 5" in report
    assert "не е нужен: таксата е платена по електронен път" in report


async def test_payment_buttons_out_of_turn_or_forged(chat):
    collect = (await choose(chat.user, "Нова лицензия на ЦИПО"))[0]
    assert await chat.user.press("docspaid:gold", on_message=collect) == []
    assert chat.session.callback_answers[-1].text == texts.DOCS_STALE
    await chat.user.send("/cancel")
    assert await chat.user.press_button(collect, texts.BUTTON_PAID_BY_BANK) == []
    assert chat.session.callback_answers[-1].text == texts.DOCS_STALE


async def test_amendment_asks_for_professions_and_shows_the_fee(chat):
    asked = await choose(chat.user, "Допълване на лицензията")
    assert asked[0].text == texts.DOCS_ASK_PROFESSIONS
    assert (await chat.user.send("много"))[0].text == texts.DOCS_PROFESSIONS_HINT
    assert (await chat.user.send("0"))[0].text == texts.DOCS_PROFESSIONS_HINT
    collect = await chat.user.send("12")
    assert "Изпратете документите" in collect[0].text
    await chat.user.send("формуляр\nучебни планове")
    report = (await chat.user.send("готово"))[0].text
    assert (
        "Такса за 12 професии: 1250 лв (639,11 € при превалутиране по фиксирания курс 1,95583)"
        in report
    )


async def test_second_check_shows_what_changed(chat):
    await choose(chat.user, "Нова лицензия на ЦПО")
    await chat.user.send("договор за наем\nправилник")
    await chat.user.send("готово")
    await choose(chat.user, "Нова лицензия на ЦПО")
    await chat.user.send("договор за наем\nправилник\nучебни планове\nплатежно нареждане")
    report = (await chat.user.send("готово"))[0].text
    assert "Спрямо предишната Ви проверка" in report
    assert (
        "сега намерени: Учебни планове и учебни програми за всяка професия и специалност; Документ за платена такса"
        in report
    )
    assert "все още липсват:" in report
    assert "Входящ номер и дата на декларацията по чл. 15 ЗЗБУТ" in report


async def test_problem_files_get_a_clear_message(chat):
    await choose(chat.user, "Нова лицензия на ЦПО")
    replies = await chat.user.send_document("правилник.pdf", docx_bytes())
    assert [r.text for r in replies] == [texts.problem("not_pdf", "правилник.pdf")]
    replies = await chat.user.send_document(
        "тайно.pdf", encrypted_pdf(["Правилник на центъра и текст"])
    )
    assert [r.text for r in replies] == [texts.problem("encrypted", "тайно.pdf")]
    replies = await chat.user.send_document("скан.pdf", scanned_pdf(2))
    assert replies[0].text == texts.problem("no_text", "скан.pdf", (1, 2))
    report = (await chat.user.press_button(replies[-1], texts.BUTTON_DONE))[0].text
    assert "❓" in report and "Изпълнени изисквания: 0 от 6" in report


async def test_wrong_inputs_get_hints_and_cancel_leaves(chat):
    await chat.user.send("/documents")
    assert (await chat.user.send("нещо"))[0].text == texts.DOCS_CHOOSE_HINT
    await choose(chat.user, "Нова лицензия на ЦПО")
    from aiogram.types import PhotoSize

    photo = await chat.user.send(
        photo=[PhotoSize(file_id="p", file_unique_id="p", width=1, height=1)]
    )
    assert photo[0].text == texts.DOCS_IMAGE
    nothing = await chat.user.send("готово")
    assert nothing[0].text == texts.DOCS_NOTHING_YET
    assert (await chat.user.send("/cancel"))[0].text == texts.CANCELLED
    # after /cancel, text is a question again and the old Done button is stale
    answer = await chat.user.send("какви документи трябват за лиценз на цпо")
    assert "Правно основание" in answer[0].text
    assert await chat.user.press("docsdone") == []
    assert chat.session.callback_answers[-1].text == texts.DOCS_STALE


async def test_too_many_files(chat):
    await choose(chat.user, "Нова лицензия на ЦПО")
    small = text_pdf(["Формуляр за лицензиране на центъра"])
    for i in range(10):
        await chat.user.send_document(f"f{i}.pdf", small)
    replies = await chat.user.send_document("f10.pdf", small)
    assert replies[0].text == texts.problem("too_many_files", "f10.pdf", max_files=10)


async def test_other_users_are_answered_while_a_large_pdf_is_read(chat):
    # As the bot does after start-up (bot/runner.py): start-up objects out of the collector's
    # way, and the GIL handed over every 1 ms, or the reading thread starves the others.
    from bot.tuning import GIL_SWITCH_SECONDS

    gc.collect()
    gc.freeze()
    default_switch = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    try:
        await _answered_while_a_large_pdf_is_read(chat)
    finally:
        sys.setswitchinterval(default_switch)
        gc.unfreeze()


async def _answered_while_a_large_pdf_is_read(chat):
    await choose(chat.user, "Нова лицензия на ЦПО")
    big = text_pdf(["Учебна програма по професия, тема и часове. " * 40] * 250)
    reading = asyncio.create_task(chat.user.send_document("голям.pdf", big))
    await asyncio.sleep(0.05)  # the file is being read now
    other = chat.other_user(700_007)
    answered = [
        m
        for m in await other.send("какви документи трябват за лиценз на цпо")
        if m.chat_id == other.chat.id  # the session is shared: keep this user's replies
    ]
    assert "Правно основание" in answered[0].text
    assert not reading.done(), "the second user had to wait for the PDF"
    replies = await reading
    assert replies[-1].text == texts.DOCS_FILE_READ.format(name="голям.pdf")


async def test_a_file_telegram_will_not_hand_over_gets_a_clear_message(chat):
    from aiogram.types import Document

    await choose(chat.user, "Нова лицензия на ЦПО")
    huge = Document(
        file_id="huge", file_unique_id="huge", file_name="огромен.pdf", file_size=25 * 1024 * 1024
    )
    replies = await chat.user.send(document=huge)
    assert [r.text for r in replies] == [texts.problem("too_large", "огромен.pdf")]


async def test_a_file_too_complex_to_read_is_explained_and_the_rest_is_still_checked(
    chat, monkeypatch
):
    from knowledge import pdf_worker
    from tests.pdfs import text_bomb_pdf

    monkeypatch.setattr(pdf_worker, "FILE_SECONDS", 2.0)  # the real limit is 20 s
    await choose(chat.user, "Нова лицензия на ЦПО")
    bomb = await chat.user.send_document("сложен.pdf", text_bomb_pdf(), "application/pdf")
    assert [r.text for r in bomb] == [texts.problem("too_complex", "сложен.pdf")]
    read = await chat.user.send_document("пакет.pdf", text_pdf(FULL_CPO_PACKAGE))
    assert read[-1].text == texts.DOCS_FILE_READ.format(name="пакет.pdf")
    report = (await chat.user.press_button(read[-1], texts.BUTTON_DONE))[0].text
    assert "Изпълнени изисквания: 6 от 6" in report
