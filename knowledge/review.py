"""Staff review of unanswered and disliked questions: alike questions are grouped, so staff answer
a need once, with a count of how often it was asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from knowledge.normalize import BulgarianNormalizer

# Two questions are "alike" when their normalized words overlap this much (token set ratio on
# stems): "такса за лиценз цпо" and "колко е таксата за лицензиране на цпо" group; different
# subjects with one shared word do not.
ALIKE_CUTOFF = 75.0


@dataclass(frozen=True, slots=True)
class Question:
    consultation_id: int
    text: str


@dataclass(frozen=True)
class QuestionGroup:
    representative: Question  # the most recent question of the group
    members: tuple[Question, ...]

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def consultation_ids(self) -> list[int]:
        return [q.consultation_id for q in self.members]


def group_alike(
    questions: Sequence[Question], normalizer: BulgarianNormalizer, cutoff: float = ALIKE_CUTOFF
) -> list[QuestionGroup]:
    """Greedy grouping, newest first: each question joins the first group whose representative
    it is alike to. Largest groups first (ties: newest first)."""
    groups: list[tuple[str, list[Question]]] = []
    for question in questions:
        key = " ".join(sorted(set(normalizer.tokens(question.text))))
        for representative_key, members in groups:
            if (
                key
                and representative_key
                and fuzz.token_set_ratio(key, representative_key) >= cutoff
            ):
                members.append(question)
                break
        else:
            groups.append((key, [question]))
    ordered = sorted(enumerate(groups), key=lambda item: (-len(item[1][1]), item[0]))
    return [QuestionGroup(members[0], tuple(members)) for _, (_, members) in ordered]
