"""The staff workspace through the real Dispatcher: hidden commands, roles and the audit log,
reports and exports, closing a quarter, the unanswered-question workflow, and handing a
conversation to a person and back."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from aiogram.types import Chat as TelegramChat
from sqlalchemy import select

from handlers import texts
from handlers.texts_reports import REPORT_LABELS
from knowledge.consultations import quarter_of
from storage.models import AuditRow, ConsultationRow, FaqChangeRow, QuarterSnapshotRow
from tests.conftest import AlwaysClosed, Chat

ADMIN_ID = 900_001
STAFF_MEMBER = 900_002
STAFF_GROUP = -100_500
USER_ID = 100_001
STAFF_COMMANDS = [
    "/stats",
    "/stats 2026 3",
    "/export",
    "/close_quarter 2025 4",
    "/unanswered",
    "/staff list",
    "/staff add 5",
    "/audit",
]


@pytest.fixture
def office(knowledge, session_factory) -> Chat:
    return Chat(knowledge, session_factory, staff_ids=frozenset(), admin_ids=frozenset({ADMIN_ID}))


async def audit(session_factory) -> list[tuple[int | None, str, str | None]]:
    async with session_factory() as session:
        rows = await session.scalars(select(AuditRow).order_by(AuditRow.id))
        return [(r.actor_id, r.action, r.target) for r in rows]


async def consultations(session_factory) -> list[ConsultationRow]:
    async with session_factory() as session:
        return list(await session.scalars(select(ConsultationRow).order_by(ConsultationRow.id)))


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_staff_commands_look_unknown_to_everyone_else(office, command):
    replies = await office.user.send(command)
    assert [r.text for r in replies] == [texts.UNKNOWN_COMMAND]


async def test_help_shows_staff_commands_only_to_staff(office):
    user_help = await office.user.send("/help")
    assert [r.text for r in user_help] == [texts.HELP]
    admin_help = await office.other_user(ADMIN_ID).send("/help")
    assert admin_help[-1].text == texts.STAFF_HELP + texts.ADMIN_HELP


async def test_admin_adds_and_removes_staff_and_every_change_is_audited(office, session_factory):
    admin = office.other_user(ADMIN_ID)
    member = office.other_user(STAFF_MEMBER)
    assert (await member.send("/stats"))[0].text == texts.UNKNOWN_COMMAND

    added = await admin.send(f"/staff add {STAFF_MEMBER}")
    assert added[0].text == texts.STAFF_ADDED.format(user_id=STAFF_MEMBER)
    assert (await admin.send(f"/staff add {STAFF_MEMBER}"))[0].text == texts.STAFF_ALREADY.format(
        user_id=STAFF_MEMBER
    )
    listing = (await admin.send("/staff list"))[0].text
    assert str(STAFF_MEMBER) in listing and str(ADMIN_ID) in listing
    assert (await admin.send("/staff add me"))[0].text == texts.STAFF_USAGE
    assert (await admin.send(f"/staff remove {ADMIN_ID}"))[0].text == texts.STAFF_FIXED.format(
        user_id=ADMIN_ID
    )

    stats = await member.send("/stats")
    assert "Брой предоставени консултации" in stats[0].text
    # staff, but not an administrator: role changes stay hidden
    assert (await member.send("/staff list"))[0].text == texts.UNKNOWN_COMMAND

    removed = await admin.send(f"/staff remove {STAFF_MEMBER}")
    assert removed[0].text == texts.STAFF_REMOVED.format(user_id=STAFF_MEMBER)
    assert (await member.send("/stats"))[0].text == texts.UNKNOWN_COMMAND
    assert await audit(session_factory) == [
        (ADMIN_ID, "staff_added", f"user:{STAFF_MEMBER}"),
        (ADMIN_ID, "staff_removed", f"user:{STAFF_MEMBER}"),
    ]
    journal = (await admin.send("/audit"))[0].text
    assert journal.index("премахна служител") < journal.index("добави служител")  # newest first
    assert (await member.send("/audit"))[0].text == texts.UNKNOWN_COMMAND


async def test_stats_shows_the_plan_table_and_a_chart(office):
    await office.user.send("Какви документи трябват за лиценз на ЦПО?")
    await office.user.send("рецепта за баница с тиквички")
    year, _quarter = quarter_of(dt.datetime.now(dt.UTC))
    table, chart = await office.other_user(ADMIN_ID).send("/stats")
    assert table.text.startswith(f"📊 <b>Показатели за {year} г.</b>")
    block = next(b for b in table.text.split("\n\n") if "Брой предоставени консултации" in b)
    assert "<b>Година: 1</b>" in block  # the unknown question is not a consultation given
    assert "2.1.1" in block and "5.3" in table.text and "6.4" in table.text
    assert chart.file_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    assert chart.text == texts.STATS_CHART_CAPTION.format(year=year)
    bad = await office.other_user(ADMIN_ID).send("/stats next year")
    assert [r.text for r in bad] == [texts.STATS_USAGE]


async def test_export_sends_an_xlsx_whose_rows_add_up_and_is_audited(
    office, session_factory, knowledge
):
    await office.user.send("Какви документи трябват за лиценз на ЦПО?")
    await office.other_user(200_002).send("Колко струва лиценз за ЦИПО?")
    year = dt.datetime.now(dt.UTC).year
    working, document = await office.other_user(ADMIN_ID).send("/export")
    assert working.text == texts.EXPORT_WORKING.format(year=year)
    assert document.file_name == f"napoo-{year}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(document.file_bytes), read_only=True)
    header, *rows = list(book[REPORT_LABELS.sheet_consultations].iter_rows(values_only=True))
    assert len(rows) == 2
    column = header.index(REPORT_LABELS.col_indicators)
    assert all("2.1.1-consultations" in r[column] for r in rows)
    users = {r[header.index(REPORT_LABELS.col_user)] for r in rows}
    assert len(users) == 2 and not {str(USER_ID), "200002"} & users  # pseudonyms only
    # staff read the entries' titles in the topic column, not internal ids
    titles = {e.question for e in knowledge.matcher.entries}
    topics = [r[header.index(REPORT_LABELS.col_topic)] for r in rows]
    assert topics and all(t in titles for t in topics), topics
    assert document.text == texts.export_caption(year, 2) == (
        f"Показатели и консултации за {year} г. (2 консултации)."
    )
    assert (ADMIN_ID, "export", f"year:{year}") in await audit(session_factory)


async def test_closing_a_quarter_asks_first_then_freezes_its_figures(office, session_factory):
    admin = office.other_user(ADMIN_ID)
    year = dt.datetime.now(dt.UTC).year
    _, this_quarter = quarter_of(dt.datetime.now(dt.UTC))
    not_yet = await admin.send(f"/close_quarter {year} {this_quarter}")
    assert "още не е приключило" in not_yet[0].text
    assert (await admin.send("/close_quarter 2026"))[0].text == texts.CLOSE_USAGE

    [confirm] = await admin.send(f"/close_quarter {year - 1} 4")
    assert "Потвърждавате ли?" in confirm.text
    assert await admin.press_button(confirm, texts.BUTTON_CANCEL) == []
    async with session_factory() as session:
        assert (await session.scalars(select(QuarterSnapshotRow))).all() == []

    [confirm] = await admin.send(f"/close_quarter {year - 1} 4")
    [done] = await admin.press_button(confirm, texts.BUTTON_CONFIRM)
    assert done.text.startswith("🔒 IV тримесечие")
    [again] = await admin.send(f"/close_quarter {year - 1} 4")
    assert again.text == texts.CLOSE_ALREADY.format(year=year - 1, quarter="IV")
    # a stale confirmation button cannot close it twice
    assert await admin.press_button(confirm, texts.BUTTON_CONFIRM) == []
    stats = (await admin.send(f"/stats {year - 1}"))[0].text
    assert texts.STATS_CLOSED_NOTE in stats
    assert (ADMIN_ID, "quarter_closed", f"{year - 1}-Q4") in await audit(session_factory)
    # forged: a future quarter through a hand-made button
    assert await admin.press(f"closeq:{year + 1}:1:1") == []


async def test_unanswered_questions_become_phrasings_and_new_entries(
    office, knowledge, session_factory
):
    user = office.user
    asker = office.other_user(200_003)
    for who, text in (
        (user, "кога е сезонът за пчеларство в родопите"),
        (asker, "пчеларство в родопите кога е сезонът"),
        (user, "рецепта за баница с тиквички"),
    ):
        assert (await who.send(text))[0].text in (texts.UNKNOWN, texts.UNKNOWN_AGAIN)
    admin = office.other_user(ADMIN_ID)
    header, first, second = await admin.send("/unanswered")
    assert header.text == texts.unanswered_header(2, 2)
    assert first.text.startswith("<b>2×</b>") and "пчеларство" in first.text
    assert second.text.startswith("<b>1×</b>") and "баница" in second.text

    # the alike pair becomes a new entry, after a preview and a confirmation
    [ask_question] = await admin.press_button(first, texts.BUTTON_NEW_ENTRY)
    assert ask_question.text == texts.NEW_ENTRY_QUESTION
    [ask_answer] = await admin.press_button(ask_question, "Използвай")
    assert ask_answer.text == texts.NEW_ENTRY_ANSWER.format(limit="3000 знака")
    await admin.send("Да, при условията на чл. 15 от Наредбата — дистанционно обучение <онлайн>.")
    await admin.send("чл. 15 от Наредба № 1")
    [bad_source] = await admin.send("не е връзка")
    assert bad_source.text == texts.NEW_ENTRY_BAD_SOURCE
    preview_note, preview, confirm = await admin.send("https://www.navet.government.bg/bg/faq")
    assert preview_note.text == texts.NEW_ENTRY_PREVIEW
    assert "&lt;онлайн&gt;" in preview.text and "чл. 15 от Наредба № 1" in preview.text
    [published] = await admin.press_button(confirm, texts.BUTTON_PUBLISH)
    assert published.text.startswith("✅ Публикувах новия отговор „")
    assert "staff-" not in published.text  # the title, not the internal id

    # it takes effect at once, for the user who asked
    answer = await asker.send("пчеларство в родопите кога е сезонът")
    assert "&lt;онлайн&gt;" in answer[0].text and "navet.government.bg" in answer[0].text

    # the other group is dismissed; nothing is left to review
    [dismissed] = await admin.press_button(second, texts.BUTTON_DISMISS)
    assert dismissed.text == texts.review_dismissed(1) == "🗑 Отхвърлих 1 въпрос."
    assert [m.text for m in await admin.send("/unanswered")] == [texts.UNANSWERED_NONE]
    assert [a for _, a, _ in await audit(session_factory)] == [
        "faq_new_entry",
        "unanswered_dismissed",
    ]
    async with session_factory() as session:
        [change] = (await session.scalars(select(FaqChangeRow))).all()
    year, _quarter = quarter_of(change.published_at)
    stats = (await admin.send(f"/stats {year}"))[0].text
    block = next(b for b in stats.split("\n\n") if "Брой публикации" in b)
    assert "<b>Година: 1</b>" in block

    # kept across restarts: a new process on the same database answers it too
    restarted = Chat(knowledge, session_factory, admin_ids=frozenset({ADMIN_ID}))
    again = await restarted.other_user(200_004).send("кога е сезонът за пчеларство в родопите")
    assert "&lt;онлайн&gt;" in again[0].text


async def test_a_disliked_question_becomes_a_phrasing_of_an_existing_entry(office, session_factory):
    question = "кога е сезонът за пчеларство в родопите"
    assert (await office.user.send(question))[0].text == texts.UNKNOWN
    liked = (await office.user.send("Какви документи трябват за лиценз на ЦПО?"))[0]
    await office.user.press_button(liked, texts.BUTTON_DOWN)  # disliked: listed too
    admin = office.other_user(ADMIN_ID)
    _header, *groups = await admin.send("/unanswered")
    [group] = [g for g in groups if "пчеларство" in g.text]
    assert any("Какви документи" in g.text for g in groups)
    [pick] = await admin.press_button(group, texts.BUTTON_ADD_PHRASING)
    assert pick.text.startswith("Към кой отговор")
    target_label = pick.buttons[0][0]
    [done] = await admin.press(pick.buttons[0][1], pick)
    assert done.text.startswith("✅ Добавих")
    answered = await office.other_user(200_005).send(question)
    assert answered[0].text.startswith(f"<b>{target_label}")
    assert [a for _, a, _ in await audit(session_factory)] == ["faq_phrasing"]
    [(_, _, entry_id)] = await audit(session_factory)
    journal = (await admin.send("/audit"))[0].text
    assert "добави формулировка към „" in journal and entry_id not in journal
    assert texts.audit_header(1) in journal and "последните 1 запис," in journal
    # the same group cannot be reviewed twice from a stale button
    assert await admin.press(pick.buttons[0][1], pick) == []


async def test_forged_review_buttons_find_nothing(office):
    admin = office.other_user(ADMIN_ID)
    for data in ("rv:dismiss:999", "rvp:999:0", "rv:nonsense:1", "ne:publish", "case:12345"):
        assert await admin.press(data) == []
    assert await office.user.press("rv:dismiss:1") == []  # not staff: a stale button


def group_chat(office: Chat, user_id: int):
    chat = TelegramChat(id=STAFF_GROUP, type="supergroup", title="ПКЛ")
    return office.other_user(user_id, chat=chat)


async def test_handover_reaches_the_staff_group_and_the_reply_reaches_the_user(
    knowledge, session_factory
):
    office = Chat(
        knowledge,
        session_factory,
        staff_ids=frozenset({STAFF_MEMBER}),
        admin_ids=frozenset({ADMIN_ID}),
        staff_chat_id=STAFF_GROUP,
    )
    await office.user.send("Какви документи трябват за лиценз на ЦПО?")
    first = await office.user.send("рецепта за баница с тиквички")
    second = await office.user.send("кога е сезонът за пчеларство в родопите")
    assert first[0].text == texts.UNKNOWN and second[0].text == texts.UNKNOWN_AGAIN
    handed = await office.user.press_button(second[0], texts.BUTTON_HANDOVER)
    [note] = [m for m in handed if m.chat_id == STAFF_GROUP]
    assert [m.text for m in handed if m.chat_id == USER_ID] == [texts.HANDOVER_SENT]
    assert "баница с тиквички" in note.text and "родопите" in note.text
    assert "Какви документи" in note.text  # the last few turns, with what the bot said
    # staff read entry titles, never internal ids, for the answered turn and the closest topics
    answered = knowledge.matcher.match("Какви документи трябват за лиценз на ЦПО?").entry
    assert f"отговор „{answered.question}“" in note.text
    assert not [e.id for e in knowledge.matcher.entries if e.id in note.text]
    assert note.buttons[0][0] == texts.BUTTON_CLOSE_CASE

    outsider = group_chat(office, 300_000)
    refused = await outsider.reply(note, "аз ще отговоря")
    assert [m.text for m in refused] == [texts.STAFF_REPLY_NOT_STAFF]

    staff = group_chat(office, STAFF_MEMBER)
    delivered = await staff.reply(note, "Свържете се с нас на 02/ 971 20 70, <ще помогнем>.")
    to_user = [m for m in delivered if m.chat_id == USER_ID]
    assert to_user[0].text == texts.USER_STAFF_REPLY.format(
        text="Свържете се с нас на 02/ 971 20 70, &lt;ще помогнем&gt;."
    )
    assert delivered[-1].text.startswith("✅ Отговорът е изпратен")
    await staff.reply(note, "И още нещо.")  # a second reply: still one consultation

    closed = await staff.press_button(note, texts.BUTTON_CLOSE_CASE)
    [goodbye] = [m for m in closed if m.chat_id == USER_ID]
    assert goodbye.text.startswith(texts.USER_CASE_CLOSED)
    await office.user.press_button(goodbye, "5")
    late = await staff.reply(note, "Забравих…")
    assert late[-1].text == texts.STAFF_REPLY_CASE_CLOSED.format(case_id=1)

    rows = await consultations(session_factory)
    [case] = [r for r in rows if r.kind == "handover"]
    assert (case.outcome, case.rating) == ("answered", 5)
    assert sorted(r.outcome for r in rows if r.kind == "faq") == [
        "handed_over",
        "handed_over",
        "handed_over",
    ]
    actions = [(who, action) for who, action, _ in await audit(session_factory)]
    assert actions == [
        (STAFF_MEMBER, "handover_reply"),
        (STAFF_MEMBER, "handover_reply"),
        (STAFF_MEMBER, "handover_closed"),
    ]
    year, _quarter = quarter_of(case.created_at)
    stats = (await office.other_user(ADMIN_ID).send(f"/stats {year}"))[0].text
    # one FAQ answer earlier (since handed over, counted once as the hand-over) + the hand-over
    block = next(b for b in stats.split("\n\n") if "Брой предоставени консултации" in b)
    assert "<b>Година: 1</b>" in block


async def test_outside_office_hours_the_user_is_told_when_to_expect_an_answer(
    knowledge, session_factory
):
    office = Chat(
        knowledge, session_factory, admin_ids=frozenset({ADMIN_ID}), office_hours=AlwaysClosed()
    )
    [ask] = await office.user.send(texts.BUTTON_TALK_TO_PERSON)
    assert ask.text == texts.HANDOVER_ASK_QUESTION
    handed = await office.user.send("Искам да говоря с човек за лиценза си, ЕГН 7501010010")
    [note] = [m for m in handed if m.chat_id == ADMIN_ID]  # no staff group: each in private
    assert "7501010010" not in note.text
    [told] = [m for m in handed if m.chat_id == USER_ID]
    assert told.text == texts.HANDOVER_SENT_LATER.format(
        opening="понеделник, 30.11.2026 г., 9:00 ч."
    )
    assert "9:00 ч. Благодарим" in told.text and "ч.." not in told.text
    # the private reply works the same way
    staff = office.other_user(ADMIN_ID)
    delivered = await staff.reply(note, "Здравейте! Ще Ви се обадим.")
    assert any(m.chat_id == USER_ID for m in delivered)
    # a user who blocked the bot: the staff member is told and the case closes
    office.session.blocked_chats.add(USER_ID)
    failed = await staff.reply(note, "Още нещо")
    assert failed[-1].text == texts.STAFF_REPLY_NOT_DELIVERED.format(case_id=1)
