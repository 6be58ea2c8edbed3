"""Shared by the golden-table test and the threshold/benchmark scripts: load and evaluate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.faq import QUESTIONS_FILE, ExampleQuestion, load_questions
from knowledge.matcher import (
    Answer,
    Assessment,
    Clarify,
    FaqMatcher,
    MatchResult,
    MatchThresholds,
    Suggest,
    decide,
)

GOLDEN_FILE = QUESTIONS_FILE
GoldenRow = ExampleQuestion  # .question, .entry_id (None: out of scope), .style


def load_golden(path: Path = GOLDEN_FILE) -> list[ExampleQuestion]:
    return load_questions(path)


@dataclass
class Evaluation:
    in_scope: int = 0
    out_of_scope: int = 0
    answered_right: int = 0
    answered_wrong: int = 0  # confident, wrong entry: the worst outcome
    clarified_with_right: int = 0  # "ЦПО or ЦИПО?" with the right entry behind one button
    suggested_with_right: int = 0
    suggested: int = 0  # in scope, suggestions (with or without the right entry)
    missed: int = 0  # unknown, or suggestions without the right entry
    unknown: int = 0  # in scope, "I do not know"
    oos_answered: int = 0  # out of scope, yet a confident answer
    oos_suggested: int = 0
    top1_right: int = 0
    failures: list[tuple[str, str | None, str]] | None = None

    def _share(self, count: int) -> float:
        return count / self.in_scope if self.in_scope else 0.0

    @property
    def accuracy(self) -> float:
        """Share of in-scope questions answered confidently with the right entry."""
        return self._share(self.answered_right)

    @property
    def wrong_rate(self) -> float:
        return self._share(self.answered_wrong)

    @property
    def reach(self) -> float:
        """Share of in-scope questions where the right entry was answered or offered."""
        return self._share(
            self.answered_right + self.clarified_with_right + self.suggested_with_right
        )

    @property
    def top1(self) -> float:
        return self._share(self.top1_right)

    @property
    def false_confident_rate(self) -> float:
        """Share of confident answers that were wrong (wrong entry, or out of scope)."""
        confident = self.answered_right + self.answered_wrong + self.oos_answered
        return (self.answered_wrong + self.oos_answered) / confident if confident else 0.0

    @property
    def oos_false_confident_rate(self) -> float:
        return self.oos_answered / self.out_of_scope if self.out_of_scope else 0.0

    def add(self, other: Evaluation) -> None:
        for name in self.__dataclass_fields__:
            if name == "failures":
                self.failures = [*(self.failures or []), *(other.failures or [])]
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        return (
            f"in-scope {self.in_scope}, out-of-scope {self.out_of_scope}; "
            f"confident-correct {self.accuracy:.1%}, confident-wrong {self.wrong_rate:.1%}, "
            f"clarify {self._share(self.clarified_with_right):.1%}, "
            f"suggest {self._share(self.suggested):.1%}, unknown {self._share(self.unknown):.1%}, "
            f"reached (answer, clarify or <=3 suggestions) {self.reach:.1%}, top-1 {self.top1:.1%}; "
            f"out-of-scope answered {self.oos_answered}/{self.out_of_scope} "
            f"({self.oos_false_confident_rate:.1%})"
        )


def score_result(ev: Evaluation, row: GoldenRow, result: MatchResult, top1: str | None) -> None:
    """Count one question's outcome into `ev`."""
    got = result.entry.id if isinstance(result, Answer) else None
    offered = [c.entry.id for c in result.candidates] if isinstance(result, Suggest) else []
    options = [c.entry.id for c in result.options] if isinstance(result, Clarify) else []
    failures = ev.failures if ev.failures is not None else []
    if row.entry_id is None:
        ev.out_of_scope += 1
        if got:
            ev.oos_answered += 1
            failures.append((row.question, None, f"answered {got}"))
        elif offered or options:
            ev.oos_suggested += 1
        return
    ev.in_scope += 1
    ev.top1_right += top1 == row.entry_id
    if got == row.entry_id:
        ev.answered_right += 1
    elif got:
        ev.answered_wrong += 1
        failures.append((row.question, row.entry_id, f"answered {got}"))
    elif row.entry_id in options:
        ev.clarified_with_right += 1
    elif offered:
        ev.suggested += 1
        if row.entry_id in offered:
            ev.suggested_with_right += 1
        else:
            ev.missed += 1
            failures.append((row.question, row.entry_id, f"offered {offered}"))
    else:
        ev.unknown += 1
        ev.missed += 1
        failures.append((row.question, row.entry_id, f"{type(result).__name__.lower()} {options}"))


def evaluate(
    matcher: FaqMatcher,
    rows: Iterable[GoldenRow],
    assessments: Iterable[Assessment] | None = None,
    thresholds: MatchThresholds | None = None,
) -> Evaluation:
    """Score the matcher on golden rows (assessments may be precomputed for model sweeps)."""
    ev = Evaluation(failures=[])
    rows = list(rows)
    thresholds = thresholds or matcher.thresholds
    assessments = (
        list(assessments) if assessments is not None else [matcher.assess(r.question) for r in rows]
    )
    for row, assessment in zip(rows, assessments, strict=True):
        result = decide(assessment, thresholds, matcher.side_of)
        top1 = assessment.ranked[0].entry.id if assessment.ranked else None
        score_result(ev, row, result, top1)
    return ev
