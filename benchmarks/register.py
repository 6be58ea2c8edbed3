"""The register at scale: import of 1,000,000 document rows into SQLite, verification latency at
that size, and centre name search over 2,000 centres.

    python -m benchmarks.register [--documents N] [--centres N]

The data is the synthetic demo register (storage/demo_data.py) written as CSV. The import runs in
its own process so its peak RSS is its own. Targets: import <= 90 s with peak RSS <= 300 MB;
verification p99 <= 2 ms; centre search p99 <= 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.stats import describe_ms, percentile

SECRET = "benchmark-register-secret-0123456789"


def import_in_this_process(database: str, documents_csv: str, centres_csv: str) -> None:
    from storage.db import create_engine, create_session_factory, upgrade_schema
    from storage.register import import_register

    async def run() -> dict[str, float]:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        await upgrade_schema(engine)
        factory = create_session_factory(engine)
        await import_register(factory, "centres", Path(centres_csv), SECRET)
        start = time.perf_counter()
        summary = await import_register(factory, "documents", Path(documents_csv), SECRET)
        elapsed = time.perf_counter() - start
        await engine.dispose()
        return {
            "seconds": elapsed,
            "rows": summary.rows_read,
            "inserted": summary.inserted,
            "rejected": summary.rejected,
        }

    result = asyncio.run(run())
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The parsing worker process (large files) has its own peak; the budget covers both.
    result["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


async def measure_lookups(database: str, documents_csv: str, centres_csv: str) -> None:
    from knowledge.register import verify
    from storage.db import create_engine, create_session_factory
    from storage.register import RegisterRepository

    rng = random.Random(5)
    samples: list[tuple[str, str]] = []
    with open(documents_csv, encoding="utf-8") as fh:
        for index, row in enumerate(csv.DictReader(fh)):
            if index % 997 == 0:
                samples.append((row["registration_number"], row["holder_name"]))
            if len(samples) >= 600:
                break
    queries = [(n, name if rng.random() < 0.7 else "Петър Петров Петров") for n, name in samples]
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    factory = create_session_factory(engine)
    gc.collect()
    gc.freeze()  # as the bot does once it has started (bot/runner.py)
    latencies = []
    confirmed = 0
    async with factory() as session:
        repository = RegisterRepository(session)
        for number, name in queries[:50]:  # warm-up
            await verify(repository, SECRET, number, holder_name=name)
        for number, name in queries:
            start = time.perf_counter()
            result = await verify(repository, SECRET, number, holder_name=name)
            latencies.append(time.perf_counter() - start)
            confirmed += result.status.value in {"confirmed", "annulled"}
        print(
            f"verification at this size: {describe_ms(latencies)} ({confirmed}/{len(queries)} matched)"
        )
        verification_p99 = percentile(latencies, 99) * 1000
        words = [
            "знание",
            "kariera",
            "Професионалист",
            "успех академия",
            "bydeshte",
            "развитие 12",
            "перспектива знание",
        ]
        from handlers.register import find_centres
        from storage.register import CentreNameIndex

        index = CentreNameIndex()
        await find_centres(repository, "знание", index)  # the bot builds the index once
        search = []
        for _ in range(20):
            for query in words:
                start = time.perf_counter()
                await find_centres(repository, query, index)
                search.append(time.perf_counter() - start)
        print(
            f"centre search (fuzzy top 5 over the cached names + their rows): {describe_ms(search)}"
        )
        search_p99 = percentile(search, 99) * 1000
    await engine.dispose()
    print(
        f"targets: verification p99 {verification_p99:.2f} ms (<= 2 ms: {'MET' if verification_p99 <= 2 else 'NOT MET'}); "
        f"centre search p99 {search_p99:.2f} ms (<= 20 ms: {'MET' if search_p99 <= 20 else 'NOT MET'})"
    )


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--import-only":
        import_in_this_process(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--centres", type=int, default=2_000)
    args = parser.parse_args()
    from storage.demo_data import write_demo_csv

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        centres_csv, documents_csv, _ = write_demo_csv(Path(folder), args.documents, args.centres)
        size = documents_csv.stat().st_size / 1024 / 1024
        print(
            f"synthetic export: {args.documents} documents ({size:.0f} MB CSV), {args.centres} centres, written in {time.perf_counter() - start:.1f} s"
        )
        database = str(Path(folder) / "register.db")
        output = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.register",
                "--import-only",
                database,
                str(documents_csv),
                str(centres_csv),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        total_rss = result["peak_rss_mb"] + result["worker_peak_rss_mb"]
        met = result["seconds"] <= 90 and total_rss <= 300
        print(
            f"import of {result['rows']} rows: {result['seconds']:.1f} s ({result['rows'] / result['seconds']:.0f} rows/s), "
            f"peak RSS {result['peak_rss_mb']:.0f} MB + parsing worker {result['worker_peak_rss_mb']:.0f} MB, "
            f"rejected {result['rejected']} (targets <= 90 s, <= 300 MB together: {'MET' if met else 'NOT MET'})"
        )
        asyncio.run(measure_lookups(database, str(documents_csv), str(centres_csv)))


if __name__ == "__main__":
    main()
