"""Content the bot does not understand gets one polite sentence (in private chats)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from handlers import texts
from handlers.filters import PrivateChat

UNSUPPORTED = (
    F.sticker
    | F.photo
    | F.voice
    | F.audio
    | F.video
    | F.video_note
    | F.animation
    | F.document
    | F.location
    | F.venue
    | F.contact
    | F.poll
    | F.dice
    | F.story
    | F.game
)


async def unsupported(message: Message) -> None:
    await message.answer(texts.UNSUPPORTED_CONTENT)


def create_router() -> Router:
    router = Router(name="unsupported")
    router.message.register(unsupported, PrivateChat(), UNSUPPORTED)
    router.edited_message.register(unsupported, PrivateChat(), UNSUPPORTED)
    return router
