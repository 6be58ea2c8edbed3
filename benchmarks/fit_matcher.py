"""Fit the FAQ matcher's decision models on the golden table, report them on held-out folds.

    python -m benchmarks.fit_matcher [--folds 5] [--show-failures] [--write]

For each of k folds (stratified by entry/out-of-scope, fixed seed) the domain gate and the
confidence model (logistic regressions, scikit-learn) and the three thresholds are fitted on the
other folds only, then the real `decide()` runs on the held-out fold. The figures printed are
pooled over the held-out folds: no question is ever scored by a model that saw it.

Side by side: the bot as it was before this matcher (its own content, code and thresholds, run
from git history through its own `ask --json`; top-1 there counts its answer or first suggestion)
and a plain BM25 baseline over questions and phrasings (rank_bm25), its threshold chosen on the
training folds for the same out-of-scope safety.

Thresholds are chosen on the training folds to maximise right answers while keeping confident
wrong answers at most 1.8% of in-scope questions and out-of-scope answers at most 1.2%, a margin
under the 2% targets. `--write` fits on the whole table and writes knowledge/data/matcher.toml.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from benchmarks.golden import Evaluation, GoldenRow, evaluate, load_golden, score_result
from knowledge.faq import KnowledgeBase, load_knowledge_base, with_examples
from knowledge.matcher import (
    FEATURES,
    RANK_FEATURES,
    THRESHOLDS_FILE,
    Answer,
    Assessment,
    Candidate,
    DomainWords,
    FaqMatcher,
    LogisticModel,
    MatchThresholds,
    Reading,
    Suggest,
    Unknown,
    _clarify,
)
from knowledge.normalize import BulgarianNormalizer, load_normalizer

MAX_WRONG = 0.018
MAX_OOS_ANSWERED = 0.012
GATE_GRID = [x / 20 for x in range(1, 20)]
CONFIDENCE_GRID = [x / 40 for x in range(8, 40)]
SUGGEST_GATE_GRID = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3]
SUGGEST_GRID = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]


@dataclasses.dataclass
class Table:
    """Everything the sweep needs, one row per golden question."""

    rows: list[GoldenRow]
    assessments: list[Assessment]
    x: np.ndarray
    in_scope: np.ndarray  # bool
    top1_right: np.ndarray  # bool
    clarify_right: np.ndarray  # bool: "ЦПО or ЦИПО?" would offer the right entry
    clarify_possible: np.ndarray  # bool
    right_score: np.ndarray  # the right entry's score if among the first suggestions, else -1
    top_score: np.ndarray
    thresholds: MatchThresholds  # the ranker the assessments were made with


def build_table(
    matcher: FaqMatcher,
    rows: list[GoldenRow],
    readings: list[list[Reading]] | None = None,
    t: MatchThresholds | None = None,
) -> Table:
    t = t or matcher.thresholds
    readings = readings if readings is not None else [matcher.readings(r.question) for r in rows]
    assessments = [matcher.finish(r, t) for r in readings]
    x = np.array(
        [a.features if a.features is not None else np.zeros(len(FEATURES)) for a in assessments]
    )
    in_scope = np.array([r.entry_id is not None for r in rows])
    top1 = np.array(
        [
            bool(a.ranked) and a.ranked[0].entry.id == r.entry_id
            for a, r in zip(assessments, rows, strict=True)
        ]
    )
    clarify_possible, clarify_right, right_score = [], [], []
    for a, r in zip(assessments, rows, strict=True):
        c = _clarify(a, t, matcher.side_of, 0.0) if a.features is not None else None
        clarify_possible.append(c is not None)
        clarify_right.append(c is not None and r.entry_id in {o.entry.id for o in c.options})
        first = {c.entry.id: c.score for c in a.ranked[: t.max_suggestions]}
        right_score.append(first.get(r.entry_id or "", -1.0))
    return Table(
        rows,
        assessments,
        x,
        in_scope,
        top1,
        np.array(clarify_right),
        np.array(clarify_possible),
        np.array(right_score),
        np.array([a.ranked[0].score if a.ranked else 0.0 for a in assessments]),
        t,
    )


def _standardised_fit(features: np.ndarray, target: np.ndarray, c: float = 1.0) -> LogisticModel:
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((features - mean) / scale, target)
    return LogisticModel(model.coef_[0], float(model.intercept_[0]), mean, scale)


def fit_ranker(
    matcher: FaqMatcher, rows: list[GoldenRow], readings: list[list[Reading]], idx: np.ndarray
) -> LogisticModel:
    """Pointwise: is this candidate the right entry? Over the whole-message candidates of the
    in-scope questions in `idx`."""
    features, target = [], []
    for i in idx:
        if rows[i].entry_id is None or not readings[i]:
            continue
        whole = readings[i][0]
        features.append(whole.features)
        target.extend(matcher.entries[c].id == rows[i].entry_id for c in whole.candidates)
    return _standardised_fit(np.vstack(features), np.array(target))


def fit_models(
    x: np.ndarray, in_scope: np.ndarray, top1: np.ndarray
) -> tuple[LogisticModel, LogisticModel]:
    gate = _standardised_fit(x, in_scope)
    confidence = _standardised_fit(x[in_scope], top1[in_scope])
    return gate, confidence


def choose_thresholds(
    table: Table, idx: np.ndarray, gate: LogisticModel, confidence: LogisticModel
) -> tuple[float, float, float, float]:
    """The thresholds that do best on the rows `idx` (training folds) within the safety caps:
    to answer (gate, confidence), to suggest at all (gate) and to offer an entry (its score)."""
    g = np.array([gate.probability(v) for v in table.x[idx]])
    c = np.array([confidence.probability(v) for v in table.x[idx]])
    empty = np.array([a.features is None for a in (table.assessments[i] for i in idx)])
    ins, right = table.in_scope[idx], table.top1_right[idx]
    n_in, n_out = max(ins.sum(), 1), max((~ins).sum(), 1)
    best, best_key = (0.5, 0.9, 0.1), None
    for ga, ca in itertools.product(GATE_GRID, CONFIDENCE_GRID):
        answer = (g >= ga) & (c >= ca) & ~empty
        correct = (answer & ins & right).sum()
        wrong = (answer & ins & ~right).sum()
        oos = (answer & ~ins).sum()
        if wrong / n_in > MAX_WRONG or oos / n_out > MAX_OOS_ANSWERED:
            continue
        key = (correct - 3 * wrong - 3 * oos, -ca)
        if best_key is None or key > best_key:
            best_key, best = key, (ga, ca, best[2])
    ga, ca, _ = best
    answer = (g >= ga) & (c >= ca)
    clar = ~answer & (g >= ga) & table.clarify_possible[idx]
    rest = ~answer & ~clar
    x = table.x[idx]
    all_ours = (x[:, FEATURES.index("known_share")] >= 1.0) & (
        x[:, FEATURES.index("other_domain")] == 0
    )
    best_suggest, best_value = (SUGGEST_GATE_GRID[0], SUGGEST_GRID[0]), None
    for gs, sc in itertools.product(SUGGEST_GATE_GRID, SUGGEST_GRID):
        offered = rest & ((g >= gs) | all_ours) & (table.top_score[idx] >= sc)
        reached = offered & ins & (table.right_score[idx] >= sc)
        # An out-of-scope question given suggestions costs half a reached one.
        value = reached.sum() - 0.5 * (offered & ~ins).sum()
        if best_value is None or value > best_value:
            best_value, best_suggest = value, (gs, sc)
    return ga, ca, *best_suggest


def with_models(
    t: MatchThresholds,
    gate: LogisticModel,
    confidence: LogisticModel,
    th: tuple[float, float, float, float],
) -> MatchThresholds:
    return dataclasses.replace(
        t,
        gate=gate,
        confidence=confidence,
        gate_answer=th[0],
        confidence_answer=th[1],
        gate_suggest=th[2],
        suggest=th[3],
    )


def folds(rows: list[GoldenRow], k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    labels = [r.entry_id or "-" for r in rows]
    counts = Counter(labels)
    # Entries with fewer rows than folds are pooled, so stratification stays possible.
    strata = [label if counts[label] >= k else "rare" for label in labels]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=20261201)
    return list(splitter.split(np.zeros(len(labels)), strata))


@dataclasses.dataclass(frozen=True)
class Setting:
    """What every fold starts from: the content without people's questions."""

    base: KnowledgeBase
    normalizer: BulgarianNormalizer
    thresholds: MatchThresholds
    domain: DomainWords

    def matcher(self, rows: list[GoldenRow], learn_from: Iterable[int]) -> FaqMatcher:
        """A matcher that learned the questions `learn_from` as phrasings (as the bot learns all)."""
        learned = [rows[i] for i in learn_from]
        examples = with_examples(self.base, learned)
        negatives = [r.question for r in learned if r.entry_id is None]
        return FaqMatcher(examples, self.normalizer, self.thresholds, self.domain, negatives)


def held_out_readings(
    setting: Setting, rows: list[GoldenRow], train: np.ndarray, k: int = 5
) -> list[list[Reading]]:
    """Readings of the rows `train`, each by a matcher that did not learn that row (inner
    folds): the models must be fitted on what a new question looks like, not on a question
    matching itself."""
    readings: dict[int, list[Reading]] = {}
    for inner_train, inner_test in folds([rows[i] for i in train], k):
        matcher = setting.matcher(rows, train[inner_train])
        for j in inner_test:
            readings[int(train[j])] = matcher.readings(rows[train[j]].question)
    return [readings[int(i)] for i in train]


def fit_all(
    setting: Setting, rows: list[GoldenRow], train: np.ndarray
) -> tuple[MatchThresholds, FaqMatcher]:
    """Ranker, gate, confidence and thresholds fitted on the rows `train` only, and the matcher
    that learned those rows as phrasings (the one that serves)."""
    sub = [rows[i] for i in train]
    readings = held_out_readings(setting, rows, train)
    serving = setting.matcher(rows, train)
    everything = np.arange(len(sub))
    ranker = fit_ranker(serving, sub, readings, everything)
    ranked_t = dataclasses.replace(setting.thresholds, ranker=ranker)
    table = build_table(serving, sub, readings, ranked_t)
    gate, confidence = fit_models(table.x, table.in_scope, table.top1_right)
    th = choose_thresholds(table, everything, gate, confidence)
    return with_models(ranked_t, gate, confidence, th), serving


def cross_validate(
    setting: Setting,
    rows: list[GoldenRow],
    k: int,
    by_style: dict[str, Evaluation] | None = None,
) -> Evaluation:
    """Pooled held-out figures; `by_style` (if given) gets the same results split by style."""
    total = Evaluation(failures=[])
    for train, test in folds(rows, k):
        t, serving = fit_all(setting, rows, train)
        for i in test:
            assessment = serving.finish(serving.readings(rows[i].question), t)
            one = evaluate(serving, [rows[i]], [assessment], t)
            total.add(one)
            if by_style is not None:
                by_style.setdefault(rows[i].style, Evaluation(failures=[])).add(one)
    return total


# -- baselines ---------------------------------------------------------------------------------


# The product before this matcher (content and code as they landed), run as it was.
PREVIOUS_REVISION = "6e6a264"


def previous_product(rows: list[GoldenRow], revision: str = PREVIOUS_REVISION) -> Evaluation | str:
    """The bot as it was at `revision` — its own content, matcher and thresholds — answering
    today's questions through its own `python -m bot ask --json`. A string when it cannot run."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", revision], capture_output=True, check=False
        )
        if archive.returncode != 0:
            return f"not available ({archive.stderr.decode(errors='replace').strip()[:80]})"
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        run = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--json"],
            cwd=tmp,
            input="\n".join(r.question.replace("\n", " ") for r in rows) + "\n",
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": tmp, "BOT_TOKEN": ""},
            check=False,
        )
    lines = run.stdout.splitlines()
    if run.returncode != 0 or len(lines) != len(rows):
        return f"did not run ({run.stderr.strip()[-120:]})"
    ev = Evaluation(failures=[])
    for row, line in zip(rows, lines, strict=True):
        got = json.loads(line)
        if got["status"] == "answer":
            result: object = _Named(got["entry_id"])
        else:
            result = [s["entry_id"] for s in got["suggestions"]]
        _score_previous(ev, row, result)
    return ev


@dataclasses.dataclass(frozen=True)
class _Named:
    entry_id: str


def _score_previous(ev: Evaluation, row: GoldenRow, result: object) -> None:
    """Count the previous product's answer (an entry id) or suggestions (a list of ids)."""
    if row.entry_id is None:
        ev.out_of_scope += 1
        ev.oos_answered += isinstance(result, _Named)
        ev.oos_suggested += bool(result) and not isinstance(result, _Named)
        return
    ev.in_scope += 1
    if isinstance(result, _Named):
        ev.top1_right += result.entry_id == row.entry_id
        if result.entry_id == row.entry_id:
            ev.answered_right += 1
        else:
            ev.answered_wrong += 1
    elif result:
        assert isinstance(result, list)
        ev.suggested += 1
        ev.top1_right += result[0] == row.entry_id
        ev.suggested_with_right += row.entry_id in result
        ev.missed += row.entry_id not in result
    else:
        ev.unknown += 1
        ev.missed += 1


class Bm25Baseline:
    """Plain BM25 (Okapi) over every question and phrasing, the best phrasing per entry."""

    def __init__(self, matcher: FaqMatcher) -> None:
        self.matcher = matcher
        self.doc_entry: list[int] = []
        corpus = []
        for index, entry in enumerate(matcher.entries):
            for text in (entry.question, *entry.phrasings):
                corpus.append(matcher.normalizer.tokens(text) or ["∅"])
                self.doc_entry.append(index)
        self.bm25 = BM25Okapi(corpus)

    def rank(self, question: str) -> list[Candidate]:
        tokens = self.matcher.normalizer.tokens(question)
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        best: dict[int, float] = {}
        for doc, score in enumerate(scores):
            entry = self.doc_entry[doc]
            best[entry] = max(best.get(entry, 0.0), float(score))
        ordered = sorted(best.items(), key=lambda item: -item[1])[:3]
        return [Candidate(self.matcher.entries[i], s) for i, s in ordered if s > 0]


def bm25_cross_validated(baseline: Bm25Baseline, table: Table, k: int) -> Evaluation:
    ranked = [baseline.rank(r.question) for r in table.rows]
    top = np.array([c[0].score if c else 0.0 for c in ranked])
    right = np.array(
        [bool(c) and c[0].entry.id == r.entry_id for c, r in zip(ranked, table.rows, strict=True)]
    )
    total = Evaluation(failures=[])
    for train, test in folds(table.rows, k):
        ins = table.in_scope[train]
        best_t, best_key = float(top.max()) + 1, None
        for threshold in np.unique(top[train]):
            answer = top[train] >= threshold
            # The same out-of-scope safety as the matcher (as the issue measured BM25).
            if (answer & ~ins).sum() / max((~ins).sum(), 1) > MAX_OOS_ANSWERED:
                continue
            key = (answer & ins & right[train]).sum()
            if best_key is None or key > best_key:
                best_key, best_t = key, float(threshold)
        for i in test:
            candidates = ranked[i]
            if candidates and candidates[0].score >= best_t:
                result: object = Answer(candidates[0].entry, candidates[0].score)
            elif candidates and candidates[0].score >= best_t / 2:
                result = Suggest(tuple(candidates), 0.0)
            else:
                result = Unknown(0.0)
            score_result(
                total,
                table.rows[i],
                result,  # type: ignore[arg-type]
                candidates[0].entry.id if candidates else None,
            )
    return total


# -- writing the fitted models -----------------------------------------------------------------


def _inline(values: np.ndarray, names: tuple[str, ...]) -> str:
    pairs = zip(names, values, strict=True)
    return "{ " + ", ".join(f"{name} = {value:.6g}" for name, value in pairs) + " }"


def write_models(t: MatchThresholds, rows: int) -> None:
    text = THRESHOLDS_FILE.read_text(encoding="utf-8")
    text = re.sub(r"\n\[gate\].*", "", text, flags=re.DOTALL).rstrip() + "\n"
    for name, value in (
        ("gate_answer", t.gate_answer),
        ("confidence_answer", t.confidence_answer),
        ("gate_suggest", t.gate_suggest),
        ("suggest", t.suggest),
    ):
        text = re.sub(rf"(?m)^{name} = .*$", f"{name} = {value:g}", text)
    assert t.ranker is not None
    for section, model, names in (
        ("gate", t.gate, FEATURES),
        ("confidence", t.confidence, FEATURES),
        ("ranker", t.ranker, RANK_FEATURES),
    ):
        text += (
            f"\n[{section}]  # fitted on {rows} golden questions\n"
            f"bias = {model.bias:.6g}\nweights = {_inline(model.weights, names)}\n"
            f"mean = {_inline(model.mean, names)}\nscale = {_inline(model.scale, names)}\n"
        )
    THRESHOLDS_FILE.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--write", action="store_true", help="fit on all rows, write matcher.toml")
    args = parser.parse_args()
    base = load_knowledge_base()
    setting = Setting(base, load_normalizer(), MatchThresholds.load(), DomainWords.load())
    matcher = FaqMatcher(base, setting.normalizer, setting.thresholds, setting.domain)
    known = {e.id for e in base}
    rows = [r for r in load_golden() if r.entry_id is None or r.entry_id in known]
    in_scope = sum(r.entry_id is not None for r in rows)
    print(
        f"golden table: {in_scope} in-scope, {len(rows) - in_scope} out-of-scope "
        f"questions; {args.folds}-fold cross-validation, figures on held-out folds"
    )
    by_style: dict[str, Evaluation] = {}
    ev = cross_validate(setting, rows, args.folds, by_style)
    print(f"  matcher (ranker, gate, confidence): {ev.summary()}")
    before = previous_product(rows)
    before_text = before if isinstance(before, str) else before.summary()
    print(f"  the bot before ({PREVIOUS_REVISION}):      {before_text}")
    lexical = build_table(matcher, rows, None, dataclasses.replace(matcher.thresholds, ranker=None))
    bm25 = bm25_cross_validated(Bm25Baseline(matcher), lexical, args.folds)
    print(f"  BM25 baseline:                      {bm25.summary()}")
    print("  the matcher by how the question was written:")
    for style, style_ev in by_style.items():
        if style_ev.in_scope:
            print(
                f"    {style or '-':8} in-scope {style_ev.in_scope:4}: confident-correct "
                f"{style_ev.accuracy:.1%}, wrong {style_ev.wrong_rate:.1%}, reached {style_ev.reach:.1%}"
            )
    if args.show_failures:
        for failure in ev.failures or []:
            print("   ", failure)
    final, _ = fit_all(setting, rows, np.arange(len(rows)))
    print(
        f"  fitted on all rows: gate_answer {final.gate_answer:g}, "
        f"confidence_answer {final.confidence_answer:g}, gate_suggest {final.gate_suggest:g}, "
        f"suggest {final.suggest:g}"
    )
    if args.write:
        write_models(final, len(rows))
        print(f"  written to {THRESHOLDS_FILE}")


if __name__ == "__main__":
    main()
