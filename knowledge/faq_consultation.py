"""One FAQ consultation: from the user's words to the outcome staff will count."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.consultations import Kind, Outcome, repeat_key
from knowledge.matcher import Answer, Clarify, FaqMatcher, MatchResult, Suggest, Unknown
from knowledge.privacy import mask_personal_numbers

# Questions longer than this are not matched: the words of a pasted document drown the question.
MAX_QUESTION_CHARS = 600
# What is kept of a question for staff (masked), to bound what a user can make us store.
STORED_QUESTION_CHARS = 1000


@dataclass(frozen=True, slots=True)
class FaqConsultation:
    result: MatchResult
    outcome: Outcome
    topic: str | None
    repeat_key: str
    stored_question: str
    score: float


class QuestionTooLong(ValueError):
    """The text is too long to be one question."""


def consult_faq(matcher: FaqMatcher, question: str) -> FaqConsultation:
    """Match a question and decide what will be recorded about it."""
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(len(question))
    result = matcher.match(question)
    if isinstance(result, Answer):
        outcome, topic = Outcome.ANSWERED, result.entry.id
    elif isinstance(result, Suggest | Clarify):
        # A choice offered; the user's tap resolves this same consultation (one, not two).
        outcome, topic = Outcome.SUGGESTED, None
    else:
        outcome, topic = Outcome.UNKNOWN, None
    stems = matcher.normalizer.tokens(question)
    return FaqConsultation(
        result=result,
        outcome=outcome,
        topic=topic,
        repeat_key=repeat_key(Kind.FAQ, stems, topic),
        stored_question=mask_personal_numbers(question.strip())[:STORED_QUESTION_CHARS],
        score=result.score,
    )


def is_empty(result: MatchResult) -> bool:
    return isinstance(result, Unknown) and result.empty
