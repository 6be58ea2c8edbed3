"""Staff reports at scale: a year of 1,000,000 consultations, the indicator table and the XLSX
export (both rows and table), on SQLite and, when a PostgreSQL URL is given, on PostgreSQL.

    python -m benchmarks.report [--rows N] [--postgresql URL]

Each measurement runs in a process of its own, so its peak RSS is its own. Targets: table
<= 5 s, XLSX export <= 15 s, peak RSS <= 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

YEAR = 2025
KINDS = [
    ("faq", ["answered"] * 6 + ["suggested"] * 2 + ["unknown"]),
    ("checklist", ["answered"]),
    ("certificate", ["confirmed", "confirmed", "not_matched", "invalid_input"]),
    ("centre", ["found", "not_found"]),
    ("handover", ["answered", "handed_over"]),
]
WEIGHTS = [70, 10, 12, 6, 2]
TOPICS = [f"entry-{n}" for n in range(100)]


def synthetic_rows(count: int, seed: int = 2025):
    """Consultations spread over the year (deterministic), stored in time order as the bot
    stores them."""
    rng = random.Random(seed)
    start = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=2)
    seconds = 365 * 24 * 3600
    offsets = sorted(rng.randrange(seconds) for _ in range(count))
    for index, offset in enumerate(offsets):
        kind, outcomes = rng.choices(KINDS, WEIGHTS)[0]
        outcome = rng.choice(outcomes)
        moment = start + dt.timedelta(seconds=offset)
        rated = rng.random() < 0.05
        yield (
            moment,
            f"user{rng.randrange(50_000):05d}",
            kind,
            rng.choice(TOPICS) if kind == "faq" and outcome == "answered" else None,
            outcome,
            rng.choice(("up", "down", None, None, None)) if kind == "faq" else None,
            f"r{index}",
            (rng.random() < 0.4) if kind == "checklist" else None,
            rng.randint(1, 5) if rated else None,
        )


def fill_sqlite(path: Path, count: int) -> None:
    from storage.db import create_engine, upgrade_schema

    async def schema() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade_schema(engine)
        await engine.dispose()

    asyncio.run(schema())
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    # SQLAlchemy stores aware datetimes in SQLite as UTC text in this format.
    connection.executemany(
        "INSERT INTO consultations (created_at, updated_at, channel, user_key, kind, topic, "
        "outcome, feedback, repeat_key, repeat_bucket, complete, rating) "
        "VALUES (?, ?, 'telegram', ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        (
            (
                m.strftime("%Y-%m-%d %H:%M:%S.%f"),
                m.strftime("%Y-%m-%d %H:%M:%S.%f"),
                user,
                kind,
                topic,
                outcome,
                feedback,
                key,
                complete,
                rating,
            )
            for m, user, kind, topic, outcome, feedback, key, complete, rating in synthetic_rows(
                count
            )
        ),
    )
    connection.commit()
    connection.close()


async def fill_postgresql(url: str, count: int) -> None:
    import asyncpg
    from sqlalchemy import text

    from storage.db import create_engine, upgrade_schema

    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await upgrade_schema(engine)
    await engine.dispose()
    raw = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await raw.copy_records_to_table(
            "consultations",
            columns=[
                "created_at",
                "updated_at",
                "channel",
                "user_key",
                "kind",
                "topic",
                "outcome",
                "feedback",
                "repeat_key",
                "repeat_bucket",
                "complete",
                "rating",
            ],
            records=(
                (m, m, "telegram", user, kind, topic, outcome, fb, key, 0, complete, rating)
                for m, user, kind, topic, outcome, fb, key, complete, rating in synthetic_rows(
                    count
                )
            ),
        )
        await raw.execute("ANALYZE consultations")
    finally:
        await raw.close()


def measure(url: str, what: str) -> None:
    """One measurement in this process; prints JSON."""
    from handlers.texts_reports import REPORT_LABELS
    from knowledge.indicators import load_catalogue
    from storage.db import create_engine, create_session_factory
    from storage.workspace import ReportRepository

    async def run() -> dict[str, object]:
        engine = create_engine(url)
        factory = create_session_factory(engine)
        catalogue = load_catalogue(YEAR)
        result: dict[str, object] = {}
        async with factory() as session:
            reports = ReportRepository(session)
            start = time.perf_counter()
            table = await reports.table(YEAR, catalogue)
            result["table_seconds"] = round(time.perf_counter() - start, 2)
            result["consultations_counted"] = sum(
                line.total for line in table.lines if line.indicator.id == "2.1.1-consultations"
            )
            if what == "xlsx":
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "export.xlsx"
                    start = time.perf_counter()
                    result["rows"] = await reports.export_xlsx(path, table, REPORT_LABELS)
                    result["xlsx_seconds"] = round(time.perf_counter() - start, 2)
                    result["xlsx_mb"] = round(path.stat().st_size / 2**20, 1)
            if what == "png":
                from knowledge.report_chart import render_chart

                start = time.perf_counter()
                png = render_chart(table, REPORT_LABELS)
                result["png_seconds"] = round(time.perf_counter() - start, 2)
                result["png_kb"] = len(png) // 1024
        await engine.dispose()
        return result

    result = asyncio.run(run())
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


def in_subprocess(url: str, what: str) -> dict[str, object]:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.report", "--measure", what, "--url", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def report(backend: str, url: str) -> None:
    table = in_subprocess(url, "table")
    png = in_subprocess(url, "png")
    xlsx = in_subprocess(url, "xlsx")
    print(f"\n{backend}")
    print(
        f"  table: {table['table_seconds']} s, peak RSS {table['peak_rss_mb']} MB "
        f"(target <= 5 s): {'MET' if table['table_seconds'] <= 5 else 'MISSED'}"
    )
    print(f"  chart (PNG): {png['png_seconds']} s, {png['png_kb']} KB")
    ok = xlsx["xlsx_seconds"] <= 15 and xlsx["peak_rss_mb"] <= 500
    print(
        f"  XLSX export: {xlsx['rows']} rows in {xlsx['xlsx_seconds']} s "
        f"(+ table {xlsx['table_seconds']} s), {xlsx['xlsx_mb']} MB file, "
        f"peak RSS {xlsx['peak_rss_mb']} MB (target <= 15 s, <= 500 MB): "
        f"{'MET' if ok else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgresql", help="a PostgreSQL URL (its schema is replaced)")
    parser.add_argument("--measure", choices=["table", "xlsx", "png"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.url, args.measure)
        return
    print(f"Staff reports over {args.rows:,} consultations in {YEAR}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.db"
        start = time.perf_counter()
        fill_sqlite(path, args.rows)
        print(f"  (SQLite filled in {time.perf_counter() - start:.1f} s)")
        report("SQLite", f"sqlite+aiosqlite:///{path}")
    if args.postgresql:
        start = time.perf_counter()
        asyncio.run(fill_postgresql(args.postgresql, args.rows))
        print(f"\n  (PostgreSQL filled in {time.perf_counter() - start:.1f} s)")
        report("PostgreSQL", args.postgresql)


if __name__ == "__main__":
    main()
