"""Bulgarian wording rules: counted nouns, the decimal comma, full stops and the polite "Вие"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest

from handlers import texts
from handlers.numerals import NBSP, Noun, count, format_number, noun_after, percent
from knowledge.indicators import RatingSummary, load_catalogue, tally

# The count form of masculine nouns ("2 реда", not "2 редове") and the plural of the others.
NOUN_CASES = [
    (texts.LINES, 1, "1 ред"),
    (texts.LINES, 2, "2 реда"),
    (texts.LINES, 5, "5 реда"),
    (texts.LINES, 0, "0 реда"),
    (texts.LINES, 11, "11 реда"),
    (texts.LINES, 21, "21 реда"),  # compounds ending in 1 take the form after numerals too
    (texts.RATINGS, 1, "1 оценка"),
    (texts.RATINGS, 2, "2 оценки"),
    (texts.CONSULTATIONS, 1, "1 консултация"),
    (texts.CONSULTATIONS, 2, "2 консултации"),
    (texts.CONSULTATIONS, 12345, f"12{NBSP}345 консултации"),
    (texts.QUESTIONS, 1, "1 въпрос"),
    (texts.QUESTIONS, 2, "2 въпроса"),
    (texts.DOCUMENTS, 1, "1 документ"),
    (texts.DOCUMENTS, 5, "5 документа"),
    (texts.PROFESSIONS, 1, "1 професия"),
    (texts.PROFESSIONS, 12, "12 професии"),
    (texts.FILES, 1, "1 файл"),
    (texts.FILES, 10, "10 файла"),
    (texts.PAGES, 1, "1 страница"),
    (texts.PAGES, 200, "200 страници"),
    (texts.GROUPS, 1, "1 група"),
    (texts.GROUPS, 3, "3 групи"),
    (texts.LOG_ENTRIES, 1, "1 запис"),
    (texts.LOG_ENTRIES, 30, "30 записа"),
    (texts.CHARACTERS, 3000, "3000 знака"),
]


@pytest.mark.parametrize(("noun", "value", "expected"), NOUN_CASES)
def test_counted_nouns(noun, value, expected):
    assert count(value, noun) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(1, "ред"), (1.0, "ред"), (Decimal("1.5"), "реда"), (0.5, "реда")]
)
def test_only_exactly_one_takes_the_singular(value, expected):
    assert noun_after(value, Noun("ред", "реда")) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (5, 2, "5,00"),
        (4.5, None, "4,5"),
        (4.5, 2, "4,50"),
        (4.565, 2, "4,57"),  # half up, on the decimal value (not the float's binary one)
        (4.0, None, "4"),
        (0.5, None, "0,5"),
        (1234, None, "1234"),  # four digits stay together
        (12345, None, f"12{NBSP}345"),
        (1234567.5, None, f"1{NBSP}234{NBSP}567,5"),
        (-12345.25, None, f"-12{NBSP}345,25"),
        (-0.001, 2, "0,00"),
        (Decimal("639.11"), None, "639,11"),
        (45.4, 0, "45"),
    ],
)
def test_numbers_have_a_decimal_comma(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"), [(45.4, 0, f"45{NBSP}%"), (12.25, 1, f"12,3{NBSP}%")]
)
def test_percent(value, decimals, expected):
    assert percent(value, decimals) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00 ч.", "9:00 ч."),
        ("30.11.2026 г.", "30.11.2026 г."),
        ("понеделник", "понеделник."),
        ("Готово!", "Готово!"),
    ],
)
def test_end_sentence_adds_no_second_full_stop(text, expected):
    assert texts.end_sentence(text) == expected


def test_the_out_of_hours_reply_ends_the_time_with_one_full_stop():
    reply = texts.handover_sent_later(dt.datetime(2026, 11, 30, 9, 0))
    assert "понеделник, 30.11.2026 г., 9:00 ч. Благодарим за търпението!" in reply
    assert ".." not in reply


def _all_texts() -> list[tuple[str, str]]:
    found = []
    for name, value in vars(texts).items():
        if name.startswith("_"):
            continue
        values = value.values() if isinstance(value, dict) else [value]
        found += [(name, v) for v in values if isinstance(v, str)]
    return found


def test_no_text_has_a_doubled_full_stop():
    doubled = [(name, v) for name, v in _all_texts() if re.search(r"\.\s*\.", v)]
    assert not doubled


def test_the_polite_you_is_capitalised_everywhere():
    lower = re.compile(r"(?<![А-Яа-яЁё])(ви|вие|вас|вам|ваш|ваша|ваше|ваши)(?![А-Яа-яЁё])")
    assert not [(name, v) for name, v in _all_texts() if lower.search(v)]


def test_counts_in_messages():
    assert texts.docs_list_noted(1).startswith("Записах 1 ред от списъка.")
    assert texts.docs_list_noted(3).startswith("Записах 3 реда от списъка.")
    assert texts.review_dismissed(2) == "🗑 Отхвърлих 2 въпроса."
    assert "(1 група;" in texts.unanswered_header(1, 1)
    assert "най-новите 10 от общо 25 групи" in texts.unanswered_header(10, 25)
    assert "1 консултация)." in texts.export_caption(2026, 1)
    assert "(до 10 файла, всеки до 20 MB и до 200 страници)" in texts.docs_collect("x", 10, 200)
    assert "Получих вече 1 файл " in texts.problem("too_many_files", "a.pdf", max_files=1)
    one_page = texts.problem("no_text", "a.pdf", (3,))
    assert "не открих текст на стр. 3 —" in one_page


def test_stats_show_ratings_and_percentages_the_bulgarian_way():
    table = tally(load_catalogue(2026), 2026, [], [])
    shown = texts.stats_table(dataclasses.replace(table, ratings={2: RatingSummary(2, 9)}))
    assert "⭐ Анкета: 2 оценки, средна оценка 4,50 от 5" in shown
    line = table.lines[0]
    aimed = dataclasses.replace(
        line, indicator=dataclasses.replace(line.indicator, target=8), quarters={1: 3}
    )
    with_target = texts.stats_table(dataclasses.replace(table, lines=(aimed,)))
    assert f"Цел: 8 (38{NBSP}% от целта)" in with_target  # 37,5 % rounded half up
    one = texts.stats_table(dataclasses.replace(table, ratings={1: RatingSummary(1, 5)}))
    assert "⭐ Анкета: 1 оценка, средна оценка 5,00 от 5" in one
