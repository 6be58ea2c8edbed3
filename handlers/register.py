"""/verify (a qualification document) and /centre (a centre's licence)."""

from __future__ import annotations

import logging
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter, or_f
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers import texts
from handlers.filters import PrivateChat
from knowledge.consultations import Channel, ConsultationDraft, Kind, Outcome, repeat_key
from knowledge.limits import GLOBAL_LIMITS, USER_LIMITS
from knowledge.register import (
    Centre,
    InvalidInput,
    Verification,
    VerificationStatus,
    hash_for_log,
    holder_identifier,
    person_name_key,
    rank_centres,
    registration_digits,
    verify,
)
from storage.ratelimit import RateLimiter
from storage.register import CentreNameIndex, RegisterRepository
from storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)


class VerifyDocument(StatesGroup):
    number = State()
    how = State()
    holder = State()


class CentreLookup(StatesGroup):
    query = State()


class VerifyBy(CallbackData, prefix="vby"):
    by: str  # "id" or "name"


def _how_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.BUTTON_BY_ID, callback_data=VerifyBy(by="id").pack()
                ),
                InlineKeyboardButton(
                    text=texts.BUTTON_BY_NAME, callback_data=VerifyBy(by="name").pack()
                ),
            ]
        ]
    )


async def start_verify(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(VerifyDocument.number)
    await message.answer(texts.VERIFY_ASK_NUMBER)


async def number(message: Message, state: FSMContext) -> None:
    digits = registration_digits(message.text or "")
    if not digits or len(digits) > 20:
        await message.answer(texts.VERIFY_NUMBER_HINT)
        return
    await state.update_data(number=(message.text or "").strip()[:64])
    await state.set_state(VerifyDocument.how)
    await message.answer(texts.VERIFY_ASK_HOW, reply_markup=_how_keyboard())


async def how_hint(message: Message) -> None:
    await message.answer(texts.VERIFY_CHOOSE_HINT, reply_markup=_how_keyboard())


async def choose_how(callback: CallbackQuery, callback_data: VerifyBy, state: FSMContext) -> None:
    if await state.get_state() != VerifyDocument.how.state or callback_data.by not in {
        "id",
        "name",
    }:
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await callback.answer()
    await state.update_data(by=callback_data.by)
    await state.set_state(VerifyDocument.holder)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            texts.VERIFY_ASK_ID if callback_data.by == "id" else texts.VERIFY_ASK_NAME
        )


async def holder(
    message: Message,
    state: FSMContext,
    register: RegisterRepository,
    consultations: ConsultationRepository,
    rate_limiter: RateLimiter,
    register_secret: str,
    user_key: str,
    channel: Channel,
) -> None:
    data = await state.get_data()
    by_id = data.get("by") == "id"
    value = message.text or ""
    if by_id:
        await _delete_quietly(message)  # the ЕГН does not stay in the chat history
    if (holder_identifier(value) if by_id else person_name_key(value)) is None:
        # A typing mistake costs nothing from the user's verification budget.
        await message.answer(texts.VERIFY_BAD_ID if by_id else texts.VERIFY_BAD_NAME)
        return
    wait = await rate_limiter.hit(f"user:{user_key}", USER_LIMITS)
    if wait is None:
        wait = await rate_limiter.hit("global", GLOBAL_LIMITS)
    if wait is not None:
        result = Verification(VerificationStatus.RATE_LIMITED, retry_after_seconds=wait)
    else:
        result = await verify(
            register,
            register_secret,
            data.get("number", ""),
            holder_id=value if by_id else None,
            holder_name=None if by_id else value,
        )
    if (
        result.status is VerificationStatus.INVALID_INPUT
        and result.invalid is not InvalidInput.NUMBER
    ):
        await message.answer(texts.VERIFY_BAD_ID if by_id else texts.VERIFY_BAD_NAME)
        return  # stay in this step: the user types it again
    number_hash = hash_for_log(register_secret, registration_digits(data.get("number", "")))
    log.info(
        "verification number=%s holder=%s by=%s status=%s",
        number_hash,
        hash_for_log(register_secret, value),
        "id" if by_id else "name",
        result.status.value,
    )
    await consultations.record(
        ConsultationDraft(
            channel=channel,
            user_key=user_key,
            kind=Kind.CERTIFICATE,
            outcome=Outcome(result.status.value),
            topic=None,
            question=None,  # never the number, the name or the ЕГН
            score=None,
            repeat_key=repeat_key(
                Kind.CERTIFICATE,
                [
                    hash_for_log(
                        register_secret, registration_digits(data.get("number", "")) + value
                    )
                ],
                None,
            ),
        )
    )
    await state.clear()
    await message.answer(render_verification(result, by_id))


async def _delete_quietly(message: Message) -> None:
    try:
        await message.delete()
    except TelegramAPIError:
        log.debug("could not delete a message with an identifier")


def render_verification(result: Verification, by_id: bool) -> str:
    if result.status is VerificationStatus.RATE_LIMITED:
        minutes = max(1, -(-(result.retry_after_seconds or 60) // 60))
        return texts.VERIFY_RATE_LIMITED.format(minutes=minutes)
    if result.status is VerificationStatus.INVALID_INPUT:
        return texts.VERIFY_BAD_NUMBER
    snapshot = result.snapshot.strftime("%d.%m.%Y") if result.snapshot else texts.VERIFY_NO_SNAPSHOT
    footer = texts.VERIFY_FOOTER.format(
        what=texts.VERIFY_WHAT_ID if by_id else texts.VERIFY_WHAT_NAME, snapshot=snapshot
    )
    document = result.document
    if result.status is VerificationStatus.NOT_MATCHED or document is None:
        return texts.VERIFY_NOT_MATCHED + footer
    from knowledge.register import DOCUMENT_TYPES, DocumentStatus

    document_type = DOCUMENT_TYPES.get(document.document_type, document.document_type)
    if result.status is VerificationStatus.ANNULLED:
        return (
            texts.VERIFY_ANNULLED.format(
                document_type=escape(f"{document_type} ({document.document_type})"),
                registration_number=escape(document.registration_number),
                centre_name=escape(document.centre_name),
            )
            + footer
        )
    text = texts.VERIFY_CONFIRMED.format(
        matched=texts.VERIFY_MATCHED_ID if by_id else texts.VERIFY_MATCHED_NAME,
        document_type=escape(f"{document_type} ({document.document_type})"),
        registration_number=escape(document.registration_number),
        series=escape(document.series or "—"),
        factory_number=escape(document.factory_number or "—"),
        issue_date=document.issue_date.strftime("%d.%m.%Y") if document.issue_date else "—",
        centre_name=escape(document.centre_name),
        centre_licence=escape(document.centre_licence),
        profession_code=escape(document.profession_code),
        profession=escape(document.profession),
        speciality_code=escape(document.speciality_code),
        speciality=escape(document.speciality),
        level=escape(document.qualification_level or "—"),
    )
    if document.status is DocumentStatus.DUPLICATE_ISSUED:
        text += texts.VERIFY_DUPLICATE_NOTE
    return text + footer


async def start_centre(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(CentreLookup.query)
    await message.answer(texts.CENTRE_ASK)


async def centre_query(
    message: Message,
    state: FSMContext,
    register: RegisterRepository,
    centre_index: CentreNameIndex,
    consultations: ConsultationRepository,
    user_key: str,
    channel: Channel,
) -> None:
    query = (message.text or "").strip()
    centres = await find_centres(register, query, centre_index)
    if centres is None:
        await message.answer(texts.CENTRE_HINT)
        return
    await consultations.record(
        ConsultationDraft(
            channel=channel,
            user_key=user_key,
            kind=Kind.CENTRE,
            outcome=Outcome.FOUND if centres else Outcome.NOT_FOUND,
            topic=centres[0].licence_number if len(centres) == 1 else None,
            question=query[:200],  # public information; no personal data
            score=None,
            repeat_key=repeat_key(Kind.CENTRE, [query.lower()], None),
        )
    )
    await state.clear()
    if not centres:
        await message.answer(texts.CENTRE_NONE)
        return
    snapshot = await register.snapshot_date("centres")
    await message.answer(render_centres(centres, snapshot))


async def find_centres(
    register: RegisterRepository, query: str, index: CentreNameIndex
) -> list[Centre] | None:
    """By licence number when the query is a number, else by name words; None: nothing to search."""
    digits = registration_digits(query)
    if digits and len(digits) >= 6 and len(digits) >= len(query.replace(" ", "")) - 2:
        centre = await register.centre_by_licence(digits)
        return [centre] if centre else []
    if len(query) < 3:
        return None
    licences = rank_centres(query, await index.names(register))
    return await register.centres_by_licences(licences)


def render_centres(centres: list[Centre], snapshot) -> str:
    parts = []
    for centre in centres:
        parts.append(
            texts.CENTRE_RESULT.format(
                name=escape(centre.name),
                kind=escape(centre.kind),
                licence=escape(centre.licence_number),
                status=escape(centre.status),
                status_date=f" от {centre.status_date.strftime('%d.%m.%Y')}"
                if centre.status_date
                else "",
                town=escape(centre.town or "—"),
                professions=escape(", ".join(centre.professions) or "—"),
            )
        )
    footer = texts.CENTRE_FOOTER.format(
        snapshot=snapshot.strftime("%d.%m.%Y") if snapshot else texts.VERIFY_NO_SNAPSHOT
    )
    return "\n\n".join(parts) + footer


def create_router() -> Router:
    router = Router(name="register")
    router.message.filter(PrivateChat())
    # One cheap check before this router's many: free-text questions skip it whole.
    router.message.filter(
        or_f(
            F.text.startswith("/"),
            F.text.in_({texts.BUTTON_VERIFY, texts.BUTTON_CENTRE}),
            StateFilter(VerifyDocument, CentreLookup),
        )
    )
    router.message.register(start_verify, Command("verify"))
    router.message.register(start_verify, F.text == texts.BUTTON_VERIFY)
    router.message.register(start_centre, Command("centre"))
    router.message.register(start_centre, F.text == texts.BUTTON_CENTRE)
    router.callback_query.register(choose_how, VerifyBy.filter())
    not_command = ~F.text.startswith("/")
    router.message.register(number, StateFilter(VerifyDocument.number), F.text, not_command)
    router.message.register(how_hint, StateFilter(VerifyDocument.how), F.text, not_command)
    router.message.register(holder, StateFilter(VerifyDocument.holder), F.text, not_command)
    router.message.register(centre_query, StateFilter(CentreLookup.query), F.text, not_command)
    return router
