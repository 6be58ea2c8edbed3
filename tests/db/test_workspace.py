"""The staff workspace's storage on every database: roles, the append-only audit log, reports
against hand-counted fixtures, closed quarters, published FAQ changes, hand-over cases."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import delete, text
from sqlalchemy.exc import DBAPIError

from handlers.texts_reports import REPORT_LABELS
from knowledge.consultations import Channel, ConsultationDraft, Kind, Outcome
from knowledge.indicators import load_catalogue
from storage.db import create_session_factory, upgrade_schema
from storage.models import ConsultationRow
from storage.repositories import ConsultationRepository
from storage.workspace import (
    AuditLog,
    FaqChangeRepository,
    HandoverRepository,
    QuarterAlreadyClosed,
    ReportRepository,
    SnapshotTampered,
    StaffRepository,
)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def faq(user: str, key: str, outcome=Outcome.ANSWERED) -> ConsultationDraft:
    topic = "cpo-documents" if outcome is Outcome.ANSWERED else None
    return ConsultationDraft(Channel.TELEGRAM, user, Kind.FAQ, outcome, topic, "въпрос", 0.9, key)


def certificate(user: str, outcome: Outcome) -> ConsultationDraft:
    return ConsultationDraft(
        Channel.TELEGRAM, user, Kind.CERTIFICATE, outcome, None, None, None, f"cert-{user}"
    )


@pytest.fixture
async def factory(blank_engine):
    await upgrade_schema(blank_engine)
    return create_session_factory(blank_engine)


async def table(factory, year: int):
    async with factory() as session:
        return await ReportRepository(session).table(year, load_catalogue(year))


def counts(report) -> dict[str, dict[int, int]]:
    return {line.indicator.id: dict(line.quarters) for line in report.lines}


async def seed_2025(factory) -> None:
    """Hand-counted fixture for 2025 (Sofia time: UTC+2 in winter, UTC+3 in summer):
    Q1: u1 answered (+ a repeat 10 min later: one), u2 unknown (not counted),
        u3 certificate confirmed, u4 certificate invalid input (not counted)
    Q2: u1 answered at 31 Mar 21:30 UTC = 1 Apr 00:30 Sofia; u5 suggested; u6 not matched
    Q4: u7 answered at 31 Dec 21:59 UTC = 23:59 Sofia (still 2025)
    2026: u8 answered at 31 Dec 2025 22:00 UTC = 1 Jan 2026 00:00 Sofia (not in 2025)"""
    clock = Clock(utc(2025, 2, 3, 9))
    async with factory.begin() as session:
        repo = ConsultationRepository(session, clock)
        await repo.record(faq("u1", "a"))
        clock.now += dt.timedelta(minutes=10)
        await repo.record(faq("u1", "a"))
        await repo.record(faq("u2", "b", Outcome.UNKNOWN))
        await repo.record(certificate("u3", Outcome.CONFIRMED))
        await repo.record(certificate("u4", Outcome.INVALID_INPUT))
        clock.now = utc(2025, 3, 31, 21, 30)
        await repo.record(faq("u1", "c"))
        await repo.record(faq("u5", "d", Outcome.SUGGESTED))
        await repo.record(certificate("u6", Outcome.NOT_MATCHED))
        clock.now = utc(2025, 12, 31, 21, 59)
        await repo.record(faq("u7", "e"))
        clock.now = utc(2025, 12, 31, 22, 0)
        await repo.record(faq("u8", "f"))


async def test_report_matches_hand_counted_fixture(factory):
    await seed_2025(factory)
    figures = counts(await table(factory, 2025))
    assert figures["2.1.1-consultations"] == {1: 1, 2: 2, 3: 0, 4: 1}
    assert figures["2.2-3.3.4-certificates"] == {1: 1, 2: 1, 3: 0, 4: 0}
    assert figures["2.1.1-complete-sets"] == {1: 0, 2: 0, 3: 0, 4: 0}
    assert counts(await table(factory, 2026))["2.1.1-consultations"][1] == 1


async def test_closed_quarter_keeps_its_figures_after_new_events_deletions_and_purges(factory):
    await seed_2025(factory)
    async with factory.begin() as session:
        reports = ReportRepository(session)
        report = await reports.table(2025, load_catalogue(2025))
        checksum = await reports.close_quarter(report.figures(1), actor_id=7)
        assert len(checksum) == 64
    async with factory.begin() as session:
        # a late event dated in Q1, a deletion, a purge of every text
        await ConsultationRepository(session, Clock(utc(2025, 2, 10, 12))).record(faq("u9", "z"))
        await session.execute(delete(ConsultationRow).where(ConsultationRow.user_key == "u3"))
        await ConsultationRepository(session).purge_texts(utc(2030, 1, 1))
        await ConsultationRepository(session, Clock(utc(2025, 5, 5, 12))).record(faq("u9", "q2"))
    after = await table(factory, 2025)
    figures = counts(after)
    assert after.closed_quarters == {1}
    assert figures["2.1.1-consultations"][1] == 1  # frozen, although u9 was added
    assert figures["2.2-3.3.4-certificates"][1] == 1  # frozen, although u3 was deleted
    assert figures["2.1.1-consultations"][2] == 3  # open quarter: live
    async with factory.begin() as session:
        with pytest.raises(QuarterAlreadyClosed):
            await ReportRepository(session).close_quarter(after.figures(1), actor_id=7)


async def test_snapshots_and_audit_log_refuse_changes_and_tampering_is_detected(factory):
    await seed_2025(factory)
    async with factory.begin() as session:
        await AuditLog(session).append(1, "staff_added", "user:2")
        reports = ReportRepository(session)
        await reports.close_quarter((await reports.table(2025, load_catalogue(2025))).figures(2), 1)
    for statement in (
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "UPDATE quarter_snapshots SET figures = '{}'",
        "DELETE FROM quarter_snapshots",
    ):
        with pytest.raises(DBAPIError):
            async with factory.begin() as session:
                await session.execute(text(statement))
    async with factory() as session:
        assert [(e.actor_id, e.action) for e in await AuditLog(session).recent()] == [
            (1, "staff_added")
        ]
    # Someone with database rights removes the guard and edits a frozen figure: detected.
    async with factory.begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                text("DROP TRIGGER quarter_snapshots_append_only ON quarter_snapshots")
            )
        else:
            await session.execute(text("DROP TRIGGER quarter_snapshots_no_update"))
        edited = await session.execute(
            text("UPDATE quarter_snapshots SET figures = replace(figures, :was, :now)"),
            {"was": '"2.1.1-consultations":2,', "now": '"2.1.1-consultations":20,'},
        )
        assert edited.rowcount == 1
    with pytest.raises(SnapshotTampered):
        await table(factory, 2025)


async def test_staff_members_are_added_listed_and_removed(factory):
    async with factory.begin() as session:
        staff = StaffRepository(session, Clock(utc(2026, 1, 2)))
        assert await staff.add(42, added_by=1)
        assert not await staff.add(42, added_by=1)
        assert await staff.is_staff(42) and not await staff.is_staff(43)
        assert [m for m, _ in await staff.members()] == [42]
        assert await staff.remove(42) and not await staff.remove(42)
        assert not await staff.is_staff(42)


async def test_new_faq_entries_count_as_publications_and_phrasings_do_not(factory):
    async with factory.begin() as session:
        changes = FaqChangeRepository(session, Clock(utc(2026, 4, 2, 10)))
        await changes.add(1, "new_entry", "staff-a", "Въпрос?", "Отговор.", "чл. 1", "https://x.bg")
        await changes.add(1, "phrasing", "cpo-documents", "какво се подава")
        assert await changes.latest_id() == 2
        assert [c.change for c in await changes.all()] == ["new_entry", "phrasing"]
    assert counts(await table(factory, 2026))["5.3-faq-publications"] == {1: 0, 2: 1, 3: 0, 4: 0}


async def test_handover_case_is_one_consultation_counted_once_answered(factory):
    clock = Clock(utc(2026, 7, 1, 8))
    async with factory.begin() as session:
        cases = HandoverRepository(session, clock)
        case = await cases.open_case("u1", 1001, "• въпрос", "telegram")
        await cases.posted(case.id, -100, 55)
        assert (await cases.by_staff_message(-100, 55)).id == case.id
        assert await cases.by_staff_message(-100, 56) is None
        assert (await cases.open_case_of("u1")).id == case.id
    assert counts(await table(factory, 2026))["2.1.1-consultations"][3] == 0  # not answered yet
    async with factory.begin() as session:
        cases = HandoverRepository(session, clock)
        await cases.mark_answered(case.id)
        await cases.mark_answered(case.id)  # a second reply: still one consultation
        closed = await cases.close(case.id)
        assert closed.user_chat_id == 1001  # the caller can still say goodbye
        assert await cases.close(case.id) is None
        assert (await cases.get(case.id)).user_chat_id is None  # then it is forgotten
        assert await cases.open_case_of("u1") is None
    assert counts(await table(factory, 2026))["2.1.1-consultations"][3] == 1


async def test_export_rows_add_up_to_the_indicator_table(factory, tmp_path):
    await seed_2025(factory)
    async with factory.begin() as session:
        await FaqChangeRepository(session, Clock(utc(2025, 8, 1))).add(
            1, "new_entry", "staff-b", "Въпрос?", "Отговор.", "чл. 1", "https://x.bg"
        )
        repo = ConsultationRepository(session)
        rated = (await session.execute(text("SELECT min(id) FROM consultations"))).scalar()
        row = await session.get(ConsultationRow, rated)
        assert await repo.set_rating(row.id, row.user_key, 5)
    path = tmp_path / "export.xlsx"
    async with factory() as session:
        reports = ReportRepository(session)
        report = await reports.table(2025, load_catalogue(2025))
        written = await reports.export_xlsx(path, report, REPORT_LABELS)
    assert written == 8  # every 2025 consultation (the repeat folded in; u8 is 2026)
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book[REPORT_LABELS.sheet_consultations]
    header, *rows = list(sheet.iter_rows(values_only=True))
    column = header.index(REPORT_LABELS.col_indicators)
    for line in report.lines:
        if line.indicator.source == "consultations":
            listed = sum(1 for r in rows if line.indicator.id in (r[column] or "").split(", "))
            assert listed == line.total, line.indicator.id
    publications = list(book[REPORT_LABELS.sheet_publications].iter_rows(values_only=True))[1:]
    assert len(publications) == counts(report)["5.3-faq-publications"][3] == 1
