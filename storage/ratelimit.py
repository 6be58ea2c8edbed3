"""Limits on register verifications: per user and overall, in memory or shared through Redis."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Protocol

from knowledge.limits import GLOBAL_LIMITS, USER_LIMITS, Limit

__all__ = ["GLOBAL_LIMITS", "USER_LIMITS", "Limit", "MemoryRateLimiter", "RedisRateLimiter"]


class RateLimiter(Protocol):
    async def hit(self, key: str, limits: Sequence[Limit]) -> int | None:
        """Count one attempt; None when allowed, else seconds until the next is allowed."""


class MemoryRateLimiter:
    """Sliding windows in this process (the embedded default: one bot process)."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._hits: dict[tuple[str, int], deque[float]] = defaultdict(deque)

    async def hit(self, key: str, limits: Sequence[Limit]) -> int | None:
        now = self.clock()
        wait = 0.0
        for limit in limits:
            window = self._hits[(key, limit.seconds)]
            while window and window[0] <= now - limit.seconds:
                window.popleft()
            if len(window) >= limit.count:
                wait = max(wait, window[0] + limit.seconds - now)
        if wait > 0:
            return max(1, int(wait + 0.999))
        for limit in limits:
            self._hits[(key, limit.seconds)].append(now)
        return None


# Fixed windows in Redis, all limits checked and counted atomically in one round trip, so
# several bot processes share one budget.
_LUA = """
local now = tonumber(ARGV[1])
local wait = 0
for i = 1, #KEYS do
  local count = tonumber(ARGV[2 * i])
  local seconds = tonumber(ARGV[2 * i + 1])
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  if current >= count then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  local seconds = tonumber(ARGV[2 * i + 1])
  local value = redis.call('INCR', KEYS[i])
  if value == 1 then redis.call('EXPIRE', KEYS[i], seconds) end
end
return 0
"""


class RedisRateLimiter:
    def __init__(self, redis, prefix: str = "napoo:rl") -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_LUA)

    async def hit(self, key: str, limits: Sequence[Limit]) -> int | None:
        now = int(time.time())
        keys = [f"{self.prefix}:{key}:{limit.seconds}:{now // limit.seconds}" for limit in limits]
        args: list[int] = [now]
        for limit in limits:
            args += [limit.count, limit.seconds]
        wait = int(await self._script(keys=keys, args=args))
        return wait or None
