"""Which FAQ entry answers a question: answer, ask which centre, suggest a few, or say honestly
that we do not know.

Two decisions, two signals:

1. **Ranking** — which entry fits best. Weighted word overlap on normalized stems (inverted index,
   IDF weights over entries); a query word that is not in the vocabulary is first corrected to the
   closest known word with rapidfuzz's ``fuzz.ratio`` (a typo changes a letter or two). The best
   phrasings are re-scored with ``fuzz.token_sort_ratio`` on the stem strings (order-insensitive:
   Bulgarian word order is free). The answers' own text adds a little (a user may ask with words
   only the answer uses).
2. **Deciding** — two small logistic models over the same features of the ranking (coverage of
   the question, lead over the best rival entry, words nobody in the knowledge base uses, words of
   other authorities' domains, ...): the *domain gate* gives the probability that the question is
   about НАПОО's work at all, the *confidence* the probability that the top entry is the right
   one. Their weights and thresholds live in ``knowledge/data/matcher.toml``; they are fitted and
   cross-validated on the golden table by ``benchmarks/fit_matcher.py`` (scikit-learn there;
   here a dot product, so serving needs no learning library).

Entries that answer the same question share a ``group`` and are not rivals. When the two best
entries differ only in being about ЦПО or ЦИПО and the question names neither, the user is asked
which centre they mean.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.faq import FaqEntry
from knowledge.normalize import BulgarianNormalizer

DATA_DIR = Path(__file__).parent / "data"
THRESHOLDS_FILE = DATA_DIR / "matcher.toml"
DOMAIN_FILE = DATA_DIR / "domain.toml"

# The features both models read, in this order (benchmarks/fit_matcher.py fits their weights).
FEATURES = (
    "top",  # ranking score of the best entry, [0, 1]
    "lead",  # its lead over the best entry outside its group
    "query_cover",  # share of the question's weight the best entry's phrasing covers
    "phrase_similarity",  # rapidfuzz similarity of the question to that phrasing
    "answer_cover",  # share of the question's words found in the best entry's answer
    "known_share",  # share of the question's words the knowledge base knows at all
    "anchor",  # names the agency's domain (ЦПО, свидетелство, ...)
    "other_domain",  # names another authority's domain (лиценз за такси, автошкола, ...)
    "contrast_conflict",  # asks about ЦПО but the best entry is about ЦИПО, or the reverse
    "log_words",  # log(1 + content words)
    "out_of_scope_similarity",  # how closely it matches a question known to be out of scope
)


# What the ranker reads of each candidate entry (benchmarks/fit_matcher.py fits its weights).
RANK_FEATURES = (
    "lexical",  # weighted stem overlap with the entry's best phrasing, blended with similarity
    "query_cover",  # share of the question's weight that phrasing covers
    "doc_cover",  # share of the phrasing's weight the question covers
    "phrase_similarity",  # rapidfuzz token_sort similarity of the stems
    "contained",  # rapidfuzz token_set similarity: a phrasing wholly inside the question
    "title_similarity",  # similarity to the entry's title question
    "answer_cover",  # share of the question's words found in the entry's answer
    "contrast_conflict",  # the entry is about the other kind of centre than the question
    "reciprocal_rank",  # 1 / position in the lexical order
    "gap",  # lexical score minus the best lexical score
)
# Candidates the ranker re-orders (the right entry is among the lexical top 12 for ~97% of
# golden questions).
RERANK_LIMIT = 12


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    entry: FaqEntry
    score: float  # the confidence that this is the right entry
    runners_up: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class Clarify:
    """The same question has an answer for ЦПО and one for ЦИПО: ask which the user means."""

    options: tuple[Candidate, ...]  # in the order of `labels`
    labels: tuple[str, ...]  # the contrast words, e.g. ("ЦПО", "ЦИПО")
    score: float


@dataclass(frozen=True, slots=True)
class Suggest:
    candidates: tuple[Candidate, ...]
    score: float


@dataclass(frozen=True, slots=True)
class Unknown:
    score: float
    closest: tuple[Candidate, ...] = ()  # for staff reviewing unanswered questions
    empty: bool = False  # nothing left after normalization (greeting, emoji, punctuation)
    out_of_domain: bool = False  # the gate says the question is not about НАПОО's work


MatchResult = Answer | Clarify | Suggest | Unknown


# -- the decision models -----------------------------------------------------------------------


@dataclass(frozen=True)
class LogisticModel:
    """p = sigmoid(bias + weights · (features - mean) / scale), fitted outside the bot."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def from_table(
        cls, table: Mapping[str, object], names: tuple[str, ...] = FEATURES
    ) -> LogisticModel:
        def vector(name: str, default: float) -> np.ndarray:
            values = table.get(name, {})
            assert isinstance(values, Mapping)
            return np.array([float(values.get(f, default)) for f in names])

        return cls(
            vector("weights", 0.0),
            float(table.get("bias", 0.0)),  # type: ignore[arg-type]
            vector("mean", 0.0),
            vector("scale", 1.0),
        )

    def probability(self, features: np.ndarray) -> float:
        z = self.bias + float(self.weights @ ((features - self.mean) / self.scale))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        z = self.bias + ((rows - self.mean) / self.scale) @ self.weights
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


@dataclass(frozen=True)
class MatchThresholds:
    gate: LogisticModel
    confidence: LogisticModel
    ranker: LogisticModel | None  # re-orders the best candidates; None: the lexical order
    gate_answer: float  # gate probability needed to answer (or ask which centre)
    confidence_answer: float  # confidence needed to answer
    gate_suggest: float  # below this the question is out of our domain: no suggestions
    suggest: float = 0.3  # lowest ranking score offered as "did you mean"
    max_suggestions: int = 3
    # Words that exclude each other: a question about ЦИПО is not answered by a ЦПО-only entry.
    contrasts: tuple[tuple[str, ...], ...] = ()
    contrast_penalty: float = 0.7
    answer_share: float = 0.1  # weight of the answers' own text in the ranking
    unknown_word_weight: float = 0.6  # a word nobody uses, relative to the rarest known word
    clarify_ratio: float = 0.8  # the second option's score relative to the first, to ask

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> MatchThresholds:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        t = data["thresholds"]
        return cls(
            gate=LogisticModel.from_table(data.get("gate", {})),
            confidence=LogisticModel.from_table(data.get("confidence", {})),
            ranker=(
                LogisticModel.from_table(data["ranker"], RANK_FEATURES)
                if "ranker" in data
                else None
            ),
            gate_answer=float(t["gate_answer"]),
            confidence_answer=float(t["confidence_answer"]),
            gate_suggest=float(t["gate_suggest"]),
            suggest=float(t.get("suggest", 0.3)),
            max_suggestions=int(t.get("max_suggestions", 3)),
            contrasts=tuple(tuple(g) for g in t.get("contrasts", [])),
            contrast_penalty=float(t.get("contrast_penalty", 0.7)),
            answer_share=float(t.get("answer_share", 0.1)),
            unknown_word_weight=float(t.get("unknown_word_weight", 0.6)),
            clarify_ratio=float(t.get("clarify_ratio", 0.8)),
        )


@dataclass(frozen=True)
class DomainWords:
    anchors: tuple[str, ...] = ()
    other_domains: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path = DOMAIN_FILE) -> DomainWords:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        return cls(tuple(data.get("anchors", ())), tuple(data.get("other_domains", ())))


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the matcher saw in a question: the ranking and the features the models read."""

    ranked: tuple[Candidate, ...]
    features: np.ndarray | None  # None when the question has no content words
    rival: Candidate | None = None  # the best entry outside the top entry's group
    asked_contrasts: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of a question (the whole message, or one of its sentences): the candidate
    entries in lexical order with the ranker's features, and what is known of the question."""

    candidates: tuple[int, ...]  # entry indexes
    features: np.ndarray  # one row of RANK_FEATURES per candidate
    lexical_scores: np.ndarray
    query_features: np.ndarray  # known share, anchor, other domain, log(1 + words), negatives
    asked: frozenset[str]


# -- the matcher -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Doc:
    entry_index: int
    stems: frozenset[str]
    weight: float
    text: str  # sorted stems joined, for rapidfuzz


# How far a query word may be from a known word and still count as a typo of it: one letter in
# six ("лиценс" -> "лиценз", 83) is a typo; "тханкс" -> "такс" (80) is another word.
TYPO_CUTOFF = 82.0
# Exponent of the blend of question coverage and phrasing coverage.
QUERY_COVERAGE_EXPONENT = 0.65
# Share of the ranking score that comes from rapidfuzz string similarity.
STRING_SHARE = 0.25
# Decisions remembered per matcher, by the question's exact text.
MATCH_CACHE_SIZE = 4096
# Typo look-ups remembered per matcher (a word is looked up once, not per message).
TYPO_CACHE_SIZE = 50_000
# Candidates re-scored with rapidfuzz.
RESCORE_LIMIT = 40
_TAGS = re.compile(r"<[^>]+>")
# Messages at least this long are also read sentence by sentence.
LONG_MESSAGE_CHARS = 120
MAX_SENTENCES = 6  # a pasted document is not a question (and costs time)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


class FaqMatcher:
    def __init__(
        self,
        entries: Iterable[FaqEntry],
        normalizer: BulgarianNormalizer,
        thresholds: MatchThresholds,
        domain: DomainWords | None = None,
        negatives: Iterable[str] = (),
    ) -> None:
        """`negatives`: questions people asked that no entry answers (the golden table's
        out-of-scope rows); a question close to one of them is less likely to be ours."""
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self.negatives = tuple(negatives)
        self.normalizer = normalizer
        self.thresholds = thresholds
        self.domain = domain if domain is not None else DomainWords.load()
        entry_stems: list[set[str]] = []
        raw_docs: list[tuple[int, frozenset[str]]] = []
        surface_to_stem: dict[str, str] = {}
        for index, entry in enumerate(self.entries):
            all_stems: set[str] = set()
            official = len(entry.phrasings) + 1
            for position, text in enumerate((entry.question, *entry.phrasings, *entry.examples)):
                pairs = normalizer.analyze(text)
                if position < official:
                    surface_to_stem.update(pairs)
                stems = frozenset(stem for _, stem in pairs)
                if stems:
                    raw_docs.append((index, stems))
                    all_stems |= stems
            entry_stems.append(all_stems)
        n = max(len(self.entries), 1)
        self._idf = _idf(entry_stems, n)
        self._max_idf = math.log(1.0 + (n + 0.5) / 0.5)
        self._docs = [
            _Doc(i, stems, sum(self._idf[s] for s in stems), " ".join(sorted(stems)))
            for i, stems in raw_docs
        ]
        self._postings = _postings(doc.stems for doc in self._docs)
        self._doc_weights = np.array([doc.weight for doc in self._docs], dtype=float)
        self._doc_entry = np.array([doc.entry_index for doc in self._docs], dtype=np.int64)
        # Typos are corrected to the official words (titles and phrasings), never to a word
        # only people's questions use: those carry people's typos.
        self._official = frozenset(surface_to_stem.values())
        self._vocabulary = [stem for stem in self._idf if stem in self._official]
        # Typos are corrected on whole words: a mistyped word's stem can be cut oddly.
        self._surface_to_stem = surface_to_stem
        self._surfaces = list(surface_to_stem)

        # Questions known to be out of scope: their own small index, weighted like the rest.
        unknown = thresholds.unknown_word_weight * self._max_idf
        negative_docs = [d for d in (frozenset(normalizer.tokens(q)) for q in self.negatives) if d]
        self._negative_postings = _postings(negative_docs)
        self._negative_weights = np.array(
            [sum(self._idf.get(stem, unknown) for stem in doc) for doc in negative_docs]
        )

        # The answers' own words: a second, lighter index per entry.
        answer_stems = [
            frozenset(normalizer.tokens(_TAGS.sub(" ", e.answer_html))) for e in self.entries
        ]
        self._answer_idf = _idf(answer_stems, n)
        self._answer_postings = _postings(answer_stems)

        self._contrasts = tuple(
            tuple(normalizer.tokens(word)[0] for word in group if normalizer.tokens(word))
            for group in thresholds.contrasts
        )
        contrast_tokens = {t for group in self._contrasts for t in group}
        self._has_token = {
            token: np.array([token in doc.stems for doc in self._docs], dtype=bool)
            for token in contrast_tokens
        }
        # Which contrast word an entry is about, from its title ("… на ЦИПО?"): for clarifying.
        self._entry_side: list[str | None] = []
        for entry in self.entries:
            title = set(normalizer.tokens(entry.question))
            sides = [t for group in self._contrasts for t in group if t in title]
            self._entry_side.append(sides[0] if len(sides) == 1 else None)
        self._anchor_phrases = _phrases(normalizer, self.domain.anchors)
        self._other_phrases = _phrases(normalizer, self.domain.other_domains)
        self._title_texts = [
            " ".join(sorted(set(normalizer.tokens(e.question)))) for e in self.entries
        ]
        self._typo_cache: dict[tuple[str, str], tuple[str, float] | None] = {}
        self._match_cached = lru_cache(maxsize=MATCH_CACHE_SIZE)(self.match_uncached)
        self._by_id = {e.id: e for e in self.entries}
        self._index_of = {e.id: i for i, e in enumerate(self.entries)}

    # -- public API -------------------------------------------------------------------------

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def match(self, question: str) -> MatchResult:
        """The decision for a question. A matcher never changes (staff's changes build a new
        one), so the same text gets the same result: the most frequent questions are decided
        once."""
        return self._match_cached(question)

    def match_uncached(self, question: str) -> MatchResult:
        """`match` without the cache of decisions (for measuring what a new question costs)."""
        return decide(self.assess(question), self.thresholds, self.side_of)

    def rank(self, question: str, limit: int = 5) -> list[Candidate] | None:
        """Best entries with ranking scores in [0, 1]; None when the question has no content."""
        assessment = self.assess(question, limit)
        return None if assessment.features is None else list(assessment.ranked)

    def assess(self, question: str, limit: int = 5) -> Assessment:
        """The ranking and the features the decision models read."""
        return self.finish(self.readings(question), self.thresholds, limit)

    def readings(self, question: str) -> list[Reading]:
        """The candidates for the whole message and, for a long one, for each sentence: the
        question is often in the middle, among sentences of context."""
        whole = self._read(question)
        if whole is None or len(question) < LONG_MESSAGE_CHARS:
            return [whole] if whole is not None else []
        sentences = [p for p in _SENTENCE_END.split(question) if len(p.split()) >= 3]
        parts = [
            reading
            for sentence in sentences[:MAX_SENTENCES]
            for reading in [self._read(sentence)]
            if reading is not None and reading.candidates
        ]
        return [whole, *parts]

    def finish(self, readings: list[Reading], t: MatchThresholds, limit: int = 5) -> Assessment:
        """Rank each reading with `t`'s ranker and keep the one whose best entry is surest."""
        if not readings:
            return Assessment((), None)
        best: Assessment | None = None
        for reading in readings:
            assessment = self._rank(reading, t, limit)
            if best is None or (
                assessment.ranked
                and (not best.ranked or assessment.ranked[0].score > best.ranked[0].score)
            ):
                best = assessment
        assert best is not None
        return best

    def _read(self, question: str) -> Reading | None:
        """Candidate entries with the ranker's features; None when nothing is left to match."""
        query = self._query_weights(question)
        if not query:
            return None
        t = self.thresholds
        query_weight = sum(weight for weight, _ in query.values())
        # Vectorised over all phrasings: what share of the question each covers, and of itself.
        matched = np.zeros(len(self._docs))
        matched_idf = np.zeros(len(self._docs))
        answer_matched = np.zeros(len(self.entries))
        answer_weight = 0.0
        known = 0
        for stem, (weight, similarity) in query.items():
            postings = self._postings.get(stem)
            if postings is not None:
                matched[postings] += weight * similarity
                matched_idf[postings] += self._idf[stem]
            answer_idf = self._answer_idf.get(stem, self._max_idf)
            answer_weight += answer_idf
            answer_postings = self._answer_postings.get(stem)
            if answer_postings is not None:
                answer_matched[answer_postings] += answer_idf
            known += similarity > 0 or answer_postings is not None
        answer_cover = answer_matched / answer_weight if answer_weight else answer_matched
        asked = frozenset(query) & frozenset(self._has_token)
        query_text = " ".join(sorted(query))
        out_of_scope_similarity = self._negative_similarity(query, query_weight)

        candidates = np.flatnonzero(matched)
        # entry -> (lexical, query cover, doc cover, similarity, contained)
        best: dict[int, tuple[float, float, float, float, float]] = {}
        if candidates.size:
            query_coverage = matched[candidates] / query_weight
            doc_coverage = matched_idf[candidates] / self._doc_weights[candidates]
            scores = _blend(query_coverage, doc_coverage)
            penalised = self._contradicting_docs(asked)
            if penalised is not None:
                scores = np.where(penalised[candidates], scores * t.contrast_penalty, scores)
            # Best first; ties broken by phrasing order so results are deterministic.
            order = np.lexsort((candidates, -scores))[:RESCORE_LIMIT]
            texts = [self._docs[int(candidates[i])].text for i in order]
            # Both similarities for all re-scored phrasings in one call each (rapidfuzz, in C).
            similarity = process.cdist([query_text], texts, scorer=fuzz.token_sort_ratio)[0] / 100
            contained = process.cdist([query_text], texts, scorer=fuzz.token_set_ratio)[0] / 100
            combined = (1 - STRING_SHARE) * scores[order] + STRING_SHARE * similarity
            for k, i in enumerate(order):
                entry_index = self._docs[int(candidates[i])].entry_index
                if combined[k] > best.get(entry_index, (-1.0,))[0]:
                    best[entry_index] = (
                        float(combined[k]),
                        float(query_coverage[i]),
                        float(doc_coverage[i]),
                        float(similarity[k]),
                        float(contained[k]),
                    )
        # Entries whose answers alone mention the question's words still take part, lightly.
        for index in np.flatnonzero(answer_cover >= 0.5):
            best.setdefault(int(index), (0.0, 0.0, 0.0, 0.0, 0.0))
        share = t.answer_share
        lexical_order = sorted(
            best,
            key=lambda i: (-((1 - share) * best[i][0] + share * float(answer_cover[i])), i),
        )[:RERANK_LIMIT]
        top_lexical = best[lexical_order[0]][0] if lexical_order else 0.0
        rows = []
        for position, index in enumerate(lexical_order, start=1):
            lexical, cover, doc_cover, similarity, contained = best[index]
            rows.append(
                (
                    lexical,
                    cover,
                    doc_cover,
                    similarity,
                    contained,
                    fuzz.token_set_ratio(query_text, self._title_texts[index]) / 100.0,
                    float(answer_cover[index]),
                    self._conflict(asked, index),
                    1.0 / position,
                    lexical - top_lexical,
                )
            )
        stems = list(query)
        anchor = _contains_any(stems, self._anchor_phrases)
        return Reading(
            candidates=tuple(lexical_order),
            features=np.array(rows, dtype=float).reshape(len(rows), len(RANK_FEATURES)),
            lexical_scores=np.array(
                [(1 - share) * best[i][0] + share * float(answer_cover[i]) for i in lexical_order]
            ),
            query_features=np.array(
                [
                    known / len(query),
                    float(anchor),
                    float(_contains_any(stems, self._other_phrases)),
                    math.log1p(len(query)),
                    out_of_scope_similarity,
                ]
            ),
            asked=asked,
        )

    def _negative_similarity(
        self, query: Mapping[str, tuple[float, float]], query_weight: float
    ) -> float:
        """The best match of the question with a question known to be out of scope."""
        if not len(self._negative_weights):
            return 0.0
        unknown = self.thresholds.unknown_word_weight * self._max_idf
        matched = np.zeros(len(self._negative_weights))
        matched_doc = np.zeros(len(self._negative_weights))
        for stem, (weight, _) in query.items():
            postings = self._negative_postings.get(stem)
            if postings is not None:
                matched[postings] += weight
                matched_doc[postings] += self._idf.get(stem, unknown)
        hit = np.flatnonzero(matched)
        if not hit.size:
            return 0.0
        blend = _blend(matched[hit] / query_weight, matched_doc[hit] / self._negative_weights[hit])
        return float(blend.max())

    def _rank(self, reading: Reading, t: MatchThresholds, limit: int) -> Assessment:
        """Order a reading's candidates (by the ranker when there is one) and describe the
        result for the decision models."""
        known_share, anchor, other, log_words, out_of_scope = reading.query_features
        if not reading.candidates:
            features = np.array(
                [0, 0, 0, 0, 0, known_share, anchor, other, 0, log_words, out_of_scope]
            )
            return Assessment((), features.astype(float), None, reading.asked)
        if t.ranker is not None:
            scores = t.ranker.probabilities(reading.features)
        else:
            scores = np.minimum(reading.lexical_scores, 1.0)
        order = sorted(range(len(scores)), key=lambda k: (-scores[k], k))
        ranked_all = [(float(scores[k]), reading.candidates[k], k) for k in order]
        top_score, top_index, top_row = ranked_all[0]
        top_entry = self.entries[top_index]
        rival = next(
            (
                Candidate(self.entries[i], round(score, 4))
                for score, i, _ in ranked_all[1:]
                if top_entry.group is None or self.entries[i].group != top_entry.group
            ),
            None,
        )
        ranked = tuple(Candidate(self.entries[i], round(sc, 4)) for sc, i, _ in ranked_all[:limit])
        row = dict(zip(RANK_FEATURES, reading.features[top_row], strict=True))
        features = np.array(
            [
                top_score,
                top_score - (rival.score if rival else 0.0),
                row["query_cover"],
                row["phrase_similarity"],
                row["answer_cover"],
                known_share,
                anchor,
                other,
                row["contrast_conflict"],
                log_words,
                out_of_scope,
            ]
        )
        return Assessment(ranked, features, rival, reading.asked)

    # -- internals --------------------------------------------------------------------------

    def side_of(self, entry: FaqEntry) -> str | None:
        """The contrast word (ЦПО or ЦИПО) the entry is about, if it names exactly one."""
        index = self._index_of.get(entry.id)
        return None if index is None else self._entry_side[index]

    def _conflict(self, asked: frozenset[str], entry_index: int) -> float:
        side = self._entry_side[entry_index]
        return float(bool(asked) and side is not None and side not in asked)

    def _contradicting_docs(self, asked: frozenset[str]) -> np.ndarray | None:
        """Mask of phrasings that name only another member of a contrast group the query uses."""
        mask = None
        for group in self._contrasts:
            asked_here = asked & set(group)
            if not asked_here:
                continue
            offered_other = np.zeros(len(self._docs), dtype=bool)
            for token in set(group) - asked_here:
                offered_other |= self._has_token.get(token, False)
            offered_asked = np.zeros(len(self._docs), dtype=bool)
            for token in asked_here:
                offered_asked |= self._has_token.get(token, False)
            group_mask = offered_other & ~offered_asked
            mask = group_mask if mask is None else mask | group_mask
        return mask

    def _query_weights(self, question: str) -> dict[str, tuple[float, float]]:
        """stem -> (IDF weight, similarity to the known stem it stands for; 0 if unknown)."""
        weights: dict[str, tuple[float, float]] = {}
        unknown_weight = self.thresholds.unknown_word_weight * self._max_idf
        for surface, stem in self.normalizer.analyze(question):
            if stem in self._idf:
                weights[stem] = (self._idf[stem], 1.0)
                if stem in self._official:
                    continue
            corrected = self._correct_typo(surface, stem)
            if stem in weights:
                # A word only people's questions use: if it is a typo of an official word (one
                # person's "лиценс"), read it as that word; else keep it ("школа").
                if corrected is not None:
                    del weights[stem]
                    if corrected[0] not in weights:
                        weights[corrected[0]] = (self._idf[corrected[0]], corrected[1])
                continue
            if corrected is not None:
                known, similarity = corrected
                previous = weights.get(known)
                if previous is None or previous[1] < similarity:
                    weights[known] = (self._idf[known], similarity)
            elif stem in self._answer_idf:
                # Not in any phrasing, but the answers use it: a word of our domain.
                weights.setdefault(stem, (min(self._answer_idf[stem], unknown_weight), 0.0))
            else:
                weights.setdefault(stem, (unknown_weight, 0.0))
        return weights

    def _correct_typo(self, surface: str, stem: str) -> tuple[str, float] | None:
        """The known stem a mistyped word stands for, with its similarity in [0, 1] (the
        search over the vocabulary is the costliest step: each word is searched once)."""
        key = (surface, stem)
        if key not in self._typo_cache:
            if len(self._typo_cache) >= TYPO_CACHE_SIZE:
                self._typo_cache.clear()
            self._typo_cache[key] = self._search_typo(surface, stem)
        return self._typo_cache[key]

    def _search_typo(self, surface: str, stem: str) -> tuple[str, float] | None:
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
        if best is not None and best[0] not in self._official:
            return None
        return best


def decide(
    assessment: Assessment,
    t: MatchThresholds,
    side_of: object = None,
) -> MatchResult:
    """Turn an assessment into answer / clarify / suggest / unknown with the fitted models."""
    if assessment.features is None:
        return Unknown(score=0.0, empty=True)
    ranked = assessment.ranked
    gate = t.gate.probability(assessment.features)
    named = dict(zip(FEATURES, assessment.features, strict=True))
    if named["other_domain"] and not named["anchor"]:
        # An explicit negative: another authority's licence or matter, and nothing of ours.
        gate = 0.0
    # Every word of the question is one the knowledge base uses, and none names another
    # authority: too little to answer with, but not "not ours" either ("такса" alone).
    all_ours = named["known_share"] >= 1.0 and not named["other_domain"]
    if not ranked or (gate < t.gate_suggest and not all_ours):
        return Unknown(score=0.0, closest=ranked[:3], out_of_domain=gate < t.gate_suggest)
    confidence = t.confidence.probability(assessment.features)
    top = ranked[0]
    if gate >= t.gate_answer and confidence >= t.confidence_answer:
        return Answer(top.entry, round(confidence, 4), ranked[1:])
    clarify = _clarify(assessment, t, side_of, confidence)
    if clarify is not None and gate >= t.gate_answer:
        return clarify
    close = tuple(c for c in ranked if c.score >= t.suggest)[: t.max_suggestions]
    if close:
        return Suggest(close, round(confidence, 4))
    return Unknown(score=round(confidence, 4), closest=ranked[:3])


def _clarify(
    assessment: Assessment, t: MatchThresholds, side_of: object, confidence: float
) -> Clarify | None:
    """The two best entries are one question asked of ЦПО and of ЦИПО; the user named neither."""
    if not callable(side_of) or assessment.asked_contrasts or len(assessment.ranked) < 2:
        return None
    first, second = assessment.ranked[0], assessment.ranked[1]
    if second.score < t.clarify_ratio * first.score or first.score < t.suggest:
        return None
    sides = side_of(first.entry), side_of(second.entry)
    for group in t.contrasts:
        stems = [s.casefold() for s in group]
        if None in sides or sides[0] == sides[1]:
            return None
        if all(s in stems for s in sides):
            by_side = {sides[0]: first, sides[1]: second}
            order = [s for s in stems if s in by_side]
            labels = tuple(group[stems.index(s)] for s in order)
            return Clarify(tuple(by_side[s] for s in order), labels, round(confidence, 4))
    return None


def _idf(stem_sets: Iterable[Iterable[str]], n: int) -> dict[str, float]:
    document_frequency: dict[str, int] = defaultdict(int)
    for stems in stem_sets:
        for stem in set(stems):
            document_frequency[stem] += 1
    return {
        stem: math.log(1.0 + (n - df + 0.5) / (df + 0.5)) for stem, df in document_frequency.items()
    }


def _postings(stem_sets: Iterable[Iterable[str]]) -> dict[str, np.ndarray]:
    postings: dict[str, list[int]] = defaultdict(list)
    for index, stems in enumerate(stem_sets):
        for stem in stems:
            postings[stem].append(index)
    return {stem: np.array(ids, dtype=np.int64) for stem, ids in postings.items()}


def _phrases(
    normalizer: BulgarianNormalizer, words: Iterable[str]
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The words' stems as phrases, indexed by their first stem."""
    by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in (tuple(normalizer.tokens(w)) for w in words):
        if phrase:
            by_first[phrase[0]].append(phrase)
    return {first: tuple(phrases) for first, phrases in by_first.items()}


def _contains_any(stems: list[str], phrases: Mapping[str, tuple[tuple[str, ...], ...]]) -> bool:
    """Does `stems` contain one of the phrases (indexed by their first stem) in order?"""
    for i, stem in enumerate(stems):
        for phrase in phrases.get(stem, ()):
            if tuple(stems[i : i + len(phrase)]) == phrase:
                return True
    return False


def _blend(query_coverage: np.ndarray, doc_coverage: np.ndarray) -> np.ndarray:
    """How well a phrasing covers the question and the question covers the phrasing.

    The question side weighs more: a short question fully inside a long phrasing is a good
    match; a long question of which one word matches is not.
    """
    return query_coverage**QUERY_COVERAGE_EXPONENT * doc_coverage ** (1 - QUERY_COVERAGE_EXPONENT)
