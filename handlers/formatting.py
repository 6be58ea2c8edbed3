"""Sending long replies within Telegram's 4096-character limit."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup

from knowledge.telegram_html import TELEGRAM_MESSAGE_LIMIT


def split_message(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """Split at line breaks (paragraphs first) so no part exceeds `limit`."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one enormous line: cut at a space if there is one
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p.strip("\n") for p in parts if p.strip()]


async def reply_long(
    message: Message,
    text: str,
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
) -> None:
    """Send `text` in as many messages as needed; buttons go under the last one."""
    parts = split_message(text)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await message.answer(part, reply_markup=reply_markup if last else None)
