"""The report as files at scale: a year of 1,000,000 consultations written to XLSX, and the chart.

    python -m benchmarks.report_files [--rows N]

Rows are made lazily, 10,000 at a time, as the export reads them from the database, so the
writer's memory is what is measured. The XLSX time includes making the rows; a dry pass over the
same generator says how much of it that is. Targets: well under 15 s for XLSX and PNG together
on a slow 2-core machine, peak RSS <= 500 MB. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from handlers.texts_reports import REPORT_LABELS
from knowledge.indicators import (
    Catalogue,
    ConsultationFacts,
    IndicatorTable,
    load_catalogue,
    tally,
)
from knowledge.report_chart import render_chart
from knowledge.report_xlsx import ExportRow, PublicationRow, XlsxReportWriter

YEAR = 2026
BATCH = 10_000
START = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=2)  # local midnight
SECONDS = 365 * 86_400
# (kind, outcome, complete) in a plausible mix; one in five consultations is rated
MIX = (
    [("faq", "answered", None)] * 10
    + [("faq", "suggested", None)] * 3
    + [("faq", "unknown", None)] * 2
    + [("checklist", "answered", True), ("checklist", "answered", False)]
    + [("certificate", "confirmed", None)] * 2
    + [("certificate", "not_matched", None), ("certificate", "invalid_input", None)]
    + [("centre", "found", None), ("handover", "answered", None)]
)
TOPICS = [f"entry-{n:03d}" for n in range(240)]


def consultation(n: int, total: int) -> tuple[dt.datetime, str, str, bool | None, int | None]:
    """The n-th synthetic consultation: time, kind, outcome, complete, survey rating."""
    kind, outcome, complete = MIX[n % len(MIX)]
    created_at = START + dt.timedelta(seconds=n * SECONDS // total)
    return created_at, kind, outcome, complete, 1 + n % 5 if n % 5 == 0 else None


def batches(catalogue: Catalogue, total: int) -> Iterator[list[ExportRow]]:
    matching: dict[tuple[str, str, bool | None, bool], tuple[str, ...]] = {}
    for first in range(0, total, BATCH):
        batch = []
        for n in range(first, min(first + BATCH, total)):
            created_at, kind, outcome, complete, rating = consultation(n, total)
            key = (kind, outcome, complete, rating is not None)
            ids = matching.get(key)
            if ids is None:
                ids = matching[key] = tuple(catalogue.matching(*key))
            batch.append(
                ExportRow(
                    user_key=f"{(n * 2_654_435_761) % 400_009:016x}",
                    created_at=created_at,
                    kind=kind,
                    topic=TOPICS[n % len(TOPICS)] if kind == "faq" else None,
                    outcome=outcome,
                    feedback=("up", "down", None, None, None, None, None)[n % 7],
                    rating=rating,
                    indicators=ids,
                )
            )
        yield batch


def publications() -> list[PublicationRow]:
    return [
        PublicationRow(START + dt.timedelta(days=3 * n + 1), f"entry-{n:03d}", f"Въпрос № {n}?")
        for n in range(120)
    ]


def synthetic_table(catalogue: Catalogue, total: int) -> IndicatorTable:
    """The table the same consultations make, from hourly facts (as storage groups them)."""
    counts: Counter[tuple[dt.datetime, str, str, bool | None, bool]] = Counter()
    rating_sums: Counter[tuple[dt.datetime, str, str, bool | None, bool]] = Counter()
    for n in range(total):
        created_at, kind, outcome, complete, rating = consultation(n, total)
        hour = created_at.replace(minute=0, second=0)
        key = (hour, kind, outcome, complete, rating is not None)
        counts[key] += 1
        rating_sums[key] += rating or 0
    facts = [
        ConsultationFacts(*key, rating_sum=rating_sums[key], count=count)
        for key, count in counts.items()
    ]
    return tally(catalogue, YEAR, facts, [p.published_at for p in publications()])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    total = parser.parse_args().rows
    catalogue = load_catalogue(YEAR)
    table = synthetic_table(catalogue, total)
    rss_before = peak_rss_mb()

    start = time.perf_counter()
    made = sum(len(batch) for batch in batches(catalogue, total))
    making = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "report.xlsx"
        start = time.perf_counter()
        with XlsxReportWriter(path, table, REPORT_LABELS) as writer:
            for batch in batches(catalogue, total):
                written = writer.add_consultations(batch)
            writer.add_publications(publications())
        xlsx_seconds = time.perf_counter() - start
        size = path.stat().st_size

    start = time.perf_counter()
    png = render_chart(table, REPORT_LABELS)
    png_seconds = time.perf_counter() - start

    print(f"rows:            {written:,} (generated {made:,})")
    print(f"xlsx:            {xlsx_seconds:.2f} s (of which making the rows {making:.2f} s)")
    print(f"png:             {png_seconds:.2f} s ({len(png):,} bytes)")
    print(f"xlsx + png:      {xlsx_seconds + png_seconds:.2f} s")
    print(f"xlsx file size:  {size / 1_048_576:.1f} MiB")
    print(f"peak RSS:        {peak_rss_mb():.0f} MB (before writing: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
