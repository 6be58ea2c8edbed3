"""The composition root: everything built once at start-up and wired into one Dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares import TransactionMiddleware
from handlers import create_root_router, errors
from knowledge.consultations import Channel
from knowledge.faq import load_knowledge_base
from knowledge.matcher import FaqMatcher, MatchThresholds
from knowledge.normalize import load_normalizer


@dataclass(frozen=True)
class Knowledge:
    matcher: FaqMatcher


def build_knowledge() -> Knowledge:
    """Load and check the content; raises KnowledgeBaseError naming a bad file."""
    knowledge_base = load_knowledge_base()
    return Knowledge(
        matcher=FaqMatcher(knowledge_base, load_normalizer(), MatchThresholds.load()),
    )


def build_dispatcher(
    *,
    knowledge: Knowledge,
    session_factory: async_sessionmaker[AsyncSession],
    pseudonym_secret: str,
    staff_ids: frozenset[int],
    channel: Channel,
    storage: BaseStorage | None = None,
) -> Dispatcher:
    dispatcher = Dispatcher(
        storage=storage or MemoryStorage(),
        faq_matcher=knowledge.matcher,
        staff_ids=staff_ids,
        channel=channel,
    )
    dispatcher.update.outer_middleware(
        TransactionMiddleware(session_factory, pseudonym_secret, channel)
    )
    dispatcher.include_router(errors.create_router())
    dispatcher.include_router(create_root_router())
    return dispatcher


__all__ = ["Knowledge", "build_dispatcher", "build_knowledge"]
