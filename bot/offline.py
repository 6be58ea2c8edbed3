"""Telegram without the network: a recording Bot session and a user who talks to the Dispatcher.

The console chat and the tests both use these, so both go through the real Dispatcher, routers,
filters, middlewares and database exactly as a Telegram update does.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    Document,
    File,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
    User,
)

BOT_USER = User(
    id=7_000_000_001, is_bot=True, first_name="НАПОО помощник", username="napoo_help_bot"
)
FAKE_TOKEN = "7000000001:OFFLINE-session-token-not-a-real-one-xx"


@dataclass
class SentMessage:
    chat_id: int
    text: str
    message_id: int
    reply_markup: Any = None
    file_name: str | None = None
    file_bytes: bytes | None = None  # what was uploaded with a document or a photo

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """(label, callback_data) of every inline button, top to bottom."""
        if not isinstance(self.reply_markup, InlineKeyboardMarkup):
            return []
        return [(b.text, b.callback_data) for row in self.reply_markup.inline_keyboard for b in row]


@dataclass
class RecordingSession(BaseSession):
    """Answers every Bot API method with a plausible result and remembers what was sent."""

    on_message: Callable[[SentMessage], None] | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    blocked_chats: set[int] = field(default_factory=set)
    chats: dict[int, Chat] = field(default_factory=dict)
    requests: list[TelegramMethod[Any]] = field(default_factory=list)
    sent: list[SentMessage] = field(default_factory=list)
    callback_answers: list[AnswerCallbackQuery] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1_000)

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.requests.append(method)
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, SendMessage | SendDocument | SendPhoto):
            chat_id = int(method.chat_id)
            if chat_id in self.blocked_chats:
                raise TelegramForbiddenError(
                    method=method, message="Forbidden: bot was blocked by the user"
                )
            text = method.text if isinstance(method, SendMessage) else (method.caption or "")
            sent = SentMessage(chat_id, text, next(self._ids), method.reply_markup)
            upload = getattr(method, "document", None) or getattr(method, "photo", None)
            if isinstance(upload, InputFile):
                sent.file_name = upload.filename
                sent.file_bytes = b"".join([chunk async for chunk in upload.read(bot)])
            self.sent.append(sent)
            if self.on_message is not None:
                self.on_message(sent)
            return Message(
                message_id=sent.message_id,
                date=dt.datetime.now(dt.UTC),
                chat=self.chats.get(chat_id, Chat(id=chat_id, type="private")),
                from_user=BOT_USER,
                text=text if isinstance(method, SendMessage) else None,
                reply_markup=method.reply_markup
                if isinstance(method.reply_markup, InlineKeyboardMarkup)
                else None,
            )
        if isinstance(method, AnswerCallbackQuery):
            self.callback_answers.append(method)
            return True
        if isinstance(method, GetFile):
            content = self.files.get(method.file_id, b"")
            return File(
                file_id=method.file_id,
                file_unique_id=method.file_id,
                file_size=len(content),
                file_path=method.file_id,
            )
        if isinstance(method, EditMessageText | EditMessageReplyMarkup):
            return True
        return True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        content = self.files[url.rsplit("/", 1)[-1]]
        for start in range(0, len(content), chunk_size):
            yield content[start : start + chunk_size]


def offline_bot(session: RecordingSession) -> Bot:
    return Bot(
        token=FAKE_TOKEN,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


class OfflineUser:
    """A person writing to the bot: every action is a Telegram update fed to the Dispatcher."""

    _update_ids = itertools.count(1)
    _message_ids = itertools.count(1)

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        session: RecordingSession,
        user_id: int = 100_001,
        first_name: str = "Иван",
        chat: Chat | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.session = session
        self.user = User(id=user_id, is_bot=False, first_name=first_name, language_code="bg")
        self.chat = chat or Chat(id=user_id, type="private", first_name=first_name)
        session.chats[self.chat.id] = self.chat

    # -- what the user does ---------------------------------------------------------------------

    async def send(self, text: str | None = None, **content: Any) -> list[SentMessage]:
        """Send a message (text, or other content such as sticker=..., document=...)."""
        message = self._message(text=text, **content)
        return await self._feed(Update(update_id=next(self._update_ids), message=message))

    async def edit(self, message_id: int, text: str) -> list[SentMessage]:
        message = self._message(
            text=text, message_id=message_id, edit_date=int(self._now().timestamp())
        )
        return await self._feed(Update(update_id=next(self._update_ids), edited_message=message))

    async def press(self, data: str, on_message: SentMessage | None = None) -> list[SentMessage]:
        """Press an inline button with this callback data (forged data allowed)."""
        source = None
        if on_message is not None:
            source = Message(
                message_id=on_message.message_id,
                date=self._now(),
                chat=self.chat,
                from_user=BOT_USER,
                text=on_message.text,
            )
        query = CallbackQuery(
            id=str(next(self._update_ids)),
            from_user=self.user,
            chat_instance=str(self.chat.id),
            data=data,
            message=source
            or Message(
                message_id=1, date=self._now(), chat=self.chat, from_user=BOT_USER, text="…"
            ),
        )
        return await self._feed(Update(update_id=next(self._update_ids), callback_query=query))

    async def press_button(self, reply: SentMessage, label_part: str) -> list[SentMessage]:
        """Press the button of `reply` whose label contains `label_part`."""
        for label, data in reply.buttons:
            if label_part in label and data is not None:
                return await self.press(data, reply)
        raise AssertionError(f"no button with {label_part!r} in {[b[0] for b in reply.buttons]}")

    async def reply(self, to: SentMessage, text: str) -> list[SentMessage]:
        """Reply (Telegram's Reply) to a message the bot sent in this chat."""
        replied = Message(
            message_id=to.message_id,
            date=self._now(),
            chat=self.chat,
            from_user=BOT_USER,
            text=to.text,
        )
        return await self.send(text, reply_to_message=replied)

    async def send_document(
        self, file_name: str, content: bytes, mime_type: str | None = None
    ) -> list[SentMessage]:
        file_id = f"doc{next(self._update_ids)}"
        self.session.files[file_id] = content
        document = Document(
            file_id=file_id,
            file_unique_id=file_id,
            file_name=file_name,
            mime_type=mime_type,
            file_size=len(content),
        )
        return await self.send(document=document)

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    def _now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def _message(
        self, text: str | None = None, message_id: int | None = None, **content: Any
    ) -> Message:
        return Message(
            message_id=message_id or next(self._message_ids),
            date=self._now(),
            chat=self.chat,
            from_user=self.user,
            text=text,
            **content,
        )

    async def _feed(self, update: Update) -> list[SentMessage]:
        before = len(self.session.sent)
        await self.dispatcher.feed_update(self.bot, update)
        return self.session.sent[before:]
