"""Whatever a user sends, the bot answers clearly, never crashes and never half-writes."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest
from aiogram.types import Chat as TgChat
from sqlalchemy import inspect, select

from handlers import texts
from knowledge.telegram_html import html_problems
from storage.db import create_engine, create_session_factory
from storage.models import ConsultationRow
from tests.conftest import Chat
from tests.flows.test_faq_flow import rows


@pytest.mark.parametrize("text", ["   ", "😀😀😀", "🎉", "?!...", "\u200b", "здравейте"])
async def test_empty_emoji_or_greeting_asks_for_a_question(chat, session_factory, text):
    replies = await chat.user.send(text)
    assert [r.text for r in replies] == [texts.EMPTY_QUESTION]
    assert await rows(session_factory) == []


async def test_4096_characters_get_a_request_to_shorten(chat, session_factory):
    replies = await chat.user.send(("лиценз такса документи " * 200)[:4096])
    assert [r.text for r in replies] == [texts.QUESTION_TOO_LONG]
    assert await rows(session_factory) == []


async def test_control_characters_are_ignored(chat, session_factory):
    replies = await chat.user.send("какви\x00 документи\x07 трябват\u202e за лиценз на цпо\x1b")
    assert replies and not html_problems(replies[0].text)
    [row] = await rows(session_factory)
    assert row.topic == "cpo-documents"


@pytest.mark.parametrize(
    "text",
    [
        "<b>какво е</b> <script>alert(1)</script> ЦПО & ЦИПО",
        "'; DROP TABLE consultations; --",
        "1 OR 1=1; SELECT * FROM consultations",
        "<a href='javascript:x'>такса</a>",
    ],
)
async def test_html_and_sql_looking_text_is_data(chat, engine, session_factory, text):
    replies = await chat.user.send(text)
    assert replies, "every text gets an answer"
    for reply in replies:
        assert not html_problems(reply.text), reply.text
        assert "<script>" not in reply.text
    [row] = await rows(session_factory)
    assert row.question == text  # stored verbatim as data, not executed

    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert "consultations" in tables


async def test_egn_in_a_question_is_masked_before_storing_and_not_logged(
    chat, session_factory, caplog
):
    caplog.set_level(logging.DEBUG)
    await chat.user.send("моето ЕГН е 8001011234, как да проверя свидетелството си")
    [row] = await rows(session_factory)
    assert "8001011234" not in (row.question or "")
    assert "[скрит номер]" in row.question
    assert "8001011234" not in caplog.text


async def test_edited_message_is_answered_as_the_corrected_question(
    chat, knowledge, session_factory
):
    first = await chat.user.send("рецепта за баница")
    assert [r.text for r in first] == [texts.UNKNOWN]
    replies = await chat.user.edit(message_id=77, text="какви документи трябват за лиценз на цпо")
    assert replies[0].text == texts.answer(knowledge.matcher.get("cpo-documents"))
    assert [r.outcome for r in await rows(session_factory)] == ["unknown", "answered"]


async def test_group_chat_answers_only_when_addressed(knowledge, session_factory):
    chat = Chat(knowledge, session_factory)
    group = TgChat(id=-100123, type="supergroup", title="ЦПО директори")
    member = chat.other_user(400_004, chat=group)

    assert await member.send("какви документи трябват за лиценз на цпо") == []
    from aiogram.types import Sticker

    sticker = Sticker(
        file_id="s",
        file_unique_id="s",
        type="regular",
        width=1,
        height=1,
        is_animated=False,
        is_video=False,
    )
    assert await member.send(sticker=sticker) == []
    assert await member.send("/weather@other_bot") == []

    replies = await member.send("@napoo_help_bot какви документи трябват за лиценз на цпо")
    assert replies and "Правно основание" in replies[0].text
    assert [r.text for r in await member.send("/help@napoo_help_bot")] == [texts.HELP]
    [row] = await rows(session_factory)
    assert row.topic == "cpo-documents"


async def test_read_only_database_gets_an_apology_and_nothing_written(
    knowledge, engine, sqlite_url, tmp_path, caplog
):
    database = sqlite_url.split("///", 1)[1]
    read_only = create_engine(f"sqlite+aiosqlite:///file:{database}?mode=ro&uri=true")
    chat = Chat(knowledge, create_session_factory(read_only))
    caplog.set_level(logging.ERROR)
    replies = await chat.user.send("какви документи трябват за лиценз на цпо")
    assert [r.text for r in replies] == [texts.INTERNAL_ERROR]
    assert "failed" in caplog.text  # the traceback went to the log
    await read_only.dispose()
    async with create_session_factory(engine)() as session:
        assert list(await session.scalars(select(ConsultationRow))) == []


async def test_locked_database_gets_an_apology_and_the_next_try_works(
    knowledge, session_factory, sqlite_url
):
    database = sqlite_url.split("///", 1)[1]
    chat = Chat(knowledge, session_factory)
    locker = sqlite3.connect(database, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        replies = await chat.user.send("какви документи трябват за лиценз на цпо")
        assert [r.text for r in replies] == [texts.INTERNAL_ERROR]
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert await rows(session_factory) == []
    replies = await chat.user.send("какви документи трябват за лиценз на цпо")
    assert replies[0].buttons
    assert len(await rows(session_factory)) == 1


async def test_many_users_at_once(chat, session_factory):
    users = [chat.other_user(500_000 + i) for i in range(20)]
    await asyncio.gather(*(u.send("колко е таксата за издаване на лиценз") for u in users))
    assert len(await rows(session_factory)) == 20


async def test_gibberish_gets_an_honest_unknown(chat, session_factory):
    replies = await chat.user.send("asdkjh qwpeoiru zxmcnv")
    assert replies[0].text in (texts.UNKNOWN, texts.EMPTY_QUESTION)


async def test_a_message_mixing_two_topics_answers_one_or_asks(chat, knowledge):
    replies = await chat.user.send(
        "Колко е таксата за издаване на лиценз и къде се вписват свидетелствата от курса?"
    )
    reply = replies[0]
    fees = knowledge.matcher.get("fee-licence-issue")
    register = knowledge.matcher.get("doc-registar-vpisvane")
    answered = reply.text in (texts.answer(fees), texts.answer(register))
    asked = reply.text in (texts.SUGGEST, texts.CLARIFY) and reply.buttons
    assert answered or asked, reply.text[:200]
