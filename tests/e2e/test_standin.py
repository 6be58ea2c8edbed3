"""The Telegram Bot API stand-in, driven over real HTTP by a real aiogram Bot."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiogram.utils.token import extract_bot_id, validate_token
from aiohttp import web

from tests.telegram_standin import (
    BOT_ID,
    BOT_TOKEN,
    BOT_USERNAME,
    TOKEN_PATTERN,
    BotApiStandIn,
    UploadedFile,
)

USER_ID = 100_001

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Да", callback_data="survey:yes")],
        [
            InlineKeyboardButton(text="Не", callback_data="survey:no"),
            InlineKeyboardButton(text="Сайт", url="https://www.navet.government.bg/"),
        ],
    ]
)


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn() as server:
        yield server
    assert server.internal_errors == []


def make_bot(standin: BotApiStandIn, token: str = BOT_TOKEN, **kwargs) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(standin.base_url))
    return Bot(token=token, session=session, **kwargs)


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    bot = make_bot(standin)
    yield bot
    await bot.session.close()


def test_token_is_accepted_by_aiogram_and_the_settings_pattern():
    assert TOKEN_PATTERN.match(BOT_TOKEN)
    assert validate_token(BOT_TOKEN)
    assert extract_bot_id(BOT_TOKEN) == BOT_ID


async def test_get_me(standin, bot):
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (BOT_ID, True, BOT_USERNAME)
    assert standin.base_url.startswith("http://127.0.0.1:")
    assert standin.calls[0].method == "getMe"


async def test_send_message_round_trips_an_inline_keyboard(standin, bot):
    message = await bot.send_message(
        USER_ID,
        "<b>Здравейте</b>, изберете &lt;отговор&gt;:",
        reply_markup=KEYBOARD,
        parse_mode=ParseMode.HTML,
    )
    assert message.text == "Здравейте, изберете <отговор>:"
    assert message.chat.id == USER_ID and message.chat.type == "private"
    assert message.from_user is not None and message.from_user.id == BOT_ID
    assert message.reply_markup.model_dump() == KEYBOARD.model_dump()

    sent = standin.sent[0]
    assert (sent.chat_id, sent.method, sent.message_id) == (USER_ID, "sendMessage", 1)
    assert sent.text == "<b>Здравейте</b>, изберете &lt;отговор&gt;:"
    assert sent.plain_text == message.text
    assert (
        standin.buttons(sent)
        == sent.buttons
        == [
            ("Да", "survey:yes"),
            ("Не", "survey:no"),
            ("Сайт", None),
        ]
    )
    method, params = standin.calls[-1]
    assert method == "sendMessage" and params["chat_id"] == USER_ID
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "survey:yes"

    second = await bot.send_message(USER_ID, "още")
    assert second.message_id == message.message_id + 1 and second.reply_markup is None


async def test_send_message_is_checked_as_telegram_checks_it(standin, bot):
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(USER_ID, "a < b", parse_mode=ParseMode.HTML)
    with pytest.raises(TelegramBadRequest, match="Can't find end tag"):
        await bot.send_message(USER_ID, "<b>bold", parse_mode=ParseMode.HTML)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER_ID, "я" * 4097)
    too_long_data = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "x", reply_markup=too_long_data)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message("@nobody", "x")
    standin.block(USER_ID)
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(USER_ID, "x")
    assert standin.sent == []


async def test_send_document_records_its_bytes(standin, bot):
    content = b"%PDF-1.4\n" + bytes(range(256)) * 40
    message = await bot.send_document(
        USER_ID,
        BufferedInputFile(content, filename="справка.pdf"),
        caption="<i>Справка</i>",
        parse_mode=ParseMode.HTML,
    )
    assert message.document is not None
    assert message.document.file_name == "справка.pdf"
    assert message.document.file_size == len(content)
    assert message.caption == "Справка"

    sent = standin.sent[0]
    assert (sent.method, sent.file_name, sent.file_bytes) == (
        "sendDocument",
        "справка.pdf",
        content,
    )
    assert sent.text == "<i>Справка</i>"
    upload = standin.calls_of("sendDocument")[0]["document"]
    assert isinstance(upload, UploadedFile) and upload.content == content

    # The bot can send the same file again by its id, and download what it sent.
    again = await bot.send_document(USER_ID, message.document.file_id)
    assert standin.sent[1].file_bytes == content and again.message_id == message.message_id + 1
    assert (await bot.download(message.document.file_id)).read() == content

    photo = await bot.send_photo(USER_ID, BufferedInputFile(b"\x89PNG...", filename="chart.png"))
    assert photo.photo and standin.sent[2].method == "sendPhoto"
    assert standin.sent[2].file_bytes == b"\x89PNG..."


async def test_get_updates_long_polling(standin, bot):
    update = standin.user_message(USER_ID, "/start")
    standin.queue(update)
    started = time.monotonic()
    updates = await bot.get_updates(timeout=10)
    assert time.monotonic() - started < 1
    assert [u.update_id for u in updates] == [update["update_id"]]
    assert updates[0].message.text == "/start"
    assert updates[0].message.entities[0].type == "bot_command"

    # Not confirmed yet: the same update again; confirmed with the offset: gone.
    assert len(await bot.get_updates(timeout=0)) == 1
    started = time.monotonic()
    assert await bot.get_updates(offset=update["update_id"] + 1, timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3
    assert standin.pending_updates == []

    # A poll that is already waiting returns as soon as an update is queued.
    poll = asyncio.create_task(bot.get_updates(offset=update["update_id"] + 1, timeout=10))
    await standin.wait_for_call("getUpdates", after=len(standin.calls))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    later = standin.queue(standin.user_message(USER_ID, "здравей"))
    updates = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 1
    assert [u.update_id for u in updates] == [later]

    # limit
    for n in range(3):
        standin.queue(standin.user_message(USER_ID, f"съобщение {n}"))
    assert len(await bot.get_updates(offset=later + 1, limit=2)) == 2


async def test_a_second_poller_terminates_the_first(standin, bot):
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await standin.wait_for_call("getUpdates")
    await asyncio.sleep(0.1)
    second = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 5)
    assert await second == []


async def test_stop_ends_a_waiting_poll():
    standin = BotApiStandIn()
    await standin.start()
    bot = make_bot(standin)
    try:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await standin.wait_for_call("getUpdates")
        started = time.monotonic()
        await standin.stop()
        assert await asyncio.wait_for(poll, 5) == []
        assert time.monotonic() - started < 3
    finally:
        await bot.session.close()
        await standin.stop()


async def test_download_of_a_registered_file(standin, bot):
    content = "Заявление за лицензиране".encode() * 1000
    update = standin.user_document(USER_ID, "заявление.pdf", content)
    document = update["message"]["document"]
    assert document["file_size"] == len(content) and document["mime_type"] == "application/pdf"

    file = await bot.get_file(document["file_id"])
    assert file.file_size == len(content) and file.file_path
    assert (await bot.download(document["file_id"])).read() == content
    assert standin.downloads == [file.file_path]

    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("no-such-file")
    huge = standin.user_document(USER_ID, "huge.pdf", b"%PDF", file_size=30 * 1024 * 1024)
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.download(huge["message"]["document"]["file_id"])

    async with aiohttp.ClientSession() as client:
        url = f"{standin.base_url}/file/bot{BOT_TOKEN}/documents/missing.pdf"
        async with client.get(url) as response:
            assert response.status == 404
            assert (await response.json())["ok"] is False


async def test_unknown_method_is_not_found(standin, bot):
    with pytest.raises(TelegramNotFound, match="method not found"):
        await bot.get_chat_administrators(1)
    assert standin.calls[-1].method == "getChatAdministrators"


async def test_wrong_token_is_unauthorized(standin):
    bot = make_bot(standin, token="987654321:AAF-some-other-token-0123456789abcdef")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bot.get_me()
    finally:
        await bot.session.close()
    assert standin.calls == []


async def test_flood_mode(standin, bot):
    standin.flood(method="sendMessage", times=2, retry_after=1)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as raised:
            await bot.send_message(USER_ID, "x")
        assert raised.value.retry_after == 1
        assert "Too Many Requests: retry after 1" in str(raised.value)
    assert (await bot.send_message(USER_ID, "x")).text == "x"
    assert len(standin.sent) == 1 and len(standin.calls_of("sendMessage")) == 3


async def test_press_button_edit_and_delete(standin, bot):
    message = await bot.send_message(USER_ID, "Въпрос?", reply_markup=KEYBOARD)
    sent = standin.sent[0]
    update = standin.press(USER_ID, sent, "Да")
    query = Update.model_validate(update).callback_query
    assert query is not None and query.data == "survey:yes"
    assert query.message.message_id == message.message_id
    assert query.message.reply_markup.model_dump() == KEYBOARD.model_dump()
    assert query.from_user.language_code == "bg"

    assert await bot.answer_callback_query(query.id, text="Благодарим!")
    edited = await bot.edit_message_reply_markup(
        chat_id=USER_ID, message_id=message.message_id, reply_markup=None
    )
    assert isinstance(edited, Message) and edited.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=USER_ID, message_id=message.message_id)
    edited = await bot.edit_message_text(
        "Отговорено", chat_id=USER_ID, message_id=message.message_id
    )
    assert isinstance(edited, Message) and edited.text == "Отговорено"
    assert [e.method for e in standin.edits] == ["editMessageReplyMarkup", "editMessageText"]

    assert await bot.delete_message(USER_ID, message.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER_ID, message.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=message.message_id)

    assert standin.callback_answers[0]["text"] == "Благодарим!"
    assert standin.deleted == [(USER_ID, message.message_id)]


async def test_simple_methods(standin, bot):
    assert await bot.set_my_commands([BotCommand(command="start", description="Начало")])
    assert standin.commands[("default", "")] == [{"command": "start", "description": "Начало"}]
    assert await bot.send_chat_action(USER_ID, "typing")
    assert standin.chat_actions == [(USER_ID, "typing")]
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.set_webhook("https://bot.example/hook", secret_token="s3cret_token-1")
    assert (standin.webhook_url, standin.webhook_secret) == (
        "https://bot.example/hook",
        "s3cret_token-1",
    )
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook("https://bot.example/hook", secret_token="not allowed!")


async def test_malformed_requests_get_telegram_shaped_errors(standin):
    api = f"{standin.base_url}/bot{BOT_TOKEN}"
    async with aiohttp.ClientSession() as client:
        cases = [
            (
                "post",
                f"{api}/sendMessage",
                {"data": {"chat_id": "1", "text": "x", "reply_markup": "{oops"}},
                400,
            ),
            (
                "post",
                f"{api}/sendMessage",
                {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
                400,
            ),
            (
                "post",
                f"{api}/sendMessage",
                {
                    "data": b"--x\r\ngarbage",
                    "headers": {"Content-Type": "multipart/form-data; boundary=x"},
                },
                400,
            ),
            (
                "post",
                f"{api}/sendMessage",
                {"data": b"\x00\x01", "headers": {"Content-Type": "image/png"}},
                400,
            ),
            ("post", f"{api}/sendMessage", {"data": {"chat_id": "1"}}, 400),
            (
                "post",
                f"{api}/sendDocument",
                {"data": {"chat_id": "1", "document": "attach://missing"}},
                400,
            ),
            ("post", f"{api}/getUpdates", {"data": {"timeout": "soon"}}, 400),
            ("get", f"{standin.base_url}/", {}, 404),
            ("get", f"{standin.base_url}/bot{BOT_TOKEN}", {}, 404),
            ("post", f"{standin.base_url}/botWRONG/getMe", {}, 401),
        ]
        for verb, url, kwargs, status in cases:
            async with getattr(client, verb)(url, **kwargs) as response:
                body = await response.json()
                assert response.status == status, (url, kwargs, body)
                assert body["ok"] is False and body["error_code"] == status
                assert body["description"]
        # JSON bodies and GET query strings work as with Telegram.
        async with client.post(
            f"{api}/sendMessage", json={"chat_id": USER_ID, "text": "json"}
        ) as response:
            assert (await response.json())["result"]["text"] == "json"
        async with client.get(f"{api}/getMe") as response:
            assert (await response.json())["result"]["username"] == BOT_USERNAME


async def test_post_to_webhook(standin):
    received: list[tuple[dict, str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        if secret != "right-secret":
            return web.Response(status=401)
        received.append((await request.json(), request.content_type))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    bot = make_bot(standin)
    try:
        assert await bot.set_webhook(url, secret_token="right-secret")
        update = standin.user_message(USER_ID, "Здравейте")
        assert await standin.post_to_webhook(url, update, "right-secret") == 200
        assert await standin.post_to_webhook(url, update, "wrong") == 401
        assert await standin.post_to_webhook(url, update) == 401
        assert await standin.deliver(standin.press_button(USER_ID, "survey:yes", 1)) == 200
    finally:
        await bot.session.close()
        await runner.cleanup()
    assert received[0] == (update, "application/json")
    assert json.loads(json.dumps(received[1][0]))["callback_query"]["data"] == "survey:yes"


async def test_a_real_dispatcher_polls_and_answers(standin):
    """aiogram's own polling loop against the stand-in: updates in, answers and edits out."""
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"Ехо: {message.text}", reply_markup=KEYBOARD)

    @dispatcher.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        data = await bot.download(message.document.file_id)
        await message.answer(f"{message.document.file_name}: {len(data.read())} байта")

    @dispatcher.callback_query()
    async def pressed(callback: CallbackQuery) -> None:
        await callback.answer()
        await callback.message.edit_reply_markup(reply_markup=None)
        await callback.message.answer(f"Избрахте {callback.data}")

    bot = make_bot(standin)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=5)
    )
    try:
        await standin.wait_for_call("getUpdates")
        mark = standin.mark()
        standin.queue(standin.user_message(USER_ID, "Колко струва лиценз?"))
        standin.queue(standin.user_message(USER_ID + 1, "Здравейте", first_name="Мария"))
        reply = await standin.wait_for(lambda m: m.chat_id == USER_ID, after=mark, timeout=10)
        assert reply.text == "Ехо: Колко струва лиценз?"
        other = await standin.wait_for_count(1, after=mark, chat_id=USER_ID + 1, timeout=10)
        assert other[0].text == "Ехо: Здравейте"

        mark = standin.mark()
        standin.queue(standin.press_button(USER_ID, "survey:no", reply.message_id))
        chosen = await standin.wait_for(after=mark, timeout=10)
        assert chosen.text == "Избрахте survey:no"
        edit = await standin.wait_for_edit(timeout=10)
        assert edit.message_id == reply.message_id and edit.reply_markup is None

        mark = standin.mark()
        standin.queue(standin.user_document(USER_ID, "план.pdf", b"%PDF-1.7 " * 100))
        answer = await standin.wait_for(after=mark, timeout=10)
        assert answer.text == "план.pdf: 900 байта"
        assert len(standin.callback_answers) == 1
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 10)
        await bot.session.close()
    # Everything the bot received was confirmed by a later poll or is the last batch.
    assert len(standin.pending_updates) <= 1


async def test_wait_for_times_out_with_what_was_sent(standin, bot):
    await bot.send_message(USER_ID, "първо")
    with pytest.raises(TimeoutError, match="първо"):
        await standin.wait_for(lambda m: "второ" in m.text, timeout=0.3)
    task = asyncio.create_task(standin.wait_for_count(2, chat_id=USER_ID, timeout=5))
    await bot.send_message(USER_ID + 5, "друг чат")
    await bot.send_message(USER_ID, "второ")
    assert [m.text for m in await task] == ["първо", "второ"]
