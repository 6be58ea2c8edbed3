"""staff workspace: roles, audit log, closed quarters, published FAQ changes, hand-over cases,
the feedback survey and the review of unanswered questions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UtcDateTime = storage.models.UtcDateTime

# Tables whose rows, once written, never change: the audit log and closed-quarter snapshots.
APPEND_ONLY = ("audit_log", "quarter_snapshots")


def _refuse_changes(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only';
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("rating", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("review", sa.String(length=16), nullable=True))
    op.create_table(
        "staff_members",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_staff_members")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_table(
        "quarter_snapshots",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=False),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarter_snapshots")),
        sa.UniqueConstraint("year", "quarter", name="uq_quarter_snapshots_quarter"),
    )
    op.create_table(
        "faq_changes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_changes")),
    )
    op.create_table(
        "handover_cases",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("consultation_id", sa.BigInteger(), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("user_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_handover_cases_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_cases")),
    )
    op.create_index(op.f("ix_handover_cases_user_key"), "handover_cases", ["user_key"])
    op.create_table(
        "handover_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["handover_cases.id"],
            name=op.f("fk_handover_messages_case_id_handover_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_messages")),
        sa.UniqueConstraint("chat_id", "message_id", name="uq_handover_messages_message"),
    )
    op.create_index(op.f("ix_handover_messages_case_id"), "handover_messages", ["case_id"])
    for table in APPEND_ONLY:
        _refuse_changes(table)


def downgrade() -> None:
    op.drop_index(op.f("ix_handover_messages_case_id"), table_name="handover_messages")
    op.drop_table("handover_messages")
    op.drop_index(op.f("ix_handover_cases_user_key"), table_name="handover_cases")
    op.drop_table("handover_cases")
    op.drop_table("faq_changes")
    op.drop_table("quarter_snapshots")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_table("staff_members")
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("review")
        batch.drop_column("comment")
        batch.drop_column("rating")
