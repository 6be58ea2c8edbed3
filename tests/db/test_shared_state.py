"""What several processes share through Redis: conversation state, the once-only handling of
updates and the sending pace (real Redis; skipped with the reason where TEST_REDIS_URL is
unset)."""

from __future__ import annotations

import uuid

import pytest
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

from bot.app import build_dispatcher
from bot.flood import RedisPacer
from bot.offline import OfflineUser, RecordingSession, offline_bot
from handlers import texts
from knowledge.consultations import Channel
from storage.dedup import RedisDeduplicator
from storage.redis_pool import redis_client
from tests.conftest import PSEUDONYM_SECRET, env_url


@pytest.fixture
async def redis():
    client = redis_client(env_url("TEST_REDIS_URL"))
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    yield client, prefix
    keys = [key async for key in client.scan_iter(f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_redis_deduplicator_claims_once_across_processes(redis):
    client, prefix = redis
    one, two = RedisDeduplicator(client, prefix), RedisDeduplicator(client, prefix)
    assert await one.claim(1, 5)
    assert not await two.claim(1, 5)
    await one.release(1, 5)
    assert await two.claim(1, 5)
    await two.done(1, 5)
    assert not await one.claim(1, 5)
    assert 0 < await client.ttl(f"{prefix}:update:1:5") <= 24 * 3600


async def test_redis_pacer_shares_one_pace_between_processes(redis):
    client, prefix = redis
    now = [1_000_000.25]
    sent_at: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacers = [
        RedisPacer(client, 10, prefix=prefix, clock=lambda: now[0], sleep=sleep) for _ in range(2)
    ]
    for index in range(30):
        await pacers[index % 2].wait_turn()
        sent_at.append(now[0])
    per_second: dict[int, int] = {}
    for moment in sent_at:
        per_second[int(moment)] = per_second.get(int(moment), 0) + 1
    assert max(per_second.values()) == 10  # both processes together, never more
    assert len(per_second) == 3


async def test_a_conversation_continues_on_the_other_process(knowledge, session_factory, redis):
    client, prefix = redis
    storage = RedisStorage(client, key_builder=DefaultKeyBuilder(prefix=f"{prefix}:fsm"))
    session = RecordingSession()
    bot = offline_bot(session)
    dispatchers = [
        build_dispatcher(
            knowledge=knowledge,
            session_factory=session_factory,
            pseudonym_secret=PSEUDONYM_SECRET,
            staff_ids=frozenset(),
            channel=Channel.TELEGRAM,
            storage=storage,
            deduplicator=RedisDeduplicator(client, prefix),
        )
        for _ in range(2)
    ]
    first = OfflineUser(dispatchers[0], bot, session)
    second = OfflineUser(dispatchers[1], bot, session)
    [question] = await first.send("/documents")
    await second.press_button(question, "Нова лицензия на ЦПО")
    typed = await second.send("заявление\nдокумент за платена такса")
    # the other process knows the conversation: the lines are a document list, not a question
    assert [m.text for m in typed] == [texts.docs_list_noted(2)]
    cancelled = await first.send("/cancel")
    assert [m.text for m in cancelled] == [texts.CANCELLED]
