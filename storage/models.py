"""Database tables. Rows are storage details; repositories hand out domain values instead."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite has no 64-bit autoincrement type of its own; INTEGER PRIMARY KEY is its rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware timestamps everywhere: stored in UTC, read back aware (SQLite forgets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: object
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ConsultationRow(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    user_key: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    topic: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    question: Mapped[str | None] = mapped_column(Text)  # masked; may be purged, counts stay
    score: Mapped[float | None] = mapped_column(Float)
    feedback: Mapped[str | None] = mapped_column(String(8))
    feedback_reason: Mapped[str | None] = mapped_column(String(16))
    repeat_key: Mapped[str] = mapped_column(String(64), nullable=False)
    # Which REPEAT_WINDOW-long slice of time the consultation started in: a repeat is the same
    # user, kind and repeat key in the same slice, enforced by a unique constraint so that one
    # upsert statement records it, atomically even with several bot processes.
    repeat_bucket: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Document checks (kind "checklist"): no personal data, only item ids and statuses.
    found: Mapped[int | None] = mapped_column(Integer)
    required: Mapped[int | None] = mapped_column(Integer)
    complete: Mapped[bool | None] = mapped_column(Boolean)
    details: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # The feedback survey (plan activity 6.4): a rating 1-5 and an optional comment (purged with
    # the question text; the rating stays for the counts).
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    # Staff review of an unanswered or disliked question: dismissed / phrasing / new_entry.
    review: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_consultations_user_repeat", "user_key", "repeat_key", "created_at"),
        Index("ix_consultations_created_at", "created_at"),
        Index("ix_consultations_outcome", "outcome", "created_at"),
        UniqueConstraint(
            "user_key", "repeat_key", "kind", "repeat_bucket", name="uq_consultations_repeat"
        ),
    )


class RegisterDocumentRow(Base):
    """A qualification document in the agency's register. The holder appears only as keyed
    hashes of the identifier (ЕГН/ЛНЧ) and of the normalized full name."""

    __tablename__ = "register_documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    natural_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    row_hash: Mapped[str] = mapped_column(String(32), nullable=False)
    document_type: Mapped[str] = mapped_column(String(16), nullable=False)
    series: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    factory_number: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    registration_number: Mapped[str] = mapped_column(String(64), nullable=False)
    registration_digits: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    holder_id_hash: Mapped[str | None] = mapped_column(String(64))
    holder_name_hash: Mapped[str | None] = mapped_column(String(64))
    centre_licence: Mapped[str] = mapped_column(String(32), nullable=False)
    centre_name: Mapped[str] = mapped_column(String(300), nullable=False)
    profession_code: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    profession: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    speciality_code: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    speciality: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    qualification_level: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(24), nullable=False)


class RegisterCentreRow(Base):
    __tablename__ = "register_centres"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    licence_number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    row_hash: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    name_key: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    status_date: Mapped[dt.date | None] = mapped_column(Date)
    town: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    professions: Mapped[str] = mapped_column(Text, nullable=False, default="")  # codes, ";"


class RegisterImportRow(Base):
    """Each import of an agency export: the snapshot date shown in every answer."""

    __tablename__ = "register_imports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    register: Mapped[str] = mapped_column(String(16), nullable=False)  # documents / centres
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False)
    inserted: Mapped[int] = mapped_column(Integer, nullable=False)
    updated: Mapped[int] = mapped_column(Integer, nullable=False)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False)


class StaffMemberRow(Base):
    """Staff added by an administrator in the bot (administrators come from ADMIN_IDS)."""

    __tablename__ = "staff_members"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    added_by: Mapped[int] = mapped_column(BigInteger, nullable=False)
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)


class AuditRow(Base):
    """Append-only: who did what and when. The repository has no update or delete, and the
    migration adds triggers that refuse them on both databases."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the command line
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    target: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, object] | None] = mapped_column(JSON)


class QuarterSnapshotRow(Base):
    """A closed quarter's figures, frozen with a checksum of their canonical JSON."""

    __tablename__ = "quarter_snapshots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    quarter: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    closed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    closed_by: Mapped[int | None] = mapped_column(BigInteger)
    figures: Mapped[str] = mapped_column(Text, nullable=False)
    checksum: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (UniqueConstraint("year", "quarter", name="uq_quarter_snapshots_quarter"),)


class FaqChangeRow(Base):
    """FAQ content published by staff in the bot: new entries and alternate phrasings. Loaded
    over the TOML content at start-up and after each change."""

    __tablename__ = "faq_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    change: Mapped[str] = mapped_column(String(16), nullable=False)  # new_entry / phrasing
    entry_id: Mapped[str] = mapped_column(String(64), nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)  # new entry's title / phrasing
    answer: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


class HandoverCaseRow(Base):
    """A conversation handed to a person. The user's chat id is kept only while the case is
    open (the reply must reach them); the transcript is purged with question texts."""

    __tablename__ = "handover_cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("consultations.id"), nullable=False
    )
    user_key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    user_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # open / answered / closed
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    transcript: Mapped[str | None] = mapped_column(Text)


class HandoverMessageRow(Base):
    """Where a case was posted for staff: a staff reply to one of these messages reaches the
    user of that case."""

    __tablename__ = "handover_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("handover_cases.id"), nullable=False, index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    message_id: Mapped[int] = mapped_column(BigInteger, nullable=False)

    __table_args__ = (
        UniqueConstraint("chat_id", "message_id", name="uq_handover_messages_message"),
    )
