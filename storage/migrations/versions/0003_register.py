"""register of documents and centres, and their imports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "register_documents",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("natural_key", sa.String(length=200), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("document_type", sa.String(length=16), nullable=False),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("factory_number", sa.String(length=32), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("registration_digits", sa.String(length=32), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("holder_id_hash", sa.String(length=64), nullable=True),
        sa.Column("holder_name_hash", sa.String(length=64), nullable=True),
        sa.Column("centre_licence", sa.String(length=32), nullable=False),
        sa.Column("centre_name", sa.String(length=300), nullable=False),
        sa.Column("profession_code", sa.String(length=16), nullable=False),
        sa.Column("profession", sa.String(length=300), nullable=False),
        sa.Column("speciality_code", sa.String(length=16), nullable=False),
        sa.Column("speciality", sa.String(length=300), nullable=False),
        sa.Column("qualification_level", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_documents")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_register_documents_natural_key")),
    )
    op.create_index(
        op.f("ix_register_documents_registration_digits"),
        "register_documents",
        ["registration_digits"],
    )
    op.create_table(
        "register_centres",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("licence_number", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=False),
        sa.Column("professions", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_centres")),
        sa.UniqueConstraint("licence_number", name=op.f("uq_register_centres_licence_number")),
    )
    op.create_table(
        "register_imports",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("register", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("imported_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_imports")),
    )


def downgrade() -> None:
    op.drop_table("register_imports")
    op.drop_table("register_centres")
    op.drop_index(
        op.f("ix_register_documents_registration_digits"), table_name="register_documents"
    )
    op.drop_table("register_documents")
