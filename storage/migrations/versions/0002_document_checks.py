"""document checks: found, required, complete, details

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("found", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("required", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("complete", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("details")
        batch.drop_column("complete")
        batch.drop_column("required")
        batch.drop_column("found")
