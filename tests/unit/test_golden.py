"""The golden table: questions as users type them, each with the entry it must reach.

The thresholds in knowledge/data/matcher.toml were set from this table
(benchmarks/tune_thresholds.py); these bounds keep them honest when content or code changes.
"""

from __future__ import annotations

from benchmarks.golden import evaluate, load_golden


def test_golden_table_is_big_enough_and_points_at_real_entries(knowledge):
    rows = load_golden()
    in_scope = [r for r in rows if r.expected]
    assert len(in_scope) >= 150
    assert len(rows) - len(in_scope) >= 30
    unknown_ids = {r.expected for r in in_scope} - {e.id for e in knowledge.matcher.entries}
    assert not unknown_ids
    assert len({r.question.casefold() for r in rows}) == len(rows), "duplicate questions"


def test_no_out_of_scope_question_gets_a_confident_answer(knowledge):
    ev = evaluate(knowledge.matcher, [r for r in load_golden() if r.expected is None])
    assert ev.oos_answered == 0, ev.failures


def test_matcher_quality_on_the_golden_table(knowledge):
    ev = evaluate(knowledge.matcher, load_golden())
    print(ev.summary())
    assert ev.top1 >= 0.88, ev.summary()
    assert ev.reach >= 0.93, ev.summary()  # answered, or offered among the suggestions
    assert ev.accuracy >= 0.55, ev.summary()  # answered confidently and right
    assert ev.false_confident_rate <= 0.025, ev.summary()
