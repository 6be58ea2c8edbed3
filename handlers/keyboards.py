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


class Survey(CallbackData, prefix="svy"):
    consultation_id: int
    rating: int  # 1-5; 0 skips the survey


class SkipComment(CallbackData, prefix="svyc"):
    consultation_id: int


class CloseCase(CallbackData, prefix="case"):
    case_id: int


class CloseQuarter(CallbackData, prefix="closeq"):
    year: int
    quarter: int
    confirm: bool


class ReviewGroup(CallbackData, prefix="rv"):
    action: str  # phrasing / new / dismiss
    representative: int  # consultation id of the group's representative question


class ReviewPick(CallbackData, prefix="rvp"):
    representative: int
    candidate: int  # index into the candidates shown


class NewEntryStep(CallbackData, prefix="ne"):
    action: str  # use_words / publish / cancel


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=texts.BUTTON_ASK), KeyboardButton(text=texts.BUTTON_DOCUMENTS)],
            [KeyboardButton(text=texts.BUTTON_VERIFY), KeyboardButton(text=texts.BUTTON_CENTRE)],
            [KeyboardButton(text=texts.BUTTON_TALK_TO_PERSON)],
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


def clarify(
    options: tuple[Candidate, ...], labels: tuple[str, ...], consultation_id: int
) -> InlineKeyboardMarkup:
    """One button per kind of centre; pressing it answers with that centre's entry."""
    return _column(
        [
            (
                texts.CLARIFY_OPTION.get(label, label),
                PickEntry(entry_id=option.entry.id, consultation_id=consultation_id),
            )
            for option, label in zip(options, labels, strict=True)
        ]
        + [(texts.SUGGEST_NONE_FITS, NoneFits(consultation_id=consultation_id))]
    )


def handover(consultation_id: int) -> InlineKeyboardMarkup:
    return _column([(texts.BUTTON_HANDOVER, HandOver(consultation_id=consultation_id))])


def survey(consultation_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=str(rating),
                    callback_data=Survey(consultation_id=consultation_id, rating=rating).pack(),
                )
                for rating in (1, 2, 3, 4, 5)
            ],
            [
                InlineKeyboardButton(
                    text=texts.BUTTON_SURVEY_SKIP,
                    callback_data=Survey(consultation_id=consultation_id, rating=0).pack(),
                )
            ],
        ]
    )


def skip_comment(consultation_id: int) -> InlineKeyboardMarkup:
    return _column([(texts.BUTTON_SURVEY_SKIP, SkipComment(consultation_id=consultation_id))])


def close_case(case_id: int) -> InlineKeyboardMarkup:
    return _column([(texts.BUTTON_CLOSE_CASE, CloseCase(case_id=case_id))])


def confirm_close_quarter(year: int, quarter: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.BUTTON_CONFIRM,
                    callback_data=CloseQuarter(year=year, quarter=quarter, confirm=True).pack(),
                ),
                InlineKeyboardButton(
                    text=texts.BUTTON_CANCEL,
                    callback_data=CloseQuarter(year=year, quarter=quarter, confirm=False).pack(),
                ),
            ]
        ]
    )


def review_group(representative: int) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text,
            callback_data=ReviewGroup(action=action, representative=representative).pack(),
        )

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(texts.BUTTON_ADD_PHRASING, "phrasing"), button(texts.BUTTON_NEW_ENTRY, "new")],
            [button(texts.BUTTON_DISMISS, "dismiss")],
        ]
    )


def review_candidates(representative: int, questions: list[str]) -> InlineKeyboardMarkup:
    return _column(
        [
            (question[:120], ReviewPick(representative=representative, candidate=index))
            for index, question in enumerate(questions)
        ]
        + [(texts.BUTTON_NEW_ENTRY, ReviewGroup(action="new", representative=representative))]
    )


def new_entry_use_words(question: str) -> InlineKeyboardMarkup:
    label = texts.BUTTON_USE_USER_WORDS.format(question=question[:60])
    return _column([(label, NewEntryStep(action="use_words"))])


def new_entry_confirm() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.BUTTON_PUBLISH, callback_data=NewEntryStep(action="publish").pack()
                ),
                InlineKeyboardButton(
                    text=texts.BUTTON_CANCEL, callback_data=NewEntryStep(action="cancel").pack()
                ),
            ]
        ]
    )
