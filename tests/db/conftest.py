"""Repositories and migrations on every database we support: SQLite always, PostgreSQL when
TEST_DATABASE_URL is set (CI sets it; elsewhere those tests are skipped with the reason)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine


async def _reset_postgres(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", "postgresql"])
async def blank_engine(request, tmp_path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database of each backend."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests need a real server")
        engine = create_engine(url)
        await _reset_postgres(engine)
    yield engine
    await engine.dispose()
