"""A centre checks its document package in the chat, through the real Dispatcher."""

from __future__ import annotations

import asyncio
import gc
import sys

from sqlalchemy import select

from handlers import texts
from storage.models import ConsultationRow
from tests.pdfs import FULL_CPO_PACKAGE, docx_bytes, encrypted_pdf, scanned_pdf, text_pdf


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
        "пакет.pdf", text_pdf(FULL_CPO_PACKAGE[:6]), "application/pdf"
    )
    assert read[-1].text == texts.DOCS_FILE_READ.format(name="пакет.pdf")
    report = (await chat.user.press_button(read[-1], texts.BUTTON_DONE))[0].text
    assert "Изпълнени изисквания: 6 от 8" in report
    assert "✅ Правилник за устройството и дейността на ЦПО" in report
    assert "„пакет.pdf“, стр. 2" in report
    assert (
        "❌ Документ за платена такса" in report and "Основание: чл. 60, ал. 2, т. 1 ЗПОО" in report
    )
    assert "съдимост" in report  # what the agency checks itself
    [row] = await checks(session_factory)
    assert (row.topic, row.found, row.required, row.complete) == ("cpo-licence", 6, 8, False)
    assert row.details["fee"] == "missing"


async def test_typed_list_in_several_messages_then_the_word_done(chat, session_factory):
    await choose(chat.user, "Нова лицензия на ЦИПО")
    noted = await chat.user.send("Формуляр\nПравилник за дейността\nдоговор за наем")
    assert noted[0].text == texts.DOCS_LIST_NOTED.format(lines=3)
    await chat.user.send("становище РЗИ\nпротивопожарно удостоверение\nсписък на консултантите")
    await chat.user.send("платежно нареждане\nинформационни материали")
    report = (await chat.user.send("готово"))[0].text
    assert "Изпълнени изисквания: 8 от 8" in report and "декларирани" in report
    [row] = await checks(session_factory)
    assert row.complete is True


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
    await chat.user.send("формуляр\nправилник")
    await chat.user.send("готово")
    await choose(chat.user, "Нова лицензия на ЦПО")
    await chat.user.send("формуляр\nправилник\nучебни планове\nплатежно нареждане")
    report = (await chat.user.send("готово"))[0].text
    assert "Спрямо предишната Ви проверка" in report
    assert (
        "сега намерени: Учебни планове и учебни програми за всяка професия и специалност; Документ за платена такса"
        in report
    )
    assert "все още липсват:" in report and "Документ за пожарна безопасност" in report


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
    assert "❓" in report and "Изпълнени изисквания: 0 от 8" in report


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
