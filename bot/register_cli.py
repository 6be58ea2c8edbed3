"""The operator's commands for the register: import, demo data, verify, centre."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import TextIO

from bot.settings import Settings
from knowledge.register import Verification, VerificationStatus, verify
from storage.db import create_engine, create_session_factory, upgrade_schema
from storage.demo_data import DemoSample, write_demo_csv
from storage.ratelimit import GLOBAL_LIMITS, MemoryRateLimiter
from storage.register import (
    CentreNameIndex,
    ImportSummary,
    RegisterRepository,
    import_register,
)


async def _session_factory(settings: Settings):
    engine = create_engine(settings.database_url)
    await upgrade_schema(engine)
    return engine, create_session_factory(engine)


async def run_import(
    settings: Settings, register: str, path: Path, as_of: dt.date | None, out: TextIO
) -> ImportSummary:
    engine, factory = await _session_factory(settings)
    try:
        summary = await import_register(
            factory, register, path, settings.register_secret.get(), as_of
        )
    finally:
        await engine.dispose()
    out.write(
        f"{register}: rows read {summary.rows_read}, inserted {summary.inserted}, "
        f"updated {summary.updated}, unchanged {summary.unchanged}, rejected {summary.rejected}\n"
    )
    for line, reason in summary.errors:
        out.write(f"  line {line}: {reason}\n")
    if summary.rejected > len(summary.errors):
        out.write(f"  … and {summary.rejected - len(summary.errors)} more rejected rows\n")
    return summary


async def load_demo(settings: Settings, documents: int, centres: int) -> DemoSample:
    """Write a SYNTHETIC register (marked as such) and import it through the real importer."""
    engine, factory = await _session_factory(settings)
    try:
        with tempfile.TemporaryDirectory() as folder:
            centres_csv, documents_csv, sample = write_demo_csv(Path(folder), documents, centres)
            secret = settings.register_secret.get()
            await import_register(factory, "centres", centres_csv, secret)
            await import_register(factory, "documents", documents_csv, secret)
    finally:
        await engine.dispose()
    return sample


async def register_is_empty(settings: Settings) -> bool:
    engine, factory = await _session_factory(settings)
    try:
        async with factory() as session:
            return await RegisterRepository(session).count_documents() == 0
    finally:
        await engine.dispose()


async def run_verify(
    settings: Settings, number: str, holder_id: str | None, name: str | None
) -> Verification:
    engine, factory = await _session_factory(settings)
    try:
        async with factory() as session:
            # The operator's command line shares the global limit's shape, not users' budgets.
            limiter = MemoryRateLimiter()
            if await limiter.hit("cli", GLOBAL_LIMITS) is not None:
                return Verification(VerificationStatus.RATE_LIMITED)
            return await verify(
                RegisterRepository(session),
                settings.register_secret.get(),
                number,
                holder_id=holder_id,
                holder_name=name,
            )
    finally:
        await engine.dispose()


def verification_json(result: Verification) -> dict[str, object]:
    document = result.document
    return {
        "status": result.status.value,
        "document": None
        if document is None
        else {
            "document_type": document.document_type,
            "registration_number": document.registration_number,
            "series": document.series,
            "factory_number": document.factory_number,
            "issue_date": document.issue_date.isoformat() if document.issue_date else None,
            "centre_licence": document.centre_licence,
            "centre_name": document.centre_name,
            "profession_code": document.profession_code,
            "profession": document.profession,
            "speciality_code": document.speciality_code,
            "speciality": document.speciality,
            "qualification_level": document.qualification_level,
            "document_status": document.status.value,
        },
        "register_date": result.snapshot.isoformat() if result.snapshot else None,
    }


async def run_centre(settings: Settings, query: str) -> tuple[list, dt.date | None] | None:
    from handlers.register import find_centres

    engine, factory = await _session_factory(settings)
    try:
        async with factory() as session:
            repository = RegisterRepository(session)
            centres = await find_centres(repository, query, CentreNameIndex())
            return (
                (centres, await repository.snapshot_date("centres"))
                if centres is not None
                else None
            )
    finally:
        await engine.dispose()


def centres_json(centres: list) -> dict[str, object]:
    return {
        "matches": [
            {
                "licence_number": c.licence_number,
                "name": c.name,
                "kind": c.kind,
                "status": c.status,
                "status_date": c.status_date.isoformat() if c.status_date else None,
                "town": c.town,
                "professions": list(c.professions),
            }
            for c in centres
        ]
    }


def dump(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False)
