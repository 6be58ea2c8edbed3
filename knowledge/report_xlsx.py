"""The staff report as an Excel workbook: the only module that imports XlsxWriter.

Three sheets, in this order: the plan's indicators (with the survey ratings under them), every
consultation of the period (one row each, up to Excel's 1,048,575 data rows), and the FAQ
publications. The workbook is written in XlsxWriter's constant-memory mode: rows of a sheet go out
in order and a written row cannot be revisited, so memory stays flat whatever the row count.

Speed: XlsxWriter's public `write_*` calls cost a few microseconds per cell; measured here, a
million six-cell rows took 28 s that way. The consultation rows therefore take a fast path
(`_StreamedSheet.append_rows`): each row is rendered as the same `<row>` XML that XlsxWriter itself
writes in constant-memory mode and appended to the sheet's row stream in batches. Pseudonyms are
inline strings, escaped by XlsxWriter's own helpers when they need it; kinds, outcomes, topics and
indicator lists (a few hundred values at most) go to the shared string table. About 6 s for a
million rows, most of it the final compression. This relies on a few private members of
XlsxWriter's `Worksheet`, stable across 3.x (the dependency is pinned below 4; the tests pass on
3.1.0 and 3.3.1); the tests read every sheet back with openpyxl, so a change there fails loudly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from math import ceil
from pathlib import Path
from types import TracebackType

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from knowledge.consultations import AGENCY_TZ
from knowledge.indicators import QUARTERS, IndicatorTable
from knowledge.report_labels import ReportLabels

# Excel holds 1,048,576 rows a sheet; the first row of a list sheet is its header.
MAX_DATA_ROWS = 1_048_575
# Excel keeps at most 32,767 characters (UTF-16 units) in a cell.
MAX_CELL_CHARS = 32_767
# Day 0 of Excel's 1900 date system as an ordinal (Excel counts 1900 as a leap year, so serial
# numbers from 1 March 1900 on are days since 30 December 1899).
_EXCEL_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()
_UNIX_EPOCH_SERIAL = dt.date(1970, 1, 1).toordinal() - _EXCEL_EPOCH_ORDINAL  # 25569
_BATCH = 4096  # consultation rows rendered per write to the row stream
# What makes a string need XlsxWriter's escaping: markup or control characters, "_x" (Excel reads
# _xHHHH_ as an escape), white space at either end. Most values (pseudonyms, ids) have none.
_NEEDS_ESCAPING = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x|^\s|\s$")


class TooManyRows(ValueError):
    """More rows than an Excel sheet can hold: narrow the period instead of truncating it."""

    def __init__(self, sheet: str, limit: int) -> None:
        super().__init__(
            f"sheet {sheet!r} can hold at most {limit:,} rows and the export has more; "
            "export a shorter period (a quarter instead of the year)"
        )
        self.sheet = sheet
        self.limit = limit


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One consultation, as the consultation sheet shows it."""

    user_key: str  # the user's pseudonym (keyed hash), never the Telegram name
    created_at: dt.datetime | float  # aware, or UTC epoch seconds (cheaper for a million rows)
    kind: str
    topic: str | None
    outcome: str
    feedback: str | None
    rating: int | None  # survey rating 1-5
    indicators: tuple[str, ...]  # ids of the indicators the consultation counts toward


@dataclass(frozen=True, slots=True)
class PublicationRow:
    """One FAQ entry published by staff (the publications indicator counts these)."""

    published_at: dt.datetime  # aware
    entry_id: str
    question: str


def topic_titles(entries: Iterable, checklists: Iterable) -> dict[str, str]:
    """What the topic column shows for each topic id: a FAQ entry's question (anything with
    `id` and `question`), a checklist's title (anything with `procedure` and `title`)."""
    titles = {entry.id: entry.question for entry in entries}
    titles.update((checklist.procedure, checklist.title) for checklist in checklists)
    return titles


def _fit(text: str) -> str:
    """Cut a string to what an Excel cell holds (UTF-16 units; most strings skip the check)."""
    if len(text) <= MAX_CELL_CHARS // 2:
        return text
    encoded = text.encode("utf-16-le")
    if len(encoded) <= 2 * MAX_CELL_CHARS:
        return text
    return encoded[: 2 * MAX_CELL_CHARS].decode("utf-16-le", errors="ignore")


def _local_serial(moment: dt.datetime | float) -> float:
    """An aware moment (or UTC epoch seconds) as an Excel serial date-time in Sofia local time
    (whole seconds)."""
    if isinstance(moment, float | int):
        seconds = int(moment + 0.0005)  # the database's float may sit a hair below the second
    elif moment.tzinfo is None:
        raise ValueError(f"a naive datetime cannot be placed in Sofia time: {moment!r}")
    else:
        seconds = int(moment.timestamp())
    return (seconds + _sofia_offset(seconds // 3600)) / 86400 + _UNIX_EPOCH_SERIAL


@lru_cache(maxsize=20_000)
def _sofia_offset(utc_hour: int) -> int:
    """Sofia's UTC offset (seconds) during a UTC hour: offsets change only on whole hours, so a
    year of rows needs at most 8,784 look-ups of the time zone database."""
    moment = dt.datetime.fromtimestamp(utc_hour * 3600, dt.UTC).astimezone(AGENCY_TZ)
    offset = moment.utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


class _StreamedSheet(Worksheet):
    """A constant-memory worksheet that can also take whole rows of pre-rendered cell XML."""

    def inline_string_cell(self, text: str) -> str:
        """The part of a `<c>` element after its `r` attribute for an inline string, escaped
        exactly as XlsxWriter's `_write_cell` escapes it in constant-memory mode."""
        text = _fit(text)
        if not _NEEDS_ESCAPING.search(text):
            return f' t="inlineStr"><is><t>{text}</t></is></c>'
        escaped = self._escape_data(self._escape_control_characters(text))
        preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        return f' t="inlineStr"><is><t{preserve}>{escaped}</t></is></c>'

    def shared_string_cell(self, text: str) -> str:
        """The same for a string kept once in the workbook's shared string table: for the few
        values that repeat on every row (kind, outcome, indicators), it keeps the file small."""
        index = self.str_table._get_shared_string_index(_fit(text))
        self.str_table.count -= 1  # references are counted by count_shared_strings
        return f' t="s"><v>{index}</v></c>'

    def count_shared_strings(self, references: int) -> None:
        """Record further uses of shared strings (the table's reference count)."""
        self.str_table.count += references

    def append_rows(self, first_row: int, last_row: int, last_col: int, xml: str) -> None:
        """Append rows first_row..last_row (0-based), already rendered as `<row>` elements."""
        if not self.constant_memory:
            raise RuntimeError("append_rows needs a workbook in constant_memory mode")
        if first_row < self.previous_row or self.table.get(first_row):
            raise RuntimeError(f"row {first_row} is already written")
        # Write out the row kept by the public write_* calls (the header), then ours.
        self._write_single_row(first_row)
        self.row_data_fh.write(xml)
        self._check_dimensions(first_row, 0)
        self._check_dimensions(last_row, last_col)
        # Later public write_* calls may not touch these rows again.
        self.previous_row = last_row + 1


class XlsxReportWriter:
    """Writes the report workbook; use as a context manager, or call `close()` when done.

    Leaving the `with` block by an exception (for instance `TooManyRows`) deletes the partial
    file, so a half-written report never reaches anyone.
    """

    _CONSULTATION_WIDTHS = (26, 17, 24, 28, 28, 16, 12, 36)

    def __init__(
        self,
        path: Path,
        table: IndicatorTable,
        labels: ReportLabels,
        topic_titles: Mapping[str, str] | None = None,
    ) -> None:
        self.path = Path(path)
        self._labels = labels
        # A consultation's topic is an id (a FAQ entry's, a checklist's procedure); staff read
        # its title where one is known (see `topic_titles`), the raw value otherwise.
        self._topic_titles = dict(topic_titles or {})
        self._closed = False
        self._workbook = Workbook(
            str(self.path),
            {
                "constant_memory": True,
                # Cells hold what users typed: never turn a string into a formula, link or number.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        wb = self._workbook
        self._f_title = wb.add_format({"bold": True, "font_size": 13})
        self._f_header = wb.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
        )
        self._f_header_closed = wb.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9D9D9", "border": 1}
        )
        self._f_text = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
        self._f_number = wb.add_format({"num_format": "#,##0", "valign": "top", "border": 1})
        self._f_number_closed = wb.add_format(
            {"num_format": "#,##0", "valign": "top", "border": 1, "bg_color": "#F2F2F2"}
        )
        self._f_total = wb.add_format(
            {"num_format": "#,##0", "valign": "top", "border": 1, "bold": True}
        )
        self._f_percent = wb.add_format(
            {"num_format": labels.percent_format, "valign": "top", "border": 1}
        )
        self._f_mean = wb.add_format({"num_format": labels.mean_format, "border": 1})
        self._f_bold = wb.add_format({"bold": True})
        self._f_datetime = wb.add_format({"num_format": labels.datetime_format})

        # Sheets are created in the order they appear; each is written top to bottom.
        self._indicator_sheet = wb.add_worksheet(labels.sheet_indicators)
        self._consultation_sheet: _StreamedSheet = wb.add_worksheet(
            labels.sheet_consultations, worksheet_class=_StreamedSheet
        )
        self._publication_sheet = wb.add_worksheet(labels.sheet_publications)
        self._write_indicators(table)
        self._start_consultations()
        self._start_publications()
        self._consultations = 0
        self._publications = 0
        # value -> the rendered tail of its cell (see _StreamedSheet)
        self._users: dict[str, str] = {}
        self._shared: dict[str, str] = {}
        self._joined: dict[tuple[str, ...], str] = {}

    # -- indicator sheet ---------------------------------------------------------------------

    def _write_indicators(self, table: IndicatorTable) -> None:
        labels, ws = self._labels, self._indicator_sheet
        widths = (40, 48, 11, 11, 11, 11, 11, 10, 11)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        title = labels.title.format(year=table.year, plan=table.catalogue.plan)
        ws.write_string(0, 0, title, self._f_title)

        header_row = 2
        closed = table.closed_quarters
        headers = [labels.col_activity, labels.col_indicator]
        headers += [labels.quarter_header(q, q in closed) for q in QUARTERS]
        headers += [labels.col_year, labels.col_target, labels.col_percent]
        ws.set_row(header_row, 15 * max(_lines(h, widths[i]) for i, h in enumerate(headers)))
        closed_columns = {1 + q for q in closed}
        for col, text in enumerate(headers):
            fmt = self._f_header_closed if col in closed_columns else self._f_header
            ws.write_string(header_row, col, text, fmt)
        ws.freeze_panes(header_row + 1, 2)

        row = header_row
        for line in table.lines:
            row += 1
            indicator = line.indicator
            activity = f"{indicator.activity} {indicator.activity_title}"
            ws.set_row(row, 15 * max(_lines(activity, widths[0]), _lines(indicator.title, 48)))
            ws.write_string(row, 0, activity, self._f_text)
            ws.write_string(row, 1, indicator.title, self._f_text)
            for q in QUARTERS:
                fmt = self._f_number_closed if q in closed else self._f_number
                ws.write_number(row, 1 + q, line.quarters.get(q, 0), fmt)
            ws.write_number(row, 6, line.total, self._f_total)
            if indicator.target:
                ws.write_number(row, 7, indicator.target, self._f_number)
                ws.write_number(row, 8, line.total / indicator.target, self._f_percent)
            else:
                ws.write_blank(row, 7, None, self._f_number)
                ws.write_blank(row, 8, None, self._f_percent)

        # The survey block: counts and means per quarter, then the year.
        row += 2
        ws.write_string(row, 0, labels.ratings_heading, self._f_bold)
        ws.write_string(row, 1, labels.ratings_count, self._f_text)
        year = table.year_ratings
        summaries = [table.ratings.get(q) for q in QUARTERS] + [year]
        for col, summary in enumerate(summaries, start=2):
            ws.write_number(row, col, summary.count if summary else 0, self._f_number)
        row += 1
        ws.write_string(row, 1, labels.ratings_mean, self._f_text)
        for col, summary in enumerate(summaries, start=2):
            mean = summary.mean if summary else None
            if mean is None:
                ws.write_blank(row, col, None, self._f_mean)
            else:
                ws.write_number(row, col, mean, self._f_mean)

    # -- consultation sheet ------------------------------------------------------------------

    def _start_consultations(self) -> None:
        labels, ws = self._labels, self._consultation_sheet
        for col, width in enumerate(self._CONSULTATION_WIDTHS):
            ws.set_column(col, col, width)
        headers = (
            labels.col_user,
            labels.col_time,
            labels.col_kind,
            labels.col_topic,
            labels.col_outcome,
            labels.col_feedback,
            labels.col_rating,
            labels.col_indicators,
        )
        for col, text in enumerate(headers):
            ws.write_string(0, col, text, self._f_header)
        ws.freeze_panes(1, 0)

    def _user_cell(self, value: str) -> str:
        rendered = self._users.get(value)
        if rendered is None:
            if len(self._users) >= 100_000:  # pseudonyms are many: keep the cache bounded
                self._users.clear()
            rendered = self._users[value] = self._consultation_sheet.inline_string_cell(value)
        return rendered

    def _shared_cell(self, value: str) -> str:
        # Kinds, outcomes, feedback, topics (FAQ entry ids) and indicator lists: few values.
        rendered = self._shared.get(value)
        if rendered is None:
            rendered = self._shared[value] = self._consultation_sheet.shared_string_cell(value)
        return rendered

    def add_consultations(self, rows: Iterable[ExportRow]) -> int:
        """Append consultation rows (call as often as needed, in order); returns the number of
        rows written so far. Raises `TooManyRows` past Excel's limit."""
        if self._closed:
            raise RuntimeError("the workbook is closed")
        sheet, labels, limit = self._consultation_sheet, self._labels, MAX_DATA_ROWS
        xf = self._f_datetime._get_xf_index()
        users, user, shared, joined = self._users, self._user_cell, self._shared_cell, self._joined
        kinds = {k: shared(labels.kind(k)) for k in labels.kind_names}
        outcomes = {k: shared(labels.outcome(k)) for k in labels.outcome_names}
        feedbacks = {k: shared(labels.feedback(k)) for k in labels.feedback_names}
        titles = self._topic_titles
        iterator: Iterator[ExportRow] = iter(rows)
        while batch := list(islice(iterator, _BATCH)):
            first = self._consultations + 1  # sheet row (0-based) of the batch's first row
            overflow = first - 1 + len(batch) > limit
            if overflow:
                batch = batch[: max(0, limit - first + 1)]
            parts = []
            references = 2 * len(batch)  # shared strings used: kind and outcome, then the rest
            r = first + 1  # Excel's 1-based row number
            for row in batch:
                kind = kinds.get(row.kind) or shared(row.kind)
                outcome = outcomes.get(row.outcome) or shared(row.outcome)
                parts.append(
                    f'<row r="{r}"><c r="A{r}"{users.get(row.user_key) or user(row.user_key)}'
                    f'<c r="B{r}" s="{xf}"><v>{_local_serial(row.created_at):.16G}</v></c>'
                    f'<c r="C{r}"{kind}'
                )
                if row.topic:
                    parts.append(f'<c r="D{r}"{shared(titles.get(row.topic, row.topic))}')
                    references += 1
                parts.append(f'<c r="E{r}"{outcome}')
                if row.feedback:
                    feedback = feedbacks.get(row.feedback) or shared(row.feedback)
                    parts.append(f'<c r="F{r}"{feedback}')
                    references += 1
                if row.rating is not None:
                    parts.append(f'<c r="G{r}"><v>{int(row.rating)}</v></c>')
                if row.indicators:
                    ids = joined.get(row.indicators)
                    if ids is None:
                        ids = joined[row.indicators] = shared(", ".join(row.indicators))
                    parts.append(f'<c r="H{r}"{ids}</row>')
                    references += 1
                else:
                    parts.append("</row>")
                r += 1
            if batch:
                sheet.append_rows(first, first + len(batch) - 1, 7, "".join(parts))
                sheet.count_shared_strings(references)
                self._consultations += len(batch)
            if overflow:
                raise TooManyRows(labels.sheet_consultations, limit)
        return self._consultations

    # -- publication sheet -------------------------------------------------------------------

    def _start_publications(self) -> None:
        labels, ws = self._labels, self._publication_sheet
        for col, width in enumerate((20, 30, 90)):
            ws.set_column(col, col, width)
        headers = (labels.col_published_at, labels.col_entry, labels.col_question)
        for col, text in enumerate(headers):
            ws.write_string(0, col, text, self._f_header)
        ws.freeze_panes(1, 0)

    def add_publications(self, rows: Iterable[PublicationRow]) -> None:
        """Append publication rows (in order). Raises `TooManyRows` past Excel's limit."""
        if self._closed:
            raise RuntimeError("the workbook is closed")
        ws = self._publication_sheet
        for row in rows:
            if self._publications >= MAX_DATA_ROWS:
                raise TooManyRows(self._labels.sheet_publications, MAX_DATA_ROWS)
            r = self._publications + 1
            ws.write_number(r, 0, _local_serial(row.published_at), self._f_datetime)
            ws.write_string(r, 1, _fit(row.entry_id))
            ws.write_string(r, 2, _fit(row.question))
            self._publications += 1

    # -- finishing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Finish the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._consultations:
            self._consultation_sheet.autofilter(0, 0, self._consultations, 7)
        if self._publications:
            self._publication_sheet.autofilter(0, 0, self._publications, 2)
        self._workbook.close()

    def abort(self) -> None:
        """Give up: release the workbook and delete whatever was written."""
        try:
            self.close()
        finally:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> XlsxReportWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of this width (in characters), roughly; Excel does
    not size rows to wrapped text on its own when a file is opened."""
    return max(1, sum(ceil(max(1, len(part)) / (width * 0.95)) for part in text.split("\n")))
