"""Which FAQ entry answers a question: answer, suggest a few, or say honestly that we do not know.

Scoring, in two stages:

1. Weighted word overlap on normalized stems (inverted index, IDF weights over entries). A query
   word that is not in the vocabulary is first corrected to the closest known stem with
   rapidfuzz's ``fuzz.ratio`` (plain edit similarity: a typo changes a letter or two, it does not
   reorder a word); words that stay unknown keep their weight, so a question about something else
   ("шофьорска книжка") cannot reach a confident answer on one shared word.
2. The best candidates are re-scored against each phrasing with rapidfuzz's
   ``fuzz.token_sort_ratio`` on the stem strings: order-insensitive (Bulgarian word order is free)
   but, unlike ``token_set_ratio``, it does not give 100 to a query that is a mere subset.

The thresholds that turn a score into answer / suggest / unknown live in
``knowledge/data/matcher.toml`` and are set from the golden table (tests/golden), see
benchmarks/tune_thresholds.py.
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge.faq import FaqEntry
from knowledge.normalize import BulgarianNormalizer

THRESHOLDS_FILE = Path(__file__).parent / "data" / "matcher.toml"


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    entry: FaqEntry
    score: float
    runners_up: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggest:
    candidates: tuple[Candidate, ...]
    score: float


@dataclass(frozen=True, slots=True)
class Unknown:
    score: float
    closest: tuple[Candidate, ...] = ()  # for staff reviewing unanswered questions
    empty: bool = False  # nothing left after normalization (greeting, emoji, punctuation)


MatchResult = Answer | Suggest | Unknown


@dataclass(frozen=True, slots=True)
class MatchThresholds:
    answer: float  # top score needed for a confident answer
    margin: float  # ... and its lead over the best other entry
    suggest: float  # lowest score offered as "did you mean"
    max_suggestions: int = 3

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> MatchThresholds:
        with path.open("rb") as fh:
            data = tomllib.load(fh)["thresholds"]
        return cls(
            answer=float(data["answer"]),
            margin=float(data["margin"]),
            suggest=float(data["suggest"]),
            max_suggestions=int(data.get("max_suggestions", 3)),
        )


@dataclass(slots=True)
class _Doc:
    entry_index: int
    stems: frozenset[str]
    weight: float
    text: str  # sorted stems joined, for rapidfuzz


# How far a query word may be from a known stem and still count as a typo of it.
TYPO_CUTOFF = 80.0
# Share of the final score that comes from rapidfuzz string similarity (stage 2).
STRING_SHARE = 0.25
# Candidates re-scored in stage 2.
RESCORE_LIMIT = 40


class FaqMatcher:
    def __init__(
        self,
        entries: Iterable[FaqEntry],
        normalizer: BulgarianNormalizer,
        thresholds: MatchThresholds,
    ) -> None:
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self.normalizer = normalizer
        self.thresholds = thresholds
        entry_stems: list[set[str]] = []
        raw_docs: list[tuple[int, frozenset[str]]] = []
        for index, entry in enumerate(self.entries):
            all_stems: set[str] = set()
            for text in (entry.question, *entry.phrasings):
                stems = frozenset(normalizer.tokens(text))
                if stems:
                    raw_docs.append((index, stems))
                    all_stems |= stems
            entry_stems.append(all_stems)
        document_frequency: dict[str, int] = defaultdict(int)
        for stems in entry_stems:
            for stem in stems:
                document_frequency[stem] += 1
        n = max(len(self.entries), 1)
        self._idf = {
            stem: math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            for stem, df in document_frequency.items()
        }
        # A word nobody wrote in any entry is at least as telling as the rarest known word.
        self._unknown_idf = math.log(1.0 + (n + 0.5) / 0.5) if self.entries else 1.0
        self._docs = [
            _Doc(i, stems, sum(self._idf[s] for s in stems), " ".join(sorted(stems)))
            for i, stems in raw_docs
        ]
        self._postings: dict[str, list[int]] = defaultdict(list)
        for doc_index, doc in enumerate(self._docs):
            for stem in doc.stems:
                self._postings[stem].append(doc_index)
        self._vocabulary = list(self._idf)
        self._by_id = {e.id: e for e in self.entries}

    # -- public API -------------------------------------------------------------------------

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def match(self, question: str) -> MatchResult:
        ranked = self.rank(question, limit=max(self.thresholds.max_suggestions, 3))
        if ranked is None:
            return Unknown(score=0.0, empty=True)
        if not ranked:
            return Unknown(score=0.0)
        t = self.thresholds
        top = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if top.score >= t.answer and top.score - second >= t.margin:
            return Answer(top.entry, top.score, tuple(ranked[1:]))
        close = tuple(c for c in ranked if c.score >= t.suggest)[: t.max_suggestions]
        if close:
            return Suggest(close, top.score)
        return Unknown(score=top.score, closest=tuple(ranked[:3]))

    def rank(self, question: str, limit: int = 5) -> list[Candidate] | None:
        """Best entries with scores in [0, 1]; None when the question has no content words."""
        query = self._query_weights(question)
        if not query:
            return None
        query_weight = sum(weight for weight, _ in query.values())
        matched: dict[int, float] = defaultdict(float)
        matched_idf: dict[int, float] = defaultdict(float)
        for stem, (weight, similarity) in query.items():
            for doc_index in self._postings.get(stem, ()):
                matched[doc_index] += weight * similarity
                matched_idf[doc_index] += self._idf[stem]
        if not matched:
            return []
        coarse: list[tuple[float, int]] = []
        for doc_index, overlap in matched.items():
            query_coverage = overlap / query_weight
            doc_coverage = matched_idf[doc_index] / self._docs[doc_index].weight
            coarse.append((_blend(query_coverage, doc_coverage), doc_index))
        coarse.sort(reverse=True)
        query_text = " ".join(sorted(query))
        best: dict[int, float] = {}
        for overlap_score, doc_index in coarse[:RESCORE_LIMIT]:
            doc = self._docs[doc_index]
            similarity = fuzz.token_sort_ratio(query_text, doc.text) / 100.0
            score = (1 - STRING_SHARE) * overlap_score + STRING_SHARE * similarity
            if score > best.get(doc.entry_index, -1.0):
                best[doc.entry_index] = score
        ordered = sorted(best.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [Candidate(self.entries[i], round(s, 4)) for i, s in ordered]

    # -- internals --------------------------------------------------------------------------

    def _query_weights(self, question: str) -> dict[str, tuple[float, float]]:
        """stem -> (IDF weight, similarity to the known stem it stands for)."""
        weights: dict[str, tuple[float, float]] = {}
        for stem in self.normalizer.tokens(question):
            if stem in self._idf:
                weights[stem] = (self._idf[stem], 1.0)
                continue
            corrected = None
            if len(stem) >= 4 and not stem[0].isdigit() and self._vocabulary:
                corrected = process.extractOne(
                    stem, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
                )
            if corrected is not None:
                known, similarity, _ = corrected
                weights[known] = (self._idf[known], similarity / 100.0)
            else:
                weights.setdefault(stem, (self._unknown_idf, 0.0))
        return weights


def _blend(query_coverage: float, doc_coverage: float) -> float:
    """How well a phrasing covers the question and the question covers the phrasing.

    The question side weighs more: a short question fully inside a long phrasing is a good
    match; a long question of which one word matches is not.
    """
    if query_coverage <= 0 or doc_coverage <= 0:
        return 0.0
    return query_coverage**0.65 * doc_coverage**0.35
