"""Every human-readable string of the report files (XLSX workbook and PNG chart), in one value.

The renderers (`knowledge.report_xlsx`, `knowledge.report_chart`) know layout, not wording: the
caller passes a `ReportLabels` (the Bulgarian one lives in `handlers/texts_reports.py`). Text fields
have no defaults on purpose, so a file can never show a half-translated mix; only the number and
date formats, which are not words, have neutral defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

_MAPPINGS = ("kind_names", "outcome_names", "feedback_names")
_SHEETS = ("sheet_indicators", "sheet_consultations", "sheet_publications")


def _frozen_mapping(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True, kw_only=True)
class ReportLabels:
    # -- workbook: sheet names (Excel allows at most 31 characters, no []:*?/\) -----------------
    sheet_indicators: str
    sheet_consultations: str
    sheet_publications: str

    # -- indicator sheet -------------------------------------------------------------------------
    # First row of the indicator sheet; placeholders {year} (the report's year) and {plan}
    # (the plan's title as the catalogue gives it).
    title: str
    col_activity: str
    col_indicator: str
    quarter_names: tuple[str, str, str, str]  # headers of the four quarter columns
    col_year: str
    col_target: str
    col_percent: str
    closed_mark: str  # appended, after a space, to the header of a closed quarter
    # the survey block under the indicators: one row of counts, one of means
    ratings_heading: str
    ratings_count: str
    ratings_mean: str

    # -- consultation sheet ----------------------------------------------------------------------
    col_user: str
    col_time: str
    col_kind: str
    col_topic: str
    col_outcome: str
    col_feedback: str
    col_rating: str
    col_indicators: str
    # value -> shown name; a value missing here is shown as it is stored
    kind_names: Mapping[str, str]
    outcome_names: Mapping[str, str]
    feedback_names: Mapping[str, str]

    # -- publication sheet -----------------------------------------------------------------------
    col_published_at: str
    col_entry: str
    col_question: str

    # -- chart -----------------------------------------------------------------------------------
    chart_title: str  # placeholders {year} and {plan}, like `title`
    chart_weekly_title: str
    chart_quarters_title: str
    chart_quarter_names: tuple[str, str, str, str]  # short, under the quarter bars
    chart_year_name: str  # short, under the year bar
    axis_week: str
    axis_consultations: str
    axis_count: str
    legend_quarter: str  # legend of the quarter bars
    legend_target: str
    chart_percent_of_target: str  # beside an indicator's activity number; placeholder {percent}
    legend_closed: str
    no_data: str

    # -- formats (not words) ---------------------------------------------------------------------
    datetime_format: str = "yyyy-mm-dd hh:mm"  # Excel number format of the time columns
    percent_format: str = "0.0%"  # Excel number format of "% of target"
    mean_format: str = "0.00"  # Excel number format of the survey means
    chart_date_format: str = "%Y-%m-%d"  # strftime format of the chart's week axis

    def __post_init__(self) -> None:
        if len(self.quarter_names) != 4 or len(self.chart_quarter_names) != 4:
            raise ValueError("quarter_names and chart_quarter_names must name four quarters")
        for name in _MAPPINGS:
            object.__setattr__(self, name, _frozen_mapping(getattr(self, name)))
        for name in _SHEETS:
            value = getattr(self, name)
            if not value or len(value) > 31 or any(c in value for c in "[]:*?/\\"):
                raise ValueError(f"{name} is not a valid Excel sheet name: {value!r}")

    def kind(self, value: str) -> str:
        return self.kind_names.get(value, value)

    def outcome(self, value: str) -> str:
        return self.outcome_names.get(value, value)

    def feedback(self, value: str) -> str:
        return self.feedback_names.get(value, value)

    def quarter_header(self, quarter: int, closed: bool) -> str:
        name = self.quarter_names[quarter - 1]
        return f"{name} {self.closed_mark}" if closed else name
