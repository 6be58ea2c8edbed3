"""Handing a conversation to a person: the user's side (the button, the menu) and the staff side
(a reply to the posted case reaches the user; a button closes the case)."""

from __future__ import annotations

import datetime as dt
import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import BaseFilter, StateFilter, or_f
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers import keyboards, texts
from handlers.filters import PrivateChat, Roles
from knowledge.consultations import AGENCY_TZ, Channel, Consultation
from knowledge.faq_consultation import MAX_QUESTION_CHARS
from knowledge.matcher import FaqMatcher
from knowledge.office_hours import OfficeHours
from knowledge.privacy import mask_personal_numbers
from storage.repositories import ConsultationRepository
from storage.workspace import AuditLog, HandoverRepository, StaffRepository

log = logging.getLogger(__name__)

# The turns a person taking over reads: the user's latest questions within this window.
TRANSCRIPT_WINDOW = dt.timedelta(hours=2)
TRANSCRIPT_TURNS = 5


class HandoverQuestion(StatesGroup):
    writing = State()


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(AGENCY_TZ).strftime("%d.%m %H:%M")


def _transcript(
    turns: list[Consultation], new_question: str | None, now: dt.datetime, faq_matcher: FaqMatcher
) -> str:
    lines = []
    for turn in turns:
        template = texts.TRANSCRIPT_OUTCOMES.get(turn.outcome, turn.outcome)
        # Staff read the entry's title, not its internal id.
        entry = faq_matcher.get(turn.topic) if turn.topic else None
        topic = entry.question if entry is not None else turn.topic or ""
        lines.append(
            texts.STAFF_TRANSCRIPT_TURN.format(
                when=_local(turn.created_at),
                question=escape(turn.question or ""),
                outcome=escape(template.format(topic=topic)),
            )
        )
    if new_question:
        lines.append(
            texts.STAFF_TRANSCRIPT_NEW.format(when=_local(now), question=escape(new_question))
        )
    return "\n".join(lines)


async def _staff_destinations(
    staff_chat_id: int | None, roles: Roles, staff: StaffRepository
) -> list[int]:
    if staff_chat_id is not None:
        return [staff_chat_id]
    members = {user_id for user_id, _ in await staff.members()}
    return sorted(roles.admin_ids | roles.fixed_staff_ids | members)


async def _open_case(
    message: Message,
    *,
    user_key: str,
    new_question: str | None,
    faq_matcher: FaqMatcher,
    consultations: ConsultationRepository,
    handovers: HandoverRepository,
    staff: StaffRepository,
    roles: Roles,
    staff_chat_id: int | None,
    office_hours: OfficeHours,
    channel: Channel,
    bot: Bot,
) -> None:
    """Post the user's question with their latest turns to staff and tell the user when to
    expect an answer."""
    if await handovers.open_case_of(user_key) is not None:
        await message.answer(texts.HANDOVER_ALREADY)
        return
    now = dt.datetime.now(dt.UTC)
    turns = await consultations.recent_turns(user_key, now - TRANSCRIPT_WINDOW, TRANSCRIPT_TURNS)
    transcript = _transcript(turns, new_question, now, faq_matcher)
    latest = new_question or (turns[-1].question if turns else "") or ""
    closest = [
        texts.STAFF_HANDOVER_TOPIC.format(title=c.entry.question)
        for c in (faq_matcher.rank(latest, limit=3) or [])
    ]
    case = await handovers.open_case(user_key, message.chat.id, transcript, channel.value)
    note = texts.STAFF_HANDOVER.format(
        case_id=case.id,
        received=_local(now),
        transcript=transcript,
        closest=escape(
            texts.STAFF_HANDOVER_TOPICS_SEPARATOR.join(closest) or texts.STAFF_HANDOVER_NO_TOPIC
        ),
    )
    delivered = 0
    for chat_id in await _staff_destinations(staff_chat_id, roles, staff):
        try:
            posted = await bot.send_message(
                chat_id, note, reply_markup=keyboards.close_case(case.id)
            )
        except TelegramAPIError as exc:  # a staff member never opened the bot, blocked it, ...
            log.warning("case %s not delivered to a staff chat: %s", case.id, type(exc).__name__)
            continue
        await handovers.posted(case.id, posted.chat.id, posted.message_id)
        delivered += 1
    if not delivered:
        await handovers.close(case.id)
        await message.answer(texts.HANDOVER_NO_STAFF)
        return
    for turn in turns:
        # The person answers these now: they count once, as the hand-over consultation.
        await consultations.mark_handed_over(turn.id, user_key)
    log.info("handover case=%s posted=%d", case.id, delivered)
    if office_hours.is_open(now):
        await message.answer(texts.HANDOVER_SENT, reply_markup=keyboards.main_menu())
    else:
        await message.answer(
            texts.handover_sent_later(office_hours.next_opening(now)),
            reply_markup=keyboards.main_menu(),
        )


async def hand_over_button(
    callback: CallbackQuery, callback_data: keyboards.HandOver, **services
) -> None:
    consultations: ConsultationRepository = services["consultations"]
    record = await consultations.get_own(callback_data.consultation_id, services["user_key"])
    if record is None or not isinstance(callback.message, Message):
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await callback.answer()
    await _open_case(callback.message, new_question=None, **_case_services(services))


async def talk_to_person(message: Message, state: FSMContext) -> None:
    await state.set_state(HandoverQuestion.writing)
    await message.answer(texts.HANDOVER_ASK_QUESTION)


async def person_question(message: Message, state: FSMContext, **services) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(texts.HANDOVER_QUESTION_TEXT_ONLY)
        return
    if len(text) > MAX_QUESTION_CHARS * 3:
        await message.answer(texts.QUESTION_TOO_LONG)
        return
    await state.clear()
    await _open_case(message, new_question=mask_personal_numbers(text), **_case_services(services))


async def person_question_not_text(message: Message) -> None:
    await message.answer(texts.HANDOVER_QUESTION_TEXT_ONLY)


_CASE_SERVICES = (
    "user_key",
    "faq_matcher",
    "consultations",
    "handovers",
    "staff",
    "roles",
    "staff_chat_id",
    "office_hours",
    "channel",
    "bot",
)


def _case_services(services: dict) -> dict:
    return {name: services[name] for name in _CASE_SERVICES}


# -- staff side ---------------------------------------------------------------------------------


async def staff_reply(
    message: Message,
    bot: Bot,
    handovers: HandoverRepository,
    staff: StaffRepository,
    roles: Roles,
    audit: AuditLog,
) -> None:
    """A reply to a posted case: deliver it to the user (the filter found the case)."""
    assert message.reply_to_message is not None and message.from_user is not None
    case = await handovers.by_staff_message(message.chat.id, message.reply_to_message.message_id)
    assert case is not None
    if not await roles.is_staff(message.from_user.id, staff):
        await message.reply(texts.STAFF_REPLY_NOT_STAFF)
        return
    if case.status == "closed" or case.user_chat_id is None:
        await message.reply(texts.STAFF_REPLY_CASE_CLOSED.format(case_id=case.id))
        return
    text = (message.text or message.caption or "").strip()
    if not text:
        await message.reply(texts.STAFF_REPLY_TEXT_ONLY)
        return
    try:
        await bot.send_message(case.user_chat_id, texts.USER_STAFF_REPLY.format(text=escape(text)))
    except TelegramForbiddenError:
        await handovers.close(case.id)
        await audit.append(message.from_user.id, "handover_undeliverable", f"case:{case.id}")
        await message.reply(texts.STAFF_REPLY_NOT_DELIVERED.format(case_id=case.id))
        return
    await handovers.mark_answered(case.id)
    await audit.append(
        message.from_user.id, "handover_reply", f"case:{case.id}", {"characters": len(text)}
    )
    await message.reply(texts.STAFF_REPLY_DELIVERED.format(case_id=case.id))


async def close_case(
    callback: CallbackQuery,
    callback_data: keyboards.CloseCase,
    bot: Bot,
    handovers: HandoverRepository,
    staff: StaffRepository,
    roles: Roles,
    audit: AuditLog,
) -> None:
    if not await roles.is_staff(callback.from_user.id, staff):
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    case = await handovers.close(callback_data.case_id)
    if case is None:
        await callback.answer(texts.STAFF_REPLY_CASE_CLOSED.format(case_id=callback_data.case_id))
        return
    await audit.append(callback.from_user.id, "handover_closed", f"case:{case.id}")
    await callback.answer(texts.STAFF_CASE_CLOSED.format(case_id=case.id))
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
    if case.user_chat_id is not None:
        try:
            await bot.send_message(
                case.user_chat_id,
                texts.USER_CASE_CLOSED + "\n\n" + texts.SURVEY_ASK,
                reply_markup=keyboards.survey(case.consultation_id),
            )
        except TelegramAPIError as exc:
            log.warning("case %s: closing note not delivered: %s", case.id, type(exc).__name__)


class ReplyToCase(BaseFilter):
    """A message replying to a case posted for staff (looked up only for replies)."""

    async def __call__(self, message: Message, handovers: HandoverRepository) -> bool:
        replied = message.reply_to_message
        if replied is None:
            return False
        return await handovers.by_staff_message(message.chat.id, replied.message_id) is not None


def create_router() -> Router:
    router = Router(name="handover")
    # Free-text questions skip this router whole.
    router.message.filter(
        or_f(
            F.reply_to_message,
            F.text == texts.BUTTON_TALK_TO_PERSON,
            StateFilter(HandoverQuestion),
        )
    )
    router.callback_query.register(hand_over_button, keyboards.HandOver.filter())
    router.callback_query.register(close_case, keyboards.CloseCase.filter())
    router.message.register(staff_reply, F.reply_to_message, ReplyToCase())
    router.message.register(talk_to_person, PrivateChat(), F.text == texts.BUTTON_TALK_TO_PERSON)
    writing = StateFilter(HandoverQuestion.writing)
    router.message.register(
        person_question, writing, PrivateChat(), F.text, ~F.text.startswith("/")
    )
    router.message.register(person_question_not_text, writing, PrivateChat(), ~F.text)
    return router
