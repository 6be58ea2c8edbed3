"""Buttons. Callback data carries ids only (64-byte limit), never Cyrillic text."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import texts
from knowledge.matcher import Candidate


class PickEntry(CallbackData, prefix="pick"):
    entry_id: str
    consultation_id: int


class Rate(CallbackData, prefix="rate"):
    consultation_id: int
    up: bool


class RateReason(CallbackData, prefix="why"):
    consultation_id: int
    reason: str


class HandOver(CallbackData, prefix="handover"):
    consultation_id: int


class NoneFits(CallbackData, prefix="nofit"):
    consultation_id: int


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=texts.BUTTON_ASK)],
            [KeyboardButton(text=texts.BUTTON_HELP), KeyboardButton(text=texts.BUTTON_PRIVACY)],
        ],
        resize_keyboard=True,
        input_field_placeholder="Напишете въпроса си…",
    )


def rating(consultation_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.BUTTON_UP, callback_data=Rate(consultation_id=consultation_id, up=True))
    builder.button(
        text=texts.BUTTON_DOWN, callback_data=Rate(consultation_id=consultation_id, up=False)
    )
    return builder.as_markup()


def reasons(consultation_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for reason, label in (
        ("wrong", texts.REASON_WRONG),
        ("incomplete", texts.REASON_INCOMPLETE),
        ("off_topic", texts.REASON_OFF_TOPIC),
    ):
        builder.button(
            text=label, callback_data=RateReason(consultation_id=consultation_id, reason=reason)
        )
    builder.button(text=texts.BUTTON_HANDOVER, callback_data=HandOver(consultation_id=consultation_id))
    builder.adjust(1)
    return builder.as_markup()


def suggestions(candidates: tuple[Candidate, ...], consultation_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for candidate in candidates:
        builder.button(
            text=candidate.entry.question[:120],
            callback_data=PickEntry(entry_id=candidate.entry.id, consultation_id=consultation_id),
        )
    builder.button(
        text=texts.SUGGEST_NONE_FITS, callback_data=NoneFits(consultation_id=consultation_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def handover(consultation_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.BUTTON_HANDOVER, callback_data=HandOver(consultation_id=consultation_id))
    return builder.as_markup()
