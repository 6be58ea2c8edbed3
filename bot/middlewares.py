"""Per-update resources: one database transaction and the user's pseudonym."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.consultations import Channel
from knowledge.privacy import pseudonymous_user_key
from storage.register import RegisterRepository
from storage.repositories import ConsultationRepository


class TransactionMiddleware(BaseMiddleware):
    """Opens one transaction per update: commit when the handler returns, roll back on error."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        pseudonym_secret: str,
        channel: Channel,
    ) -> None:
        self.session_factory = session_factory
        self.pseudonym_secret = pseudonym_secret
        self.channel = channel

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
            data["consultations"] = ConsultationRepository(session)
            data["register"] = RegisterRepository(session)
            return await handler(event, data)
