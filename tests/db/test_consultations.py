from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

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
from knowledge.indicators import load_catalogue
from storage.db import create_session_factory, upgrade_schema
from storage.models import ConsultationRow
from storage.repositories import ConsultationRepository
from storage.workspace import ReportRepository


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


async def _indicators(factory, year: int) -> dict[str, dict[int, int]]:
    async with factory() as session:
        table = await ReportRepository(session).table(year, load_catalogue(year))
    return {line.indicator.id: dict(line.quarters) for line in table.lines}


async def test_report_counts_by_quarter_in_sofia_time(factory):
    # 31 March 22:30 UTC is already 1 April in Sofia (UTC+3 in summer time): quarter 2.
    moments = [
        dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC),  # 1 January 2027 in Sofia
        dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.UTC),  # 1 January 2026 in Sofia: Q1
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
        clock.now = moments[0] + dt.timedelta(minutes=5)  # a repeat: counted once
        await repo.record(draft(key="k0"))
    counts = await _indicators(factory, 2026)
    assert counts["2.1.1-consultations"] == {1: 2, 2: 1, 3: 0, 4: 0}
    assert (await _indicators(factory, 2027))["2.1.1-consultations"] == {1: 1, 2: 0, 3: 0, 4: 0}
    assert moments[2].astimezone(AGENCY_TZ).year == 2027


async def test_purge_forgets_old_text_but_keeps_counts(factory):
    clock = Clock(dt.datetime(2025, 1, 10, tzinfo=dt.UTC))
    async with factory.begin() as session:
        repo = ConsultationRepository(session, clock)
        record = await repo.record(draft())
        assert await repo.set_rating(record.id, "u1", 4)
        assert await repo.set_comment(record.id, "u1", "много полезно")
    before = await _indicators(factory, 2025)
    async with factory.begin() as session:
        repo = ConsultationRepository(session)
        assert await repo.purge_texts(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == 1
        row = await session.get(ConsultationRow, record.id)
        assert (row.question, row.comment, row.rating) == (None, None, 4)
    assert await _indicators(factory, 2025) == before
    assert before["6.4-feedback"][1] == 1


async def test_start_up_forgets_question_texts_older_than_the_retention(factory):
    from bot.report_cli import purge_expired

    old = Clock(dt.datetime.now(dt.UTC) - dt.timedelta(days=400))
    async with factory.begin() as session:
        await ConsultationRepository(session, old).record(draft(key="old"))
        await ConsultationRepository(session).record(draft(key="new"))
    assert await purge_expired(factory, 365) == (1, 0)
    async with factory() as session:
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
    year, quarter = quarter_of(dt.datetime.now(dt.UTC))
    counts = await _indicators(factory, year)
    assert counts["2.1.1-complete-sets"][quarter] == 2
    assert counts["2.1.1-consultations"][quarter] == 3
