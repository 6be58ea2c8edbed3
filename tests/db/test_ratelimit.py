"""Verification limits, in memory and shared through a real Redis (TEST_REDIS_URL)."""

from __future__ import annotations

import os
import uuid

import pytest

from storage.ratelimit import Limit, MemoryRateLimiter, RedisRateLimiter


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def limiter_pair(request):
    """Two limiters that must share one budget (two bot processes)."""
    if request.param == "memory":
        one = MemoryRateLimiter()
        yield one, one
        return
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set: Redis tests need a real server")
    from redis.asyncio import Redis

    first, second = Redis.from_url(url), Redis.from_url(url)
    prefix = f"test:{uuid.uuid4().hex}"
    yield RedisRateLimiter(first, prefix), RedisRateLimiter(second, prefix)
    await first.aclose()
    await second.aclose()


async def test_limit_holds_across_processes(limiter_pair):
    one, two = limiter_pair
    limits = (Limit(3, 600), Limit(5, 86_400))
    assert [
        await one.hit("user:a", limits),
        await two.hit("user:a", limits),
        await one.hit("user:a", limits),
    ] == [None] * 3
    wait = await two.hit("user:a", limits)
    assert wait is not None and 0 < wait <= 600
    assert await one.hit("user:b", limits) is None  # another user has their own budget


async def test_daily_limit_after_the_short_window_expires():
    clock = Clock()
    limiter = MemoryRateLimiter(clock)
    limits = (Limit(2, 600), Limit(3, 86_400))
    assert await limiter.hit("u", limits) is None
    assert await limiter.hit("u", limits) is None
    assert await limiter.hit("u", limits) == 600
    clock.now += 601
    assert await limiter.hit("u", limits) is None
    clock.now += 601
    wait = await limiter.hit("u", limits)
    assert wait is not None and wait > 600  # the day's budget is spent
