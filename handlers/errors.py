"""The catch-all for what no handler expected: log with the update id, apologise, move on.

The per-update transaction has already rolled back when this runs.
"""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import ErrorEvent

from handlers import texts

log = logging.getLogger("bot.errors")


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    update = event.update
    log.error(
        "update %s failed: %s",
        update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    chat_id = None
    if update.message:
        chat_id = update.message.chat.id
    elif update.edited_message:
        chat_id = update.edited_message.chat.id
    elif update.callback_query:
        try:
            await update.callback_query.answer()
        except Exception:  # the apology below matters more than a spinner
            log.debug("could not answer the callback query of update %s", update.update_id)
        if update.callback_query.message:
            chat_id = update.callback_query.message.chat.id
    if chat_id is not None:
        try:
            await bot.send_message(chat_id, texts.INTERNAL_ERROR)
        except Exception:
            log.warning("could not apologise for update %s", update.update_id)
    return True


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
