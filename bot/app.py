"""The composition root: everything built once at start-up and wired into one Dispatcher."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Knowledge, build_knowledge
from bot.middlewares import TransactionMiddleware
from handlers import create_root_router, errors
from knowledge.consultations import Channel
from storage.ratelimit import MemoryRateLimiter, RateLimiter
from storage.register import CentreNameIndex


def build_dispatcher(
    *,
    knowledge: Knowledge,
    session_factory: async_sessionmaker[AsyncSession],
    pseudonym_secret: str,
    staff_ids: frozenset[int],
    channel: Channel,
    register_secret: str = "",
    rate_limiter: RateLimiter | None = None,
    storage: BaseStorage | None = None,
) -> Dispatcher:
    dispatcher = Dispatcher(
        storage=storage or MemoryStorage(),
        faq_matcher=knowledge.matcher,
        checklists=knowledge.checklists,
        document_matchers=knowledge.document_matchers,
        staff_ids=staff_ids,
        channel=channel,
        register_secret=register_secret,
        rate_limiter=rate_limiter or MemoryRateLimiter(),
        centre_index=CentreNameIndex(),
    )
    dispatcher.update.outer_middleware(
        TransactionMiddleware(session_factory, pseudonym_secret, channel)
    )
    dispatcher.include_router(errors.create_router())
    dispatcher.include_router(create_root_router())
    return dispatcher


__all__ = ["Knowledge", "build_dispatcher", "build_knowledge"]
