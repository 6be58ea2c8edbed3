"""Importing the agency's exports: encodings, delimiters, bad rows, idempotent re-imports."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from knowledge.register import hash_holder_id, verify
from storage.db import create_session_factory, upgrade_schema
from storage.models import RegisterCentreRow, RegisterDocumentRow
from storage.register import ImportError_, RegisterRepository, import_register

SECRET = "register-test-secret-0123456789"
HEADER = "document_type,series,factory_number,registration_number,issue_date,holder_id,holder_name,centre_licence,centre_name,profession_code,profession,speciality_code,speciality,qualification_level,status"
ROWS = [
    "3-54,2021,123456,000123-2021,30.06.2021,8001011236,Иван Петров Иванов,200312074,ЦПО „Знание“,522020,Електромонтьор,5220201,Електрически инсталации,II,valid",
    "3-54,2021,123457,000124-2021,2021-07-01,8001011236,Мария Петрова Иванова,200312074,ЦПО „Знание“,811070,Готвач,8110701,Кулинарни изделия,II,",
    "3-54В,2022,223457,000125-2022,01.07.2022,8001011236,Георги Иванов Георгиев,200312074,ЦПО „Знание“,811070,Готвач,8110701,Кулинарни изделия,II,annulled",
]
BAD_ROWS = [
    "3-54,2021,1,без-номер,30.06.2021,8001011236,Иван Петров Иванов,200312074,ЦПО,1,П,1,С,II,valid",
    "3-54,2021,1,000200-2021,30.06.2021,8001011234,Иван Петров Иванов,200312074,ЦПО,1,П,1,С,II,valid",
    "3-54,2021,1,000201-2021,31.02.2021,8001011236,Иван Петров Иванов,200312074,ЦПО,1,П,1,С,II,valid",
    "3-54,2021,1,000202-2021,30.06.2021,8001011236,Иван,200312074,ЦПО,1,П,1,С,II,valid",
    "3-54,2021,1,000203-2021,30.06.2021,8001011236,Иван Петров Иванов,200312074,ЦПО,1,П,1,С,II,изгубен",
    "3-54,2021,too,few",
]


@pytest.fixture
async def factory(blank_engine):
    await upgrade_schema(blank_engine)
    return create_session_factory(blank_engine)


def write(path, lines, encoding="utf-8", delimiter=","):
    text = "\n".join(line.replace(",", delimiter) for line in lines) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-8", ","), ("utf-8-sig", ","), ("cp1251", ";"), ("utf-8", ";")]
)
async def test_import_encodings_and_delimiters(factory, tmp_path, encoding, delimiter):
    path = write(tmp_path / "docs.csv", [HEADER, *ROWS], encoding, delimiter)
    summary = await import_register(factory, "documents", path, SECRET, dt.date(2026, 11, 1))
    assert (summary.rows_read, summary.inserted, summary.updated, summary.rejected) == (3, 3, 0, 0)
    async with factory() as session:
        repository = RegisterRepository(session)
        assert await repository.snapshot_date("documents") == dt.date(2026, 11, 1)
        result = await verify(repository, SECRET, "000123-2021", holder_name="Иван Петров Иванов")
    assert result.status.value == "confirmed" and result.document.centre_name == "ЦПО „Знание“"


async def test_bad_rows_are_reported_with_line_and_reason(factory, tmp_path):
    path = write(tmp_path / "docs.csv", [HEADER, ROWS[0], *BAD_ROWS, ROWS[1]])
    summary = await import_register(factory, "documents", path, SECRET)
    assert (summary.rows_read, summary.inserted, summary.rejected) == (8, 2, 6)
    reasons = dict(summary.errors)
    assert "no digits" in reasons[3]
    assert "ЕГН" in reasons[4]
    assert "date" in reasons[5]
    assert "two names" in reasons[6]
    assert "status" in reasons[7]
    assert "fields" in reasons[8]


async def test_reimport_changes_nothing_and_a_changed_row_is_updated(factory, tmp_path):
    path = write(tmp_path / "docs.csv", [HEADER, *ROWS])
    await import_register(factory, "documents", path, SECRET)
    again = await import_register(factory, "documents", path, SECRET)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    changed = write(
        tmp_path / "docs2.csv", [HEADER, ROWS[0].replace(",valid", ",annulled"), *ROWS[1:]]
    )
    third = await import_register(factory, "documents", changed, SECRET)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2)
    async with factory() as session:
        statuses = sorted((await session.scalars(select(RegisterDocumentRow.status))).all())
    assert statuses == ["annulled", "annulled", "valid"]


async def test_missing_columns_stop_the_import(factory, tmp_path):
    path = write(tmp_path / "docs.csv", ["document_type,series", "3-54,2021"])
    with pytest.raises(ImportError_, match="missing columns"):
        await import_register(factory, "documents", path, SECRET)


async def test_no_clear_egn_or_name_reaches_the_database(factory, tmp_path, blank_engine):
    path = write(tmp_path / "docs.csv", [HEADER, *ROWS])
    await import_register(factory, "documents", path, SECRET)
    async with factory() as session:
        rows = (await session.scalars(select(RegisterDocumentRow))).all()
    dumped = " ".join(str(vars(r)) for r in rows)
    assert "8001011236" not in dumped and "Петров Иванов" not in dumped and "Иван" not in dumped
    assert rows[0].holder_id_hash == hash_holder_id(SECRET, "8001011236")
    database = blank_engine.url.database
    if database and blank_engine.url.get_backend_name() == "sqlite":
        await blank_engine.dispose()
        raw = open(database, "rb").read() + (
            open(database + "-wal", "rb").read()
            if __import__("os").path.exists(database + "-wal")
            else b""
        )
        assert b"8001011236" not in raw and "Петров".encode() not in raw


async def test_centres_import_and_lookup(factory, tmp_path):
    path = write(
        tmp_path / "centres.csv",
        [
            "licence_number;name;kind;status;status_date;town;professions",
            "200312074;ЦПО „Знание“ ЕООД;ЦПО;активна;15.10.2003;София;522020;811070",
            "2020140002;ЦИПО „Кариера“;ЦИПО;временно отнета;2024-03-01;Пловдив;",
            "x;Без номер;ЦПО;активна;;;",
            "2021120003;ЦПО „Трети“;ЦПО;изгубена;;;",
        ],
        delimiter=";",
    )
    summary = await import_register(factory, "centres", path, SECRET)
    assert (summary.inserted, summary.rejected) == (2, 2)
    async with factory() as session:
        repository = RegisterRepository(session)
        centre = await repository.centre_by_licence("200312074")
        assert centre.status == "активна" and centre.town == "София"
        rows = (await session.scalars(select(RegisterCentreRow.licence_number))).all()
    assert sorted(rows) == ["200312074", "2020140002"]


async def test_large_files_parse_in_a_second_process_with_the_same_result(
    factory, tmp_path, monkeypatch
):
    import storage.register as register_module

    monkeypatch.setattr(register_module, "PARALLEL_PARSE_BYTES", 0)
    monkeypatch.setattr(register_module, "BATCH", 2)
    path = write(tmp_path / "docs.csv", [HEADER, ROWS[0], *BAD_ROWS, *ROWS[1:]])
    summary = await import_register(factory, "documents", path, SECRET)
    assert (summary.rows_read, summary.inserted, summary.rejected) == (9, 3, 6)
    assert [line for line, _ in summary.errors] == [3, 4, 5, 6, 7, 8]
    again = await import_register(factory, "documents", path, SECRET)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
