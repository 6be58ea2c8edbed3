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

import numpy as np
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
    # Words that exclude each other: a question about ЦИПО is not answered by a ЦПО-only entry.
    contrasts: tuple[frozenset[str], ...] = ()
    contrast_penalty: float = 0.7

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> MatchThresholds:
        with path.open("rb") as fh:
            data = tomllib.load(fh)["thresholds"]
        return cls(
            answer=float(data["answer"]),
            margin=float(data["margin"]),
            suggest=float(data["suggest"]),
            max_suggestions=int(data.get("max_suggestions", 3)),
            contrasts=tuple(frozenset(g) for g in data.get("contrasts", [])),
            contrast_penalty=float(data.get("contrast_penalty", 0.7)),
        )


@dataclass(slots=True)
class _Doc:
    entry_index: int
    stems: frozenset[str]
    weight: float
    text: str  # sorted stems joined, for rapidfuzz


# How far a query word may be from a known stem and still count as a typo of it: one letter in
# six ("лиценс" -> "лиценз", 83) is a typo; "тханкс" -> "такс" (80) is another word.
TYPO_CUTOFF = 82.0
# Weight of a word no entry uses, relative to the rarest known word.
UNKNOWN_WORD_WEIGHT = 1.0
# Exponents of the blend of question coverage and phrasing coverage.
QUERY_COVERAGE_EXPONENT = 0.65
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
        surface_to_stem: dict[str, str] = {}
        for index, entry in enumerate(self.entries):
            all_stems: set[str] = set()
            for text in (entry.question, *entry.phrasings):
                pairs = normalizer.analyze(text)
                surface_to_stem.update(pairs)
                stems = frozenset(stem for _, stem in pairs)
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
        self._unknown_idf = UNKNOWN_WORD_WEIGHT * (
            math.log(1.0 + (n + 0.5) / 0.5) if self.entries else 1.0
        )
        self._docs = [
            _Doc(i, stems, sum(self._idf[s] for s in stems), " ".join(sorted(stems)))
            for i, stems in raw_docs
        ]
        postings: dict[str, list[int]] = defaultdict(list)
        for doc_index, doc in enumerate(self._docs):
            for stem in doc.stems:
                postings[stem].append(doc_index)
        self._postings = {stem: np.array(ids, dtype=np.int64) for stem, ids in postings.items()}
        self._doc_weights = np.array([doc.weight for doc in self._docs], dtype=float)
        self._vocabulary = list(self._idf)
        # Typos are corrected on whole words: a mistyped word's stem can be cut oddly.
        self._surface_to_stem = surface_to_stem
        self._surfaces = list(surface_to_stem)
        self._contrasts = tuple(
            frozenset(normalizer.tokens(word)[0] for word in group if normalizer.tokens(word))
            for group in thresholds.contrasts
        )
        self._by_id = {e.id: e for e in self.entries}
        contrast_tokens = frozenset().union(*self._contrasts) if self._contrasts else frozenset()
        self._has_token = {
            token: np.array([token in doc.stems for doc in self._docs], dtype=bool)
            for token in contrast_tokens
        }

    # -- public API -------------------------------------------------------------------------

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def match(self, question: str) -> MatchResult:
        ranked = self.rank(question, limit=max(self.thresholds.max_suggestions, 3))
        return decide(ranked, self.thresholds)

    def rank(self, question: str, limit: int = 5) -> list[Candidate] | None:
        """Best entries with scores in [0, 1]; None when the question has no content words."""
        query = self._query_weights(question)
        if not query:
            return None
        query_weight = sum(weight for weight, _ in query.values())
        # Vectorised over all phrasings: what share of the question each covers, and of itself.
        matched = np.zeros(len(self._docs))
        matched_idf = np.zeros(len(self._docs))
        for stem, (weight, similarity) in query.items():
            postings = self._postings.get(stem)
            if postings is not None:
                matched[postings] += weight * similarity
                matched_idf[postings] += self._idf[stem]
        candidates = np.flatnonzero(matched)
        if candidates.size == 0:
            return []
        query_coverage = matched[candidates] / query_weight
        doc_coverage = matched_idf[candidates] / self._doc_weights[candidates]
        scores = _blend(query_coverage, doc_coverage)
        penalised = self._contradicting_docs(frozenset(query))
        if penalised is not None:
            penalty = self.thresholds.contrast_penalty
            scores = np.where(penalised[candidates], scores * penalty, scores)
        # Best first; ties broken by phrasing order so results are deterministic.
        order = np.lexsort((candidates, -scores))[:RESCORE_LIMIT]
        coarse = [(float(scores[i]), int(candidates[i])) for i in order]
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

    def _contradicting_docs(self, query: frozenset[str]) -> np.ndarray | None:
        """Mask of phrasings that name only another member of a contrast group the query uses."""
        mask = None
        for group in self._contrasts:
            asked = query & group
            if not asked:
                continue
            offered_other = np.zeros(len(self._docs), dtype=bool)
            for token in group - asked:
                offered_other |= self._has_token.get(token, False)
            offered_asked = np.zeros(len(self._docs), dtype=bool)
            for token in asked:
                offered_asked |= self._has_token.get(token, False)
            group_mask = offered_other & ~offered_asked
            mask = group_mask if mask is None else mask | group_mask
        return mask

    def _query_weights(self, question: str) -> dict[str, tuple[float, float]]:
        """stem -> (IDF weight, similarity to the known stem it stands for)."""
        weights: dict[str, tuple[float, float]] = {}
        for surface, stem in self.normalizer.analyze(question):
            if stem in self._idf:
                weights[stem] = (self._idf[stem], 1.0)
                continue
            corrected = self._correct_typo(surface, stem)
            if corrected is not None:
                known, similarity = corrected
                previous = weights.get(known)
                if previous is None or previous[1] < similarity:
                    weights[known] = (self._idf[known], similarity)
            else:
                weights.setdefault(stem, (self._unknown_idf, 0.0))
        return weights

    def _correct_typo(self, surface: str, stem: str) -> tuple[str, float] | None:
        """The known stem a mistyped word stands for, with its similarity in [0, 1]."""
        if len(surface) < 4 or surface[0].isdigit():
            return None
        best: tuple[str, float] | None = None
        by_word = process.extractOne(
            surface, self._surfaces, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
        )
        if by_word is not None:
            best = (self._surface_to_stem[by_word[0]], by_word[1] / 100.0)
        if len(stem) >= 4:
            by_stem = process.extractOne(
                stem, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
            )
            if by_stem is not None and (best is None or by_stem[1] / 100.0 > best[1]):
                best = (by_stem[0], by_stem[1] / 100.0)
        if best is not None and best[0] not in self._idf:
            return None
        return best


def decide(ranked: list[Candidate] | None, t: MatchThresholds) -> MatchResult:
    """Turn a ranking into answer / suggest / unknown by the thresholds."""
    if ranked is None:
        return Unknown(score=0.0, empty=True)
    if not ranked:
        return Unknown(score=0.0)
    top = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    if top.score >= t.answer and top.score - second >= t.margin:
        return Answer(top.entry, top.score, tuple(ranked[1:]))
    close = tuple(c for c in ranked if c.score >= t.suggest)[: t.max_suggestions]
    if close:
        return Suggest(close, top.score)
    return Unknown(score=top.score, closest=tuple(ranked[:3]))


def _blend(query_coverage: np.ndarray, doc_coverage: np.ndarray) -> np.ndarray:
    """How well a phrasing covers the question and the question covers the phrasing.

    The question side weighs more: a short question fully inside a long phrasing is a good
    match; a long question of which one word matches is not.
    """
    return query_coverage**QUERY_COVERAGE_EXPONENT * doc_coverage ** (1 - QUERY_COVERAGE_EXPONENT)
