"""Who a message is for. In groups the bot speaks only when addressed."""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.filters import BaseFilter
from aiogram.types import Message


class AddressedToBot(BaseFilter):
    """Private chats always; groups only on a @mention of the bot or a reply to the bot.

    Passes the text without the mention as `question`.
    """

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, str]:
        text = message.text or ""
        if message.chat.type == ChatType.PRIVATE:
            return {"question": text}
        me = await bot.me()
        mention = f"@{me.username}".lower() if me.username else None
        if mention and mention in text.lower():
            start = text.lower().index(mention)
            return {"question": (text[:start] + text[start + len(mention) :]).strip()}
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
            return {"question": text}
        return False


class PrivateChat(BaseFilter):
    async def __call__(self, message: Message) -> bool:
        return message.chat.type == ChatType.PRIVATE
