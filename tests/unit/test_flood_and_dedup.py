"""Flood control (the sending pace and Telegram's 429 answers) and the once-only handling of
updates, in memory; the Redis versions are in tests/db/test_shared_state.py."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetMe, SendMessage

from bot.app import build_dispatcher
from bot.flood import FloodControl, MemoryPacer
from bot.offline import OfflineUser, RecordingSession, offline_bot
from handlers import texts
from knowledge.consultations import Channel
from storage.dedup import MemoryDeduplicator
from tests.conftest import PSEUDONYM_SECRET


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FloodingSession(RecordingSession):
    """Answers the first `floods` sendMessage calls with 429 and a retry_after, like Telegram."""

    def __init__(self, floods: int, retry_after: int = 3) -> None:
        super().__init__()
        self.floods = floods
        self.retry_after = retry_after
        self.attempts = 0

    async def make_request(self, bot, method, timeout=None):
        if isinstance(method, SendMessage):
            self.attempts += 1
            if self.floods > 0:
                self.floods -= 1
                raise TelegramRetryAfter(
                    method=method,
                    message=f"Too Many Requests: retry after {self.retry_after}",
                    retry_after=self.retry_after,
                )
        return await super().make_request(bot, method, timeout)


def flood_controlled(session: RecordingSession, time: FakeTime, rate: float = 25.0):
    session.middleware(
        FloodControl(MemoryPacer(rate, clock=time.clock, sleep=time.sleep), sleep=time.sleep)
    )
    return offline_bot(session)


async def test_a_429_is_waited_out_and_the_message_still_arrives(knowledge, session_factory):
    time = FakeTime()
    session = FloodingSession(floods=2, retry_after=3)
    bot = flood_controlled(session, time)
    dispatcher = build_dispatcher(
        knowledge=knowledge,
        session_factory=session_factory,
        pseudonym_secret=PSEUDONYM_SECRET,
        staff_ids=frozenset(),
        channel=Channel.TELEGRAM,
    )
    replies = await OfflineUser(dispatcher, bot, session).send("/help")
    assert [r.text for r in replies] == [texts.HELP]  # delivered once, after two refusals
    assert session.attempts == 3
    assert [s for s in time.sleeps if s >= 1] == [3, 3]


async def test_after_too_many_refusals_the_error_surfaces():
    time = FakeTime()
    session = FloodingSession(floods=10, retry_after=1)
    bot = flood_controlled(session, time)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "здравейте")
    assert session.attempts == 4  # the first try and three retries
    await bot.session.close()


async def test_a_long_retry_after_is_not_waited_inside_an_update():
    time = FakeTime()
    session = FloodingSession(floods=1, retry_after=600)
    bot = flood_controlled(session, time)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "здравейте")
    assert session.attempts == 1 and 600 not in time.sleeps


async def test_sending_is_paced_and_other_calls_are_not():
    time = FakeTime()
    session = RecordingSession()
    bot = flood_controlled(session, time, rate=25)
    for _ in range(50):
        await bot.send_message(1, "съобщение")
    for _ in range(20):
        await bot(GetMe())
    # 50 messages at 25 a second: the last one goes out 49/25 s after the first
    assert time.now - 100.0 == pytest.approx(49 / 25)
    assert len(session.sent) == 50


async def test_memory_deduplicator_claims_once_releases_and_expires():
    time = FakeTime()
    dedup = MemoryDeduplicator(capacity=3, clock=time.clock)
    assert await dedup.claim(1, 10)
    assert not await dedup.claim(1, 10)  # in progress
    assert await dedup.claim(2, 10)  # another bot's update 10
    await dedup.release(1, 10)
    assert await dedup.claim(1, 10)  # a failed update can be retried
    await dedup.done(1, 10)
    time.now += 3600
    assert not await dedup.claim(1, 10)  # done: kept for a day
    time.now += 24 * 3600
    assert await dedup.claim(1, 10)
    for update_id in range(20, 30):  # bounded memory
        await dedup.claim(1, update_id)
    assert len(dedup._seen) == 3


async def test_the_same_update_twice_is_answered_once(chat):
    from aiogram.types import Update

    message = chat.user._message(text="/help")
    update = Update(update_id=777_777, message=message)
    await chat.dispatcher.feed_update(chat.bot, update)
    await chat.dispatcher.feed_update(chat.bot, update)
    assert [m.text for m in chat.session.sent] == [texts.HELP]
