"""Run modes: Telegram long polling, the console chat, and the operator's commands."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import logging
import sys
from typing import TextIO

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand

from bot.app import build_dispatcher, build_knowledge
from bot.console import ConsolePrinter, chat
from bot.offline import OfflineUser, RecordingSession, offline_bot
from bot.settings import Settings
from knowledge.consultations import QUESTION_RETENTION, Channel, ConsultationReport
from storage.db import create_engine, create_session_factory, upgrade_schema
from storage.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)

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
    await purge_expired_questions(session_factory)
    return engine, session_factory


async def purge_expired_questions(session_factory) -> int:
    cutoff = dt.datetime.now(dt.UTC) - QUESTION_RETENTION
    async with session_factory.begin() as session:
        purged = await ConsultationRepository(session).purge_questions(cutoff)
    if purged:
        log.info("forgot the text of %d questions older than %s", purged, cutoff.date())
    return purged


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
    )
    _freeze_start_up_objects()
    try:
        await bot.set_my_commands(BOT_COMMANDS)
        log.info("starting Telegram long polling")
        await dispatcher.start_polling(bot)
    finally:
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
    try:
        await chat(user, printer, read_line, out)
    finally:
        await engine.dispose()


async def load_report(settings: Settings, year: int, quarter: int | None) -> ConsultationReport:
    engine, session_factory = await _database(settings)
    try:
        async with session_factory() as session:
            return await ConsultationRepository(session).report(year, quarter)
    finally:
        await engine.dispose()


def render_report(report: ConsultationReport, fmt: str) -> str:
    quarters = [report.quarter] if report.quarter else [1, 2, 3, 4]
    keys = sorted({(r.kind, r.outcome) for r in report.rows})
    counts = {(r.quarter, r.kind, r.outcome): r.count for r in report.rows}
    table = [
        {
            "kind": kind,
            "outcome": outcome,
            "quarters": {str(q): counts.get((q, kind, outcome), 0) for q in quarters},
            "total": sum(counts.get((q, kind, outcome), 0) for q in quarters),
        }
        for kind, outcome in keys
    ]
    if fmt == "json":
        return json.dumps(
            {
                "year": report.year,
                "quarter": report.quarter,
                "rows": table,
                "total": report.total(),
            },
            ensure_ascii=False,
            indent=2,
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["kind", "outcome", *[f"Q{q}" for q in quarters], "total"])
        for row in table:
            writer.writerow([row["kind"], row["outcome"], *row["quarters"].values(), row["total"]])  # type: ignore[union-attr]
        return buffer.getvalue().rstrip("\n")
    header = (
        f"{'kind':<10} {'outcome':<12} "
        + " ".join(f"{'Q' + str(q):>6}" for q in quarters)
        + f" {'total':>7}"
    )
    lines = [
        f"Consultations {report.year}" + (f" Q{report.quarter}" if report.quarter else ""),
        header,
    ]
    for row in table:
        lines.append(
            f"{row['kind']:<10} {row['outcome']:<12} "
            + " ".join(f"{n:>6}" for n in row["quarters"].values())  # type: ignore[union-attr]
            + f" {row['total']:>7}"
        )
    lines.append(f"{'all':<23} " + " " * (7 * len(quarters) - 1) + f" {report.total():>7}")
    return "\n".join(lines)
