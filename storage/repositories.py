"""Repositories: the only code that queries tables. They flush, never commit: the per-update
middleware owns the transaction."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.consultations import (
    REPEAT_WINDOW,
    Consultation,
    ConsultationDraft,
    ConsultationReport,
    CountRow,
    Feedback,
    FeedbackReason,
    Kind,
    Outcome,
    quarter_bounds,
    quarter_of,
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
    )


# An outcome never goes back down: a handed-over question stays handed over when asked again.
_OUTCOME_RANK = {
    Outcome.UNKNOWN: 0,
    Outcome.SUGGESTED: 1,
    Outcome.ANSWERED: 2,
    Outcome.HANDED_OVER: 3,
}


class ConsultationRepository:
    def __init__(self, session: AsyncSession, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.session = session
        self.clock = clock

    async def record(self, draft: ConsultationDraft) -> Consultation:
        """Insert a consultation, or fold a repeat within REPEAT_WINDOW into the earlier one.

        Core statements rather than ORM objects: this runs on every update, and the unit of
        work's bookkeeping cost more than the two statements themselves (measured).
        """
        now = self.clock()
        table = ConsultationRow.__table__
        earlier = (
            await self.session.execute(
                select(table.c.id, table.c.created_at, table.c.outcome, table.c.topic)
                .where(
                    table.c.user_key == draft.user_key,
                    table.c.repeat_key == draft.repeat_key,
                    table.c.kind == draft.kind.value,
                    table.c.created_at >= now - REPEAT_WINDOW,
                )
                .order_by(table.c.created_at.desc())
                .limit(1)
                .with_for_update()
            )
        ).first()
        if earlier is not None:
            outcome, topic = earlier.outcome, earlier.topic
            if _OUTCOME_RANK.get(draft.outcome, 0) > _OUTCOME_RANK.get(Outcome(outcome), 0):
                outcome, topic = draft.outcome.value, draft.topic or topic
            values: dict[str, object] = {"outcome": outcome, "topic": topic, "updated_at": now}
            if draft.details is not None:  # a re-check: the latest result is the one that counts
                values.update(
                    found=draft.found,
                    required=draft.required,
                    complete=draft.complete,
                    details=draft.details,
                )
            await self.session.execute(
                update(table).where(table.c.id == earlier.id).values(**values)
            )
            return self._from_draft(earlier.id, earlier.created_at, draft, outcome, topic, True)
        new_id = (
            await self.session.execute(
                insert(table)
                .values(
                    created_at=now,
                    updated_at=now,
                    channel=draft.channel.value,
                    user_key=draft.user_key,
                    kind=draft.kind.value,
                    topic=draft.topic,
                    outcome=draft.outcome.value,
                    question=draft.question,
                    score=draft.score,
                    repeat_key=draft.repeat_key,
                    found=draft.found,
                    required=draft.required,
                    complete=draft.complete,
                    details=draft.details,
                )
                .returning(table.c.id)
            )
        ).scalar_one()
        return self._from_draft(new_id, now, draft, draft.outcome.value, draft.topic, False)

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

    async def report(self, year: int, quarter: int | None = None) -> ConsultationReport:
        """Counts by quarter, kind and outcome (quarters in the agency's time zone)."""
        start, end = quarter_bounds(year, quarter)
        result = await self.session.stream(
            select(
                ConsultationRow.created_at,
                ConsultationRow.kind,
                ConsultationRow.outcome,
                ConsultationRow.complete,
            )
            .where(ConsultationRow.created_at >= start, ConsultationRow.created_at < end)
            .execution_options(yield_per=1000)
        )
        counts: Counter[tuple[int, str, str]] = Counter()
        async for created_at, kind, outcome, complete in result:
            if kind == Kind.CHECKLIST.value:  # what staff count: sets that meet the requirements
                outcome = "complete" if complete else "incomplete"
            counts[(quarter_of(created_at)[1], kind, outcome)] += 1
        rows = tuple(
            CountRow(q, kind, outcome, n) for (q, kind, outcome), n in sorted(counts.items())
        )
        return ConsultationReport(year, quarter, rows)

    async def recent_unanswered(self, limit: int = 50) -> list[Consultation]:
        rows = await self.session.scalars(
            select(ConsultationRow)
            .where(
                (ConsultationRow.outcome == Outcome.UNKNOWN.value)
                | (ConsultationRow.feedback == Feedback.DOWN.value)
            )
            .order_by(ConsultationRow.created_at.desc())
            .limit(limit)
        )
        return [_to_domain(r) for r in rows]

    async def purge_questions(self, older_than: dt.datetime) -> int:
        """Forget the text of old questions; the counts (rows) stay for the plan's reports."""
        result = await self.session.execute(
            update(ConsultationRow)
            .where(ConsultationRow.created_at < older_than, ConsultationRow.question.is_not(None))
            .values(question=None)
        )
        return int(result.rowcount or 0)
