from __future__ import annotations

import pytest

from knowledge.normalize import clean_text, load_normalizer, transliterate_latin


@pytest.fixture(scope="module")
def normalizer():
    return load_normalizer()


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("triabvat", "трябват"),
        ("licenz", "лиценз"),
        ("cpo", "цпо"),
        ("cipo", "ципо"),
        ("zhalba", "жалба"),
        ("sreshtu", "срещу"),
        ("4ast", "част"),
        ("6kola", "школа"),
        ("spisak", "списък"),  # "a" typed for "ъ"
        ("centar", "център"),
        ("svarzha", "свържа"),
        ("profesiyata", "професията"),
        ("dokumentite", "документите"),
    ],
)
def test_latin_typed_bulgarian_becomes_cyrillic(latin, cyrillic):
    assert transliterate_latin(latin) == cyrillic


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Какви   ДОКУМЕНТИ?!  ", "какви документи"),
        ("такса\x00\x07за\u200bлиценз", "такса за лиценз"),
        ("<b>ЦПО</b>", "б цпо б"),
        ("😀😀😀", ""),
        ("Образец 3-54аВ", "образец 3-54ав"),
        ("kakvi dokumenti", "какви документи"),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("документи", "документите"),
        ("лиценз", "лицензът"),
        ("такса", "таксата"),
        ("професии", "професията"),
        ("центъра", "центрове"),
        ("изпит", "изпитите"),
    ],
)
def test_inflections_share_a_stem(normalizer, one, other):
    assert normalizer.tokens(one) == normalizer.tokens(other)


@pytest.mark.parametrize(
    ("abbreviation", "full_name"),
    [
        ("ЦПО", "център за професионално обучение"),
        ("ЦПО", "центъра за професионално обучение"),
        ("ЦИПО", "център за информация и професионално ориентиране"),
        ("СПК", "степен на професионална квалификация"),
        ("НАПОО", "Национална агенция за професионално образование и обучение"),
        ("ЗПОО", "закона за професионалното образование и обучение"),
        ("СППОО", "списъка на професиите за професионално образование и обучение"),
        ("ИС", "информационната система"),
        ("ДОС", "държавния образователен стандарт"),
    ],
)
def test_abbreviations_match_both_ways(normalizer, abbreviation, full_name):
    assert normalizer.tokens(f"лиценз за {abbreviation}") == normalizer.tokens(
        f"лиценз за {full_name}"
    )


def test_stop_words_are_dropped_and_question_words_kept(normalizer):
    assert normalizer.tokens("какви са и за") == []
    assert normalizer.tokens("колко") != []


def test_latin_and_cyrillic_questions_meet(normalizer):
    assert normalizer.tokens("kakvi dokumenti triabvat za licenz na cpo") == normalizer.tokens(
        "Какви документи трябват за лиценз на ЦПО?"
    )


def test_synonyms_and_business_abbreviations_meet_the_knowledge_base_words(knowledge):
    tokens = knowledge.matcher.normalizer.tokens
    assert tokens("второ копие на разрешителното") == tokens("дубликат на лиценза")
    assert tokens("център за кариерно ориентиране") == ["ципо"]
    assert tokens("едноличен търговец") == tokens("ЕТ")
    assert tokens("агенция по заетостта") != tokens("агенция")  # the longer name wins


def test_number_words_split_and_form_numbers_stay_whole(knowledge):
    tokens = knowledge.matcher.normalizer.tokens
    assert tokens("15-годишен")[0] == "15"
    assert tokens("образец 3-54а") == [*tokens("образец"), "3-54а"]


def test_filler_words_carry_no_topic(knowledge):
    tokens = knowledge.matcher.normalizer.tokens
    assert tokens("Какво значи СПК?") == tokens("СПК")
