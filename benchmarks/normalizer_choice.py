"""Which Bulgarian morphology to use: each normalizer variant on the golden table.

    python -m benchmarks.normalizer_choice

Prints, per variant, the ranking quality (top-1, right entry reached at the best thresholds with
no out-of-scope answer) and the cost per word. The chosen default (simplemma lemma, then BulStem
with one letter of left context, words of 4 letters or fewer kept whole) is the best or tied.
"""

from __future__ import annotations

import time

from benchmarks.fit_matcher import Setting, cross_validate
from benchmarks.golden import load_golden
from knowledge.faq import load_knowledge_base
from knowledge.matcher import DomainWords, MatchThresholds
from knowledge.normalize import clean_text, load_normalizer

VARIANTS = {
    "no morphology": {"use_lemmas": False, "use_stems": False},
    "simplemma lemma only": {"use_lemmas": True, "use_stems": False},
    "BulStem ctx1 only": {"use_lemmas": False, "use_stems": True, "stem_context": 1},
    "BulStem ctx2 only": {"use_lemmas": False, "use_stems": True, "stem_context": 2},
    "lemma + BulStem ctx1 (default)": {"use_lemmas": True, "use_stems": True, "stem_context": 1},
    "lemma + BulStem ctx2": {"use_lemmas": True, "use_stems": True, "stem_context": 2},
}


def main() -> None:
    knowledge_base = load_knowledge_base()
    known = {e.id for e in knowledge_base}
    rows = [r for r in load_golden() if r.entry_id is None or r.entry_id in known]
    thresholds = MatchThresholds.load()
    words = [w for e in knowledge_base for w in clean_text(" ".join(e.phrasings)).split()]
    print("held-out folds of the golden table, models refitted per variant")
    print(f"{'variant':<32} {'top-1':>6} {'reach':>6} {'conf.acc':>8} {'wrong':>5} {'us/word':>8}")
    for name, options in VARIANTS.items():
        normalizer = load_normalizer(**options)
        start = time.perf_counter()
        for word in words:
            normalizer._stem_uncached(word)
        per_word = (time.perf_counter() - start) / len(words) * 1e6

        setting = Setting(knowledge_base, normalizer, thresholds, DomainWords.load())
        ev = cross_validate(setting, rows, 5)
        print(
            f"{name:<32} {ev.top1:>6.1%} {ev.reach:>6.1%} {ev.accuracy:>8.1%} {ev.answered_wrong:>5} {per_word:>8.1f}"
        )


if __name__ == "__main__":
    main()
