"""Buttons under answers: pick a suggestion, rate, give a reason, hand over to a person."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from handlers import keyboards, texts
from handlers.formatting import reply_long
from knowledge.consultations import Feedback, FeedbackReason
from knowledge.matcher import FaqMatcher
from storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)


async def pick_entry(
    callback: CallbackQuery,
    callback_data: keyboards.PickEntry,
    faq_matcher: FaqMatcher,
    consultations: ConsultationRepository,
    user_key: str,
) -> None:
    entry = faq_matcher.get(callback_data.entry_id)
    if entry is None:
        await callback.answer(texts.ENTRY_GONE, show_alert=True)
        return
    record = await consultations.resolve_suggestion(
        callback_data.consultation_id, user_key, entry.id
    )
    if record is None or not isinstance(callback.message, Message):
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await callback.answer()
    await reply_long(callback.message, texts.answer(entry), keyboards.rating(record.id))


async def none_fits(
    callback: CallbackQuery,
    callback_data: keyboards.NoneFits,
    consultations: ConsultationRepository,
    user_key: str,
) -> None:
    record = await consultations.get_own(callback_data.consultation_id, user_key)
    if record is None or not isinstance(callback.message, Message):
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await callback.answer()
    await callback.message.answer(texts.UNKNOWN, reply_markup=keyboards.handover(record.id))


async def rate(
    callback: CallbackQuery,
    callback_data: keyboards.Rate,
    consultations: ConsultationRepository,
    user_key: str,
) -> None:
    vote = Feedback.UP if callback_data.up else Feedback.DOWN
    if not await consultations.set_feedback(callback_data.consultation_id, user_key, vote):
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    if not isinstance(callback.message, Message):
        await callback.answer(texts.FEEDBACK_THANKS)
        return
    if vote is Feedback.UP:
        await callback.answer(texts.FEEDBACK_THANKS)
        await callback.message.answer(
            texts.SURVEY_ASK, reply_markup=keyboards.survey(callback_data.consultation_id)
        )
        return
    await callback.answer()
    await callback.message.answer(
        texts.FEEDBACK_ASK_REASON, reply_markup=keyboards.reasons(callback_data.consultation_id)
    )


async def rate_reason(
    callback: CallbackQuery,
    callback_data: keyboards.RateReason,
    consultations: ConsultationRepository,
    user_key: str,
) -> None:
    try:
        reason = FeedbackReason(callback_data.reason)
    except ValueError:
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    updated = await consultations.set_feedback(
        callback_data.consultation_id, user_key, Feedback.DOWN, reason
    )
    if not updated:
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await callback.answer(texts.FEEDBACK_THANKS)
    if isinstance(callback.message, Message):
        await callback.message.answer(texts.FEEDBACK_REASON_THANKS)
        await callback.message.answer(
            texts.SURVEY_ASK, reply_markup=keyboards.survey(callback_data.consultation_id)
        )


def create_router() -> Router:
    router = Router(name="feedback")
    router.callback_query.register(pick_entry, keyboards.PickEntry.filter())
    router.callback_query.register(none_fits, keyboards.NoneFits.filter())
    router.callback_query.register(rate, keyboards.Rate.filter())
    router.callback_query.register(rate_reason, keyboards.RateReason.filter())
    return router
