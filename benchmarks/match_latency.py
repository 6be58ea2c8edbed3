"""Per-question matching latency over the golden table.

    python -m benchmarks.match_latency [--synthetic N] [--repeat R]

Two knowledge bases: the real one, and a synthetic one of N entries (default 10,000) made by
recombining the real entries' words, so the vocabulary and the posting lists look like real
content at a larger scale. Targets: real p99 <= 5 ms; 10,000 entries p99 <= 30 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time

from benchmarks.golden import load_golden
from benchmarks.stats import describe_ms, percentile, pin_to_one_core
from knowledge.faq import FaqEntry, load_knowledge_base, with_examples
from knowledge.matcher import FaqMatcher, MatchThresholds
from knowledge.normalize import clean_text, load_normalizer


def synthetic_entries(real: list[FaqEntry], count: int, seed: int = 7) -> list[FaqEntry]:
    rng = random.Random(seed)
    words = sorted(
        {w for e in real for t in (e.question, *e.phrasings) for w in clean_text(t).split()}
    )
    entries = []
    for i in range(count):
        template = real[i % len(real)]

        def phrase(base: str) -> str:
            own = clean_text(base).split()
            rng.shuffle(own)
            return " ".join(own[: max(2, len(own) - 1)] + rng.sample(words, 2))

        entries.append(
            dataclasses.replace(
                template,
                id=f"syn-{i}",
                question=phrase(template.question),
                phrasings=tuple(phrase(p) for p in template.phrasings[:5]),
                examples=tuple(phrase(p) for p in template.examples[:5]),
            )
        )
    return entries


def measure(matcher: FaqMatcher, questions: list[str], repeat: int) -> list[float]:
    for question in questions:  # warm caches (stems, typo look-ups) as a running bot would
        matcher.match(question)
    samples = []
    for _ in range(repeat):
        for question in questions:
            start = time.perf_counter()
            # Past the per-matcher cache of decisions: every measured question is decided anew
            # (the warm-up above only fills the stem and typo caches, as a running bot has them).
            matcher.match_uncached(question)
            samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(pin_to_one_core())
    normalizer = load_normalizer()
    thresholds = MatchThresholds.load()
    golden = load_golden()
    # As the bot runs: the entries with people's questions as examples, and the negatives.
    real = list(with_examples(load_knowledge_base(), golden))
    negatives = [r.question for r in golden if r.entry_id is None]
    questions = [r.question for r in golden]

    start = time.perf_counter()
    matcher = FaqMatcher(real, normalizer, thresholds, negatives=negatives)
    print(
        f"real knowledge base: {len(real)} entries, index built in {time.perf_counter() - start:.2f} s"
    )
    samples = measure(matcher, questions, args.repeat)
    print(f"  per question: {describe_ms(samples)}  (target p99 <= 5 ms)")
    real_p99 = percentile(samples, 99) * 1000

    entries = synthetic_entries(real, args.synthetic)
    start = time.perf_counter()
    big = FaqMatcher(entries, normalizer, thresholds, negatives=negatives)
    print(
        f"synthetic knowledge base: {len(entries)} entries, index built in {time.perf_counter() - start:.2f} s"
    )
    samples = measure(big, questions, max(1, args.repeat // 2))
    print(f"  per question: {describe_ms(samples)}  (target p99 <= 30 ms)")
    big_p99 = percentile(samples, 99) * 1000
    verdict = "MET" if real_p99 <= 5 and big_p99 <= 30 else "NOT MET"
    print(
        f"targets {verdict}: real p99 {real_p99:.2f} ms, {len(entries)} entries p99 {big_p99:.2f} ms"
    )


if __name__ == "__main__":
    main()
