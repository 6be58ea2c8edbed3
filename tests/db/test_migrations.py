from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import upgrade_schema
from storage.models import Base


async def test_migrations_build_exactly_what_the_models_describe(blank_engine):
    assert await upgrade_schema(blank_engine) is True
    assert await upgrade_schema(blank_engine) is False  # already current: nothing to do

    def differences(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with blank_engine.connect() as connection:
        diff = await connection.run_sync(differences)
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert diff == []
    assert {"consultations", "alembic_version"} <= tables
