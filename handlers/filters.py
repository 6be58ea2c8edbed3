"""Who a message is for. In groups the bot speaks only when addressed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.filters import BaseFilter
from aiogram.types import Message, TelegramObject

if TYPE_CHECKING:
    from storage.workspace import StaffRepository


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


@dataclass(frozen=True)
class Roles:
    """Administrators come from ADMIN_IDS; staff are administrators, STAFF_IDS, and whoever an
    administrator added in the bot (stored in the database)."""

    admin_ids: frozenset[int] = frozenset()
    fixed_staff_ids: frozenset[int] = frozenset()

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids

    async def is_staff(self, user_id: int, staff: StaffRepository) -> bool:
        if user_id in self.admin_ids or user_id in self.fixed_staff_ids:
            return True
        return await staff.is_staff(user_id)


class StaffOnly(BaseFilter):
    """Staff commands: anyone else falls through to the ordinary "unknown command" answer, so
    nothing reveals that they exist. Only in private chats, where nobody reads over a shoulder."""

    async def __call__(self, event: TelegramObject, roles: Roles, staff: StaffRepository) -> bool:
        user = getattr(event, "from_user", None)
        if user is None:
            return False
        chat = event.chat if isinstance(event, Message) else None
        if chat is not None and chat.type != ChatType.PRIVATE:
            return False
        return await roles.is_staff(user.id, staff)


class AdminOnly(BaseFilter):
    async def __call__(self, event: TelegramObject, roles: Roles) -> bool:
        user = getattr(event, "from_user", None)
        chat = event.chat if isinstance(event, Message) else None
        if chat is not None and chat.type != ChatType.PRIVATE:
            return False
        return user is not None and roles.is_admin(user.id)
