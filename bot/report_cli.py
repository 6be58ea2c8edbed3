"""The operator's report commands: `report`, `close-quarter` and `purge`."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import logging
from pathlib import Path

from bot.settings import Settings
from handlers.texts_reports import REPORT_LABELS
from knowledge.checklists import load_checklists
from knowledge.consultations import quarter_bounds
from knowledge.faq import NEW_ENTRY, load_knowledge_base
from knowledge.indicators import IndicatorTable, load_catalogue, table_json
from knowledge.report_xlsx import topic_titles
from storage.db import create_engine, create_session_factory, upgrade_schema
from storage.repositories import ConsultationRepository
from storage.workspace import (
    AuditLog,
    FaqChangeRepository,
    HandoverRepository,
    QuarterAlreadyClosed,
    ReportRepository,
)

log = logging.getLogger(__name__)

TEXT_FORMATS = ("table", "csv", "json")
FILE_FORMATS = ("xlsx", "png")


class ReportUsageError(ValueError):
    pass


async def _with_reports(settings: Settings, work):
    engine = create_engine(settings.database_url)
    try:
        await upgrade_schema(engine)
        async with create_session_factory(engine).begin() as session:
            return await work(session)
    finally:
        await engine.dispose()


async def run_report(
    settings: Settings, year: int, quarter: int | None, fmt: str, output: Path | None
) -> str:
    """Text formats return the text (written to `output` when given); file formats write the
    file (default name in the current folder) and return a line naming it."""
    if fmt in FILE_FORMATS and output is None:
        suffix = f"-q{quarter}" if quarter else ""
        output = Path(f"napoo-report-{year}{suffix}.{fmt}")

    async def work(session) -> str:
        reports = ReportRepository(session)
        table = await reports.table(year, load_catalogue(year), quarter)
        if fmt == "xlsx":
            assert output is not None
            rows = await reports.export_xlsx(
                output, table, REPORT_LABELS, await _topic_titles(session)
            )
            await AuditLog(session).append(None, "export", f"year:{year}", {"rows": rows})
            return f"Wrote {output} ({rows} consultations)"
        if fmt == "png":
            from knowledge.report_chart import render_chart

            assert output is not None
            output.write_bytes(await asyncio.to_thread(render_chart, table, REPORT_LABELS))
            return f"Wrote {output}"
        text = render_table(table, fmt)
        if output is not None:
            output.write_text(text + "\n", encoding="utf-8")
            return f"Wrote {output}"
        return text

    return await _with_reports(settings, work)


async def _topic_titles(session) -> dict[str, str]:
    """FAQ entries (with those staff published in the bot) and checklists by id -> title."""
    titles = topic_titles(load_knowledge_base(), load_checklists().values())
    for change in await FaqChangeRepository(session).all():
        if change.change == NEW_ENTRY:
            titles[change.entry_id] = change.question
    return titles


def render_table(table: IndicatorTable, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(table_json(table), ensure_ascii=False, indent=2)
    labels = REPORT_LABELS
    quarters = [labels.quarter_header(q, q in table.closed_quarters) for q in (1, 2, 3, 4)]
    header = [
        labels.col_activity,
        labels.col_indicator,
        *quarters,
        labels.col_year,
        labels.col_target,
        labels.col_percent,
    ]
    rows = []
    for line in table.lines:
        percent = line.percent_of_target
        rows.append(
            [
                line.indicator.activity,
                line.indicator.title,
                *[str(line.quarters.get(q, 0)) for q in (1, 2, 3, 4)],
                str(line.total),
                str(line.indicator.target or ""),
                f"{percent:.1f}" if percent is not None else "",
            ]
        )
    ratings = table.year_ratings
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\r\n")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    widths[1] = min(widths[1], 60)

    def fmt_row(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            cell = cell if len(cell) <= widths[i] else cell[: widths[i] - 1] + "…"
            out.append(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]))
        return "  ".join(out).rstrip()

    title = labels.title.format(year=table.year, plan=table.catalogue.plan)
    lines = [title, "", fmt_row(header), *(fmt_row(r) for r in rows), ""]
    mean = f"{ratings.mean:.2f}" if ratings.mean is not None else "—"
    lines.append(f"{labels.ratings_count}: {ratings.count}; {labels.ratings_mean}: {mean}")
    return "\n".join(lines)


async def run_close_quarter(settings: Settings, year: int, quarter: int) -> str:
    if quarter_bounds(year, quarter)[1] > dt.datetime.now(dt.UTC):
        raise ReportUsageError(f"{year} Q{quarter} has not ended yet")

    async def work(session) -> str:
        reports = ReportRepository(session)
        if quarter in await reports.closed_quarters(year):
            raise QuarterAlreadyClosed(f"{year} Q{quarter}")
        table = await reports.table(year, load_catalogue(year), quarter)
        figures = table.figures(quarter)
        checksum = await reports.close_quarter(figures, None)
        await AuditLog(session).append(
            None,
            "quarter_closed",
            f"{year}-Q{quarter}",
            {"checksum": checksum, "indicators": dict(figures.indicators)},
        )
        counts = ", ".join(f"{k}={v}" for k, v in figures.indicators.items())
        return f"Closed {year} Q{quarter}: {counts}\nchecksum {checksum}"

    return await _with_reports(settings, work)


async def purge_expired(session_factory, retention_days: int) -> tuple[int, int]:
    """Forget question texts, survey comments and hand-over transcripts older than the
    retention period. Rows, counts and closed quarters stay as they are."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=retention_days)
    async with session_factory.begin() as session:
        consultations = await ConsultationRepository(session).purge_texts(cutoff)
        transcripts = await HandoverRepository(session).purge_texts(cutoff)
    if consultations or transcripts:
        log.info(
            "retention: forgot %d question texts/comments and %d transcripts before %s",
            consultations,
            transcripts,
            cutoff.date(),
        )
    return consultations, transcripts


async def run_purge(settings: Settings) -> str:
    engine = create_engine(settings.database_url)
    try:
        await upgrade_schema(engine)
        texts, transcripts = await purge_expired(
            create_session_factory(engine), settings.retention_days
        )
    finally:
        await engine.dispose()
    return (
        f"Forgot {texts} question texts/comments and {transcripts} hand-over transcripts "
        f"older than {settings.retention_days} days."
    )
