"""Webhook mode: an aiohttp server Telegram posts updates to, behind a reverse proxy.

- `POST <path of WEBHOOK_URL>`: updates; without the right `X-Telegram-Bot-Api-Secret-Token`
  the answer is 401 and nothing is handled. The answer is sent after the update is handled, so
  if the process dies mid-way Telegram delivers the update again (to this process or another;
  the once-only claim in Redis keeps it from being handled twice).
- `GET /healthz`: 200 when the database (and Redis, when configured) answer, else 503.
- `GET /metrics`: Prometheus metrics of this process (keep it away from the public internet).
- SIGTERM / SIGINT: stop listening, finish the updates in flight, close the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from sqlalchemy import text

from bot.services import Services

log = logging.getLogger(__name__)

# Longer than the slowest update (a 60 s PDF check): in-flight updates finish before exit.
SHUTDOWN_SECONDS = 65
HEALTH_TIMEOUT_SECONDS = 2.0


class WebhookHandler(SimpleRequestHandler):
    """aiogram's handler, answering only after the update is handled, and with a 400 (not a
    500 traceback) for a body that is not an update."""

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return await super().handle(request)
        except (json.JSONDecodeError, ValidationError, UnicodeDecodeError):
            return web.json_response({"ok": False, "description": "not an update"}, status=400)

    async def close(self) -> None:
        """The Bot's session is closed by `run_webhook` after the server has stopped."""


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


def build_app(
    dispatcher: Dispatcher,
    bot: Bot,
    services: Services,
    *,
    path: str,
    secret_token: str,
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    WebhookHandler(dispatcher, bot, handle_in_background=False, secret_token=secret_token).register(
        app, path=path
    )

    async def health(_request: web.Request) -> web.Response:
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                async with services.session_factory() as session:
                    await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = type(exc).__name__
        if services.redis is not None:
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                    await services.redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = type(exc).__name__
        healthy = all(value == "ok" for value in checks.values())
        return web.json_response(
            {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
        )

    async def metrics(_request: web.Request) -> web.Response:
        body = generate_latest(services.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", health)
    app.router.add_get("/metrics", metrics)
    setup_application(app, dispatcher, bot=bot)
    return app


async def serve(
    app: web.Application, host: str, port: int, stop: asyncio.Event, **runner_options: Any
) -> None:
    """Serve until `stop` is set, then shut down gracefully."""
    runner = web.AppRunner(
        app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS, **runner_options
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("webhook server listening on %s:%s", host, port)
    try:
        await stop.wait()
    finally:
        log.info("stopping: finishing the updates in flight")
        await runner.cleanup()


def stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
