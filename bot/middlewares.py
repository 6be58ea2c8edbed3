"""Per-update resources: one database transaction and the user's pseudonym."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.consultations import Channel
from knowledge.faq_library import FaqLibrary
from knowledge.privacy import pseudonymous_user_key
from storage.register import RegisterRepository
from storage.repositories import ConsultationRepository
from storage.workspace import (
    AuditLog,
    FaqChangeRepository,
    HandoverRepository,
    ReportRepository,
    StaffRepository,
)


class TransactionMiddleware(BaseMiddleware):
    """Opens one transaction per update: commit when the handler returns, roll back on error."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        pseudonym_secret: str,
        channel: Channel,
        library: FaqLibrary,
    ) -> None:
        self.session_factory = session_factory
        self.pseudonym_secret = pseudonym_secret
        self.channel = channel
        self.library = library

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None:
            data["user_key"] = pseudonymous_user_key(self.pseudonym_secret, self.channel, user.id)
        async with self.session_factory() as session, session.begin():
            faq_changes = FaqChangeRepository(session)
            if self.library.poll_due():
                # Another process (or an earlier run) may have published FAQ changes.
                if await faq_changes.latest_id() != self.library.applied_change_id:
                    self.library.apply(await faq_changes.all())
            data["faq_matcher"] = self.library.matcher
            recorded = data.setdefault("recorded", [])
            data["consultations"] = ConsultationRepository(session, recorded=recorded)
            data["register"] = RegisterRepository(session)
            data["staff"] = StaffRepository(session)
            data["audit"] = AuditLog(session)
            data["reports"] = ReportRepository(session)
            data["faq_changes"] = faq_changes
            data["handovers"] = HandoverRepository(session, recorded=recorded)
            return await handler(event, data)
