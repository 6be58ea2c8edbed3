"""Shared by the golden-table test and the threshold/benchmark scripts: load and evaluate."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.matcher import Answer, Candidate, FaqMatcher, MatchThresholds, Suggest, decide

GOLDEN_FILE = Path(__file__).resolve().parent.parent / "tests" / "golden" / "faq_golden.tsv"
OUT_OF_SCOPE = "-"


@dataclass(frozen=True)
class GoldenRow:
    question: str
    expected: str | None  # None: out of scope


def load_golden(path: Path = GOLDEN_FILE) -> list[GoldenRow]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            GoldenRow(
                r["question"],
                None if r["expected"].strip() == OUT_OF_SCOPE else r["expected"].strip(),
            )
            for r in reader
        ]


@dataclass
class Evaluation:
    in_scope: int = 0
    out_of_scope: int = 0
    answered_right: int = 0
    answered_wrong: int = 0  # confident, wrong entry: the worst outcome
    suggested_with_right: int = 0
    missed: int = 0  # unknown, or suggestions without the right entry
    oos_answered: int = 0  # out of scope, yet a confident answer
    oos_suggested: int = 0
    top1_right: int = 0
    failures: list[tuple[str, str | None, str]] | None = None

    @property
    def accuracy(self) -> float:
        """Share of in-scope questions answered confidently with the right entry."""
        return self.answered_right / self.in_scope if self.in_scope else 0.0

    @property
    def reach(self) -> float:
        """Share of in-scope questions where the right entry was answered or offered."""
        return (
            (self.answered_right + self.suggested_with_right) / self.in_scope
            if self.in_scope
            else 0.0
        )

    @property
    def top1(self) -> float:
        return self.top1_right / self.in_scope if self.in_scope else 0.0

    @property
    def false_confident_rate(self) -> float:
        """Share of confident answers that were wrong (wrong entry, or out of scope)."""
        confident = self.answered_right + self.answered_wrong + self.oos_answered
        return (self.answered_wrong + self.oos_answered) / confident if confident else 0.0

    @property
    def oos_false_confident_rate(self) -> float:
        return self.oos_answered / self.out_of_scope if self.out_of_scope else 0.0

    def summary(self) -> str:
        return (
            f"in-scope {self.in_scope}, out-of-scope {self.out_of_scope}; "
            f"confident accuracy {self.accuracy:.1%}, reached (answer or suggestion) {self.reach:.1%}, "
            f"top-1 {self.top1:.1%}; wrong confident answers {self.answered_wrong}, "
            f"out-of-scope answered {self.oos_answered}/{self.out_of_scope} "
            f"({self.oos_false_confident_rate:.1%}); false-confident rate {self.false_confident_rate:.1%}"
        )


def evaluate(
    matcher: FaqMatcher,
    rows: Iterable[GoldenRow],
    rankings: Iterable[list[Candidate] | None] | None = None,
    thresholds: MatchThresholds | None = None,
) -> Evaluation:
    """Score the matcher on golden rows (rankings may be precomputed for threshold sweeps)."""
    ev = Evaluation(failures=[])
    rows = list(rows)
    thresholds = thresholds or matcher.thresholds
    rankings = (
        list(rankings) if rankings is not None else [matcher.rank(r.question, 3) for r in rows]
    )
    for row, ranked in zip(rows, rankings, strict=True):
        result = decide(ranked, thresholds)
        ranked = ranked or []
        got = result.entry.id if isinstance(result, Answer) else None
        offered = [c.entry.id for c in result.candidates] if isinstance(result, Suggest) else []
        if row.expected is None:
            ev.out_of_scope += 1
            if got:
                ev.oos_answered += 1
                ev.failures.append((row.question, None, f"answered {got}"))
            elif offered:
                ev.oos_suggested += 1
            continue
        ev.in_scope += 1
        ev.top1_right += bool(ranked and ranked[0].entry.id == row.expected)
        if got == row.expected:
            ev.answered_right += 1
        elif got:
            ev.answered_wrong += 1
            ev.failures.append((row.question, row.expected, f"answered {got}"))
        elif row.expected in offered:
            ev.suggested_with_right += 1
        else:
            ev.missed += 1
            ev.failures.append(
                (row.question, row.expected, f"offered {offered}" if offered else "unknown")
            )
    return ev
