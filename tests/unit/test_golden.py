"""The golden table: questions as users type them, each with the entry it must reach.

The matcher's two models (knowledge/data/matcher.toml) were fitted on this table by
benchmarks/fit_matcher.py, which also reports them on held-out folds; these bounds keep the
shipped models honest when content or code changes.
"""

from __future__ import annotations

from benchmarks.golden import evaluate, load_golden


def test_golden_table_is_big_enough_and_points_at_real_entries(knowledge):
    rows = load_golden()
    in_scope = [r for r in rows if r.entry_id]
    assert len(in_scope) >= 500
    assert len(rows) - len(in_scope) >= 200
    unknown_ids = {r.entry_id for r in in_scope} - {e.id for e in knowledge.matcher.entries}
    assert not unknown_ids
    assert len({r.question.casefold() for r in rows}) == len(rows), "duplicate questions"


def test_every_entry_has_golden_questions(knowledge):
    covered = {r.entry_id for r in load_golden()}
    assert not [e.id for e in knowledge.matcher.entries if e.id not in covered]


def test_out_of_scope_questions_rarely_get_a_confident_answer(knowledge):
    ev = evaluate(knowledge.matcher, [r for r in load_golden() if r.entry_id is None])
    assert ev.oos_false_confident_rate <= 0.02, ev.failures


def test_matcher_quality_on_the_golden_table(knowledge):
    ev = evaluate(knowledge.matcher, load_golden())
    print(ev.summary())
    assert ev.top1 >= 0.80, ev.summary()
    assert ev.reach >= 0.88, ev.summary()  # answered, clarified or offered among suggestions
    assert ev.accuracy >= 0.40, ev.summary()  # answered confidently and right
    assert ev.wrong_rate <= 0.02, ev.summary()
