from __future__ import annotations

import pytest

from knowledge.matcher import Answer, Suggest, Unknown


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("Какви документи са нужни за лиценз на ЦПО?", "cpo-documents"),
        ("kakvi dokumenti triabvat za licenz na cpo", "cpo-documents"),
        (
            "какви документи за лиценз на център за информация и професионално ориентиране",
            "cipo-documents",
        ),
    ],
)
def test_clear_questions_are_answered(knowledge, question, entry_id):
    result = knowledge.matcher.match(question)
    assert isinstance(result, Answer), result
    assert result.entry.id == entry_id


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("каква е таксата за допълване на лиценза с нови професии", "amend-add-professions-fee"),
        ("такса за издаване на лиценз", "fee-licence-issue"),
    ],
)
def test_close_calls_put_the_right_entry_first(knowledge, question, entry_id):
    result = knowledge.matcher.match(question)
    top = result.entry if isinstance(result, Answer) else result.candidates[0].entry
    assert top.id == entry_id


@pytest.mark.parametrize(
    "question",
    ["asdfghjkl", "какво е времето утре", "рецепта за баница", "колко голове вкара левски"],
)
def test_out_of_scope_is_unknown_or_at_most_a_suggestion(knowledge, question):
    assert not isinstance(knowledge.matcher.match(question), Answer)


def test_one_vague_word_gets_suggestions_not_an_answer(knowledge):
    result = knowledge.matcher.match("такса")
    assert isinstance(result, Suggest)
    assert 2 <= len(result.candidates) <= 3
    assert all(c.score >= knowledge.matcher.thresholds.suggest for c in result.candidates)


def test_nothing_to_match_is_an_empty_unknown(knowledge):
    result = knowledge.matcher.match("😀 ?!")
    assert isinstance(result, Unknown) and result.empty


def test_typos_are_tolerated(knowledge):
    result = knowledge.matcher.match("какви докумнети трябват за лиценс на цпо")
    assert isinstance(result, Answer | Suggest)
    top = result.entry if isinstance(result, Answer) else result.candidates[0].entry
    assert top.id == "cpo-documents"


def test_scores_are_between_zero_and_one(knowledge):
    for question in ("такса", "лиценз цпо документи", "жалба срещу отказ"):
        for candidate in knowledge.matcher.rank(question) or []:
            assert 0.0 <= candidate.score <= 1.0
