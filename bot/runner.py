"""Run modes: Telegram long polling, the console chat, and the operator's commands."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from typing import TextIO

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_dispatcher, build_knowledge
from bot.console import ConsolePrinter, chat
from bot.offline import OfflineUser, RecordingSession, offline_bot
from bot.report_cli import purge_expired
from bot.settings import Settings
from knowledge.consultations import Channel
from storage.db import create_engine, create_session_factory, upgrade_schema
from storage.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter

log = logging.getLogger(__name__)

RETENTION_JOB_SECONDS = 24 * 3600

BOT_COMMANDS = [
    BotCommand(command="start", description="Начало и лични данни"),
    BotCommand(command="help", description="Как да използвам помощника"),
    BotCommand(command="documents", description="Проверка на пакет документи"),
    BotCommand(command="verify", description="Проверка на свидетелство в регистъра"),
    BotCommand(command="centre", description="Проверка на лицензията на център"),
    BotCommand(command="privacy", description="Какви данни пазим"),
    BotCommand(command="cancel", description="Прекратяване на текущото действие"),
]


async def _rate_limiter(settings: Settings) -> RateLimiter:
    """Shared through Redis when REDIS_URL is set (several processes), else in memory."""
    if settings.redis_url:
        from redis.asyncio import Redis

        return RedisRateLimiter(Redis.from_url(settings.redis_url))
    return MemoryRateLimiter()


def _freeze_start_up_objects() -> None:
    """Move what start-up built (indexes, content, modules) out of the garbage collector's way.

    Full collections then skip them; measured by benchmarks/pdf_check.py, this cuts the event
    loop's worst stall while a PDF is read in a worker thread from ~60 ms to ~15 ms.
    """
    gc.collect()
    gc.freeze()


async def _database(settings: Settings):
    """Engine and sessions on a current schema, with expired question texts forgotten."""
    engine = create_engine(settings.database_url)
    await upgrade_schema(engine)
    session_factory = create_session_factory(engine)
    return engine, session_factory


async def retention_job(session_factory, retention_days: int) -> None:
    """The scheduled purge: once at start-up, then daily, for as long as the bot runs."""
    while True:
        try:
            await purge_expired(session_factory, retention_days)
        except SQLAlchemyError:  # a locked or unreachable database: try again tomorrow
            log.exception("retention purge failed; it will run again in a day")
        await asyncio.sleep(RETENTION_JOB_SECONDS)


async def run_polling(settings: Settings) -> None:
    assert settings.bot_token is not None
    knowledge = build_knowledge()
    engine, session_factory = await _database(settings)
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
        if settings.telegram_api_base
        else AiohttpSession()
    )
    bot = Bot(
        token=settings.bot_token.get(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
    dispatcher = build_dispatcher(
        knowledge=knowledge,
        session_factory=session_factory,
        pseudonym_secret=settings.pseudonym_secret.get(),
        staff_ids=settings.staff_ids,
        channel=Channel.TELEGRAM,
        register_secret=settings.register_secret.get(),
        rate_limiter=await _rate_limiter(settings),
        admin_ids=settings.admin_ids,
        staff_chat_id=settings.staff_chat_id,
    )
    _freeze_start_up_objects()
    purge = asyncio.create_task(retention_job(session_factory, settings.retention_days))
    try:
        await bot.set_my_commands(BOT_COMMANDS)
        log.info("starting Telegram long polling")
        await dispatcher.start_polling(bot)
    finally:
        purge.cancel()
        await bot.session.close()
        await engine.dispose()


async def run_console(
    settings: Settings, read_line=sys.stdin.readline, out: TextIO = sys.stdout
) -> None:
    knowledge = build_knowledge()
    engine, session_factory = await _database(settings)
    printer = ConsolePrinter(out)
    session = RecordingSession(on_message=printer)
    bot = offline_bot(session)
    dispatcher = build_dispatcher(
        knowledge=knowledge,
        session_factory=session_factory,
        pseudonym_secret=settings.pseudonym_secret.get(),
        staff_ids=settings.staff_ids,
        channel=Channel.CONSOLE,
        register_secret=settings.register_secret.get(),
        rate_limiter=await _rate_limiter(settings),
    )
    user = OfflineUser(dispatcher, bot, session, user_id=1, first_name="Конзола")
    _freeze_start_up_objects()
    await purge_expired(session_factory, settings.retention_days)
    try:
        await chat(user, printer, read_line, out)
    finally:
        await engine.dispose()
