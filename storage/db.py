"""Engines, sessions and schema upgrades. SQLite by default; PostgreSQL by DATABASE_URL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)
# aiosqlite logs every statement with its parameters at DEBUG: registration numbers, masked
# questions. Never let them reach a log, whatever LOG_LEVEL says.
logging.getLogger("aiosqlite").setLevel(logging.WARNING)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_engine(url: str, *, sqlite_busy_timeout_ms: int = 5000, **kwargs: Any) -> AsyncEngine:
    """An async engine; for SQLite: the folder is created, WAL mode and a busy timeout are set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("hide_parameters", True)  # tracebacks must not carry user text
        # SQLite has one writer at a time. One connection per process makes concurrent updates
        # queue in the pool (fair, no polling) instead of racing for the file lock: with several
        # connections, a transaction that read before another one wrote cannot upgrade to a
        # writer (SQLITE_BUSY_SNAPSHOT fails at once, without waiting). Several processes on one
        # SQLite file still wait on busy_timeout; production with several processes uses
        # PostgreSQL. (BEGIN IMMEDIATE would also prevent it, at ~3 ms per update: measured.)
        if database and database != ":memory:":
            kwargs.setdefault("pool_size", 1)
            kwargs.setdefault("max_overflow", 0)
            kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(sqlite_busy_timeout_ms)}")
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL never corrupts the database; it only skips the fsync per
                # commit (a power cut may lose the last moments), which is the recommended pair.
                cursor.execute("PRAGMA synchronous = NORMAL")
            except Exception:  # a read-only database cannot switch mode; it still reads
                log.warning("SQLite database could not switch to WAL mode (read-only?)")
            cursor.execute("PRAGMA foreign_keys = ON")
            # 32 MiB page cache (allocated as used): the register's indexes at a million rows
            # stay in memory during an import instead of being re-read for every batch.
            cursor.execute("PRAGMA cache_size = -32768")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("hide_parameters", True)
    # Enough kept-open connections for a burst of concurrent updates: with SQLAlchemy's default
    # of 5, every update beyond the fifth opened and closed a connection of its own (measured:
    # about 5% of the process's time under load went to connecting).
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _current_and_head(connection: Connection) -> tuple[str | None, str | None]:
    current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return current, head


async def upgrade_schema(engine: AsyncEngine) -> bool:
    """Bring the database to the newest schema; True when something was applied."""
    async with engine.connect() as connection:
        current, head = await connection.run_sync(_current_and_head)
    if current == head:
        return False
    log.info("upgrading database schema from %s to %s", current or "empty", head)
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
    return True
