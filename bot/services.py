"""What a serving process opens once: the database, Redis when configured, and everything that
must be shared between processes through it (conversation state, rate limits, the once-only
handling of updates, the sending pace). Without REDIS_URL each lives in the process's memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods.base import Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.content import Knowledge
from bot.flood import FloodControl, MemoryPacer, Pacer, RedisPacer
from bot.observability import Metrics
from bot.settings import Settings
from knowledge.consultations import Channel
from storage.db import create_engine, create_session_factory, upgrade_schema
from storage.dedup import MemoryDeduplicator, RedisDeduplicator, UpdateDeduplicator
from storage.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter

# Conversation steps (a document check, a verification) are forgotten after a day of silence.
STATE_TTL_SECONDS = 24 * 3600


@dataclass
class Services:
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    storage: BaseStorage
    rate_limiter: RateLimiter
    deduplicator: UpdateDeduplicator
    pacer: Pacer
    metrics: Metrics = field(default_factory=Metrics)
    redis: Any = None
    events_isolation: BaseEventIsolation | None = None

    async def close(self) -> None:
        await self.storage.close()
        if self.events_isolation is not None:
            await self.events_isolation.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


async def open_services(settings: Settings, *, migrate: bool = True) -> Services:
    engine = create_engine(settings.database_url)
    if migrate:
        await upgrade_schema(engine)
    session_factory = create_session_factory(engine)
    if not settings.redis_url:
        return Services(
            engine=engine,
            session_factory=session_factory,
            storage=MemoryStorage(),
            rate_limiter=MemoryRateLimiter(),
            deduplicator=MemoryDeduplicator(),
            pacer=MemoryPacer(settings.send_rate),
        )
    from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage

    from storage.redis_pool import LOCK_KWARGS, redis_client

    redis = redis_client(settings.redis_url)
    storage = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(prefix="napoo:fsm", with_bot_id=True),
        state_ttl=STATE_TTL_SECONDS,
        data_ttl=STATE_TTL_SECONDS,
    )
    return Services(
        engine=engine,
        session_factory=session_factory,
        storage=storage,
        rate_limiter=RedisRateLimiter(redis),
        deduplicator=RedisDeduplicator(redis),
        pacer=RedisPacer(redis, settings.send_rate),
        redis=redis,
        events_isolation=RedisEventIsolation(
            redis,
            key_builder=DefaultKeyBuilder(prefix="napoo:lock", with_bot_id=True),
            lock_kwargs=LOCK_KWARGS,
        ),
    )


# aiogram validates each answer of the Bot API as pydantic's `Response[<returned type>]`. pydantic
# keeps such generic classes only while something refers to them, so a garbage collection drops
# them and the next call rebuilds one, schema and all (measured: ~5% of a busy process's time).
# The methods the bot calls keep theirs here for the life of the process.
_RESPONSE_MODELS = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        methods.SendMessage,
        methods.SendDocument,
        methods.SendPhoto,
        methods.EditMessageText,
        methods.EditMessageReplyMarkup,
        methods.DeleteMessage,
        methods.AnswerCallbackQuery,
        methods.GetMe,
        methods.GetFile,
        methods.GetUpdates,
        methods.SetWebhook,
        methods.DeleteWebhook,
        methods.SetMyCommands,
    )
)


def telegram_bot(settings: Settings, services: Services) -> Bot:
    """The Bot with flood control: paced sending and 429s waited out."""
    assert settings.bot_token is not None
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
        if settings.telegram_api_base
        else AiohttpSession()
    )
    session.middleware(FloodControl(services.pacer, on_wait=services.metrics.flood_waits.inc))
    return Bot(
        token=settings.bot_token.get(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def telegram_dispatcher(
    settings: Settings, services: Services, knowledge: Knowledge, channel: Channel
) -> Dispatcher:
    return build_dispatcher(
        knowledge=knowledge,
        session_factory=services.session_factory,
        pseudonym_secret=settings.pseudonym_secret.get(),
        staff_ids=settings.staff_ids,
        channel=channel,
        register_secret=settings.register_secret.get(),
        rate_limiter=services.rate_limiter,
        storage=services.storage,
        admin_ids=settings.admin_ids,
        staff_chat_id=settings.staff_chat_id,
        deduplicator=services.deduplicator,
        metrics=services.metrics,
        events_isolation=services.events_isolation,
    )
