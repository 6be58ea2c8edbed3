"""The agency's plan indicators and how consultations count toward them.

The catalogue is content (`knowledge/data/indicators/<year>.toml`); this module only knows its
layout and the counting rules. Storage hands over grouped facts (one line per hour, kind, outcome
...), so a year of a million consultations is counted from a few thousand lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.consultations import AGENCY_TZ, quarter_of

INDICATORS_DIR = Path(__file__).parent / "data" / "indicators"
QUARTERS = (1, 2, 3, 4)
SOURCES = ("consultations", "publications")
_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


class CatalogueError(ValueError):
    """An indicator catalogue cannot be used; the message names the file and the indicator."""


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    activity: str  # plan activity number, e.g. "2.1.1"
    activity_title: str
    title: str  # the indicator's wording in the plan
    source: str  # "consultations" or "publications"
    kinds: frozenset[str] = frozenset()
    outcomes: frozenset[str] | None = None  # None: any outcome
    complete: bool | None = None  # document checks: only sets meeting the requirements
    rated: bool | None = None  # only consultations the user rated in the survey
    target: int | None = None  # the year's target, where the plan gives one

    def counts(self, kind: str, outcome: str, complete: bool | None, rated: bool) -> bool:
        """Does a consultation with these facts count toward this indicator?"""
        if self.source != "consultations" or kind not in self.kinds:
            return False
        if self.outcomes is not None and outcome not in self.outcomes:
            return False
        if self.complete is not None and bool(complete) != self.complete:
            return False
        return self.rated is None or rated == self.rated


@dataclass(frozen=True)
class Catalogue:
    year: int  # the plan's year
    plan: str  # the plan's title, as staff know it
    indicators: tuple[Indicator, ...]

    def matching(self, kind: str, outcome: str, complete: bool | None, rated: bool) -> list[str]:
        """Ids of the indicators a consultation with these facts counts toward."""
        return [i.id for i in self.indicators if i.counts(kind, outcome, complete, rated)]


def _frozen_strings(value: object, where: str, name: str) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise CatalogueError(f"{where}: '{name}' must be a non-empty list of strings")
    return frozenset(value)


def _indicator(table: dict[str, object], where: str) -> Indicator:
    missing = [
        f for f in ("id", "activity", "activity_title", "title", "source") if not table.get(f)
    ]
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(missing)}")
    indicator_id = str(table["id"])
    where = f"{where} (id {indicator_id})"
    if not _ID.match(indicator_id) or len(indicator_id) > 40:
        raise CatalogueError(f"{where}: id must be lowercase latin letters, digits, dots, dashes")
    source = str(table["source"])
    if source not in SOURCES:
        raise CatalogueError(f"{where}: source must be one of {', '.join(SOURCES)}")
    target = table.get("target")
    if target is not None and (not isinstance(target, int) or target <= 0):
        raise CatalogueError(f"{where}: target must be a positive whole number or left out")
    for flag in ("complete", "rated"):
        if flag in table and not isinstance(table[flag], bool):
            raise CatalogueError(f"{where}: '{flag}' must be true or false")
    kinds: frozenset[str] = frozenset()
    outcomes = None
    if source == "consultations":
        kinds = _frozen_strings(table.get("kinds"), where, "kinds")
        if "outcomes" in table:
            outcomes = _frozen_strings(table["outcomes"], where, "outcomes")
    return Indicator(
        id=indicator_id,
        activity=str(table["activity"]),
        activity_title=" ".join(str(table["activity_title"]).split()),
        title=" ".join(str(table["title"]).split()),
        source=source,
        kinds=kinds,
        outcomes=outcomes,
        complete=table.get("complete"),  # type: ignore[arg-type]
        rated=table.get("rated"),  # type: ignore[arg-type]
        target=target,
    )


def load_catalogue_file(path: Path) -> Catalogue:
    try:
        with path.open("rb") as fh:
            document = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path.name}: not valid TOML: {exc}") from exc
    year, plan = document.get("year"), document.get("plan")
    if not isinstance(year, int) or not isinstance(plan, str) or not plan.strip():
        raise CatalogueError(f"{path.name}: needs 'year' (a number) and 'plan' (its title)")
    indicators = tuple(
        _indicator(table, f"{path.name}: indicator {n}")
        for n, table in enumerate(document.get("indicator", []), start=1)
    )
    if not indicators:
        raise CatalogueError(f"{path.name}: no [[indicator]] tables")
    ids = [i.id for i in indicators]
    if len(set(ids)) != len(ids):
        raise CatalogueError(f"{path.name}: indicator ids must be unique")
    return Catalogue(year=year, plan=" ".join(plan.split()), indicators=indicators)


def load_catalogue(year: int, directory: Path = INDICATORS_DIR) -> Catalogue:
    """The catalogue of a year's plan; a year without its own plan file is reported against the
    most recent earlier plan (the report says which plan it uses)."""
    available = {}
    for path in directory.glob("*.toml"):
        if path.stem.isdigit():
            available[int(path.stem)] = path
    usable = [y for y in available if y <= year] or sorted(available)[:1]
    if not usable:
        raise CatalogueError(f"no indicator catalogue in {directory}")
    return load_catalogue_file(available[max(usable)])


# -- facts and tallies --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsultationFacts:
    """Consultations of one hour alike in everything an indicator can ask about."""

    hour: dt.datetime  # aware, start of the hour (UTC)
    kind: str
    outcome: str
    complete: bool | None
    rated: bool
    rating_sum: int  # sum of survey ratings (1-5) of the rated ones
    count: int


@dataclass(frozen=True, slots=True)
class RatingSummary:
    count: int = 0
    total: int = 0

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def __add__(self, other: RatingSummary) -> RatingSummary:
        return RatingSummary(self.count + other.count, self.total + other.total)


@dataclass(frozen=True, slots=True)
class QuarterFigures:
    """One quarter's figures: what a closed-quarter snapshot freezes."""

    year: int
    quarter: int
    plan_year: int
    indicators: Mapping[str, int]
    ratings: RatingSummary

    def canonical(self) -> str:
        return json.dumps(
            {
                "year": self.year,
                "quarter": self.quarter,
                "plan_year": self.plan_year,
                "indicators": dict(sorted(self.indicators.items())),
                "ratings": {"count": self.ratings.count, "total": self.ratings.total},
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    def checksum(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()

    @classmethod
    def from_canonical(cls, text: str) -> QuarterFigures:
        data = json.loads(text)
        return cls(
            year=int(data["year"]),
            quarter=int(data["quarter"]),
            plan_year=int(data["plan_year"]),
            indicators={str(k): int(v) for k, v in data["indicators"].items()},
            ratings=RatingSummary(int(data["ratings"]["count"]), int(data["ratings"]["total"])),
        )


@dataclass(frozen=True)
class IndicatorLine:
    indicator: Indicator
    quarters: Mapping[int, int]  # 1..4 -> count (closed quarters: the frozen figure)

    @property
    def total(self) -> int:
        return sum(self.quarters.values())

    @property
    def percent_of_target(self) -> float | None:
        target = self.indicator.target
        return None if not target else 100.0 * self.total / target


@dataclass(frozen=True)
class IndicatorTable:
    """The plan-shaped report of one year (optionally focused on one quarter)."""

    year: int
    quarter: int | None
    catalogue: Catalogue
    lines: tuple[IndicatorLine, ...]
    closed_quarters: frozenset[int]
    ratings: Mapping[int, RatingSummary]  # quarter -> survey ratings
    # consultations per ISO week (Monday, agency time) and kind, for the chart
    weekly: Mapping[tuple[dt.date, str], int] = field(default_factory=dict)

    @property
    def year_ratings(self) -> RatingSummary:
        total = RatingSummary()
        for summary in self.ratings.values():
            total = total + summary
        return total

    def figures(self, quarter: int) -> QuarterFigures:
        return QuarterFigures(
            year=self.year,
            quarter=quarter,
            plan_year=self.catalogue.year,
            indicators={line.indicator.id: line.quarters.get(quarter, 0) for line in self.lines},
            ratings=self.ratings.get(quarter, RatingSummary()),
        )


def week_start(moment: dt.datetime) -> dt.date:
    """Monday of the week a moment falls in, in the agency's time zone."""
    local = moment.astimezone(AGENCY_TZ).date()
    return local - dt.timedelta(days=local.weekday())


def tally(
    catalogue: Catalogue,
    year: int,
    facts: Iterable[ConsultationFacts],
    publications: Iterable[dt.datetime],
    quarter: int | None = None,
    closed: Mapping[int, QuarterFigures] | None = None,
) -> IndicatorTable:
    """Count facts and publications toward the catalogue's indicators, quarter by quarter.
    A closed quarter shows its frozen figures, whatever happened since."""
    closed = dict(closed or {})
    live: dict[str, dict[int, int]] = {i.id: defaultdict(int) for i in catalogue.indicators}
    ratings: dict[int, RatingSummary] = defaultdict(RatingSummary)
    weekly: dict[tuple[dt.date, str], int] = defaultdict(int)
    matching_cache: dict[tuple[str, str, bool | None, bool], list[str]] = {}
    for fact in facts:
        fact_year, fact_quarter = quarter_of(fact.hour)
        if fact_year != year:
            continue
        weekly[(week_start(fact.hour), fact.kind)] += fact.count
        key = (fact.kind, fact.outcome, fact.complete, fact.rated)
        ids = matching_cache.get(key)
        if ids is None:
            ids = matching_cache[key] = catalogue.matching(*key)
        for indicator_id in ids:
            live[indicator_id][fact_quarter] += fact.count
        if fact.rated:
            ratings[fact_quarter] = ratings[fact_quarter] + RatingSummary(
                fact.count, fact.rating_sum
            )
    publication_ids = [i.id for i in catalogue.indicators if i.source == "publications"]
    for moment in publications:
        moment_year, moment_quarter = quarter_of(moment)
        if moment_year == year:
            for indicator_id in publication_ids:
                live[indicator_id][moment_quarter] += 1
    lines = []
    for indicator in catalogue.indicators:
        quarters = {}
        for q in QUARTERS:
            frozen = closed.get(q)
            if frozen is not None:
                quarters[q] = frozen.indicators.get(indicator.id, 0)
            else:
                quarters[q] = live[indicator.id].get(q, 0)
        lines.append(IndicatorLine(indicator, quarters))
    quarter_ratings = {
        q: closed[q].ratings if q in closed else ratings.get(q, RatingSummary()) for q in QUARTERS
    }
    return IndicatorTable(
        year=year,
        quarter=quarter,
        catalogue=catalogue,
        lines=tuple(lines),
        closed_quarters=frozenset(closed),
        ratings=quarter_ratings,
        weekly=dict(weekly),
    )


def table_json(table: IndicatorTable) -> dict[str, object]:
    """The report's JSON shape (the CLI's --format json)."""
    closed = sorted(table.closed_quarters)
    return {
        "year": table.year,
        "plan": table.catalogue.plan,
        "indicators": [
            {
                "id": line.indicator.id,
                "activity": line.indicator.activity,
                "indicator": line.indicator.title,
                "quarters": {str(q): line.quarters.get(q, 0) for q in QUARTERS},
                "total": line.total,
                "target": line.indicator.target,
                "closed_quarters": closed,
            }
            for line in table.lines
        ],
        "ratings": {
            str(q): {"count": s.count, "mean": s.mean} for q, s in sorted(table.ratings.items())
        },
    }
