"""Repositories of the staff workspace: roles, the audit log, reports and closed quarters,
published FAQ changes and hand-over cases. Like every repository they flush, never commit."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.consultations import Kind, Outcome, quarter_bounds
from knowledge.faq import FaqChange
from knowledge.indicators import (
    Catalogue,
    ConsultationFacts,
    IndicatorTable,
    QuarterFigures,
    tally,
)
from knowledge.report_labels import ReportLabels
from knowledge.report_xlsx import ExportRow, PublicationRow, XlsxReportWriter
from storage.models import (
    AuditRow,
    ConsultationRow,
    FaqChangeRow,
    HandoverCaseRow,
    HandoverMessageRow,
    QuarterSnapshotRow,
    StaffMemberRow,
)

EXPORT_BATCH = 5000
# How SQLAlchemy writes an aware UTC datetime into SQLite (see UtcDateTime).
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- roles and the audit log --------------------------------------------------------------------


class StaffRepository:
    def __init__(self, session: AsyncSession, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.session = session
        self.clock = clock

    async def is_staff(self, telegram_id: int) -> bool:
        found = await self.session.scalar(
            select(StaffMemberRow.telegram_id).where(StaffMemberRow.telegram_id == telegram_id)
        )
        return found is not None

    async def add(self, telegram_id: int, added_by: int) -> bool:
        """False when already staff."""
        if await self.is_staff(telegram_id):
            return False
        self.session.add(
            StaffMemberRow(telegram_id=telegram_id, added_by=added_by, added_at=self.clock())
        )
        await self.session.flush()
        return True

    async def remove(self, telegram_id: int) -> bool:
        result = await self.session.execute(
            delete(StaffMemberRow).where(StaffMemberRow.telegram_id == telegram_id)
        )
        return bool(result.rowcount)

    async def members(self) -> list[tuple[int, dt.datetime]]:
        rows = await self.session.execute(
            select(StaffMemberRow.telegram_id, StaffMemberRow.added_at).order_by(
                StaffMemberRow.added_at, StaffMemberRow.telegram_id
            )
        )
        return [(r.telegram_id, r.added_at) for r in rows]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: dt.datetime
    actor_id: int | None
    action: str
    target: str | None
    details: dict[str, Any] | None


class AuditLog:
    """Append-only: there is no update or delete here, and triggers refuse them in the database."""

    def __init__(self, session: AsyncSession, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.session = session
        self.clock = clock

    async def append(
        self,
        actor_id: int | None,
        action: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditRow(
                at=self.clock(), actor_id=actor_id, action=action, target=target, details=details
            )
        )
        await self.session.flush()

    async def recent(self, limit: int = 50) -> list[AuditEntry]:
        rows = await self.session.scalars(
            select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        )
        return [AuditEntry(r.at, r.actor_id, r.action, r.target, r.details) for r in rows]


# -- reports and closed quarters ----------------------------------------------------------------


class SnapshotTampered(RuntimeError):
    """A closed quarter's stored figures no longer match their checksum."""


class QuarterAlreadyClosed(RuntimeError):
    pass


def _hour_bucket(dialect: str) -> Any:
    """SQL: the start of the UTC hour of created_at (stored in UTC on both databases)."""
    if dialect == "postgresql":
        return func.date_trunc("hour", ConsultationRow.created_at)
    return func.substr(ConsultationRow.created_at, 1, 13)  # 'YYYY-MM-DD HH'


def _epoch_seconds(dialect: str) -> Any:
    """SQL: created_at as UTC epoch seconds (a plain float): a million rows are read without a
    million text-to-datetime conversions."""
    if dialect == "postgresql":
        return func.date_part("epoch", ConsultationRow.created_at)
    return (func.julianday(ConsultationRow.created_at) - 2440587.5) * 86400.0


def _as_hour(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)


class ReportRepository:
    def __init__(self, session: AsyncSession, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.session = session
        self.clock = clock

    async def facts(self, year: int) -> list[ConsultationFacts]:
        """A year's consultations grouped by hour and everything an indicator can ask about:
        the database does the counting, so a million rows come back as a few thousand lines."""
        start, end = quarter_bounds(year)
        hour = _hour_bucket(self.session.get_bind().dialect.name).label("hour")
        rated = ConsultationRow.rating.is_not(None).label("rated")
        rows = await self.session.execute(
            select(
                hour,
                ConsultationRow.kind,
                ConsultationRow.outcome,
                ConsultationRow.complete,
                rated,
                func.coalesce(func.sum(ConsultationRow.rating), 0),
                func.count(),
            )
            .where(ConsultationRow.created_at >= start, ConsultationRow.created_at < end)
            .group_by(
                literal_column("hour"),
                ConsultationRow.kind,
                ConsultationRow.outcome,
                ConsultationRow.complete,
                literal_column("rated"),
            )
        )
        return [
            ConsultationFacts(
                hour=_as_hour(h),
                kind=kind,
                outcome=outcome,
                complete=complete,
                rated=bool(is_rated),
                rating_sum=int(rating_sum),
                count=int(count),
            )
            for h, kind, outcome, complete, is_rated, rating_sum, count in rows
        ]

    async def publications(self, year: int) -> list[PublicationRow]:
        """New FAQ entries published by staff in a year (plan activity 5.3)."""
        start, end = quarter_bounds(year)
        rows = await self.session.execute(
            select(FaqChangeRow.published_at, FaqChangeRow.entry_id, FaqChangeRow.question)
            .where(
                FaqChangeRow.change == "new_entry",
                FaqChangeRow.published_at >= start,
                FaqChangeRow.published_at < end,
            )
            .order_by(FaqChangeRow.published_at, FaqChangeRow.id)
        )
        return [PublicationRow(r.published_at, r.entry_id, r.question) for r in rows]

    async def closed_quarters(self, year: int) -> dict[int, QuarterFigures]:
        """The frozen figures of a year's closed quarters, each checked against its checksum."""
        rows = await self.session.scalars(
            select(QuarterSnapshotRow).where(QuarterSnapshotRow.year == year)
        )
        closed: dict[int, QuarterFigures] = {}
        for row in rows:
            figures = QuarterFigures.from_canonical(row.figures)
            if figures.checksum() != row.checksum or figures.quarter != row.quarter:
                raise SnapshotTampered(f"{year} Q{row.quarter}")
            closed[row.quarter] = figures
        return closed

    async def close_quarter(self, figures: QuarterFigures, actor_id: int | None) -> str:
        """Freeze a quarter's figures; returns the checksum. Closing twice is refused."""
        checksum = figures.checksum()
        try:
            async with self.session.begin_nested():
                self.session.add(
                    QuarterSnapshotRow(
                        year=figures.year,
                        quarter=figures.quarter,
                        closed_at=self.clock(),
                        closed_by=actor_id,
                        figures=figures.canonical(),
                        checksum=checksum,
                    )
                )
        except IntegrityError:
            raise QuarterAlreadyClosed(f"{figures.year} Q{figures.quarter}") from None
        return checksum

    async def table(
        self, year: int, catalogue: Catalogue, quarter: int | None = None
    ) -> IndicatorTable:
        """The plan-shaped report: live counts, with closed quarters' frozen figures."""
        closed = await self.closed_quarters(year)
        publications = [p.published_at for p in await self.publications(year)]
        return tally(catalogue, year, await self.facts(year), publications, quarter, closed)

    async def export_xlsx(
        self,
        path: Path,
        table: IndicatorTable,
        labels: ReportLabels,
        topic_titles: Mapping[str, str] | None = None,
    ) -> int:
        """Write the XLSX export; the writing runs in a worker thread batch by batch, so the
        bot keeps answering others meanwhile. Returns the number of consultation rows.
        `topic_titles` maps topic ids to what staff read (knowledge.report_xlsx.topic_titles)."""
        writer = await asyncio.to_thread(XlsxReportWriter, path, table, labels, topic_titles)
        written = 0
        pending: asyncio.Future[int] | None = None
        try:
            # The database reads the next batch while the worker thread writes this one.
            async for batch in self.export_rows(table.year, table.catalogue):
                if pending is not None:
                    written = await pending
                pending = asyncio.ensure_future(asyncio.to_thread(writer.add_consultations, batch))
            if pending is not None:
                written = await pending
                pending = None
            publications = await self.publications(table.year)
            await asyncio.to_thread(writer.add_publications, publications)
        finally:
            if pending is not None:  # an error while reading: let the write finish first
                await asyncio.gather(pending, return_exceptions=True)
            await asyncio.to_thread(writer.close)
        return written

    async def export_rows(self, year: int, catalogue: Catalogue) -> AsyncIterator[list[ExportRow]]:
        """Every consultation of a year, oldest first, in batches, each row with the ids of the
        indicators it counts toward (so the rows add up to the table)."""
        matching: dict[tuple[str, str, bool | None, bool], tuple[str, ...]] = {}
        async for partition in self._raw_export_batches(year):
            batch = []
            for user_key, epoch, kind, topic, outcome, feedback, rating, complete in partition:
                complete = None if complete is None else bool(complete)
                key = (kind, outcome, complete, rating is not None)
                ids = matching.get(key)
                if ids is None:
                    ids = matching[key] = tuple(catalogue.matching(*key))
                batch.append(
                    ExportRow(user_key, epoch, kind, topic, outcome, feedback, rating, ids)
                )
            yield batch

    async def _raw_export_batches(self, year: int) -> AsyncIterator[list[tuple[Any, ...]]]:
        """The export's rows as plain tuples straight from the database driver.

        A year can hold a million rows; SQLAlchemy's result rows and type conversions cost about
        as much as writing the spreadsheet, so this one read goes to the driver: aiosqlite or
        asyncpg, with the time as UTC epoch seconds computed by the database."""
        start, end = quarter_bounds(year)
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        columns = "user_key, {epoch}, kind, topic, outcome, feedback, rating, complete"
        if connection.dialect.name == "postgresql":
            epoch = "date_part('epoch', created_at)"
            query = (
                f"SELECT {columns.format(epoch=epoch)} "
                "FROM consultations WHERE created_at >= $1 AND created_at < $2 "
                "ORDER BY created_at, id"
            )
            cursor = driver.cursor(query, start, end, prefetch=EXPORT_BATCH)
            batch: list[tuple[Any, ...]] = []
            async for record in cursor:
                batch.append(tuple(record))
                if len(batch) == EXPORT_BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch
            return
        # SQLite keeps these timestamps as UTC text in SQLAlchemy's format, which sorts in time.
        epoch = "(julianday(created_at) - 2440587.5) * 86400.0"
        query = (
            f"SELECT {columns.format(epoch=epoch)} "
            "FROM consultations WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id"
        )
        bounds = (start.strftime(_SQLITE_TIME), end.strftime(_SQLITE_TIME))
        async with driver.execute(query, bounds) as cursor:
            while rows := await cursor.fetchmany(EXPORT_BATCH):
                yield rows


# -- FAQ content published by staff -------------------------------------------------------------


class FaqChangeRepository:
    def __init__(self, session: AsyncSession, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.session = session
        self.clock = clock

    async def add(
        self,
        actor_id: int | None,
        change: str,
        entry_id: str,
        question: str,
        answer: str | None = None,
        legal_basis: str | None = None,
        source: str | None = None,
    ) -> int:
        row = FaqChangeRow(
            published_at=self.clock(),
            actor_id=actor_id,
            change=change,
            entry_id=entry_id,
            question=question,
            answer=answer,
            legal_basis=legal_basis,
            source=source,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def all(self) -> list[FaqChange]:
        rows = await self.session.scalars(select(FaqChangeRow).order_by(FaqChangeRow.id))
        return [
            FaqChange(
                r.id,
                r.published_at,
                r.change,
                r.entry_id,
                r.question,
                r.answer,
                r.legal_basis,
                r.source,
            )
            for r in rows
        ]

    async def latest_id(self) -> int:
        return int(await self.session.scalar(select(func.coalesce(func.max(FaqChangeRow.id), 0))))

    async def count_new_entries(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).where(FaqChangeRow.change == "new_entry")
            )
        )


# -- hand-over cases ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandoverCase:
    id: int
    consultation_id: int
    user_key: str
    user_chat_id: int | None
    status: str
    opened_at: dt.datetime


def _case(row: HandoverCaseRow) -> HandoverCase:
    return HandoverCase(
        row.id, row.consultation_id, row.user_key, row.user_chat_id, row.status, row.opened_at
    )


class HandoverRepository:
    def __init__(
        self,
        session: AsyncSession,
        clock: Callable[[], dt.datetime] = _utcnow,
        recorded: list[tuple[str, str]] | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.recorded = recorded if recorded is not None else []

    async def open_case(
        self, user_key: str, user_chat_id: int, transcript: str, channel: str
    ) -> HandoverCase:
        """A new case with its own consultation (kind handover, waiting for a person)."""
        now = self.clock()
        consultation = ConsultationRow(
            created_at=now,
            updated_at=now,
            channel=channel,
            user_key=user_key,
            kind=Kind.HANDOVER.value,
            outcome=Outcome.HANDED_OVER.value,
            repeat_key=f"case:{now.timestamp()}",
            # A case is never a repeat: its bucket is unique by construction (negative, unlike
            # the time slices of ordinary consultations).
            repeat_bucket=-int(now.timestamp() * 1_000_000),
        )
        self.session.add(consultation)
        await self.session.flush()
        self.recorded.append((Kind.HANDOVER.value, Outcome.HANDED_OVER.value))
        row = HandoverCaseRow(
            consultation_id=consultation.id,
            user_key=user_key,
            user_chat_id=user_chat_id,
            opened_at=now,
            status="open",
            transcript=transcript,
        )
        self.session.add(row)
        await self.session.flush()
        return _case(row)

    async def open_case_of(self, user_key: str) -> HandoverCase | None:
        row = await self.session.scalar(
            select(HandoverCaseRow)
            .where(HandoverCaseRow.user_key == user_key, HandoverCaseRow.status != "closed")
            .order_by(HandoverCaseRow.id.desc())
            .limit(1)
        )
        return None if row is None else _case(row)

    async def posted(self, case_id: int, chat_id: int, message_id: int) -> None:
        self.session.add(
            HandoverMessageRow(case_id=case_id, chat_id=chat_id, message_id=message_id)
        )
        await self.session.flush()

    async def by_staff_message(self, chat_id: int, message_id: int) -> HandoverCase | None:
        row = await self.session.scalar(
            select(HandoverCaseRow)
            .join(HandoverMessageRow, HandoverMessageRow.case_id == HandoverCaseRow.id)
            .where(
                HandoverMessageRow.chat_id == chat_id, HandoverMessageRow.message_id == message_id
            )
        )
        return None if row is None else _case(row)

    async def get(self, case_id: int) -> HandoverCase | None:
        row = await self.session.get(HandoverCaseRow, case_id)
        return None if row is None else _case(row)

    async def mark_answered(self, case_id: int) -> None:
        now = self.clock()
        row = await self.session.get(HandoverCaseRow, case_id)
        if row is None:
            return
        if row.status == "open":
            row.status = "answered"
            row.answered_at = now
        await self.session.execute(
            update(ConsultationRow)
            .where(ConsultationRow.id == row.consultation_id)
            .values(outcome=Outcome.ANSWERED.value, updated_at=now)
        )
        await self.session.flush()

    async def close(self, case_id: int) -> HandoverCase | None:
        """Close a case; the user's chat id is no longer needed and is forgotten."""
        row = await self.session.get(HandoverCaseRow, case_id)
        if row is None or row.status == "closed":
            return None
        row.status = "closed"
        row.closed_at = self.clock()
        case = _case(row)
        row.user_chat_id = None
        await self.session.flush()
        return case

    async def purge_texts(self, older_than: dt.datetime) -> int:
        result = await self.session.execute(
            update(HandoverCaseRow)
            .where(HandoverCaseRow.opened_at < older_than, HandoverCaseRow.transcript.is_not(None))
            .values(transcript=None)
        )
        return int(result.rowcount or 0)
