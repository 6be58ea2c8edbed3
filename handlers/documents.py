"""/documents: choose a procedure, send a typed list and/or PDFs, get a completeness report."""

from __future__ import annotations

import logging
import time

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.filters import Command, StateFilter, or_f
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from handlers import keyboards, texts
from handlers.filters import PrivateChat
from handlers.formatting import reply_long
from knowledge.checklists import (
    Checklist,
    DocumentMatcher,
    Findings,
    PaymentMode,
    Problem,
    ProblemKind,
    build_report,
    compare_with_previous,
)
from knowledge.consultations import Channel, ConsultationDraft, Kind, Outcome, repeat_key
from knowledge.document_check import check_pdf_async
from knowledge.pdf_text import MAX_FILE_BYTES, MAX_FILES, MAX_PAGES, TIME_BUDGET_SECONDS
from storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)

MAX_PROFESSIONS = 200
# Typing the button's word does what the button does.
DONE_WORDS = {"готово", "gotovo", "край", "done"}


class DocumentCheck(StatesGroup):
    choosing_procedure = State()
    asking_professions = State()
    collecting = State()


class PickProcedure(CallbackData, prefix="proc"):
    procedure: str


class Done(CallbackData, prefix="docsdone"):
    pass


class Paid(CallbackData, prefix="docspaid"):
    how: str  # a PaymentMode value


def _collect_keyboard(checklist: Checklist) -> InlineKeyboardMarkup:
    """Done, and for a checklist whose fee proof depends on it, how the fee was paid."""
    rows = []
    if checklist.asks_how_fee_was_paid:
        rows.append(
            [
                InlineKeyboardButton(
                    text=texts.BUTTON_PAID_ELECTRONICALLY,
                    callback_data=Paid(how=PaymentMode.ELECTRONIC.value).pack(),
                ),
                InlineKeyboardButton(
                    text=texts.BUTTON_PAID_BY_BANK,
                    callback_data=Paid(how=PaymentMode.BANK.value).pack(),
                ),
            ]
        )
    rows.append([InlineKeyboardButton(text=texts.BUTTON_DONE, callback_data=Done().pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _procedures_keyboard(checklists: dict[str, Checklist]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=c.title, callback_data=PickProcedure(procedure=p).pack())]
            for p, c in checklists.items()
        ]
    )


def _done_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=texts.BUTTON_DONE, callback_data=Done().pack())]
        ]
    )


async def start(message: Message, state: FSMContext, checklists: dict[str, Checklist]) -> None:
    await state.clear()
    await state.set_state(DocumentCheck.choosing_procedure)
    await message.answer(texts.DOCS_CHOOSE, reply_markup=_procedures_keyboard(checklists))


async def pick_procedure(
    callback: CallbackQuery,
    callback_data: PickProcedure,
    state: FSMContext,
    checklists: dict[str, Checklist],
) -> None:
    checklist = checklists.get(callback_data.procedure)
    if checklist is None or not isinstance(callback.message, Message):
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await callback.answer()
    await state.set_data({"procedure": checklist.procedure, "findings": Findings().to_dict()})
    if checklist.needs_profession_count:
        await state.set_state(DocumentCheck.asking_professions)
        await callback.message.answer(texts.DOCS_ASK_PROFESSIONS)
        return
    await _start_collecting(callback.message, state, checklist)


async def _start_collecting(message: Message, state: FSMContext, checklist: Checklist) -> None:
    await state.set_state(DocumentCheck.collecting)
    text = texts.docs_collect(checklist.title, MAX_FILES, MAX_PAGES)
    if checklist.asks_how_fee_was_paid:
        text += texts.DOCS_COLLECT_PAYMENT
    await message.answer(text, reply_markup=_collect_keyboard(checklist))


async def choose_hint(message: Message) -> None:
    await message.answer(texts.DOCS_CHOOSE_HINT)


async def professions(
    message: Message, state: FSMContext, checklists: dict[str, Checklist]
) -> None:
    text = (message.text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_PROFESSIONS:
        await message.answer(texts.DOCS_PROFESSIONS_HINT)
        return
    data = await state.get_data()
    await state.update_data(professions=int(text))
    await _start_collecting(message, state, checklists[data["procedure"]])


async def typed_list(
    message: Message,
    state: FSMContext,
    document_matchers: dict[str, DocumentMatcher],
    checklists: dict[str, Checklist],
    consultations: ConsultationRepository,
    user_key: str,
    channel: Channel,
) -> None:
    data = await state.get_data()
    if (message.text or "").strip().strip("!.").lower() in DONE_WORDS:
        await _finish(message, state, checklists, consultations, user_key, channel)
        return
    findings = Findings.from_dict(data["findings"])
    part = document_matchers[data["procedure"]].typed_lines(message.text or "")
    findings.extend(part)
    await state.update_data(findings=findings.to_dict())
    await message.answer(
        texts.list_noted(part.typed_lines, part.payment), reply_markup=_done_keyboard()
    )


async def paid(callback: CallbackQuery, callback_data: Paid, state: FSMContext) -> None:
    """One of the two payment buttons: the report then asks for the proof, or does not."""
    if (
        await state.get_state() != DocumentCheck.collecting.state
        or callback_data.how not in {m.value for m in PaymentMode}
        or not isinstance(callback.message, Message)
    ):
        await callback.answer(texts.DOCS_STALE, show_alert=True)
        return
    await callback.answer()
    how = PaymentMode(callback_data.how)
    findings = Findings.from_dict((await state.get_data())["findings"])
    findings.payment = how
    await state.update_data(findings=findings.to_dict())
    await callback.message.answer(texts.list_noted(0, how), reply_markup=_done_keyboard())


async def pdf_file(
    message: Message,
    state: FSMContext,
    bot: Bot,
    document_matchers: dict[str, DocumentMatcher],
) -> None:
    document = message.document
    assert document is not None
    name = document.file_name or "document.pdf"
    data = await state.get_data()
    findings = Findings.from_dict(data["findings"])
    if len(findings.files) >= MAX_FILES:
        await message.answer(texts.problem("too_many_files", name, max_files=MAX_FILES))
        return
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        findings.extend(Findings(files=[name], problems=[Problem(name, ProblemKind.TOO_LARGE)]))
        await state.update_data(findings=findings.to_dict())
        await message.answer(texts.problem("too_large", name))
        return
    try:
        downloaded = await bot.download(document.file_id)
    except TelegramBadRequest as exc:  # "file is too big" when Telegram did not tell the size
        log.warning("document check: download refused: %s", type(exc).__name__)
        await message.answer(texts.problem("too_large", name))
        return
    except TelegramNetworkError:
        await message.answer(texts.DOCS_DOWNLOAD_FAILED.format(name=texts.escape(name)))
        return
    content = downloaded.read() if downloaded is not None else b""
    used = float(data.get("reading_seconds", 0.0))
    budget_left = max(1.0, TIME_BUDGET_SECONDS - used)
    started = time.monotonic()
    # Read in a child process with its own time and memory limits; others are answered meanwhile.
    part = await check_pdf_async(
        document_matchers[data["procedure"]], name, content, started + budget_left
    )
    findings = Findings.from_dict((await state.get_data())["findings"])
    findings.extend(part)
    await state.update_data(
        findings=findings.to_dict(), reading_seconds=used + time.monotonic() - started
    )
    log.info(
        "document check: file read, %d hits, problems %s",
        len(part.hits),
        [p.kind.value for p in part.problems],
    )
    for problem in part.problems:
        await message.answer(
            texts.problem(
                problem.kind.value, name, problem.pages, max_pages=MAX_PAGES, max_files=MAX_FILES
            )
        )
    if not any(p.kind not in {ProblemKind.NO_TEXT, ProblemKind.GARBLED} for p in part.problems):
        await message.answer(
            texts.DOCS_FILE_READ.format(name=texts.escape(name)), reply_markup=_done_keyboard()
        )


async def image(message: Message) -> None:
    await message.answer(texts.DOCS_IMAGE)


async def other_content(message: Message) -> None:
    await message.answer(texts.DOCS_OTHER_CONTENT)


async def done(
    callback: CallbackQuery,
    state: FSMContext,
    checklists: dict[str, Checklist],
    consultations: ConsultationRepository,
    user_key: str,
    channel: Channel,
) -> None:
    if await state.get_state() != DocumentCheck.collecting.state or not isinstance(
        callback.message, Message
    ):
        await callback.answer(texts.DOCS_STALE, show_alert=True)
        return
    await callback.answer()
    await _finish(callback.message, state, checklists, consultations, user_key, channel)


async def _finish(
    message: Message,
    state: FSMContext,
    checklists: dict[str, Checklist],
    consultations: ConsultationRepository,
    user_key: str,
    channel: Channel,
) -> None:
    data = await state.get_data()
    findings = Findings.from_dict(data["findings"])
    if not findings.files and not findings.typed_lines:
        await message.answer(texts.DOCS_NOTHING_YET, reply_markup=_done_keyboard())
        return
    checklist = checklists[data["procedure"]]
    report = build_report(checklist, findings, data.get("professions"))
    previous = await consultations.latest_check(user_key, checklist.procedure)
    change = (
        compare_with_previous(report, previous.details)
        if previous is not None and previous.details
        else None
    )
    record = await consultations.record(
        ConsultationDraft(
            channel=channel,
            user_key=user_key,
            kind=Kind.CHECKLIST,
            outcome=Outcome.ANSWERED,
            topic=checklist.procedure,
            question=None,
            score=None,
            repeat_key=repeat_key(Kind.CHECKLIST, [], checklist.procedure),
            found=report.found,
            required=report.required,
            complete=report.complete,
            details=report.status_by_item(),
        )
    )
    await state.clear()
    await reply_long(message, texts.document_report(report, change))
    await message.answer(texts.SURVEY_ASK, reply_markup=keyboards.survey(record.id))


def create_router() -> Router:
    router = Router(name="documents")
    router.message.filter(PrivateChat())
    # One cheap check before this router's many: free-text questions skip it whole.
    router.message.filter(
        or_f(F.text.startswith("/"), F.text == texts.BUTTON_DOCUMENTS, StateFilter(DocumentCheck))
    )
    router.message.register(start, Command("documents"))
    router.message.register(start, F.text == texts.BUTTON_DOCUMENTS)
    router.callback_query.register(pick_procedure, PickProcedure.filter())
    router.callback_query.register(done, Done.filter())
    router.callback_query.register(paid, Paid.filter())
    router.message.register(choose_hint, StateFilter(DocumentCheck.choosing_procedure))
    router.message.register(professions, StateFilter(DocumentCheck.asking_professions))
    collecting = StateFilter(DocumentCheck.collecting)
    router.message.register(typed_list, collecting, F.text, ~F.text.startswith("/"))
    router.message.register(pdf_file, collecting, F.document)
    router.message.register(image, collecting, F.photo)
    router.message.register(other_content, collecting, ~F.text)
    return router
