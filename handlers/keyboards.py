"""Buttons. Callback data carries ids only (64-byte limit), never Cyrillic text."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

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
            [KeyboardButton(text=texts.BUTTON_ASK), KeyboardButton(text=texts.BUTTON_DOCUMENTS)],
            [KeyboardButton(text=texts.BUTTON_VERIFY), KeyboardButton(text=texts.BUTTON_CENTRE)],
            [KeyboardButton(text=texts.BUTTON_HELP), KeyboardButton(text=texts.BUTTON_PRIVACY)],
        ],
        resize_keyboard=True,
        input_field_placeholder="Напишете въпроса си…",
    )


def rating(consultation_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.BUTTON_UP,
                    callback_data=Rate(consultation_id=consultation_id, up=True).pack(),
                ),
                InlineKeyboardButton(
                    text=texts.BUTTON_DOWN,
                    callback_data=Rate(consultation_id=consultation_id, up=False).pack(),
                ),
            ]
        ]
    )


def _column(buttons: list[tuple[str, CallbackData]]) -> InlineKeyboardMarkup:
    """One button per row. Built directly: InlineKeyboardBuilder deep-copies (~2 ms a keyboard)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data.pack())] for text, data in buttons
        ]
    )


def reasons(consultation_id: int) -> InlineKeyboardMarkup:
    return _column(
        [
            (label, RateReason(consultation_id=consultation_id, reason=reason))
            for reason, label in (
                ("wrong", texts.REASON_WRONG),
                ("incomplete", texts.REASON_INCOMPLETE),
                ("off_topic", texts.REASON_OFF_TOPIC),
            )
        ]
        + [(texts.BUTTON_HANDOVER, HandOver(consultation_id=consultation_id))]
    )


def suggestions(candidates: tuple[Candidate, ...], consultation_id: int) -> InlineKeyboardMarkup:
    return _column(
        [
            (
                candidate.entry.question[:120],
                PickEntry(entry_id=candidate.entry.id, consultation_id=consultation_id),
            )
            for candidate in candidates
        ]
        + [(texts.SUGGEST_NONE_FITS, NoneFits(consultation_id=consultation_id))]
    )


def handover(consultation_id: int) -> InlineKeyboardMarkup:
    return _column([(texts.BUTTON_HANDOVER, HandOver(consultation_id=consultation_id))])
