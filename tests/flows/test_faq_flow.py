"""A user's session with the bot, through the real Dispatcher and a real SQLite database."""

from __future__ import annotations

from sqlalchemy import select

from handlers import texts
from handlers.keyboards import PickEntry, Rate
from storage.models import ConsultationRow
from tests.conftest import STAFF_ID


async def rows(session_factory) -> list[ConsultationRow]:
    async with session_factory() as session:
        return list(await session.scalars(select(ConsultationRow).order_by(ConsultationRow.id)))


async def test_start_greets_shows_privacy_notice_and_menu(chat):
    replies = await chat.user.send("/start")
    assert replies[0].text == texts.START
    assert replies[0].reply_markup is not None  # the main menu
    assert replies[1].text == texts.PRIVACY
    assert "ЕГН" in replies[1].text


async def test_help_and_menu_buttons(chat):
    assert (await chat.user.send("/help"))[0].text == texts.HELP
    assert (await chat.user.send(texts.BUTTON_PRIVACY))[0].text == texts.PRIVACY
    assert (await chat.user.send(texts.BUTTON_HELP))[0].text == texts.HELP


async def test_question_gets_answer_with_legal_basis_sources_and_rating(
    chat, knowledge, session_factory
):
    replies = await chat.user.send("Какви документи трябват за лиценз на ЦПО?")
    assert len(replies) == 1
    reply = replies[0]
    entry = knowledge.matcher.get("cpo-documents")
    assert reply.text == texts.answer(entry)
    assert "Правно основание" in reply.text and entry.sources[0] in reply.text
    assert [label for label, _ in reply.buttons] == [texts.BUTTON_UP, texts.BUTTON_DOWN]
    [row] = await rows(session_factory)
    assert (row.kind, row.outcome, row.topic, row.channel) == (
        "faq",
        "answered",
        "cpo-documents",
        "telegram",
    )
    assert str(chat.user.user.id) not in row.user_key and len(row.user_key) == 32


async def test_latin_typed_question_is_understood(chat, session_factory):
    await chat.user.send("kakvi dokumenti triabvat za licenz na cpo")
    [row] = await rows(session_factory)
    assert row.outcome == "answered" and row.topic == "cpo-documents"


async def test_same_question_again_is_one_consultation(chat, session_factory):
    await chat.user.send("Какви документи трябват за лиценз на ЦПО?")
    second = await chat.user.send("какви документи трябват за лиценз на цпо")
    assert second and second[0].buttons  # answered again, with buttons
    assert len(await rows(session_factory)) == 1
    # another user asking the same thing is another consultation
    await chat.other_user(200_002).send("какви документи трябват за лиценз на цпо")
    assert len(await rows(session_factory)) == 2


async def test_vague_question_suggests_then_picking_answers(chat, knowledge, session_factory):
    replies = await chat.user.send("такса")
    assert replies[0].text == texts.SUGGEST
    picks = [PickEntry.unpack(data) for _, data in replies[0].buttons if data.startswith("pick:")]
    assert 2 <= len(picks) <= 3
    assert all(len(data.encode()) <= 64 for _, data in replies[0].buttons)
    [row] = await rows(session_factory)
    assert row.outcome == "suggested" and row.topic is None

    answer = await chat.user.press(replies[0].buttons[0][1], replies[0])
    entry = knowledge.matcher.get(picks[0].entry_id)
    assert answer[0].text == texts.answer(entry)
    [row] = await rows(session_factory)
    assert row.outcome == "answered" and row.topic == entry.id


async def test_centre_type_is_asked_once_and_the_tap_answers_the_same_consultation(
    chat, knowledge, session_factory
):
    replies = await chat.user.send("какви документи са нужни за лиценз")
    assert replies[0].text == texts.CLARIFY
    labels = [label for label, _ in replies[0].buttons]
    assert labels[:2] == [texts.CLARIFY_OPTION["ЦПО"], texts.CLARIFY_OPTION["ЦИПО"]]
    [row] = await rows(session_factory)
    assert row.outcome == "suggested"

    answer = await chat.user.press(replies[0].buttons[1][1], replies[0])
    assert answer[0].text == texts.answer(knowledge.matcher.get("cipo-documents"))
    [row] = await rows(session_factory)  # still one consultation, now answered
    assert (row.outcome, row.topic) == ("answered", "cipo-documents")


async def test_question_about_another_authority_is_an_honest_unknown(chat, session_factory):
    replies = await chat.user.send("Как да взема лиценз за такси?")
    assert replies[0].text == texts.UNKNOWN
    [row] = await rows(session_factory)
    assert row.outcome == "unknown"


async def test_none_of_the_suggestions_offers_a_person(chat):
    replies = await chat.user.send("такса")
    none_fits = await chat.user.press_button(replies[0], texts.SUGGEST_NONE_FITS)
    assert none_fits[0].text == texts.UNKNOWN
    assert none_fits[0].buttons[0][0] == texts.BUTTON_HANDOVER


async def test_unknown_question_is_honest_offers_handover_and_is_logged(chat, session_factory):
    replies = await chat.user.send("рецепта за баница с тиквички")
    assert replies[0].text == texts.UNKNOWN
    [row] = await rows(session_factory)
    assert row.outcome == "unknown" and row.question == "рецепта за баница с тиквички"

    handed = await chat.user.press_button(replies[0], texts.BUTTON_HANDOVER)
    staff_notes = [m for m in handed if m.chat_id == STAFF_ID]
    assert staff_notes and "баница с тиквички" in staff_notes[0].text
    assert [m.text for m in handed if m.chat_id == chat.user.chat.id] == [texts.HANDOVER_SENT]
    faq_row, case_row = await rows(session_factory)
    assert faq_row.outcome == "handed_over"
    assert (case_row.kind, case_row.outcome) == ("handover", "handed_over")

    again = await chat.user.press_button(replies[0], texts.BUTTON_HANDOVER)
    assert [m.text for m in again] == [texts.HANDOVER_ALREADY]


async def test_handover_when_no_staff_can_be_reached(chat, session_factory):
    chat.session.blocked_chats.add(STAFF_ID)
    replies = await chat.user.send("рецепта за баница с тиквички")
    handed = await chat.user.press_button(replies[0], texts.BUTTON_HANDOVER)
    assert [m.text for m in handed] == [texts.HANDOVER_NO_STAFF]
    faq_row, case_row = await rows(session_factory)
    assert faq_row.outcome == "unknown"  # nobody took it: not counted as handed over
    assert case_row.outcome == "handed_over"  # the attempt is on record, never answered


async def test_thumbs_up_is_recorded_and_the_survey_offered(chat, session_factory):
    reply = (await chat.user.send("Какви документи трябват за лиценз на ЦПО?"))[0]
    [survey] = await chat.user.press_button(reply, texts.BUTTON_UP)
    assert chat.session.callback_answers[-1].text == texts.FEEDBACK_THANKS
    assert survey.text == texts.SURVEY_ASK
    assert [label for label, _ in survey.buttons] == ["1", "2", "3", "4", "5", "Пропусни"]
    [row] = await rows(session_factory)
    assert row.feedback == "up" and row.rating is None

    [ask_comment] = await chat.user.press_button(survey, "4")
    assert ask_comment.text == texts.SURVEY_ASK_COMMENT.format(rating=4)
    [thanks] = await chat.user.send("Ясно и кратко, благодаря. ЕГН 7501010010 не е нужно.")
    assert thanks.text == texts.SURVEY_THANKS
    [row] = await rows(session_factory)
    assert row.rating == 4 and "7501010010" not in row.comment and "Ясно" in row.comment
    # the next message is a question again, not a comment
    answer = await chat.user.send("Какви документи трябват за лиценз на ЦПО?")
    assert "Какви документи" in answer[0].text


async def test_survey_can_be_skipped_and_forged_ratings_change_nothing(chat, session_factory):
    reply = (await chat.user.send("Какви документи трябват за лиценз на ЦПО?"))[0]
    [survey] = await chat.user.press_button(reply, texts.BUTTON_UP)
    assert await chat.user.press_button(survey, texts.BUTTON_SURVEY_SKIP) == []
    assert chat.session.callback_answers[-1].text == texts.SURVEY_SKIPPED
    [row] = await rows(session_factory)
    assert await chat.user.press(f"svy:{row.id}:9") == []  # out of range
    assert await chat.user.press(f"svy:{row.id + 1}:5") == []  # not this user's
    other = chat.other_user(200_002)
    assert await other.press(f"svy:{row.id}:1") == []  # someone else's consultation
    [row] = await rows(session_factory)
    assert row.rating is None


async def test_thumbs_down_asks_for_a_reason_and_records_it(chat, session_factory):
    reply = (await chat.user.send("Какви документи трябват за лиценз на ЦПО?"))[0]
    ask_reason = await chat.user.press_button(reply, texts.BUTTON_DOWN)
    assert ask_reason[0].text == texts.FEEDBACK_ASK_REASON
    labels = [label for label, _ in ask_reason[0].buttons]
    assert (
        texts.REASON_WRONG in labels
        and texts.REASON_INCOMPLETE in labels
        and texts.REASON_OFF_TOPIC in labels
    )
    thanks = await chat.user.press_button(ask_reason[0], texts.REASON_INCOMPLETE)
    assert thanks[0].text == texts.FEEDBACK_REASON_THANKS
    [row] = await rows(session_factory)
    assert (row.feedback, row.feedback_reason) == ("down", "incomplete")


async def test_forged_and_stale_buttons_get_a_clear_answer(chat, session_factory):
    reply = (await chat.user.send("Какви документи трябват за лиценз на ЦПО?"))[0]
    [row] = await rows(session_factory)
    forged = [
        "garbage",
        "",
        "rate:not-a-number:1",
        Rate(consultation_id=row.id + 999, up=True).pack(),
        f"why:{row.id}:evil",
        "handover:-1",
        f"pick:no-such-entry:{row.id}",
        "pick:" + "x" * 60,
    ]
    for data in forged:
        assert await chat.user.press(data, reply) == []
        answered = chat.session.callback_answers[-1]
        assert answered.text in {texts.STALE_BUTTON, texts.ENTRY_GONE}, data
    # someone else pressing my button changes nothing
    stranger = chat.other_user(300_003)
    await stranger.press(Rate(consultation_id=row.id, up=False).pack(), reply)
    assert chat.session.callback_answers[-1].text == texts.STALE_BUTTON
    [row] = await rows(session_factory)
    assert row.feedback is None


async def test_unsupported_content_gets_a_polite_sentence(chat):
    from aiogram.types import PhotoSize, Sticker, Voice

    sticker = Sticker(
        file_id="s",
        file_unique_id="s",
        type="regular",
        width=1,
        height=1,
        is_animated=False,
        is_video=False,
    )
    for content in (
        {"sticker": sticker},
        {"photo": [PhotoSize(file_id="p", file_unique_id="p", width=1, height=1)]},
        {"voice": Voice(file_id="v", file_unique_id="v", duration=1)},
    ):
        replies = await chat.user.send(**content)
        assert [r.text for r in replies] == [texts.UNSUPPORTED_CONTENT]


async def test_unknown_command(chat):
    assert [r.text for r in await chat.user.send("/weather")] == [texts.UNKNOWN_COMMAND]
