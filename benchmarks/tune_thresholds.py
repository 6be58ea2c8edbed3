"""Sweep the matcher's thresholds over the golden table and print what each choice gives.

    python -m benchmarks.tune_thresholds [--show-failures]

Rule for choosing (then written by hand into knowledge/data/matcher.toml):
1. no out-of-scope question answered confidently;
2. most (right confident answers - 3 x wrong confident answers): a wrong confident answer is the
   worst outcome, worth three right ones (a question not answered confidently still gets 2-3
   suggestions, so it costs the user one tap);
3. most questions that reach the right entry at all (answer or suggestion).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools

from benchmarks.golden import evaluate, load_golden
from bot.content import build_knowledge


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    matcher = build_knowledge().matcher
    rows = load_golden()
    rankings = [matcher.rank(r.question, limit=3) for r in rows]
    current = matcher.thresholds
    results = []
    for answer, margin, suggest in itertools.product(
        [x / 100 for x in range(50, 86, 2)],
        [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15],
        [0.3, 0.35, 0.4, 0.45],
    ):
        t = dataclasses.replace(current, answer=answer, margin=margin, suggest=suggest)
        ev = evaluate(matcher, rows, rankings, t)
        results.append(
            ((ev.oos_answered, 3 * ev.answered_wrong - ev.answered_right, -ev.reach), t, ev)
        )
    results.sort(key=lambda item: item[0])
    print("best 10 threshold choices (answer, margin, suggest):")
    for _, t, ev in results[:10]:
        print(f"  {t.answer:.2f} {t.margin:.2f} {t.suggest:.2f}  {ev.summary()}")
    ev = evaluate(matcher, rows, rankings, current)
    print(f"\nconfigured ({current.answer}, {current.margin}, {current.suggest}): {ev.summary()}")
    if args.show_failures:
        for failure in ev.failures or []:
            print("  ", failure)


if __name__ == "__main__":
    main()
