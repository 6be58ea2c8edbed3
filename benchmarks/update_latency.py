"""Full update handling: update in -> matcher -> consultation written to SQLite -> reply out.

    python -m benchmarks.update_latency [--updates N]

Drives the real Dispatcher (routers, filters, middlewares, one transaction per update) with the
recording Bot session, on a SQLite file in WAL mode, pinned to one core. Prints p50/p99 per update
and updates per second. Target: p50 <= 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.golden import load_golden
from benchmarks.stats import describe_ms, percentile, pin_to_one_core
from bot.app import build_dispatcher
from bot.content import build_knowledge
from bot.offline import OfflineUser, RecordingSession, offline_bot
from bot.tuning import GIL_SWITCH_SECONDS
from knowledge.consultations import Channel
from storage.db import create_engine, create_session_factory, upgrade_schema


async def run(updates: int) -> None:
    knowledge = build_knowledge()
    questions = [r.question for r in load_golden()]
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await upgrade_schema(engine)
        session = RecordingSession()
        bot = offline_bot(session)
        dispatcher = build_dispatcher(
            knowledge=knowledge,
            session_factory=create_session_factory(engine),
            pseudonym_secret="benchmark-secret-0123456789",
            staff_ids=frozenset(),
            channel=Channel.TELEGRAM,
        )
        users = [OfflineUser(dispatcher, bot, session, user_id=10_000 + i) for i in range(100)]
        for user in users[:10]:  # warm-up: caches, connection pool, first-use imports
            await user.send(questions[0])
        gc.collect()
        gc.freeze()  # as the bot does once it has started (bot/runner.py)
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        samples = []
        replies_before = len(session.sent)
        started = time.perf_counter()
        for i in range(updates):
            user = users[i % len(users)]
            question = questions[(i * 7) % len(questions)]
            start = time.perf_counter()
            await user.send(question)
            samples.append(time.perf_counter() - start)
        elapsed = time.perf_counter() - started
        replies = len(session.sent) - replies_before
        async with engine.connect() as connection:
            from sqlalchemy import text

            rows = (await connection.execute(text("select count(*) from consultations"))).scalar()
        await engine.dispose()
    print(f"full update handling, SQLite: {describe_ms(samples)}")
    print(f"  throughput: {updates / elapsed:.0f} updates/s sequentially on one core")
    print(f"  replies sent: {replies}, consultations in the database: {rows}")
    p50 = percentile(samples, 50) * 1000
    print(f"target p50 <= 5 ms: {'MET' if p50 <= 5 else 'NOT MET'} ({p50:.2f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=2000)
    args = parser.parse_args()
    print(pin_to_one_core())
    asyncio.run(run(args.updates))


if __name__ == "__main__":
    main()
