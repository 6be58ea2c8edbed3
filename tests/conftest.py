"""Shared fixtures: the real knowledge base, a fresh database and Dispatcher per test."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_dispatcher
from bot.content import Knowledge, build_knowledge
from bot.offline import OfflineUser, RecordingSession, offline_bot
from knowledge.consultations import AGENCY_TZ, Channel
from knowledge.office_hours import OfficeHours
from storage.db import create_engine, create_session_factory, upgrade_schema

PSEUDONYM_SECRET = "test-secret-0123456789abcdef"
STAFF_ID = 555_000_111


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return build_knowledge()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url, sqlite_busy_timeout_ms=200)
    await upgrade_schema(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine):
    return create_session_factory(engine)


class AlwaysOpen(OfficeHours):
    """Office hours that do not depend on when the tests run."""

    def is_open(self, moment: dt.datetime) -> bool:
        return True


class AlwaysClosed(OfficeHours):
    """Closed until a fixed Monday morning."""

    OPENING = dt.datetime(2026, 11, 30, 9, 0, tzinfo=AGENCY_TZ)

    def is_open(self, moment: dt.datetime) -> bool:
        return False

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        return self.OPENING


class Chat:
    """One user's conversation with a fresh bot."""

    def __init__(
        self,
        knowledge: Knowledge,
        session_factory,
        staff_ids=frozenset({STAFF_ID}),
        session: RecordingSession | None = None,
        **options,
    ) -> None:
        self.session = session or RecordingSession()
        self.bot = offline_bot(self.session)
        self.dispatcher = build_dispatcher(
            knowledge=knowledge,
            session_factory=session_factory,
            pseudonym_secret=PSEUDONYM_SECRET,
            staff_ids=staff_ids,
            channel=Channel.TELEGRAM,
            **{"office_hours": AlwaysOpen(), **options},
        )
        self.user = OfflineUser(self.dispatcher, self.bot, self.session)

    def other_user(self, user_id: int, **kwargs) -> OfflineUser:
        return OfflineUser(self.dispatcher, self.bot, self.session, user_id=user_id, **kwargs)


@pytest.fixture
def chat(knowledge: Knowledge, session_factory) -> Chat:
    return Chat(knowledge, session_factory)


def env_url(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set: this test needs the real server")
    return value
