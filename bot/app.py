"""The composition root: everything built once at start-up and wired into one Dispatcher."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Knowledge, build_knowledge
from bot.middlewares import TransactionMiddleware
from bot.observability import Metrics, UpdateMiddleware
from handlers import create_root_router, errors
from handlers.filters import Roles
from knowledge.consultations import Channel
from knowledge.indicators import load_catalogue
from knowledge.office_hours import OfficeHours, load_office_hours
from storage.dedup import MemoryDeduplicator, UpdateDeduplicator
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
    admin_ids: frozenset[int] = frozenset(),
    staff_chat_id: int | None = None,
    office_hours: OfficeHours | None = None,
    deduplicator: UpdateDeduplicator | None = None,
    metrics: Metrics | None = None,
    events_isolation: BaseEventIsolation | None = None,
) -> Dispatcher:
    # Each dispatcher has its own live FAQ library: staff's published changes reach it through
    # the database, so two processes (or two test dispatchers) never share a mutable object.
    library = knowledge.library.fork()
    dispatcher = Dispatcher(
        storage=storage or MemoryStorage(),
        # One update at a time per user (across processes with Redis): two quick messages in
        # the middle of a document check must not race for the conversation's state.
        events_isolation=events_isolation or SimpleEventIsolation(),
        faq_library=library,
        checklists=knowledge.checklists,
        document_matchers=knowledge.document_matchers,
        staff_ids=staff_ids,
        channel=channel,
        register_secret=register_secret,
        rate_limiter=rate_limiter or MemoryRateLimiter(),
        centre_index=CentreNameIndex(),
        roles=Roles(admin_ids=admin_ids, fixed_staff_ids=staff_ids),
        staff_chat_id=staff_chat_id,
        office_hours=office_hours or load_office_hours(),
        catalogue_loader=load_catalogue,
    )
    dispatcher.update.outer_middleware(
        UpdateMiddleware(deduplicator or MemoryDeduplicator(), metrics or Metrics())
    )
    dispatcher.update.outer_middleware(
        TransactionMiddleware(session_factory, pseudonym_secret, channel, library)
    )
    dispatcher.include_router(errors.create_router())
    dispatcher.include_router(create_root_router())
    return dispatcher


__all__ = ["Knowledge", "build_dispatcher", "build_knowledge"]
