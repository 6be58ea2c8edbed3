from __future__ import annotations

import pytest

from knowledge.matcher import Answer, Clarify, Suggest, Unknown


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


@pytest.mark.parametrize(
    "question",
    [
        "Как да стана център за професионално обучение?",
        "искам да отворя ЦПО",
        "kak da otvorya centar za profesionalno obuchenie",
        "Как да получа лиценз за ЦПО?",
    ],
)
def test_the_most_common_question_gets_the_licensing_path(knowledge, question):
    result = knowledge.matcher.match(question)
    assert isinstance(result, Answer), result
    assert result.entry.id == "cpo-how-to-become"


@pytest.mark.parametrize(
    "question",
    ["Как да взема лиценз за такси?", "разрешително за такси", "как да открия автошкола"],
)
def test_other_authorities_licences_are_out_of_domain(knowledge, question):
    result = knowledge.matcher.match(question)
    assert isinstance(result, Unknown) and result.out_of_domain, result


def test_fees_for_a_licence_are_not_mistaken_for_taxis(knowledge):
    result = knowledge.matcher.match("какви такси се плащат за лиценз на цпо")
    assert not (isinstance(result, Unknown) and result.out_of_domain), result


def test_a_question_for_both_kinds_of_centre_asks_which(knowledge):
    result = knowledge.matcher.match("какви документи са нужни за лиценз")
    assert isinstance(result, Clarify), result
    assert [o.entry.id for o in result.options] == ["cpo-documents", "cipo-documents"]
    assert result.labels == ("ЦПО", "ЦИПО")


def test_naming_the_centre_answers_without_asking(knowledge):
    result = knowledge.matcher.match("какви документи са нужни за лиценз на ципо")
    assert isinstance(result, Answer) and result.entry.id == "cipo-documents", result


def test_a_long_message_is_read_for_its_question(knowledge):
    message = (
        "Здравейте, от години работя като счетоводител и сега с колеги мислим да правим "
        "курсове за възрастни. Имаме зала и преподаватели. Какви документи са нужни за лиценз "
        "на ЦПО? Благодаря предварително за отговора."
    )
    result = knowledge.matcher.match(message)
    top = result.entry if isinstance(result, Answer) else (result.candidates or (None,))[0]
    assert isinstance(result, Answer | Suggest), result
    assert (top.entry if hasattr(top, "entry") else top).id == "cpo-documents"


def test_answers_text_counts_a_little_for_words_only_answers_use(knowledge):
    # "ЗЗБУТ" is in the answers about premises, not necessarily in any phrasing.
    ranked = knowledge.matcher.rank("декларация по ЗЗБУТ")
    assert ranked, ranked


def test_confidence_is_a_probability(knowledge):
    for question in ("такса", "лиценз цпо документи", "жалба срещу отказ", "Как да стана ЦПО?"):
        result = knowledge.matcher.match(question)
        assert 0.0 <= result.score <= 1.0
