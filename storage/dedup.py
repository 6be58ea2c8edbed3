"""Each Telegram update is handled once, even when it arrives twice (a webhook retry reaching the
other process, a restart during long polling). In memory for one process, in Redis for several.

A key is first claimed as "in progress" for a short time; after the update is handled it is kept
as "done" for a day. If handling fails the claim is released, so Telegram's retry is handled; if
the process dies mid-way, the claim expires and a later retry is handled."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

CLAIM_SECONDS = 120  # longer than the slowest update (a 60 s PDF check)
DONE_SECONDS = 24 * 3600  # Telegram does not redeliver an update after a day


class UpdateDeduplicator(Protocol):
    async def claim(self, bot_id: int, update_id: int) -> bool:
        """True for the first claim of an update; False while or after it is handled."""

    async def done(self, bot_id: int, update_id: int) -> None: ...

    async def release(self, bot_id: int, update_id: int) -> None: ...


class MemoryDeduplicator:
    def __init__(self, capacity: int = 50_000, clock=time.monotonic) -> None:
        self.capacity = capacity
        self.clock = clock
        self._seen: OrderedDict[tuple[int, int], float] = OrderedDict()

    async def claim(self, bot_id: int, update_id: int) -> bool:
        key, now = (bot_id, update_id), self.clock()
        expires = self._seen.get(key)
        if expires is not None and expires > now:
            return False
        self._seen[key] = now + CLAIM_SECONDS
        self._seen.move_to_end(key)
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    async def done(self, bot_id: int, update_id: int) -> None:
        self._seen[(bot_id, update_id)] = self.clock() + DONE_SECONDS

    async def release(self, bot_id: int, update_id: int) -> None:
        self._seen.pop((bot_id, update_id), None)


class RedisDeduplicator:
    def __init__(self, redis, prefix: str = "napoo") -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, bot_id: int, update_id: int) -> str:
        return f"{self.prefix}:update:{bot_id}:{update_id}"

    async def claim(self, bot_id: int, update_id: int) -> bool:
        return bool(
            await self.redis.set(self._key(bot_id, update_id), b"0", nx=True, ex=CLAIM_SECONDS)
        )

    async def done(self, bot_id: int, update_id: int) -> None:
        await self.redis.set(self._key(bot_id, update_id), b"1", ex=DONE_SECONDS)

    async def release(self, bot_id: int, update_id: int) -> None:
        await self.redis.delete(self._key(bot_id, update_id))
