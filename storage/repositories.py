"""Repositories: the only code that queries tables. They flush, never commit: the per-update
middleware owns the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.consultations import (
    REPEAT_WINDOW,
    Consultation,
    ConsultationDraft,
    Feedback,
    FeedbackReason,
    Kind,
    Outcome,
    Review,
)
from storage.models import ConsultationRow


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _to_domain(row: ConsultationRow, repeated: bool = False) -> Consultation:
    return Consultation(
        id=row.id,
        created_at=row.created_at,
        channel=row.channel,
        user_key=row.user_key,
        kind=row.kind,
        topic=row.topic,
        outcome=row.outcome,
        question=row.question,
        feedback=row.feedback,
        feedback_reason=row.feedback_reason,
        repeated=repeated,
        found=row.found,
        required=row.required,
        complete=row.complete,
        details=row.details,
        rating=row.rating,
    )


# Columns a consultation gets after its reply: the user's vote, the survey, the staff review.
_SET_LATER = frozenset({"feedback", "feedback_reason", "rating", "comment", "review"})


@lru_cache(maxsize=4)
def _upsert_statement(dialect: str) -> Any:
    """The consultation upsert, built once per dialect: building it cost more than running it."""
    table = ConsultationRow.__table__
    insert_for = postgresql_insert if dialect == "postgresql" else sqlite_insert
    columns = [c.name for c in table.c if c.name != "id" and c.name not in _SET_LATER]
    statement = insert_for(table).values({name: bindparam(name) for name in columns})
    new = statement.excluded
    moves_up = _outcome_rank(new.outcome) > _outcome_rank(table.c.outcome)
    return statement.on_conflict_do_update(
        index_elements=["user_key", "repeat_key", "kind", "repeat_bucket"],
        set_={
            "updated_at": new.updated_at,
            "outcome": case((moves_up, new.outcome), else_=table.c.outcome),
            "topic": case((moves_up, func.coalesce(new.topic, table.c.topic)), else_=table.c.topic),
            "found": func.coalesce(new.found, table.c.found),
            "required": func.coalesce(new.required, table.c.required),
            "complete": func.coalesce(new.complete, table.c.complete),
            "details": case((new.details.is_(None), table.c.details), else_=new.details),
        },
    ).returning(table.c.id, table.c.created_at, table.c.outcome, table.c.topic)


def _outcome_rank(column: Any) -> Any:
    """SQL: the rank of an outcome, for "outcomes only move up" inside the upsert."""
    return case({o.value: rank for o, rank in _OUTCOME_RANK.items()}, value=column, else_=0)


# An outcome never goes back down: a handed-over question stays handed over when asked again.
_OUTCOME_RANK = {
    Outcome.UNKNOWN: 0,
    Outcome.SUGGESTED: 1,
    Outcome.ANSWERED: 2,
    Outcome.HANDED_OVER: 3,
}


class ConsultationRepository:
    def __init__(
        self,
        session: AsyncSession,
        clock: Callable[[], dt.datetime] = _utcnow,
        recorded: list[tuple[str, str]] | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        # (kind, outcome) of each consultation recorded here, for the update's log line and metrics
        self.recorded = recorded if recorded is not None else []

    async def record(self, draft: ConsultationDraft) -> Consultation:
        """Insert a consultation, or fold a repeat (same user, kind and repeat key within the
        same REPEAT_WINDOW slice) into the earlier one: one upsert statement, atomic across
        processes. An outcome only moves up (unknown < suggested < answered < handed over);
        a document re-check replaces the earlier result."""
        now = self.clock()
        statement = _upsert_statement(self.session.get_bind().dialect.name)
        parameters = {
            "created_at": now,
            "updated_at": now,
            "channel": draft.channel.value,
            "user_key": draft.user_key,
            "kind": draft.kind.value,
            "topic": draft.topic,
            "outcome": draft.outcome.value,
            "question": draft.question,
            "score": draft.score,
            "repeat_key": draft.repeat_key,
            "repeat_bucket": int(now.timestamp() // REPEAT_WINDOW.total_seconds()),
            "found": draft.found,
            "required": draft.required,
            "complete": draft.complete,
            "details": draft.details,
        }
        row = (await self.session.execute(statement, parameters)).one()
        repeated = row.created_at != now
        self.recorded.append((draft.kind.value, row.outcome))
        return self._from_draft(row.id, row.created_at, draft, row.outcome, row.topic, repeated)

    @staticmethod
    def _from_draft(
        consultation_id: int,
        created_at: dt.datetime,
        draft: ConsultationDraft,
        outcome: str,
        topic: str | None,
        repeated: bool,
    ) -> Consultation:
        return Consultation(
            id=consultation_id,
            created_at=created_at,
            channel=draft.channel.value,
            user_key=draft.user_key,
            kind=draft.kind.value,
            topic=topic,
            outcome=outcome,
            question=draft.question,
            feedback=None,
            feedback_reason=None,
            repeated=repeated,
            found=draft.found,
            required=draft.required,
            complete=draft.complete,
            details=draft.details,
        )

    async def latest_check(self, user_key: str, procedure: str) -> Consultation | None:
        """This user's most recent document check of this procedure, if any."""
        row = await self.session.scalar(
            select(ConsultationRow)
            .where(
                ConsultationRow.user_key == user_key,
                ConsultationRow.kind == Kind.CHECKLIST.value,
                ConsultationRow.topic == procedure,
            )
            .order_by(ConsultationRow.updated_at.desc(), ConsultationRow.id.desc())
            .limit(1)
        )
        return None if row is None else _to_domain(row)

    async def get_own(self, consultation_id: int, user_key: str) -> Consultation | None:
        """A consultation of this user (forged or foreign ids find nothing)."""
        row = await self.session.scalar(
            select(ConsultationRow).where(
                ConsultationRow.id == consultation_id, ConsultationRow.user_key == user_key
            )
        )
        return None if row is None else _to_domain(row)

    async def set_feedback(
        self,
        consultation_id: int,
        user_key: str,
        feedback: Feedback,
        reason: FeedbackReason | None = None,
    ) -> bool:
        values: dict[str, object] = {"feedback": feedback.value, "updated_at": self.clock()}
        if reason is not None:
            values["feedback_reason"] = reason.value
        result = await self.session.execute(
            update(ConsultationRow)
            .where(ConsultationRow.id == consultation_id, ConsultationRow.user_key == user_key)
            .values(**values)
        )
        return bool(result.rowcount)

    async def mark_handed_over(self, consultation_id: int, user_key: str) -> Consultation | None:
        row = await self.session.scalar(
            select(ConsultationRow).where(
                ConsultationRow.id == consultation_id, ConsultationRow.user_key == user_key
            )
        )
        if row is None:
            return None
        row.outcome = Outcome.HANDED_OVER.value
        row.updated_at = self.clock()
        await self.session.flush()
        return _to_domain(row)

    async def resolve_suggestion(
        self, consultation_id: int, user_key: str, entry_id: str
    ) -> Consultation | None:
        """The user picked a suggested entry: the consultation now counts as answered."""
        row = await self.session.scalar(
            select(ConsultationRow).where(
                ConsultationRow.id == consultation_id, ConsultationRow.user_key == user_key
            )
        )
        if row is None:
            return None
        if row.outcome != Outcome.HANDED_OVER.value:
            row.outcome = Outcome.ANSWERED.value
        row.topic = entry_id
        row.updated_at = self.clock()
        await self.session.flush()
        return _to_domain(row)

    async def set_rating(self, consultation_id: int, user_key: str, rating: int) -> bool:
        """The survey's 1-5 rating of the user's own consultation (forged ids change nothing)."""
        result = await self.session.execute(
            update(ConsultationRow)
            .where(ConsultationRow.id == consultation_id, ConsultationRow.user_key == user_key)
            .values(rating=rating, updated_at=self.clock())
        )
        return bool(result.rowcount)

    async def set_comment(self, consultation_id: int, user_key: str, comment: str) -> bool:
        result = await self.session.execute(
            update(ConsultationRow)
            .where(
                ConsultationRow.id == consultation_id,
                ConsultationRow.user_key == user_key,
                ConsultationRow.rating.is_not(None),
            )
            .values(comment=comment, updated_at=self.clock())
        )
        return bool(result.rowcount)

    async def recent_unanswered(self, limit: int = 200) -> list[Consultation]:
        """Unknown and disliked questions staff have not reviewed yet, newest first."""
        rows = await self.session.scalars(
            select(ConsultationRow)
            .where(
                (ConsultationRow.outcome == Outcome.UNKNOWN.value)
                | (ConsultationRow.feedback == Feedback.DOWN.value),
                ConsultationRow.kind == Kind.FAQ.value,
                ConsultationRow.review.is_(None),
                ConsultationRow.question.is_not(None),
            )
            .order_by(ConsultationRow.created_at.desc(), ConsultationRow.id.desc())
            .limit(limit)
        )
        return [_to_domain(r) for r in rows]

    async def set_review(self, consultation_ids: list[int], review: Review) -> int:
        result = await self.session.execute(
            update(ConsultationRow)
            .where(ConsultationRow.id.in_(consultation_ids), ConsultationRow.review.is_(None))
            .values(review=review.value)
        )
        return int(result.rowcount or 0)

    async def recent_turns(
        self, user_key: str, since: dt.datetime, limit: int = 5
    ) -> list[Consultation]:
        """The user's latest questions (oldest first): the turns a person taking over reads."""
        rows = await self.session.scalars(
            select(ConsultationRow)
            .where(
                ConsultationRow.user_key == user_key,
                ConsultationRow.kind == Kind.FAQ.value,
                ConsultationRow.updated_at >= since,
                ConsultationRow.question.is_not(None),
            )
            .order_by(ConsultationRow.updated_at.desc(), ConsultationRow.id.desc())
            .limit(limit)
        )
        return [_to_domain(r) for r in reversed(list(rows))]

    async def purge_texts(self, older_than: dt.datetime) -> int:
        """Forget the text of old questions and survey comments; the rows (counts, outcomes,
        ratings) stay for the plan's reports."""
        result = await self.session.execute(
            update(ConsultationRow)
            .where(
                ConsultationRow.created_at < older_than,
                ConsultationRow.question.is_not(None) | ConsultationRow.comment.is_not(None),
            )
            .values(question=None, comment=None)
        )
        return int(result.rowcount or 0)
