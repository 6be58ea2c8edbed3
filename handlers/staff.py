"""The staff workspace: roles, the plan's indicators, exports, closing quarters, and reviewing
unanswered questions into the FAQ. Every handler here sits behind StaffOnly/AdminOnly: anyone
else falls through to the ordinary "unknown command" answer, so nothing reveals them."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import tempfile
import uuid
from collections.abc import Callable
from html import escape
from pathlib import Path

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter, or_f
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, FSInputFile, Message

from handlers import keyboards, texts
from handlers.filters import AdminOnly, Roles, StaffOnly
from handlers.formatting import reply_long
from handlers.texts_reports import REPORT_LABELS
from knowledge.checklists import Checklist
from knowledge.consultations import AGENCY_TZ, Review, quarter_bounds
from knowledge.faq import MAX_STAFF_TEXT, NEW_ENTRY, PHRASING, FaqEntry, staff_entry_id
from knowledge.faq_library import FaqLibrary
from knowledge.indicators import Catalogue
from knowledge.matcher import FaqMatcher
from knowledge.report_xlsx import TooManyRows, topic_titles
from knowledge.review import Question, group_alike
from storage.repositories import ConsultationRepository
from storage.workspace import (
    AuditLog,
    FaqChangeRepository,
    ReportRepository,
    SnapshotTampered,
    StaffRepository,
)

log = logging.getLogger(__name__)

UNANSWERED_GROUPS_SHOWN = 10
AUDIT_SHOWN = 30
REVIEW_CANDIDATES = 5
MAX_QUESTION_TEXT = 300
MAX_LEGAL_BASIS = 500
_URL = re.compile(r"^https?://[^\s<>\"]{3,500}$")
EARLIEST_YEAR = 2019

CatalogueLoader = Callable[[int], Catalogue]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_year_quarter(args: str | None, today: dt.date) -> tuple[int, int | None] | None:
    """'' -> this year; '2026' -> 2026; '2026 3' (or '2026 Q3') -> 2026, 3; else None."""
    parts = (args or "").upper().replace("Q", " ").split()
    if not parts:
        return today.year, None
    if len(parts) > 2 or not all(p.isdigit() for p in parts):
        return None
    year = int(parts[0])
    quarter = int(parts[1]) if len(parts) == 2 else None
    if not EARLIEST_YEAR <= year <= today.year + 1 or quarter not in (None, 1, 2, 3, 4):
        return None
    return year, quarter


# -- roles ----------------------------------------------------------------------------------


async def staff_command(
    message: Message, command: CommandObject, staff: StaffRepository, roles: Roles, audit: AuditLog
) -> None:
    assert message.from_user is not None
    parts = (command.args or "").split()
    if parts == ["list"]:
        await message.answer(await _staff_list(staff, roles))
        return
    if len(parts) != 2 or parts[0] not in ("add", "remove") or not parts[1].isdigit():
        await message.answer(texts.STAFF_USAGE)
        return
    action, user_id = parts[0], int(parts[1])
    if user_id in roles.admin_ids or user_id in roles.fixed_staff_ids:
        await message.answer(texts.STAFF_FIXED.format(user_id=user_id))
        return
    if action == "add":
        if not await staff.add(user_id, message.from_user.id):
            await message.answer(texts.STAFF_ALREADY.format(user_id=user_id))
            return
        await audit.append(message.from_user.id, "staff_added", f"user:{user_id}")
        await message.answer(texts.STAFF_ADDED.format(user_id=user_id))
        return
    if not await staff.remove(user_id):
        await message.answer(texts.STAFF_NOT_FOUND.format(user_id=user_id))
        return
    await audit.append(message.from_user.id, "staff_removed", f"user:{user_id}")
    await message.answer(texts.STAFF_REMOVED.format(user_id=user_id))


async def _staff_list(staff: StaffRepository, roles: Roles) -> str:
    def ids(values: frozenset[int]) -> str:
        return ", ".join(str(v) for v in sorted(values)) or texts.NONE_LABEL

    lines = [
        texts.STAFF_LIST_HEADER,
        texts.STAFF_LIST_ADMINS.format(ids=ids(roles.admin_ids)),
        texts.STAFF_LIST_FIXED.format(ids=ids(roles.fixed_staff_ids)),
    ]
    members = await staff.members()
    lines += [
        texts.STAFF_LIST_MEMBER.format(user_id=user_id, added=f"{added:%d.%m.%Y}")
        for user_id, added in members
    ] or [texts.STAFF_LIST_EMPTY]
    return "\n".join(lines)


# Audit actions whose target is a FAQ entry id: shown by the entry's title.
_ENTRY_ACTIONS = frozenset({"faq_phrasing", "faq_new_entry"})


async def audit_log(message: Message, audit: AuditLog, faq_matcher: FaqMatcher) -> None:
    """/audit: the latest entries of the audit log (administrators)."""
    entries = await audit.recent(AUDIT_SHOWN)
    if not entries:
        await message.answer(texts.AUDIT_EMPTY)
        return
    lines = [texts.audit_header(len(entries))]
    for entry in entries:
        lines.append(
            texts.AUDIT_LINE.format(
                when=entry.at.astimezone(AGENCY_TZ).strftime("%d.%m.%Y %H:%M"),
                actor=entry.actor_id if entry.actor_id is not None else texts.AUDIT_CLI,
                action=texts.AUDIT_ACTIONS.get(entry.action, entry.action),
                target=_html(_audit_target(entry.action, entry.target, faq_matcher)),
            )
        )
    await reply_long(message, "\n".join(lines))


def _audit_target(action: str, target: str | None, faq_matcher: FaqMatcher) -> str:
    if action in _ENTRY_ACTIONS and target:
        entry = faq_matcher.get(target)
        if entry is not None:
            return texts.AUDIT_ENTRY.format(title=entry.question)
    return target or ""


async def staff_help(message: Message, roles: Roles) -> None:
    """/help for staff: the ordinary help, then the staff commands."""
    assert message.from_user is not None
    await message.answer(texts.HELP, reply_markup=keyboards.main_menu())
    extra = texts.ADMIN_HELP if roles.is_admin(message.from_user.id) else ""
    await message.answer(texts.STAFF_HELP + extra)


# -- reports --------------------------------------------------------------------------------


async def stats(
    message: Message,
    command: CommandObject,
    reports: ReportRepository,
    catalogue_loader: CatalogueLoader,
) -> None:
    parsed = parse_year_quarter(command.args, _now().date())
    if parsed is None:
        await message.answer(texts.STATS_USAGE)
        return
    year, quarter = parsed
    try:
        table = await reports.table(year, catalogue_loader(year), quarter)
    except SnapshotTampered as exc:
        log.error("closed quarter %s fails its checksum", exc)
        await message.answer(texts.STATS_TAMPERED.format(which=exc))
        return
    await reply_long(message, texts.stats_table(table))
    # matplotlib (~35 MB) is loaded the first time a chart is drawn, not in every bot process.
    from knowledge.report_chart import render_chart

    chart = await asyncio.to_thread(render_chart, table, REPORT_LABELS)
    await message.answer_photo(
        BufferedInputFile(chart, filename=f"napoo-{year}.png"),
        caption=texts.STATS_CHART_CAPTION.format(year=year),
    )


async def export(
    message: Message,
    command: CommandObject,
    reports: ReportRepository,
    catalogue_loader: CatalogueLoader,
    audit: AuditLog,
    faq_matcher: FaqMatcher,
    checklists: dict[str, Checklist],
) -> None:
    assert message.from_user is not None
    parsed = parse_year_quarter(command.args, _now().date())
    if parsed is None or parsed[1] is not None:
        await message.answer(texts.EXPORT_USAGE)
        return
    year = parsed[0]
    await message.answer(texts.EXPORT_WORKING.format(year=year))
    try:
        table = await reports.table(year, catalogue_loader(year))
    except SnapshotTampered as exc:
        await message.answer(texts.STATS_TAMPERED.format(which=exc))
        return
    with tempfile.TemporaryDirectory(prefix="napoo-export-") as folder:
        path = Path(folder) / f"napoo-{year}.xlsx"
        try:
            titles = topic_titles(faq_matcher.entries, checklists.values())
            rows = await reports.export_xlsx(path, table, REPORT_LABELS, titles)
        except TooManyRows:
            await message.answer(texts.EXPORT_TOO_BIG)
            return
        await audit.append(message.from_user.id, "export", f"year:{year}", {"rows": rows})
        await message.answer_document(
            FSInputFile(path, filename=path.name),
            caption=texts.export_caption(year, rows),
        )


async def close_quarter(
    message: Message,
    command: CommandObject,
    reports: ReportRepository,
    catalogue_loader: CatalogueLoader,
) -> None:
    parsed = parse_year_quarter(command.args, _now().date())
    if parsed is None or parsed[1] is None:
        await message.answer(texts.CLOSE_USAGE)
        return
    year, quarter = parsed
    problem = await _cannot_close(reports, year, quarter)
    if problem:
        await message.answer(problem)
        return
    table = await reports.table(year, catalogue_loader(year), quarter)
    figures = "\n".join(
        texts.CLOSE_FIGURE.format(
            activity=line.indicator.activity,
            title=line.indicator.title,
            count=line.quarters.get(quarter, 0),
        )
        for line in table.lines
    )
    await message.answer(
        texts.CLOSE_CONFIRM.format(
            year=year, quarter=texts.QUARTER_NAMES[quarter], figures=figures
        ),
        reply_markup=keyboards.confirm_close_quarter(year, quarter),
    )


async def _cannot_close(reports: ReportRepository, year: int, quarter: int) -> str | None:
    names = {"year": year, "quarter": texts.QUARTER_NAMES[quarter]}
    if quarter_bounds(year, quarter)[1] > _now():
        return texts.CLOSE_NOT_ENDED.format(**names)
    if quarter in await reports.closed_quarters(year):
        return texts.CLOSE_ALREADY.format(**names)
    return None


async def close_quarter_confirmed(
    callback: CallbackQuery,
    callback_data: keyboards.CloseQuarter,
    reports: ReportRepository,
    catalogue_loader: CatalogueLoader,
    audit: AuditLog,
) -> None:
    year, quarter = callback_data.year, callback_data.quarter
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
    if not callback_data.confirm:
        await callback.answer(texts.CLOSE_CANCELLED)
        return
    if quarter not in (1, 2, 3, 4) or not EARLIEST_YEAR <= year <= _now().year:
        await callback.answer(texts.STALE_BUTTON, show_alert=True)
        return
    problem = await _cannot_close(reports, year, quarter)
    if problem:
        await callback.answer(problem, show_alert=True)
        return
    # The figures frozen are computed now, not taken from the button.
    table = await reports.table(year, catalogue_loader(year), quarter)
    figures = table.figures(quarter)
    checksum = await reports.close_quarter(figures, callback.from_user.id)
    await audit.append(
        callback.from_user.id,
        "quarter_closed",
        f"{year}-Q{quarter}",
        {"checksum": checksum, "indicators": dict(figures.indicators)},
    )
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            texts.CLOSE_DONE.format(
                year=year, quarter=texts.QUARTER_NAMES[quarter], checksum=checksum[:16]
            )
        )


# -- unanswered questions into the FAQ ------------------------------------------------------


class NewEntry(StatesGroup):
    question = State()
    answer = State()
    legal_basis = State()
    source = State()
    confirm = State()


async def unanswered(
    message: Message,
    state: FSMContext,
    consultations: ConsultationRepository,
    faq_matcher: FaqMatcher,
) -> None:
    recent = await consultations.recent_unanswered()
    questions = [Question(c.id, c.question or "") for c in recent if c.question]
    groups = await asyncio.to_thread(group_alike, questions, faq_matcher.normalizer)
    if not groups:
        await message.answer(texts.UNANSWERED_NONE)
        return
    shown = groups[:UNANSWERED_GROUPS_SHOWN]
    await state.update_data(
        review_groups={str(g.representative.consultation_id): g.consultation_ids for g in shown},
        review_questions={
            str(g.representative.consultation_id): g.representative.text for g in shown
        },
    )
    await message.answer(texts.unanswered_header(len(shown), len(groups)))
    for group in shown:
        await message.answer(
            texts.unanswered_group(group),
            reply_markup=keyboards.review_group(group.representative.consultation_id),
        )


async def _group(state: FSMContext, representative: int) -> tuple[list[int], str] | None:
    data = await state.get_data()
    ids = data.get("review_groups", {}).get(str(representative))
    question = data.get("review_questions", {}).get(str(representative))
    if not ids or not question:
        return None
    return ids, question


async def _forget_group(state: FSMContext, representative: int) -> None:
    data = await state.get_data()
    groups = dict(data.get("review_groups", {}))
    groups.pop(str(representative), None)
    await state.update_data(review_groups=groups)


async def review_group(
    callback: CallbackQuery,
    callback_data: keyboards.ReviewGroup,
    state: FSMContext,
    consultations: ConsultationRepository,
    faq_matcher: FaqMatcher,
    audit: AuditLog,
) -> None:
    group = await _group(state, callback_data.representative)
    if group is None or not isinstance(callback.message, Message):
        await callback.answer(texts.REVIEW_GONE, show_alert=True)
        return
    ids, question = group
    await callback.answer()
    if callback_data.action == "dismiss":
        count = await consultations.set_review(ids, Review.DISMISSED)
        await audit.append(
            callback.from_user.id, "unanswered_dismissed", None, {"consultations": ids}
        )
        await _forget_group(state, callback_data.representative)
        await callback.message.edit_reply_markup(reply_markup=None)
        await callback.message.answer(texts.review_dismissed(count))
    elif callback_data.action == "phrasing":
        candidates = [c.entry for c in (faq_matcher.rank(question, REVIEW_CANDIDATES) or [])]
        if not candidates:
            await callback.message.answer(texts.REVIEW_NO_CANDIDATES)
            return
        await state.update_data(
            review_candidates={str(callback_data.representative): [e.id for e in candidates]}
        )
        await callback.message.answer(
            texts.REVIEW_PICK_ENTRY.format(question=_html(question)),
            reply_markup=keyboards.review_candidates(
                callback_data.representative, [e.question for e in candidates]
            ),
        )
    elif callback_data.action == "new":
        await state.set_state(NewEntry.question)
        await state.update_data(new_entry={"representative": callback_data.representative})
        await callback.message.answer(
            texts.NEW_ENTRY_QUESTION, reply_markup=keyboards.new_entry_use_words(question)
        )
    else:
        await callback.message.answer(texts.STALE_BUTTON)


async def review_pick(
    callback: CallbackQuery,
    callback_data: keyboards.ReviewPick,
    state: FSMContext,
    consultations: ConsultationRepository,
    faq_changes: FaqChangeRepository,
    faq_library: FaqLibrary,
    audit: AuditLog,
) -> None:
    group = await _group(state, callback_data.representative)
    data = await state.get_data()
    candidates = data.get("review_candidates", {}).get(str(callback_data.representative), [])
    if group is None or not 0 <= callback_data.candidate < len(candidates):
        await callback.answer(texts.REVIEW_GONE, show_alert=True)
        return
    ids, question = group
    entry = faq_library.matcher.get(candidates[callback_data.candidate])
    if entry is None:
        await callback.answer(texts.ENTRY_GONE, show_alert=True)
        return
    phrasing = question[:MAX_QUESTION_TEXT]
    change_id = await faq_changes.add(callback.from_user.id, PHRASING, entry.id, phrasing)
    await consultations.set_review(ids, Review.PHRASING)
    await audit.append(
        callback.from_user.id,
        "faq_phrasing",
        entry.id,
        {"change": change_id, "phrasing": phrasing, "consultations": ids},
    )
    await _forget_group(state, callback_data.representative)
    await _republish(faq_library, faq_changes)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
        await callback.message.answer(
            texts.PHRASING_PUBLISHED.format(question=_html(phrasing), entry=_html(entry.question))
        )


async def _republish(faq_library: FaqLibrary, faq_changes: FaqChangeRepository) -> None:
    """Take effect now: rebuild the matcher with every published change (off the event loop)."""
    changes = await faq_changes.all()
    await asyncio.to_thread(faq_library.apply, changes)


def _html(text: str) -> str:
    return escape(text)


async def new_entry_use_words(callback: CallbackQuery, state: FSMContext) -> None:
    data = (await state.get_data()).get("new_entry") or {}
    group = await _group(state, int(data.get("representative", 0)))
    if await state.get_state() != NewEntry.question.state or group is None:
        await callback.answer(texts.REVIEW_GONE, show_alert=True)
        return
    await callback.answer()
    if isinstance(callback.message, Message):
        await _take_question(callback.message, state, group[1])


async def _take_question(message: Message, state: FSMContext, question: str) -> None:
    data = (await state.get_data()).get("new_entry") or {}
    data["question"] = question[:MAX_QUESTION_TEXT]
    await state.update_data(new_entry=data)
    await state.set_state(NewEntry.answer)
    await message.answer(texts.NEW_ENTRY_ANSWER.format(limit=texts.characters(MAX_STAFF_TEXT)))


async def new_entry_text(message: Message, state: FSMContext) -> None:
    """One handler for the four typed steps: each checks its text and moves on."""
    text = (message.text or "").strip()
    step = await state.get_state()
    data = (await state.get_data()).get("new_entry") or {}
    limits = {
        NewEntry.question.state: MAX_QUESTION_TEXT,
        NewEntry.answer.state: MAX_STAFF_TEXT,
        NewEntry.legal_basis.state: MAX_LEGAL_BASIS,
        NewEntry.source.state: 500,
    }
    if len(text) > limits.get(step or "", MAX_STAFF_TEXT):
        limit = texts.characters(limits[step or ""])
        await message.answer(texts.NEW_ENTRY_TOO_LONG.format(limit=limit))
        return
    if step == NewEntry.question.state:
        await _take_question(message, state, text)
    elif step == NewEntry.answer.state:
        data["answer"] = text
        await state.update_data(new_entry=data)
        await state.set_state(NewEntry.legal_basis)
        await message.answer(texts.NEW_ENTRY_LEGAL_BASIS)
    elif step == NewEntry.legal_basis.state:
        data["legal_basis"] = text
        await state.update_data(new_entry=data)
        await state.set_state(NewEntry.source)
        await message.answer(texts.NEW_ENTRY_SOURCE)
    elif step == NewEntry.source.state:
        if not _URL.match(text):
            await message.answer(texts.NEW_ENTRY_BAD_SOURCE)
            return
        data["source"] = text
        await state.update_data(new_entry=data)
        await state.set_state(NewEntry.confirm)
        await message.answer(texts.NEW_ENTRY_PREVIEW)
        await reply_long(message, texts.answer(_preview(data)))
        await message.answer(texts.NEW_ENTRY_CONFIRM, reply_markup=keyboards.new_entry_confirm())
    else:
        await message.answer(texts.NEW_ENTRY_CONFIRM, reply_markup=keyboards.new_entry_confirm())


def _preview(data: dict) -> FaqEntry:
    return FaqEntry(
        id="preview",
        question=data["question"],
        phrasings=(),
        answer_html=escape(data["answer"], quote=False),
        legal_basis=data["legal_basis"],
        sources=(data["source"],),
        reviewed=dt.datetime.now(dt.UTC).date(),
    )


async def new_entry_not_text(message: Message) -> None:
    await message.answer(texts.NEW_ENTRY_TEXT_ONLY)


async def new_entry_decision(
    callback: CallbackQuery,
    callback_data: keyboards.NewEntryStep,
    state: FSMContext,
    consultations: ConsultationRepository,
    faq_changes: FaqChangeRepository,
    faq_library: FaqLibrary,
    audit: AuditLog,
) -> None:
    if callback_data.action == "use_words":
        await new_entry_use_words(callback, state)
        return
    data = (await state.get_data()).get("new_entry") or {}
    if await state.get_state() != NewEntry.confirm.state or "source" not in data:
        await callback.answer(texts.REVIEW_GONE, show_alert=True)
        return
    await state.set_state(None)
    await state.update_data(new_entry=None)
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
    if callback_data.action != "publish":
        await callback.answer(texts.NEW_ENTRY_CANCELLED)
        return
    entry_id = staff_entry_id(uuid.uuid4().hex[:10])
    change_id = await faq_changes.add(
        callback.from_user.id,
        NEW_ENTRY,
        entry_id,
        data["question"],
        answer=data["answer"],
        legal_basis=data["legal_basis"],
        source=data["source"],
    )
    group = await _group(state, int(data.get("representative", 0)))
    ids = group[0] if group else []
    if ids:
        await consultations.set_review(ids, Review.NEW_ENTRY)
        await _forget_group(state, int(data["representative"]))
    await audit.append(
        callback.from_user.id,
        "faq_new_entry",
        entry_id,
        {"change": change_id, "question": data["question"], "consultations": ids},
    )
    await _republish(faq_library, faq_changes)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            texts.NEW_ENTRY_PUBLISHED.format(question=_html(data["question"]))
        )


def create_router() -> Router:
    """Staff commands. Each filter list starts with the cheap Command filter, so the database
    is asked about roles only for these commands."""
    router = Router(name="staff")
    # Free-text questions skip this router whole (one cheap check instead of a dozen).
    router.message.filter(or_f(F.text.startswith("/"), StateFilter(NewEntry)))
    staff_only = StaffOnly()
    router.message.register(staff_command, Command("staff"), AdminOnly())
    router.message.register(audit_log, Command("audit"), AdminOnly())
    router.message.register(staff_help, Command("help"), staff_only)
    router.message.register(stats, Command("stats"), staff_only)
    router.message.register(export, Command("export"), staff_only)
    router.message.register(close_quarter, Command("close_quarter"), staff_only)
    router.message.register(unanswered, Command("unanswered"), staff_only)
    router.callback_query.register(
        close_quarter_confirmed, keyboards.CloseQuarter.filter(), staff_only
    )
    router.callback_query.register(review_group, keyboards.ReviewGroup.filter(), staff_only)
    router.callback_query.register(review_pick, keyboards.ReviewPick.filter(), staff_only)
    router.callback_query.register(new_entry_decision, keyboards.NewEntryStep.filter(), staff_only)
    writing = StateFilter(
        NewEntry.question, NewEntry.answer, NewEntry.legal_basis, NewEntry.source, NewEntry.confirm
    )
    router.message.register(new_entry_text, writing, F.text, ~F.text.startswith("/"), staff_only)
    router.message.register(new_entry_not_text, writing, ~F.text, staff_only)
    return router
