"""consultations: repeat bucket with a unique constraint (one upsert per consultation)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(
            sa.Column("repeat_bucket", sa.BigInteger(), nullable=False, server_default="0")
        )
    # Earlier rows get a bucket of their own (minus their id) so none of them collide.
    op.execute("UPDATE consultations SET repeat_bucket = -id")
    with op.batch_alter_table("consultations") as batch:
        batch.alter_column("repeat_bucket", server_default=None)
        batch.create_unique_constraint(
            "uq_consultations_repeat", ["user_key", "repeat_key", "kind", "repeat_bucket"]
        )


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.drop_constraint("uq_consultations_repeat", type_="unique")
        batch.drop_column("repeat_bucket")
