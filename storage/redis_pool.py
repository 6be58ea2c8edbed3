"""The Redis client every shared piece uses (state, limits, once-only updates, pacing)."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

# A burst of updates waits for a free connection instead of failing with "Too many
# connections": Redis answers in well under a millisecond, so a few dozen are plenty.
MAX_CONNECTIONS = 64
WAIT_SECONDS = 30


# The per-user lock that keeps one update at a time per user (aiogram's RedisEventIsolation).
# A waiting update polls for the lock; redis-py's default 0.1 s poll makes a burst of waiting
# updates (a user's several messages reaching two processes) flood the connection pool with
# polls. 0.5 s costs a user's quick second message at most half a second.
LOCK_KWARGS = {"timeout": 60, "sleep": 0.5}


def redis_client(url: str) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=WAIT_SECONDS
    )
    return Redis(connection_pool=pool)
