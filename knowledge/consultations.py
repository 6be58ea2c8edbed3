"""Consultations: what staff count against the agency's plan, as plain domain values."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

# Quarters are the agency's quarters, in Bulgarian local time.
AGENCY_TZ = ZoneInfo("Europe/Sofia")
# The same user asking the same thing again within this window is one consultation, not two.
REPEAT_WINDOW = dt.timedelta(minutes=30)


class Channel(StrEnum):
    TELEGRAM = "telegram"
    CONSOLE = "console"


class Kind(StrEnum):
    FAQ = "faq"
    CHECKLIST = "checklist"
    CERTIFICATE = "certificate"
    CENTRE = "centre"
    HANDOVER = "handover"  # a question answered by a person


class Outcome(StrEnum):
    ANSWERED = "answered"
    SUGGESTED = "suggested"
    UNKNOWN = "unknown"
    HANDED_OVER = "handed_over"
    # register look-ups
    CONFIRMED = "confirmed"
    NOT_MATCHED = "not_matched"
    ANNULLED = "annulled"
    INVALID_INPUT = "invalid_input"
    RATE_LIMITED = "rate_limited"
    FOUND = "found"
    NOT_FOUND = "not_found"


# The feedback survey (plan activity 6.4): a rating from 1 to 5.
RATINGS = (1, 2, 3, 4, 5)
# Comments in the survey are kept short: they are read by a person, and purged like questions.
MAX_COMMENT_CHARS = 1000


class Review(StrEnum):
    """What staff did with an unanswered or disliked question."""

    DISMISSED = "dismissed"
    PHRASING = "phrasing"
    NEW_ENTRY = "new_entry"


class Feedback(StrEnum):
    UP = "up"
    DOWN = "down"


class FeedbackReason(StrEnum):
    WRONG = "wrong"
    INCOMPLETE = "incomplete"
    OFF_TOPIC = "off_topic"


@dataclass(frozen=True, slots=True)
class ConsultationDraft:
    """What a handler knows when it is about to reply."""

    channel: Channel
    user_key: str
    kind: Kind
    outcome: Outcome
    topic: str | None  # FAQ entry id, when there is one
    question: str | None  # masked free text, kept for unanswered questions
    score: float | None
    repeat_key: str
    # Document checks: requirements met / required, complete or not, status of each item.
    found: int | None = None
    required: int | None = None
    complete: bool | None = None
    details: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Consultation:
    id: int
    created_at: dt.datetime
    channel: str
    user_key: str
    kind: str
    topic: str | None
    outcome: str
    question: str | None
    feedback: str | None
    feedback_reason: str | None
    repeated: bool = False  # True when this reply folded into an earlier consultation
    found: int | None = None
    required: int | None = None
    complete: bool | None = None
    details: dict[str, str] | None = None
    rating: int | None = None


def repeat_key(kind: Kind, normalized_question: list[str], topic: str | None) -> str:
    """What makes two requests "the same thing": the entry reached, else the normalized words."""
    basis = f"topic:{topic}" if topic else "q:" + " ".join(sorted(set(normalized_question)))
    return hashlib.sha256(f"{kind}|{basis}".encode()).hexdigest()[:32]


def quarter_of(moment: dt.datetime) -> tuple[int, int]:
    """(year, quarter) of a moment in the agency's time zone."""
    local = moment.astimezone(AGENCY_TZ)
    return local.year, (local.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a quarter (or the whole year) as aware datetimes in UTC."""
    first_month = 1 if quarter is None else (quarter - 1) * 3 + 1
    start = dt.datetime(year, first_month, 1, tzinfo=AGENCY_TZ)
    if quarter is None or quarter == 4:
        end = dt.datetime(year + 1, 1, 1, tzinfo=AGENCY_TZ)
    else:
        end = dt.datetime(year, first_month + 3, 1, tzinfo=AGENCY_TZ)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
