"""The Redis client every shared piece uses (state, limits, once-only updates, pacing)."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

# A burst of updates waits for a free connection instead of failing with "Too many
# connections": Redis answers in well under a millisecond, so a few dozen are plenty.
MAX_CONNECTIONS = 64
WAIT_SECONDS = 10


def redis_client(url: str) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=WAIT_SECONDS
    )
    return Redis(connection_pool=pool)
