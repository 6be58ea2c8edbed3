"""The register in the database: look-ups for the bot, and the importer of agency exports."""

from __future__ import annotations

import asyncio
import codecs
import csv
import datetime as dt
import hashlib
import io
import multiprocessing
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import IO, Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.register import (
    Centre,
    DocumentStatus,
    RegisterDocument,
    centre_name_key,
    hash_holder_id,
    hash_holder_name,
    holder_identifier,
    person_name_key,
    registration_digits,
)
from storage.models import RegisterCentreRow, RegisterDocumentRow, RegisterImportRow

DOCUMENT_COLUMNS = (
    "document_type", "series", "factory_number", "registration_number", "issue_date",
    "holder_id", "holder_name", "centre_licence", "centre_name", "profession_code",
    "profession", "speciality_code", "speciality", "qualification_level", "status",
)  # fmt: skip
REQUIRED_DOCUMENT_COLUMNS = frozenset(DOCUMENT_COLUMNS) - {"status"}
CENTRE_COLUMNS = ("licence_number", "name", "kind", "status", "status_date", "town", "professions")
BATCH = 5000

_STATUS_WORDS = {
    "valid": DocumentStatus.VALID, "валиден": DocumentStatus.VALID, "": DocumentStatus.VALID,
    "annulled": DocumentStatus.ANNULLED, "анулиран": DocumentStatus.ANNULLED,
    "duplicate_issued": DocumentStatus.DUPLICATE_ISSUED,
    "издаден дубликат": DocumentStatus.DUPLICATE_ISSUED,
}  # fmt: skip
_CENTRE_STATUSES = {"активна", "временно отнета", "окончателно отнета", "заличена", "прекратена"}
_CENTRE_KINDS = {"цпо": "ЦПО", "ципо": "ЦИПО", "cpo": "ЦПО", "cipo": "ЦИПО"}


class ImportError_(ValueError):
    """The file as a whole cannot be imported (unknown columns, unreadable)."""


class RowError(ValueError):
    """One row cannot be imported; the message says why."""


_DMY = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})(?:\s*г\.?)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(raw: str) -> dt.date | None:
    """DD.MM.YYYY (also with "г.") or ISO YYYY-MM-DD. Hand-parsed: strptime was the importer's
    slowest step at a million rows."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        if match := _DMY.fullmatch(raw):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        if match := _ISO.fullmatch(raw):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise RowError(f"date {raw!r} is not DD.MM.YYYY or YYYY-MM-DD")


# -- reading the export ----------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """UTF-8 with or without BOM, else Windows-1251 (the agency's older exports)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
            return "cp1251"
    return "utf-8"


def open_export(path: Path) -> tuple[IO[str], str]:
    """The file as text with its delimiter (comma or semicolon), streamed, not loaded."""
    with path.open("rb") as fh:
        sample = fh.read(65536)
    encoding = detect_encoding(sample)
    text = io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="")
    header = sample.decode(encoding if encoding != "utf-8-sig" else "utf-8-sig", errors="replace")
    first_line = header.splitlines()[0] if header else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return text, delimiter


def read_rows(
    path: Path, columns: tuple[str, ...], required: frozenset[str]
) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    text, delimiter = open_export(path)
    with text:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            header = [h.strip().lower().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            raise ImportError_("the file is empty") from None
        except UnicodeDecodeError as exc:
            raise ImportError_(f"cannot decode the file: {exc}") from exc
        missing = sorted(required - set(header))
        if missing:
            raise ImportError_(f"missing columns: {', '.join(missing)}")
        index = {name: header.index(name) for name in columns if name in header}
        line = 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as exc:
                line += 1
                yield line, RowError(f"unreadable line: {type(exc).__name__}")
                continue
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) < len(header):
                yield line, RowError(f"{len(values)} fields, expected {len(header)}")
                continue
            yield line, {name: values[i].strip() for name, i in index.items()}


# -- turning rows into register rows ---------------------------------------------------------


def document_values(row: dict[str, str], secret: str) -> dict[str, Any]:
    digits = registration_digits(row["registration_number"])
    if not digits:
        raise RowError("registration_number has no digits")
    if not row["document_type"]:
        raise RowError("document_type is empty")
    identifier = holder_identifier(row["holder_id"])
    if identifier is None:
        raise RowError("holder_id is not a valid ЕГН or ЛНЧ")
    name_key = person_name_key(row["holder_name"])
    if name_key is None:
        raise RowError("holder_name needs at least two names")
    status = _STATUS_WORDS.get(row.get("status", "").strip().lower())
    if status is None:
        raise RowError(f"status {row.get('status')!r} is not valid / annulled / duplicate_issued")
    if not row["centre_licence"]:
        raise RowError("centre_licence is empty")
    values = {
        "natural_key": f"{row['document_type']}|{row['centre_licence']}|{digits}",
        "document_type": row["document_type"],
        "series": row["series"],
        "factory_number": row["factory_number"],
        "registration_number": row["registration_number"],
        "registration_digits": digits,
        "issue_date": parse_date(row["issue_date"]),
        "holder_id_hash": hash_holder_id(secret, identifier),
        "holder_name_hash": hash_holder_name(secret, name_key),
        "centre_licence": row["centre_licence"],
        "centre_name": row["centre_name"],
        "profession_code": row["profession_code"],
        "profession": row["profession"],
        "speciality_code": row["speciality_code"],
        "speciality": row["speciality"],
        "qualification_level": row["qualification_level"],
        "status": status.value,
    }
    values["row_hash"] = _row_hash(values)
    return values


def centre_values(row: dict[str, str], _secret: str = "") -> dict[str, Any]:
    if not row["licence_number"] or not registration_digits(row["licence_number"]):
        raise RowError("licence_number is empty")
    kind = _CENTRE_KINDS.get(row["kind"].strip().lower())
    if kind is None:
        raise RowError(f"kind {row['kind']!r} is not ЦПО or ЦИПО")
    status = row["status"].strip().lower()
    if status not in _CENTRE_STATUSES:
        raise RowError(f"status {row['status']!r} is not a licence status")
    if not row["name"]:
        raise RowError("name is empty")
    professions = ";".join(
        p.strip() for p in re.split(r"[;,]", row.get("professions", "")) if p.strip()
    )
    values = {
        "licence_number": registration_digits(row["licence_number"]),
        "name": row["name"],
        "name_key": centre_name_key(row["name"]),
        "kind": kind,
        "status": status,
        "status_date": parse_date(row.get("status_date", "")),
        "town": row.get("town", ""),
        "professions": professions,
    }
    values["row_hash"] = _row_hash(values)
    return values


def _row_hash(values: dict[str, Any]) -> str:
    """Fingerprint of a row's content (values are built in a fixed order) to skip unchanged rows."""
    joined = "\x1f".join(map(str, values.values()))
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()


# -- the importer ----------------------------------------------------------------------------


@dataclass
class ImportSummary:
    register: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # first ones, for the report


@dataclass(frozen=True)
class _Spec:
    table: Any
    key: str
    columns: tuple[str, ...]
    required: frozenset[str]
    to_values: Callable[[dict[str, str], str], dict[str, Any]]


SPECS = {
    "documents": _Spec(
        RegisterDocumentRow.__table__, "natural_key", DOCUMENT_COLUMNS, REQUIRED_DOCUMENT_COLUMNS,
        document_values,
    ),
    "centres": _Spec(
        RegisterCentreRow.__table__, "licence_number", CENTRE_COLUMNS,
        frozenset(CENTRE_COLUMNS) - {"professions", "status_date", "town"}, centre_values,
    ),
}  # fmt: skip
MAX_REPORTED_ERRORS = 1000


# Above this size the rows are parsed (validated, normalized, hashed) in a second process while
# this one writes the previous batch: on a million rows the two halves take about as long.
PARALLEL_PARSE_BYTES = 8 * 1024 * 1024


def _parse_chunk(
    register: str, secret: str, chunk: list[tuple[int, dict[str, str] | str]]
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Rows to register values, or (line, reason); top-level so a worker process can run it."""
    spec = SPECS[register]
    values: list[dict[str, Any]] = []
    errors: list[tuple[int, str]] = []
    for line, row in chunk:
        try:
            if isinstance(row, str):
                raise RowError(row)
            values.append(spec.to_values(row, secret))
        except RowError as exc:
            errors.append((line, str(exc)))
    return values, errors


def _chunks(
    rows: Iterator[tuple[int, dict[str, str] | RowError]], size: int
) -> Iterator[list[tuple[int, dict[str, str] | str]]]:
    chunk: list[tuple[int, dict[str, str] | str]] = []
    for line, row in rows:
        chunk.append((line, str(row) if isinstance(row, RowError) else row))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse_file(register: str, secret: str, path: str, size: int, queue: Any) -> None:
    """Worker process: read and parse the whole file, handing batches over through `queue`."""
    spec = SPECS[register]
    try:
        for chunk in _chunks(read_rows(Path(path), spec.columns, spec.required), size):
            queue.put(("chunk", len(chunk), _parse_chunk(register, secret, chunk)))
        queue.put(("done",))
    except ImportError_ as exc:
        queue.put(("error", str(exc)))
    except Exception as exc:  # reported to the importing process, which raises it
        queue.put(("crash", repr(exc)))


async def _parse_in_a_worker(
    register: str, secret: str, path: Path
) -> AsyncIterator[tuple[int, tuple[list[dict[str, Any]], list[tuple[int, str]]]]]:
    """Batches parsed by a second process, which reads ahead by one batch (memory)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=1)
    worker = context.Process(
        target=_parse_file, args=(register, secret, str(path), BATCH, queue), daemon=True
    )
    worker.start()
    loop = asyncio.get_running_loop()

    def next_item() -> tuple[Any, ...]:
        while True:
            try:
                return queue.get(timeout=1.0)
            except Empty:
                if not worker.is_alive():
                    return ("crash", f"the parsing process ended with code {worker.exitcode}")

    try:
        while True:
            item = await loop.run_in_executor(None, next_item)
            if item[0] == "chunk":
                yield item[1], item[2]
            elif item[0] == "done":
                return
            elif item[0] == "error":
                raise ImportError_(item[1])
            else:
                raise RuntimeError(f"register import failed: {item[1]}")
    finally:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()


async def import_register(
    session_factory: async_sessionmaker[AsyncSession],
    register: str,
    path: Path,
    secret: str,
    as_of: dt.date | None = None,
) -> ImportSummary:
    """Upsert an export by natural key, batch by batch; a re-import of the same file changes
    nothing. Bad rows are counted and reported with their line, never dropped silently."""
    spec = SPECS[register]
    summary = ImportSummary(register)

    async def write(parsed: tuple[list[dict[str, Any]], list[tuple[int, str]]]) -> None:
        values, errors = parsed
        summary.rejected += len(errors)
        room = MAX_REPORTED_ERRORS - len(summary.errors)
        summary.errors.extend(errors[: max(0, room)])
        batch = {v[spec.key]: v for v in values}  # a key twice: the later row wins
        if batch:
            await _flush(session_factory, spec, batch, summary)

    if path.stat().st_size >= PARALLEL_PARSE_BYTES:
        async for rows, parsed in _parse_in_a_worker(register, secret, path):
            summary.rows_read += rows
            await write(parsed)
    else:
        for chunk in _chunks(read_rows(path, spec.columns, spec.required), BATCH):
            summary.rows_read += len(chunk)
            await write(_parse_chunk(register, secret, chunk))
    async with session_factory.begin() as session:
        session.add(
            RegisterImportRow(
                register=register,
                as_of=as_of or dt.date.today(),
                imported_at=dt.datetime.now(dt.UTC),
                rows_read=summary.rows_read,
                inserted=summary.inserted,
                updated=summary.updated,
                rejected=summary.rejected,
            )
        )
    return summary


async def _insert_many(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert through the driver's executemany with plain tuples.

    The Core insert spends more time preparing each row's parameters than SQLite spends
    storing it (measured at a million rows); the statement is still built by SQLAlchemy, only
    the parameters skip its per-row processing.
    """
    connection = await session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    if dialect.paramstyle == "qmark":
        placeholders = ", ".join("?" for _ in columns)
    elif dialect.paramstyle == "numeric_dollar":
        placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    else:  # any other driver: the ordinary Core path
        await session.execute(insert(table), rows)
        return
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({placeholders})"
    )
    as_text = dialect.name == "sqlite"  # SQLite stores dates as ISO text, as SQLAlchemy does
    parameters = [
        tuple(
            v.isoformat() if as_text and isinstance(v, dt.date) else v
            for v in (row[c] for c in columns)
        )
        for row in rows
    ]
    await connection.exec_driver_sql(sql, parameters)


async def _flush(
    session_factory: async_sessionmaker[AsyncSession],
    spec: _Spec,
    batch: dict[str, dict[str, Any]],
    summary: ImportSummary,
) -> None:
    key_column = spec.table.c[spec.key]
    async with session_factory.begin() as session:
        existing = dict(
            (await session.execute(
                select(key_column, spec.table.c.row_hash).where(key_column.in_(list(batch)))
            )).all()
        )  # fmt: skip
        new = [v for k, v in batch.items() if k not in existing]
        changed = [v for k, v in batch.items() if k in existing and existing[k] != v["row_hash"]]
        if new:
            await _insert_many(session, spec.table, new)
        if changed:
            columns = [c for c in changed[0] if c != spec.key]
            statement = (
                update(spec.table)
                .where(key_column == bindparam("_key"))
                .values({c: bindparam(c) for c in columns})
            )
            await session.execute(
                statement, [{**v, "_key": v[spec.key]} for v in changed],
                execution_options={"synchronize_session": False},
            )  # fmt: skip
    summary.inserted += len(new)
    summary.updated += len(changed)
    summary.unchanged += len(batch) - len(new) - len(changed)


# -- look-ups --------------------------------------------------------------------------------


class RegisterRepository:
    """The register for the domain's DocumentRegister protocol, and centre look-ups."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lookup(self, digits: str) -> tuple[list[RegisterDocument], dt.date | None]:
        """One round trip in the common case: the rows carry the snapshot date with them.
        Plain columns, not ORM objects: this runs for every verification."""
        table = RegisterDocumentRow.__table__
        snapshot = (
            select(func.max(RegisterImportRow.as_of))
            .where(RegisterImportRow.register == "documents")
            .scalar_subquery()
        )
        rows = (
            await self.session.execute(
                select(
                    *(table.c[name] for name in _DOCUMENT_FIELDS), snapshot.label("snapshot")
                ).where(table.c.registration_digits == digits)
            )
        ).all()
        if not rows:
            return [], await self.snapshot_date("documents")
        return _documents(rows), rows[0].snapshot

    async def documents_by_digits(self, digits: str) -> list[RegisterDocument]:
        rows = await self.session.scalars(
            select(RegisterDocumentRow).where(RegisterDocumentRow.registration_digits == digits)
        )
        return _documents(rows)

    async def snapshot_date(self, register: str) -> dt.date | None:
        return await self.session.scalar(
            select(func.max(RegisterImportRow.as_of)).where(RegisterImportRow.register == register)
        )

    async def centre_by_licence(self, licence_digits: str) -> Centre | None:
        row = await self.session.scalar(
            select(RegisterCentreRow).where(RegisterCentreRow.licence_number == licence_digits)
        )
        return None if row is None else _centre(row)

    async def centre_name_keys(self) -> list[tuple[str, str]]:
        rows = await self.session.execute(
            select(RegisterCentreRow.licence_number, RegisterCentreRow.name_key)
        )
        return [(licence, key) for licence, key in rows.all()]

    async def centres_by_licences(self, licences: list[str]) -> list[Centre]:
        rows = await self.session.scalars(
            select(RegisterCentreRow).where(RegisterCentreRow.licence_number.in_(licences))
        )
        by_licence = {r.licence_number: _centre(r) for r in rows}
        return [by_licence[lic] for lic in licences if lic in by_licence]

    async def centres_version(self) -> int:
        """Changes whenever centres are imported: the id of the newest centres import."""
        return int(
            await self.session.scalar(
                select(func.max(RegisterImportRow.id)).where(
                    RegisterImportRow.register == "centres"
                )
            )
            or 0
        )

    async def count_documents(self) -> int:
        return int(await self.session.scalar(select(func.count(RegisterDocumentRow.id))) or 0)


_DOCUMENT_FIELDS = (
    "document_type", "series", "factory_number", "registration_number", "issue_date",
    "centre_licence", "centre_name", "profession_code", "profession", "speciality_code",
    "speciality", "qualification_level", "status", "holder_id_hash", "holder_name_hash",
)  # fmt: skip


def _documents(rows: Any) -> list[RegisterDocument]:
    return [
        RegisterDocument(
            document_type=r.document_type,
            series=r.series,
            factory_number=r.factory_number,
            registration_number=r.registration_number,
            issue_date=r.issue_date,
            centre_licence=r.centre_licence,
            centre_name=r.centre_name,
            profession_code=r.profession_code,
            profession=r.profession,
            speciality_code=r.speciality_code,
            speciality=r.speciality,
            qualification_level=r.qualification_level,
            status=DocumentStatus(r.status),
            holder_id_hash=r.holder_id_hash,
            holder_name_hash=r.holder_name_hash,
        )
        for r in rows
    ]


def _centre(row: RegisterCentreRow) -> Centre:
    return Centre(
        licence_number=row.licence_number,
        name=row.name,
        kind=row.kind,
        status=row.status,
        status_date=row.status_date,
        town=row.town,
        professions=tuple(p for p in row.professions.split(";") if p),
    )


class CentreNameIndex:
    """Centre names kept in memory for fuzzy search; reloaded after each centres import.

    Built once per process and shared by all updates: reading 2,000 names for every search was
    most of its cost (benchmarks/register.py).
    """

    def __init__(self) -> None:
        self._version = -1
        self._names: list[tuple[str, str]] = []
        self._lock = asyncio.Lock()

    async def names(self, repository: RegisterRepository) -> list[tuple[str, str]]:
        version = await repository.centres_version()
        if version != self._version:
            async with self._lock:
                if version != self._version:
                    self._names = await repository.centre_name_keys()
                    self._version = version
        return self._names
