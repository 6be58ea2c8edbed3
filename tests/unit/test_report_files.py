"""The report as files: the XLSX workbook read back with openpyxl, the PNG chart decoded."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from matplotlib import image as mpimg

from handlers.texts_reports import REPORT_LABELS
from knowledge import report_xlsx
from knowledge.consultations import Kind, Outcome
from knowledge.indicators import (
    Catalogue,
    ConsultationFacts,
    IndicatorTable,
    load_catalogue,
    tally,
)
from knowledge.report_chart import render_chart
from knowledge.report_labels import ReportLabels
from knowledge.report_xlsx import ExportRow, PublicationRow, TooManyRows, XlsxReportWriter

UTC = dt.UTC
LABELS = REPORT_LABELS
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# 22:30 UTC on 31 March 2026 is 01:30 on 1 April in Sofia (summer time began on 29 March):
# the consultation belongs to the second quarter.
BORDER = dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class Given:
    """Hand-made consultations: the facts tallied, and the same consultations one row each."""

    kind: str
    outcome: str
    at: dt.datetime
    ratings: tuple[int | None, ...]  # one per consultation: None when not rated
    complete: bool | None = None
    topic: str | None = None


GIVEN = (
    Given("faq", "answered", dt.datetime(2026, 2, 10, 9, 15, tzinfo=UTC), (4, 5), topic="fees"),
    Given("faq", "answered", dt.datetime(2026, 2, 11, 8, 5, tzinfo=UTC), (None,), topic="fees"),
    Given("checklist", "answered", dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC), (None,), True),
    Given("checklist", "answered", dt.datetime(2026, 3, 3, 10, 0, tzinfo=UTC), (2,), False),
    Given("faq", "answered", BORDER, (None,), topic="=1+1"),  # also: never a formula
    Given("faq", "unknown", dt.datetime(2026, 4, 20, 12, 0, tzinfo=UTC), (None, None)),
    Given("certificate", "confirmed", dt.datetime(2026, 5, 5, 7, 0, tzinfo=UTC), (None,) * 3),
    Given("certificate", "invalid_input", dt.datetime(2026, 5, 6, 7, 0, tzinfo=UTC), (None,)),
    Given("centre", "found", dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC), (3,)),
    Given("handover", "answered", dt.datetime(2026, 8, 14, 13, 0, tzinfo=UTC), (5,)),
)
PUBLICATIONS = (
    PublicationRow(dt.datetime(2026, 1, 20, 9, 0, tzinfo=UTC), "fees-2026", "Колко струва?"),
    PublicationRow(dt.datetime(2026, 3, 5, 9, 0, tzinfo=UTC), "deadlines", "В какъв срок?"),
    PublicationRow(dt.datetime(2026, 9, 1, 9, 0, tzinfo=UTC), "duplicate", "Дубликат?"),
)


def _facts(given: tuple[Given, ...]) -> list[ConsultationFacts]:
    facts = []
    for g in given:
        for rated in (True, False):
            ratings = [r for r in g.ratings if (r is not None) == rated]
            if ratings:
                facts.append(
                    ConsultationFacts(
                        hour=g.at.replace(minute=0),
                        kind=g.kind,
                        outcome=g.outcome,
                        complete=g.complete,
                        rated=rated,
                        rating_sum=sum(r or 0 for r in ratings),
                        count=len(ratings),
                    )
                )
    return facts


def _rows(catalogue: Catalogue, given: tuple[Given, ...]) -> list[ExportRow]:
    rows = []
    for n, g in enumerate(given):
        for rating in g.ratings:
            ids = catalogue.matching(g.kind, g.outcome, g.complete, rating is not None)
            rows.append(
                ExportRow(
                    user_key=f"user-{n:03d}",
                    created_at=g.at,
                    kind=g.kind,
                    topic=g.topic,
                    outcome=g.outcome,
                    feedback="up" if rating and rating >= 4 else None,
                    rating=rating,
                    indicators=tuple(ids),
                )
            )
    return rows


def _catalogue_with_target() -> Catalogue:
    catalogue = load_catalogue(2026)
    first = dataclasses.replace(catalogue.indicators[0], target=10)
    return dataclasses.replace(catalogue, indicators=(first, *catalogue.indicators[1:]))


@pytest.fixture
def catalogue() -> Catalogue:
    return _catalogue_with_target()


@pytest.fixture
def table(catalogue: Catalogue) -> IndicatorTable:
    facts = _facts(GIVEN)
    published = [p.published_at for p in PUBLICATIONS]
    live = tally(catalogue, 2026, facts, published)
    # The first quarter is closed: its snapshot holds the same figures as the live count.
    return tally(catalogue, 2026, facts, published, closed={1: live.figures(1)})


def _write(path: Path, table: IndicatorTable, rows: list[ExportRow]) -> Path:
    with XlsxReportWriter(path, table, LABELS) as writer:
        assert writer.add_consultations(rows[:4]) == 4
        assert writer.add_consultations(iter(rows[4:])) == len(rows)
        writer.add_publications(PUBLICATIONS)
    return path


def _sheet_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}
    finally:
        workbook.close()


# -- the workbook -----------------------------------------------------------------------------


def test_sheets_in_order_with_their_headers(tmp_path, table, catalogue):
    sheets = _sheet_rows(_write(tmp_path / "r.xlsx", table, _rows(catalogue, GIVEN)))
    assert list(sheets) == ["Показатели", "Консултации", "Публикации"]
    assert sheets["Консултации"][0] == (
        "Псевдоним на потребителя",
        "Време (София)",
        "Вид",
        "Тема",
        "Резултат",
        "Оценка 👍/👎",
        "Анкета (1–5)",
        "Показатели",
    )
    title = sheets["Показатели"][0][0]
    assert "2026" in title and table.catalogue.plan in title


def test_indicator_sheet_holds_the_tables_figures(tmp_path, table, catalogue):
    sheet = _sheet_rows(_write(tmp_path / "r.xlsx", table, _rows(catalogue, GIVEN)))["Показатели"]
    header_at = next(i for i, row in enumerate(sheet) if row[0] == "Дейност")
    header = sheet[header_at]
    assert header[2] == "I трим. (приключено)"  # the closed quarter carries the mark
    assert header[3:9] == ("II трим.", "III трим.", "IV трим.", "Година", "Цел", "% от целта")
    body = sheet[header_at + 1 : header_at + 1 + len(table.lines)]
    for line, row in zip(table.lines, body, strict=True):
        assert row[0].startswith(line.indicator.activity)
        assert row[1] == line.indicator.title
        assert list(row[2:6]) == [line.quarters[q] for q in (1, 2, 3, 4)]
        assert row[6] == line.total
        if line.indicator.target:
            assert row[7] == line.indicator.target
            assert row[8] == pytest.approx(line.percent_of_target / 100)
        else:
            assert row[7] is None and row[8] is None  # no target: empty cells
    # the figures are not all zero, so the comparison above means something
    assert [line.total for line in table.lines] == [7, 1, 3, 3, 5]
    assert [table.lines[0].quarters[q] for q in (1, 2, 3, 4)] == [5, 1, 1, 0]


def test_survey_block_counts_and_means(tmp_path, table, catalogue):
    sheet = _sheet_rows(_write(tmp_path / "r.xlsx", table, _rows(catalogue, GIVEN)))["Показатели"]
    at = next(i for i, row in enumerate(sheet) if row[0] == LABELS.ratings_heading)
    counts, means = sheet[at], sheet[at + 1]
    assert counts[1] == LABELS.ratings_count and means[1] == LABELS.ratings_mean
    summaries = [table.ratings[q] for q in (1, 2, 3, 4)] + [table.year_ratings]
    assert list(counts[2:7]) == [s.count for s in summaries] == [3, 1, 1, 0, 5]
    assert means[2] == pytest.approx(11 / 3)
    assert means[5] is None  # no ratings in the fourth quarter: an empty cell, not 0
    assert means[6] == pytest.approx(19 / 5)


def test_consultation_rows_add_up_to_the_indicators(tmp_path, table, catalogue):
    rows = _rows(catalogue, GIVEN)
    sheets = _sheet_rows(_write(tmp_path / "r.xlsx", table, rows))
    body = sheets["Консултации"][1:]
    assert len(body) == len(rows) == 14
    for line in table.lines:
        indicator = line.indicator
        if indicator.source == "consultations":
            listed = sum(1 for row in body if indicator.id in (row[7] or "").split(", "))
            assert listed == line.total, indicator.id
        else:
            assert len(sheets["Публикации"]) - 1 == line.total == len(PUBLICATIONS)


def test_consultation_cells_are_named_and_typed(tmp_path, table, catalogue):
    rows = _rows(catalogue, GIVEN)
    body = _sheet_rows(_write(tmp_path / "r.xlsx", table, rows))["Консултации"][1:]
    first = body[0]
    assert first[0] == "user-000"
    assert first[2:6] == ("Въпрос", "fees", "Отговорено", "👍 Полезно")
    assert first[6] == 4
    assert first[7] == "2.1.1-consultations, 6.4-feedback"
    kinds = {row[2] for row in body}
    assert kinds == {LABELS.kind_names[r.kind] for r in rows}
    outcomes = {row[4] for row in body}
    assert "Свидетелството е потвърдено" in outcomes and "Невалидни данни" in outcomes
    unknown = next(row for row in body if row[4] == "Без отговор")
    assert unknown[3] is None and unknown[5] is None and unknown[6] is None
    assert unknown[7] is None  # counts toward no indicator: an empty cell


def test_times_are_sofia_local_excel_datetimes(tmp_path, table, catalogue):
    rows = _rows(catalogue, GIVEN)
    path = _write(tmp_path / "r.xlsx", table, rows)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Консултации"]
    border_row = next(i for i, r in enumerate(rows) if r.created_at == BORDER) + 2
    cell = sheet.cell(border_row, 2)
    assert cell.is_date and "yyyy" in cell.number_format
    assert cell.value == dt.datetime(2026, 4, 1, 1, 30)  # naive, local: Q2, not 31 March
    assert sheet.cell(border_row, 4).value == "=1+1"  # text stays text
    assert sheet.cell(border_row, 4).data_type == "s"
    winter = sheet.cell(2, 2).value  # 09:15 UTC on 10 February: UTC+2
    assert winter == dt.datetime(2026, 2, 10, 11, 15)
    published = workbook["Публикации"].cell(2, 1)
    assert published.is_date and published.value == dt.datetime(2026, 1, 20, 11, 0)
    assert workbook["Консултации"].auto_filter.ref == f"A1:H{len(rows) + 1}"
    workbook.close()


def test_a_naive_time_is_refused(tmp_path, table):
    row = ExportRow("u", dt.datetime(2026, 1, 1, 12, 0), "faq", None, "answered", None, None, ())
    with (
        pytest.raises(ValueError, match="naive"),
        XlsxReportWriter(tmp_path / "r.xlsx", table, LABELS) as writer,
    ):
        writer.add_consultations([row])
    assert not (tmp_path / "r.xlsx").exists()


def test_too_many_rows_is_an_error_not_a_truncated_file(tmp_path, table, catalogue, monkeypatch):
    monkeypatch.setattr(report_xlsx, "MAX_DATA_ROWS", 6)
    rows = _rows(catalogue, GIVEN)
    # exactly the limit is fine, over several batches
    with XlsxReportWriter(tmp_path / "full.xlsx", table, LABELS) as writer:
        writer.add_consultations(rows[:4])
        assert writer.add_consultations(rows[4:6]) == 6
        assert writer.add_consultations([]) == 6
    assert len(_sheet_rows(tmp_path / "full.xlsx")["Консултации"]) == 7
    # one more is refused, and leaving the block deletes the partial file
    path = tmp_path / "over.xlsx"
    with pytest.raises(TooManyRows, match="Консултации") as caught:
        with XlsxReportWriter(path, table, LABELS) as writer:
            writer.add_consultations(rows[:4])
            writer.add_consultations(rows[4:7])
    assert caught.value.limit == 6
    assert not path.exists()
    # the publication sheet has the same limit
    monkeypatch.setattr(report_xlsx, "MAX_DATA_ROWS", 2)
    with pytest.raises(TooManyRows, match="Публикации"):
        with XlsxReportWriter(tmp_path / "pub.xlsx", table, LABELS) as writer:
            writer.add_publications(PUBLICATIONS)


def test_many_batches_stream_in_order(tmp_path, table):
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        ExportRow(f"u{i}", start + dt.timedelta(minutes=i), "faq", None, "answered", None, None, ())
        for i in range(10_000)
    ]
    path = tmp_path / "many.xlsx"
    with XlsxReportWriter(path, table, LABELS) as writer:
        for i in range(0, len(rows), 3_000):
            writer.add_consultations(rows[i : i + 3_000])
    body = _sheet_rows(path)["Консултации"][1:]
    assert len(body) == 10_000
    assert [row[0] for row in body[4094:4098]] == ["u4094", "u4095", "u4096", "u4097"]
    assert body[-1][1] == dt.datetime(2026, 1, 8, 0, 39)  # 9,999 minutes later, UTC+2


# -- the chart --------------------------------------------------------------------------------


def _decoded(png: bytes):  # type: ignore[no-untyped-def]
    assert png.startswith(PNG_SIGNATURE)
    return mpimg.imread(io.BytesIO(png), format="png")


def test_chart_is_a_png_of_the_expected_size(table):
    pixels = _decoded(render_chart(table, LABELS))
    assert pixels.shape[:2] == (800, 1000)
    assert pixels[..., :3].std() > 0.05  # something is drawn


def test_chart_of_an_empty_table(catalogue):
    empty = tally(catalogue, 2026, [], [])
    assert _decoded(render_chart(empty, LABELS)).shape[:2] == (800, 1000)
    no_lines = dataclasses.replace(empty, lines=())
    assert _decoded(render_chart(no_lines, LABELS)).shape[:2] == (800, 1000)


def test_chart_of_one_quarter_with_more_indicators_grows_taller(catalogue, table):
    extra = tuple(dataclasses.replace(i, id=f"{i.id}-b") for i in catalogue.indicators)
    wide = dataclasses.replace(catalogue, indicators=catalogue.indicators + extra)
    facts = _facts(GIVEN)
    big = tally(wide, 2026, facts, [p.published_at for p in PUBLICATIONS], quarter=2)
    assert _decoded(render_chart(big, LABELS)).shape[:2] == (1060, 1000)


# -- labels and module boundaries ------------------------------------------------------------


def test_labels_name_every_kind_and_outcome():
    assert {k.value for k in Kind} | {"handover"} <= set(LABELS.kind_names)
    assert {o.value for o in Outcome} <= set(LABELS.outcome_names)
    with pytest.raises(TypeError):
        LABELS.kind_names["faq"] = "x"  # type: ignore[index]


def test_label_module_has_no_bulgarian_and_no_defaults_for_words():
    source = Path(sys.modules[ReportLabels.__module__].__file__).read_text(encoding="utf-8")
    assert not any("\u0400" <= ch <= "\u04ff" for ch in source)
    with pytest.raises(TypeError):
        ReportLabels()  # type: ignore[call-arg]


def test_renderers_load_neither_pyplot_nor_the_bot():
    code = (
        "import sys, knowledge.report_xlsx, knowledge.report_chart\n"
        "bad = [m for m in ('matplotlib.pyplot', 'aiogram', 'sqlalchemy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_the_topic_column_shows_titles_where_known(tmp_path, table, catalogue, knowledge):
    entry = knowledge.matcher.entries[0]
    checklist = knowledge.checklists["cpo-licence"]
    titles = report_xlsx.topic_titles([entry], [checklist])
    assert titles == {entry.id: entry.question, "cpo-licence": checklist.title}
    given = (
        Given(
            "faq", "answered", dt.datetime(2026, 2, 10, 9, 15, tzinfo=UTC), (None,), None, entry.id
        ),
        Given(
            "checklist",
            "answered",
            dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            (None,),
            True,
            "cpo-licence",
        ),
        Given(
            "faq",
            "answered",
            dt.datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
            (None,),
            None,
            "gone-entry",
        ),
    )
    path = tmp_path / "titles.xlsx"
    with XlsxReportWriter(path, table, LABELS, titles) as writer:
        writer.add_consultations(_rows(catalogue, given))
    header, *rows = _sheet_rows(path)[LABELS.sheet_consultations]
    column = header.index(LABELS.col_topic)
    # an entry no longer in the knowledge base keeps its id: better than an empty cell
    assert [r[column] for r in rows] == [entry.question, checklist.title, "gone-entry"]
