from __future__ import annotations

import datetime as dt

import pytest

from knowledge.consultations import (
    AGENCY_TZ,
    Channel,
    ConsultationDraft,
    Feedback,
    FeedbackReason,
    Kind,
    Outcome,
    quarter_of,
)
from storage.db import create_session_factory, upgrade_schema
from storage.repositories import ConsultationRepository


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def draft(user="u1", key="k1", outcome=Outcome.ANSWERED, topic="cpo-documents"):
    return ConsultationDraft(Channel.TELEGRAM, user, Kind.FAQ, outcome, topic, "въпрос", 0.9, key)


@pytest.fixture
async def factory(blank_engine):
    await upgrade_schema(blank_engine)
    return create_session_factory(blank_engine)


async def test_repeat_within_the_window_is_one_consultation(factory):
    clock = Clock(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC))
    async with factory.begin() as session:
        repo = ConsultationRepository(session, clock)
        first = await repo.record(draft(outcome=Outcome.SUGGESTED, topic=None))
        clock.now += dt.timedelta(minutes=10)
        again = await repo.record(draft())
        assert again.id == first.id and again.repeated
        assert again.outcome == "answered"  # outcomes only move up
        clock.now += dt.timedelta(minutes=45)
        later = await repo.record(draft())
        assert later.id != first.id and not later.repeated
        other_user = await repo.record(draft(user="u2"))
        assert other_user.id not in {first.id, later.id}


async def test_feedback_only_on_own_consultations(factory):
    async with factory.begin() as session:
        repo = ConsultationRepository(session)
        mine = await repo.record(draft())
        assert not await repo.set_feedback(mine.id, "someone-else", Feedback.DOWN)
        assert await repo.set_feedback(mine.id, "u1", Feedback.DOWN, FeedbackReason.WRONG)
        assert await repo.get_own(mine.id, "someone-else") is None
        stored = await repo.get_own(mine.id, "u1")
        assert (stored.feedback, stored.feedback_reason) == ("down", "wrong")
        assert [c.id for c in await repo.recent_unanswered()] == [mine.id]


async def test_report_counts_by_quarter_in_sofia_time(factory):
    # 31 March 22:30 UTC is already 1 April in Sofia (UTC+3 in summer time): quarter 2.
    moments = [
        dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC),  # 1 January 2027 in Sofia
    ]
    assert quarter_of(moments[1]) == (2026, 2)
    clock = Clock(moments[0])
    async with factory.begin() as session:
        repo = ConsultationRepository(session, clock)
        for index, moment in enumerate(moments):
            clock.now = moment
            await repo.record(draft(key=f"k{index}"))
        clock.now = moments[0]
        await repo.record(draft(key="unknown", outcome=Outcome.UNKNOWN, topic=None))
    async with factory() as session:
        report = await ConsultationRepository(session).report(2026)
    assert {(r.quarter, r.outcome): r.count for r in report.rows} == {
        (1, "answered"): 1,
        (1, "unknown"): 1,
        (2, "answered"): 1,
    }
    async with factory() as session:
        q2 = await ConsultationRepository(session).report(2026, 2)
    assert q2.total() == 1
    assert moments[2].astimezone(AGENCY_TZ).year == 2027


async def test_purge_forgets_old_text_but_keeps_counts(factory):
    clock = Clock(dt.datetime(2025, 1, 10, tzinfo=dt.UTC))
    async with factory.begin() as session:
        repo = ConsultationRepository(session, clock)
        await repo.record(draft())
        assert await repo.purge_questions(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == 1
    async with factory() as session:
        report = await ConsultationRepository(session).report(2025)
        assert report.total() == 1


async def test_start_up_forgets_question_texts_older_than_the_retention(factory):
    from bot.runner import purge_expired_questions

    old = Clock(dt.datetime.now(dt.UTC) - dt.timedelta(days=400))
    async with factory.begin() as session:
        await ConsultationRepository(session, old).record(draft(key="old"))
        await ConsultationRepository(session).record(draft(key="new"))
    assert await purge_expired_questions(factory) == 1
    async with factory() as session:
        kept = await ConsultationRepository(session).recent_unanswered()
        assert kept == []  # nothing unanswered here; check the texts directly below
        from sqlalchemy import select

        from storage.models import ConsultationRow

        questions = sorted(
            (r.repeat_key, r.question) for r in await session.scalars(select(ConsultationRow))
        )
    assert questions == [("new", "въпрос"), ("old", None)]


async def test_report_counts_complete_document_sets(factory):
    async with factory.begin() as session:
        repo = ConsultationRepository(session)
        for index, complete in enumerate((True, False, True)):
            await repo.record(
                ConsultationDraft(
                    Channel.TELEGRAM,
                    f"user{index}",
                    Kind.CHECKLIST,
                    Outcome.ANSWERED,
                    "cpo-licence",
                    None,
                    None,
                    "cpo-licence",
                    8 if complete else 5,
                    8,
                    complete,
                    {"formular": "found"},
                )
            )
    async with factory() as session:
        report = await ConsultationRepository(session).report(dt.date.today().year)
    counts = {(r.kind, r.outcome): r.count for r in report.rows}
    assert counts == {("checklist", "complete"): 2, ("checklist", "incomplete"): 1}
