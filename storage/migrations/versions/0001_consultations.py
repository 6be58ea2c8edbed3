"""consultations

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("updated_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("feedback", sa.String(length=8), nullable=True),
        sa.Column("feedback_reason", sa.String(length=16), nullable=True),
        sa.Column("repeat_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    op.create_index("ix_consultations_created_at", "consultations", ["created_at"])
    op.create_index("ix_consultations_outcome", "consultations", ["outcome", "created_at"])
    op.create_index(
        "ix_consultations_user_repeat", "consultations", ["user_key", "repeat_key", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_consultations_user_repeat", table_name="consultations")
    op.drop_index("ix_consultations_outcome", table_name="consultations")
    op.drop_index("ix_consultations_created_at", table_name="consultations")
    op.drop_table("consultations")
