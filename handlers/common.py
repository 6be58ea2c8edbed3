"""/start, /help, /privacy, /cancel, the menu buttons, unknown commands and stale buttons."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers import keyboards, texts
from handlers.filters import AddressedToBot


async def start(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts.START, reply_markup=keyboards.main_menu())
    await message.answer(texts.PRIVACY)


async def help_(message: Message) -> None:
    await message.answer(texts.HELP, reply_markup=keyboards.main_menu())


async def privacy(message: Message) -> None:
    await message.answer(texts.PRIVACY)


async def ask_button(message: Message) -> None:
    await message.answer(texts.EMPTY_QUESTION)


async def cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(texts.NOTHING_TO_CANCEL, reply_markup=keyboards.main_menu())
        return
    await state.clear()
    await message.answer(texts.CANCELLED, reply_markup=keyboards.main_menu())


async def unknown_command(message: Message) -> None:
    await message.answer(texts.UNKNOWN_COMMAND)


async def stale_button(callback: CallbackQuery) -> None:
    """Any button press no other handler understood: forged, stale or from an old version."""
    await callback.answer(texts.STALE_BUTTON, show_alert=True)


def create_router() -> Router:
    router = Router(name="common")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(privacy, Command("privacy"))
    router.message.register(cancel, Command("cancel"))
    router.message.register(help_, F.text == texts.BUTTON_HELP)
    router.message.register(privacy, F.text == texts.BUTTON_PRIVACY)
    router.message.register(ask_button, F.text == texts.BUTTON_ASK)
    return router


def create_fallback_router() -> Router:
    """Registered after every feature router except free-text FAQ."""
    router = Router(name="fallback")
    router.message.register(unknown_command, F.text.startswith("/"), AddressedToBot())
    router.callback_query.register(stale_button)
    return router
