"""Flood control for what the bot sends: a global pace (SEND_RATE messages a second, shared
through Redis by several processes) and Telegram's 429 answers waited out, then retried."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import (
    CopyMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    ForwardMessage,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)

# Methods that put a message in a chat: what Telegram's broadcast limit (about 30 a second) counts.
PACED = (
    SendMessage,
    SendDocument,
    SendPhoto,
    CopyMessage,
    ForwardMessage,
    EditMessageText,
    EditMessageReplyMarkup,
)
MAX_RETRIES = 3
# A retry_after longer than this is not waited out inside an update (Telegram asks for minutes
# only after serious abuse); the error reaches the handler's error path instead.
MAX_RETRY_AFTER = 60


class Pacer(Protocol):
    async def wait_turn(self) -> None: ...


class MemoryPacer:
    """Evenly spaced sends in one process: each send takes the next free slot."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0

    async def wait_turn(self) -> None:
        now = self.clock()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await self.sleep(slot - now)


class RedisPacer:
    """At most `rate` sends per wall-clock second across every process sharing the Redis."""

    def __init__(
        self,
        redis,
        rate: float,
        prefix: str = "napoo",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.redis = redis
        self.rate = max(1, math.floor(rate))
        self.prefix = prefix
        self.clock = clock
        self.sleep = sleep

    async def wait_turn(self) -> None:
        while True:
            now = self.clock()
            second = int(now)
            key = f"{self.prefix}:pace:{second}"
            async with self.redis.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(key).expire(key, 5).execute()
            if count <= self.rate:
                return
            await self.sleep(second + 1 - now)


class FloodControl(BaseRequestMiddleware):
    """A Bot session middleware: paces sending methods, waits out 429s and retries."""

    def __init__(
        self,
        pacer: Pacer,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        on_wait: Callable[[], None] | None = None,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.pacer = pacer
        self.sleep = sleep
        self.on_wait = on_wait
        self.max_retries = max_retries

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        paced = isinstance(method, PACED)
        attempt = 0
        while True:
            if paced:
                await self.pacer.wait_turn()
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                attempt += 1
                if attempt > self.max_retries or exc.retry_after > MAX_RETRY_AFTER:
                    raise
                log.warning(
                    "Telegram flood control on %s: waiting %s s (try %d of %d)",
                    type(method).__name__,
                    exc.retry_after,
                    attempt,
                    self.max_retries,
                )
                if self.on_wait is not None:
                    self.on_wait()
                await self.sleep(exc.retry_after)
