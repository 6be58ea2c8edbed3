"""Run modes: Telegram long polling (the default), webhook mode, and the console chat."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TextIO

from aiogram.types import BotCommand
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_knowledge
from bot.console import ConsolePrinter, chat
from bot.offline import OfflineUser, RecordingSession, offline_bot
from bot.report_cli import purge_expired
from bot.services import open_services, telegram_bot, telegram_dispatcher
from bot.settings import Settings
from bot.tuning import tune_for_serving
from bot.webhook import build_app, serve, stop_on_signals, webhook_path
from knowledge.consultations import Channel
from knowledge.pdf_worker import warm_up as warm_up_pdf_reader

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


async def retention_job(session_factory, retention_days: int) -> None:
    """The scheduled purge: once at start-up, then daily, for as long as the bot runs."""
    while True:
        try:
            await purge_expired(session_factory, retention_days)
        except SQLAlchemyError:  # a locked or unreachable database: try again tomorrow
            log.exception("retention purge failed; it will run again in a day")
        await asyncio.sleep(RETENTION_JOB_SECONDS)


async def run_polling(settings: Settings) -> None:
    knowledge = build_knowledge()
    services = await open_services(settings)
    bot = telegram_bot(settings, services)
    dispatcher = telegram_dispatcher(settings, services, knowledge, Channel.TELEGRAM)
    await asyncio.to_thread(warm_up_pdf_reader)
    tune_for_serving()
    purge = asyncio.create_task(retention_job(services.session_factory, settings.retention_days))
    try:
        await bot.set_my_commands(BOT_COMMANDS)
        # A webhook left from webhook mode would make getUpdates fail; pending updates stay.
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("starting Telegram long polling")
        await dispatcher.start_polling(bot, handle_signals=True, close_bot_session=False)
    finally:
        purge.cancel()
        await bot.session.close()
        await services.close()


async def run_webhook(settings: Settings) -> None:
    """Serve Telegram's webhook until SIGTERM/SIGINT (see bot/webhook.py)."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    knowledge = build_knowledge()
    services = await open_services(settings)
    bot = telegram_bot(settings, services)
    dispatcher = telegram_dispatcher(settings, services, knowledge, Channel.TELEGRAM)
    path = webhook_path(settings.webhook_url)
    app = build_app(
        dispatcher, bot, services, path=path, secret_token=settings.webhook_secret.get()
    )
    await asyncio.to_thread(warm_up_pdf_reader)
    tune_for_serving()
    purge = asyncio.create_task(retention_job(services.session_factory, settings.retention_days))
    stop = stop_on_signals()
    try:
        server = asyncio.create_task(serve(app, settings.webhook_host, settings.webhook_port, stop))
        await asyncio.sleep(0)
        # Each process (re)registers the same webhook: harmless, and it carries a new secret
        # after a rotation. Updates waiting at Telegram are kept.
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret.get(),
            allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        await bot.set_my_commands(BOT_COMMANDS)
        await server
    finally:
        stop.set()
        purge.cancel()
        await bot.session.close()
        await services.close()
        log.info("stopped")


async def run_console(
    settings: Settings, read_line=sys.stdin.readline, out: TextIO = sys.stdout
) -> None:
    knowledge = build_knowledge()
    services = await open_services(settings)
    printer = ConsolePrinter(out)
    session = RecordingSession(on_message=printer)
    bot = offline_bot(session)
    dispatcher = telegram_dispatcher(settings, services, knowledge, Channel.CONSOLE)
    user = OfflineUser(dispatcher, bot, session, user_id=1, first_name="Конзола")
    tune_for_serving()
    await purge_expired(services.session_factory, settings.retention_days)
    try:
        await chat(user, printer, read_line, out)
    finally:
        await services.close()
