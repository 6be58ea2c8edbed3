"""The plan's indicator catalogue, the counting rules, closed-quarter checksums, the grouping of
alike questions, and staff's published FAQ changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from handlers.staff import parse_year_quarter
from knowledge.faq import NEW_ENTRY, PHRASING, FaqChange, apply_changes, load_knowledge_base
from knowledge.indicators import (
    CatalogueError,
    ConsultationFacts,
    QuarterFigures,
    RatingSummary,
    load_catalogue,
    load_catalogue_file,
    table_json,
    tally,
    week_start,
)
from knowledge.review import Question, group_alike


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def fact(hour, kind="faq", outcome="answered", complete=None, rated=False, rating_sum=0, n=1):
    return ConsultationFacts(hour, kind, outcome, complete, rated, rating_sum, n)


def test_the_2019_catalogue_names_the_plan_activities():
    catalogue = load_catalogue(2019)
    assert [i.activity for i in catalogue.indicators] == [
        "2.1.1",
        "2.1.1",
        "2.2, 3.3.4",
        "5.3",
        "6.4",
    ]
    assert all(i.target is None for i in catalogue.indicators)  # the plan sets no numbers


def test_a_year_without_its_own_plan_uses_the_latest_earlier_one(tmp_path):
    assert load_catalogue(2026).year == 2019
    source = (Path("knowledge/data/indicators/2019.toml")).read_text(encoding="utf-8")
    (tmp_path / "2019.toml").write_text(source, encoding="utf-8")
    (tmp_path / "2027.toml").write_text(
        source.replace("year = 2019", "year = 2027").replace(
            'source = "publications"', 'source = "publications"\ntarget = 40'
        ),
        encoding="utf-8",
    )
    assert load_catalogue(2026, tmp_path).year == 2019
    newer = load_catalogue(2028, tmp_path)
    assert newer.year == 2027
    assert {i.id: i.target for i in newer.indicators}["5.3-faq-publications"] == 40


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('source = "publications"', "source must be one of"),
        ("kinds = []", "non-empty list"),
        ("target = -3", "target must be a positive"),
        ("complete = 1", "'complete' must be true or false"),
        ('id = "Bad Id"', "id must be"),
    ],
)
def test_catalogue_mistakes_name_the_file_and_the_indicator(tmp_path, broken, message):
    good = """year = 2030
plan = "План"
[[indicator]]
id = "x.1"
activity = "1.1"
activity_title = "Дейност"
title = "Показател"
source = "consultations"
kinds = ["faq"]
"""
    key = broken.split(" = ")[0]
    lines = [line for line in good.splitlines() if not line.startswith(key + " =")]
    if broken.startswith("source"):
        broken = 'source = "letters"'
    path = tmp_path / "2030.toml"
    path.write_text("\n".join([*lines, broken]) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=message) as error:
        load_catalogue_file(path)
    assert "2030.toml" in str(error.value)


def test_tally_counts_each_rule_by_sofia_quarter():
    catalogue = load_catalogue(2026)
    facts = [
        fact(utc(2026, 3, 31, 21), n=2),  # 1 April 00:00 in Sofia: Q2
        fact(utc(2026, 3, 31, 20), outcome="suggested"),  # 23:00 Sofia: Q1
        fact(utc(2026, 5, 1, 8), outcome="unknown", n=5),  # not a consultation given
        fact(utc(2026, 5, 1, 8), kind="handover", outcome="handed_over"),  # not answered yet
        fact(utc(2026, 5, 1, 9), kind="handover", outcome="answered", rated=True, rating_sum=4),
        fact(utc(2026, 7, 1, 9), kind="checklist", complete=True),
        fact(utc(2026, 7, 1, 9), kind="checklist", complete=False, n=3),
        fact(utc(2026, 10, 1, 9), kind="certificate", outcome="confirmed"),
        fact(utc(2026, 10, 1, 9), kind="certificate", outcome="rate_limited", n=9),
        fact(utc(2025, 12, 31, 22), n=7),  # 2025 in UTC, 1 Jan 2026 in Sofia: Q1
        fact(utc(2025, 12, 31, 21), n=50),  # 23:00 on 31 Dec 2025 in Sofia: last year
        fact(utc(2026, 12, 31, 22), n=100),  # 2027 in Sofia: not this year
    ]
    publications = [utc(2026, 2, 1), utc(2026, 2, 2), utc(2027, 1, 1)]
    table = tally(catalogue, 2026, facts, publications)
    by_id = {line.indicator.id: dict(line.quarters) for line in table.lines}
    assert by_id["2.1.1-consultations"] == {1: 8, 2: 3, 3: 4, 4: 0}
    assert by_id["2.1.1-complete-sets"] == {1: 0, 2: 0, 3: 1, 4: 0}
    assert by_id["2.2-3.3.4-certificates"] == {1: 0, 2: 0, 3: 0, 4: 1}
    assert by_id["5.3-faq-publications"] == {1: 2, 2: 0, 3: 0, 4: 0}
    assert by_id["6.4-feedback"] == {1: 0, 2: 1, 3: 0, 4: 0}
    assert table.ratings[2] == RatingSummary(1, 4) and table.year_ratings.mean == 4.0
    assert table.weekly[(dt.date(2026, 3, 30), "faq")] == 3  # the week of 31 March and 1 April


def test_closed_quarters_show_their_frozen_figures():
    catalogue = load_catalogue(2026)
    live = tally(catalogue, 2026, [fact(utc(2026, 2, 1, 9), n=3)], [])
    frozen = live.figures(1)
    later = tally(catalogue, 2026, [fact(utc(2026, 2, 1, 9), n=30)], [], closed={1: frozen})
    assert {line.indicator.id: line.quarters[1] for line in later.lines}["2.1.1-consultations"] == 3
    assert later.closed_quarters == {1}
    shape = table_json(later)
    assert shape["year"] == 2026
    first = shape["indicators"][0]
    assert set(first) >= {"activity", "indicator", "quarters", "total", "target", "closed_quarters"}
    assert first["quarters"] == {"1": 3, "2": 0, "3": 0, "4": 0} and first["closed_quarters"] == [1]


def test_checksum_covers_every_figure():
    figures = QuarterFigures(2026, 1, 2019, {"a": 1, "b": 2}, RatingSummary(3, 12))
    same = QuarterFigures.from_canonical(figures.canonical())
    assert same == figures and same.checksum() == figures.checksum()
    changed = QuarterFigures(2026, 1, 2019, {"a": 1, "b": 3}, RatingSummary(3, 12))
    assert changed.checksum() != figures.checksum()


def test_week_start_is_monday_in_sofia():
    assert week_start(utc(2026, 11, 29, 22, 30)) == dt.date(2026, 11, 30)  # Monday 00:30 Sofia
    assert week_start(utc(2026, 11, 29, 21, 30)) == dt.date(2026, 11, 23)


def test_alike_questions_are_grouped_with_counts(knowledge):
    normalizer = knowledge.matcher.normalizer
    questions = [
        Question(5, "колко е таксата за лиценз на ЦПО"),
        Question(4, "рецепта за баница"),
        Question(3, "такса за лиценз цпо колко е"),
        Question(2, "таксата за лицензиране на ЦПО колко е"),
        Question(1, "кога е сезонът за пчеларство"),
    ]
    groups = group_alike(questions, normalizer)
    assert [g.consultation_ids for g in groups] == [[5, 3, 2], [4], [1]]
    assert groups[0].representative.text == "колко е таксата за лиценз на ЦПО"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (None, (2026, None)),
        ("2025", (2025, None)),
        ("2025 3", (2025, 3)),
        ("2025 Q4", (2025, 4)),
        ("2025 5", None),
        ("1990", None),
        ("2030", None),
        ("следващата", None),
        ("2025 1 2", None),
    ],
)
def test_year_and_quarter_arguments(args, expected):
    assert parse_year_quarter(args, dt.date(2026, 11, 25)) == expected


def test_published_changes_apply_over_the_content_in_order():
    base = load_knowledge_base()
    moment = utc(2026, 11, 25, 10)
    changes = [
        FaqChange(1, moment, PHRASING, "cpo-documents", "кви документи ми трябват"),
        FaqChange(
            2, moment, NEW_ENTRY, "staff-1", "Въпрос?", "Отговор <b>", "чл. 1", "https://x.bg"
        ),
        FaqChange(3, moment, PHRASING, "staff-1", "друга формулировка"),
        FaqChange(4, moment, PHRASING, "gone-entry", "няма значение"),
    ]
    applied = apply_changes(base, changes)
    assert len(applied) == len(base) + 1
    assert "кви документи ми трябват" in applied.get("cpo-documents").phrasings
    new = applied.get("staff-1")
    assert new.answer_html == "Отговор &lt;b&gt;" and new.phrasings == ("друга формулировка",)
    assert new.sources == ("https://x.bg",) and new.reviewed == dt.date(2026, 11, 25)
    assert base.get("staff-1") is None  # the content itself is untouched
