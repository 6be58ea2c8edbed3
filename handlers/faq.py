"""Free-text questions: match, record the consultation, reply. Registered last."""

from __future__ import annotations

import datetime as dt
import logging

from aiogram import F, Router
from aiogram.types import Message

from handlers import keyboards, texts
from handlers.filters import AddressedToBot
from handlers.formatting import reply_long
from knowledge.consultations import Channel, ConsultationDraft, Kind, Outcome
from knowledge.faq_consultation import QuestionTooLong, consult_faq, is_empty
from knowledge.matcher import Answer, Clarify, FaqMatcher, Suggest
from storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)


async def ask(
    message: Message,
    question: str,
    faq_matcher: FaqMatcher,
    consultations: ConsultationRepository,
    user_key: str,
    channel: Channel,
) -> None:
    try:
        consultation = consult_faq(faq_matcher, question)
    except QuestionTooLong:
        await message.answer(texts.QUESTION_TOO_LONG)
        return
    if is_empty(consultation.result):
        await message.answer(texts.EMPTY_QUESTION)
        return
    record = await consultations.record(
        ConsultationDraft(
            channel=channel,
            user_key=user_key,
            kind=Kind.FAQ,
            outcome=consultation.outcome,
            topic=consultation.topic,
            question=consultation.stored_question,
            score=consultation.score,
            repeat_key=consultation.repeat_key,
        )
    )
    log.info(
        "faq message=%s outcome=%s topic=%s score=%.3f repeated=%s",
        message.message_id,
        consultation.outcome,
        consultation.topic,
        consultation.score,
        record.repeated,
    )
    result = consultation.result
    if isinstance(result, Answer):
        await reply_long(message, texts.answer(result.entry), keyboards.rating(record.id))
    elif isinstance(result, Clarify):
        await message.answer(
            texts.CLARIFY, reply_markup=keyboards.clarify(result.options, result.labels, record.id)
        )
    elif isinstance(result, Suggest):
        await message.answer(
            texts.SUGGEST, reply_markup=keyboards.suggestions(result.candidates, record.id)
        )
    elif await _unknown_twice(consultations, user_key, record.id):
        await message.answer(texts.UNKNOWN_AGAIN, reply_markup=keyboards.handover(record.id))
    else:
        await message.answer(texts.UNKNOWN, reply_markup=keyboards.handover(record.id))


async def _unknown_twice(
    consultations: ConsultationRepository, user_key: str, current_id: int
) -> bool:
    """Was the user's previous question (within the last hour) unknown too?"""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    turns = await consultations.recent_turns(user_key, since, limit=2)
    earlier = [t for t in turns if t.id != current_id]
    return bool(earlier) and earlier[-1].outcome == Outcome.UNKNOWN


def create_router() -> Router:
    router = Router(name="faq")
    router.message.register(ask, F.text, AddressedToBot())
    router.edited_message.register(ask, F.text, AddressedToBot())
    return router
