"""The feedback survey (plan activity 6.4): a 1-5 rating and an optional comment."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers import keyboards, texts
from handlers.filters import PrivateChat
from knowledge.consultations import MAX_COMMENT_CHARS, RATINGS
from knowledge.privacy import mask_personal_numbers
from storage.repositories import ConsultationRepository


class SurveyComment(StatesGroup):
    writing = State()


async def rate(
    callback: CallbackQuery,
    callback_data: keyboards.Survey,
    consultations: ConsultationRepository,
    user_key: str,
    state: FSMContext,
) -> None:
    if callback_data.rating == 0:
        await callback.answer(texts.SURVEY_SKIPPED)
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(reply_markup=None)
        return
    if callback_data.rating not in RATINGS or not await consultations.set_rating(
        callback_data.consultation_id, user_key, callback_data.rating
    ):
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    await callback.message.edit_reply_markup(reply_markup=None)
    await state.set_state(SurveyComment.writing)
    await state.update_data(survey_consultation=callback_data.consultation_id)
    await callback.message.answer(
        texts.SURVEY_ASK_COMMENT.format(rating=callback_data.rating),
        reply_markup=keyboards.skip_comment(callback_data.consultation_id),
    )


async def skip_comment(callback: CallbackQuery, state: FSMContext) -> None:
    if await state.get_state() == SurveyComment.writing.state:
        await state.clear()
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
        await callback.message.answer(texts.SURVEY_THANKS)


async def comment(
    message: Message,
    state: FSMContext,
    consultations: ConsultationRepository,
    user_key: str,
) -> None:
    data = await state.get_data()
    await state.clear()
    text = mask_personal_numbers((message.text or "").strip())[:MAX_COMMENT_CHARS]
    consultation_id = data.get("survey_consultation")
    if text and isinstance(consultation_id, int):
        await consultations.set_comment(consultation_id, user_key, text)
    await message.answer(texts.SURVEY_THANKS)


async def comment_not_text(message: Message) -> None:
    await message.answer(texts.SURVEY_COMMENT_TEXT_ONLY)


def create_router() -> Router:
    router = Router(name="survey")
    router.message.filter(StateFilter(SurveyComment))
    router.callback_query.register(rate, keyboards.Survey.filter())
    router.callback_query.register(skip_comment, keyboards.SkipComment.filter())
    writing = StateFilter(SurveyComment.writing)
    router.message.register(comment, writing, PrivateChat(), F.text, ~F.text.startswith("/"))
    router.message.register(comment_not_text, writing, PrivateChat(), ~F.text)
    return router
