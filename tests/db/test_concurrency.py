"""Two bot processes' worth of dispatchers sharing PostgreSQL and Redis: 200 users send 5
messages each at the same time, and every update is delivered to BOTH dispatchers (as a webhook
retry reaching the other process would be). Every message is answered once, every consultation
recorded once, nothing deadlocks and no row is lost."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage
from aiogram.types import Chat, Message, Update, User
from sqlalchemy import func, select

from bot.app import build_dispatcher
from bot.offline import BOT_USER, RecordingSession, offline_bot
from handlers import texts
from knowledge.consultations import Channel
from storage.db import create_engine, create_session_factory, upgrade_schema
from storage.dedup import RedisDeduplicator
from storage.models import ConsultationRow
from storage.ratelimit import RedisRateLimiter
from storage.redis_pool import LOCK_KWARGS, redis_client
from tests.conftest import PSEUDONYM_SECRET, env_url
from tests.db.conftest import _reset_postgres

USERS = 200
QUESTIONS = [
    "Какви документи трябват за лиценз на ЦПО?",
    "Колко струва лиценз за ЦИПО?",
    # Each names its centre and its topic: a question for both kinds of centre is answered with
    # "ЦПО or ЦИПО?", and this test counts answers.
    "колко време е валиден лицензът на ЦПО",
    "каква е таксата за допълване на лиценза с нова професия",
    "какви документи издава цпо след обучение",
]


def update(update_id: int, user_id: int, text: str) -> Update:
    user = User(id=user_id, is_bot=False, first_name="Потребител", language_code="bg")
    import datetime as dt

    return Update(
        update_id=update_id,
        message=Message(
            message_id=update_id,
            date=dt.datetime.now(dt.UTC),
            chat=Chat(id=user_id, type="private"),
            from_user=user,
            text=text,
        ),
    )


@pytest.fixture
async def shared_services(knowledge):
    """Two dispatchers, each with its own engine, Redis client and bot session (as two
    processes would have), on one PostgreSQL database and one Redis."""
    database_url = env_url("TEST_DATABASE_URL")
    redis_url = env_url("TEST_REDIS_URL")
    setup_engine = create_engine(database_url)
    await _reset_postgres(setup_engine)
    await upgrade_schema(setup_engine)
    await setup_engine.dispose()
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    processes = []
    for _ in range(2):
        engine = create_engine(database_url, pool_size=10, max_overflow=10)
        redis = redis_client(redis_url)
        session = RecordingSession()
        dispatcher = build_dispatcher(
            knowledge=knowledge,
            session_factory=create_session_factory(engine),
            pseudonym_secret=PSEUDONYM_SECRET,
            staff_ids=frozenset(),
            channel=Channel.TELEGRAM,
            storage=RedisStorage(redis, key_builder=DefaultKeyBuilder(prefix=f"{prefix}:fsm")),
            events_isolation=RedisEventIsolation(
                redis,
                key_builder=DefaultKeyBuilder(prefix=f"{prefix}:lock"),
                lock_kwargs=LOCK_KWARGS,
            ),
            rate_limiter=RedisRateLimiter(redis),
            deduplicator=RedisDeduplicator(redis, prefix=prefix),
        )
        processes.append((dispatcher, offline_bot(session), session, engine, redis))
    yield processes, database_url
    for _, _, _, engine, redis in processes:
        await engine.dispose()
        keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_two_dispatchers_answer_each_message_once_and_record_it_once(shared_services):
    processes, database_url = shared_services
    deliveries = []
    update_id = 10_000
    for user in range(USERS):
        for question in QUESTIONS:
            update_id += 1
            item = update(update_id, 500_000 + user, question)
            for dispatcher, bot, *_ in processes:  # the same update reaches both
                deliveries.append(dispatcher.feed_update(bot, item))
    results = await asyncio.wait_for(
        asyncio.gather(*deliveries, return_exceptions=True), timeout=300
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []

    sent = [m for _, _, session, *_ in processes for m in session.sent]
    replies_per_user = Counter(m.chat_id for m in sent)
    assert len(replies_per_user) == USERS
    assert set(replies_per_user.values()) == {len(QUESTIONS)}  # once each, never twice
    assert all(texts.LEGAL_BASIS.split("{")[0] in m.text for m in sent)
    assert not any(m.text == texts.INTERNAL_ERROR for m in sent)
    # both processes did part of the work
    assert all(len(session.sent) > 0 for _, _, session, *_ in processes)

    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        total = await session.scalar(select(func.count()).select_from(ConsultationRow))
        per_user = Counter(
            (await session.execute(select(ConsultationRow.user_key))).scalars().all()
        )
    await engine.dispose()
    assert total == USERS * len(QUESTIONS)
    assert set(per_user.values()) == {len(QUESTIONS)}


async def test_a_redelivered_update_is_answered_once_and_a_failed_one_can_be_retried(
    shared_services,
):
    processes, _ = shared_services
    (first, first_bot, first_session, *_), (second, second_bot, second_session, *_) = processes
    item = update(99_001, 600_001, QUESTIONS[0])
    await first.feed_update(first_bot, item)
    await second.feed_update(second_bot, item)
    assert len(first_session.sent) + len(second_session.sent) == 1
    # a process that fails mid-update releases its claim: Telegram's retry is handled
    second_session.blocked_chats.add(600_002)
    failing = update(99_002, 600_002, QUESTIONS[1])
    await second.feed_update(second_bot, failing)  # the reply cannot be sent: an error
    second_session.blocked_chats.clear()
    await first.feed_update(first_bot, failing)
    assert [m.chat_id for m in first_session.sent].count(600_002) == 1
    assert BOT_USER.id == first_bot.id
