"""/verify and /centre through the real Dispatcher, with a register imported from CSV."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.app import build_dispatcher
from bot.offline import OfflineUser, RecordingSession, offline_bot
from handlers import texts
from knowledge.consultations import Channel
from storage.models import ConsultationRow
from storage.ratelimit import Limit, MemoryRateLimiter
from storage.register import import_register
from tests.conftest import PSEUDONYM_SECRET
from tests.db.test_register_import import HEADER, ROWS, write

SECRET = "register-test-secret-0123456789"


@pytest.fixture
async def register_chat(knowledge, session_factory, tmp_path):
    await import_register(
        session_factory, "documents", write(tmp_path / "d.csv", [HEADER, *ROWS]), SECRET
    )
    centres = write(
        tmp_path / "c.csv",
        [
            "licence_number,name,kind,status,status_date,town,professions",
            '200312074,ЦПО „Знание“ ЕООД,ЦПО,активна,15.10.2003,София,"522020;811070"',
            "2020140002,ЦИПО „Кариера“,ЦИПО,временно отнета,2024-03-01,Пловдив,",
        ],
    )
    await import_register(session_factory, "centres", centres, SECRET)
    session = RecordingSession()
    bot = offline_bot(session)
    dispatcher = build_dispatcher(
        knowledge=knowledge,
        session_factory=session_factory,
        pseudonym_secret=PSEUDONYM_SECRET,
        staff_ids=frozenset(),
        channel=Channel.TELEGRAM,
        register_secret=SECRET,
        rate_limiter=MemoryRateLimiter(),
    )
    return OfflineUser(dispatcher, bot, session), session


async def verify_flow(user, number, how, value):
    await user.send("/verify")
    asked = await user.send(number)
    chosen = await user.press_button(
        asked[0], texts.BUTTON_BY_ID if how == "id" else texts.BUTTON_BY_NAME
    )
    assert chosen[0].text == (texts.VERIFY_ASK_ID if how == "id" else texts.VERIFY_ASK_NAME)
    return await user.send(value)


async def test_confirmed_by_egn_deletes_the_message_and_shows_only_the_document(
    register_chat, session_factory, caplog
):
    user, session = register_chat
    caplog.set_level(logging.DEBUG)
    replies = await verify_flow(user, "000123-2021", "id", "8001011236")
    text = replies[0].text
    assert "Документът е в регистъра на НАПОО" in text and "Електромонтьор" in text
    assert "200312074" in text and "30.06.2021" in text
    assert "Иван" not in text and "8001011236" not in text  # nothing about the holder
    assert "Автентичността на самата хартиена бланка не се проверява" in text
    from aiogram.methods import DeleteMessage

    assert any(isinstance(m, DeleteMessage) for m in session.requests)
    assert "8001011236" not in caplog.text and "000123" not in caplog.text
    async with session_factory() as s:
        row = (
            await s.scalars(select(ConsultationRow).where(ConsultationRow.kind == "certificate"))
        ).one()
    assert row.outcome == "confirmed" and row.question is None and row.topic is None


async def test_name_check_in_latin_letters(register_chat):
    user, _ = register_chat
    replies = await verify_flow(user, "0001242021", "name", "Mariya Petrova Ivanova")
    assert "Готвач" in replies[0].text and "името, което посочихте" in replies[0].text


async def test_not_matched_answers_are_identical(register_chat):
    user, _ = register_chat
    unknown = await verify_flow(user, "999999", "name", "Иван Петров Иванов")
    wrong = await verify_flow(user, "000123-2021", "name", "Петър Петров Петров")
    assert unknown[0].text == wrong[0].text
    assert unknown[0].text.startswith(texts.VERIFY_NOT_MATCHED)


async def test_annulled(register_chat):
    user, _ = register_chat
    replies = await verify_flow(user, "000125-2022", "name", "Георги Иванов Георгиев")
    assert "анулиран" in replies[0].text


async def test_wrong_inputs_get_hints(register_chat):
    user, _ = register_chat
    await user.send("/verify")
    assert (await user.send("без цифри"))[0].text == texts.VERIFY_NUMBER_HINT
    asked = await user.send("000123-2021")
    assert (await user.send("нещо"))[0].text == texts.VERIFY_CHOOSE_HINT
    await user.press_button(asked[0], texts.BUTTON_BY_ID)
    assert (await user.send("1234567891"))[0].text == texts.VERIFY_BAD_ID
    assert (await user.send("/cancel"))[0].text == texts.CANCELLED
    assert await user.press("vby:id") == []
    assert user.session.callback_answers[-1].text == texts.STALE_BUTTON


async def test_rate_limit_tells_when_to_try_again(knowledge, session_factory, register_chat):
    user, _ = register_chat
    tight = MemoryRateLimiter()
    dispatcher = user.dispatcher
    dispatcher["rate_limiter"] = tight
    import storage.ratelimit as ratelimit

    original = ratelimit.USER_LIMITS
    try:
        import handlers.register as handler

        handler.USER_LIMITS = (Limit(2, 600),)
        for _ in range(2):
            assert "❌" in (await verify_flow(user, "999999", "name", "Иван Петров Иванов"))[0].text
        limited = await verify_flow(user, "000123-2021", "name", "Иван Петров Иванов")
        assert limited[0].text == texts.VERIFY_RATE_LIMITED.format(minutes=10)
    finally:
        handler.USER_LIMITS = original


async def test_centre_by_number_and_by_name(register_chat, session_factory):
    user, _ = register_chat
    await user.send("/centre")
    by_number = await user.send("200312074")
    assert "ЦПО „Знание“ ЕООД" in by_number[0].text and "активна" in by_number[0].text
    assert "522020, 811070" in by_number[0].text
    await user.send(texts.BUTTON_CENTRE)
    by_name = await user.send("kariera")
    assert (
        "ЦИПО „Кариера“" in by_name[0].text
        and "<b>временно отнета</b> от 01.03.2024" in by_name[0].text
    )
    await user.send("/centre")
    assert (await user.send("непознатоиме"))[0].text == texts.CENTRE_NONE
    async with session_factory() as s:
        outcomes = [
            r.outcome
            for r in (
                await s.scalars(select(ConsultationRow).where(ConsultationRow.kind == "centre"))
            ).all()
        ]
    assert outcomes == ["found", "found", "not_found"]
