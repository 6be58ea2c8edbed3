"""The agency's office hours: when staff can answer, in plain Python.

Monday to Friday, 9:00-17:30 Sofia time, except Bulgarian public holidays. The holidays come from
the maintained `holidays` package (`country_holidays("BG", observed=True)`), which implements the
Labour Code, art. 154: the fixed and Easter holidays, and the rule that a holiday falling on a
Saturday or Sunday gives the first working day after it off (since 2017; not for Holy Saturday,
Easter Sunday and Easter Monday, which the package excludes). The package also holds the days off
and the working Saturdays the Council of Ministers has declared by decision, as far as its release
knows them; `knowledge/data/office_hours.toml` adds the ones it does not know yet.

Nothing here reads the clock: callers pass aware datetimes.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import holidays

from knowledge.consultations import AGENCY_TZ

OFFICE_HOURS_FILE = Path(__file__).parent / "data" / "office_hours.toml"
# next_opening looks this many days ahead; the longest run of closed days in a year (Christmas to
# New Year with a decree, or Easter with a weekend holiday) is well under it.
MAX_SEARCH_DAYS = 30
_FILE_KEYS = frozenset({"extra_days_off", "extra_working_days"})

__all__ = [
    "AGENCY_TZ",
    "MAX_SEARCH_DAYS",
    "OFFICE_HOURS_FILE",
    "OfficeHours",
    "OfficeHoursError",
    "load_office_hours",
]


class OfficeHoursError(ValueError):
    """The office hours file or settings cannot be used; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class _YearCalendar:
    names: Mapping[dt.date, str]  # public holidays and days off, with their Bulgarian names
    weekend_workdays: frozenset[dt.date]  # Saturdays/Sundays declared working days


@functools.lru_cache(maxsize=32)
def _bulgarian_calendar(year: int) -> _YearCalendar:
    """Bulgarian public holidays of one year, built once per year and kept.

    The package object is built for one year, read out into an immutable mapping and dropped, so a
    lookup on the chat path is a dict lookup and never mutates shared state. No observed day of a
    Bulgarian holiday crosses a year end (26 December is the last holiday; its observed day is at
    the latest 28 December), so one year per calendar is enough.
    """
    table = holidays.country_holidays("BG", years=year, observed=True, language="bg")
    return _YearCalendar(
        names=MappingProxyType(dict(table.items())),
        weekend_workdays=frozenset(getattr(table, "weekend_workdays", ())),
    )


def _dates(values: Iterable[object], field_name: str) -> frozenset[dt.date]:
    result: set[dt.date] = set()
    for value in values:
        # datetime is a subclass of date, but never equal to one: it would silently never match.
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise OfficeHoursError(f"{field_name}: {value!r} is not a date (write 2026-01-02)")
        result.add(value)
    return frozenset(result)


def _to_local(moment: dt.datetime) -> dt.datetime:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware (a naive datetime has no place in time)")
    return moment.astimezone(AGENCY_TZ)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Opening hours in Sofia local time, with the agency's own additions to the holiday list.

    `extra_days_off` and `extra_working_days` are the Council of Ministers' decisions the package
    does not know yet. They win over the package: a day off closes even a weekday; a working day
    opens even a Saturday. A date cannot be in both.
    """

    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 30)
    extra_days_off: frozenset[dt.date] = frozenset()
    extra_working_days: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        for name in ("opens", "closes"):
            value = getattr(self, name)
            if not isinstance(value, dt.time) or value.tzinfo is not None:
                raise OfficeHoursError(f"{name} must be a local time without a time zone")
        if not self.opens < self.closes:
            raise OfficeHoursError(f"opens ({self.opens}) must be before closes ({self.closes})")
        days_off = _dates(self.extra_days_off, "extra_days_off")
        working_days = _dates(self.extra_working_days, "extra_working_days")
        if both := days_off & working_days:
            listed = ", ".join(str(day) for day in sorted(both))
            raise OfficeHoursError(f"dates both off and working: {listed}")
        object.__setattr__(self, "extra_days_off", days_off)
        object.__setattr__(self, "extra_working_days", working_days)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether the office works on this calendar day (Sofia date)."""
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise TypeError("is_working_day takes a date; for a moment in time use is_open")
        if day in self.extra_days_off:
            return False
        if day in self.extra_working_days:
            return True
        calendar = _bulgarian_calendar(day.year)
        if day in calendar.names:
            return False
        if day in calendar.weekend_workdays:
            return True
        return day.weekday() < 5  # Monday..Friday

    def is_open(self, moment: dt.datetime) -> bool:
        """Whether the office is open at this moment; [opens, closes) in Sofia time."""
        local = _to_local(moment)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """The moment itself (in Sofia time) when open, else the next opening time.

        Raises LookupError when no working day is found within MAX_SEARCH_DAYS.
        """
        local = _to_local(moment)
        if self.is_open(local):
            return local
        today = local.date()
        for offset in range(MAX_SEARCH_DAYS + 1):
            day = today + dt.timedelta(days=offset)
            if not self.is_working_day(day):
                continue
            if offset == 0 and local.time() >= self.opens:
                continue  # today's opening has passed (we are after closing)
            opening = dt.datetime.combine(day, self.opens, tzinfo=AGENCY_TZ)
            # Round-trip through UTC so a wall time inside a DST gap becomes a real instant.
            return opening.astimezone(dt.UTC).astimezone(AGENCY_TZ)
        raise LookupError(f"no opening within {MAX_SEARCH_DAYS} days after {local.isoformat()}")

    def holiday_name(self, day: dt.date) -> str | None:
        """The Bulgarian name of the public holiday or day off on this date, from the package.

        A weekday closed only by `extra_days_off` has no name here (None): the decision that closes
        it is not a holiday with a name in the package.
        """
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise TypeError("holiday_name takes a date")
        return _bulgarian_calendar(day.year).names.get(day)


def load_office_hours(path: Path = OFFICE_HOURS_FILE) -> OfficeHours:
    """Office hours with the extra days off and working days listed in the data file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise OfficeHoursError(f"{path.name}: {error}") from error
    if unknown := set(data) - _FILE_KEYS:
        raise OfficeHoursError(f"{path.name}: unknown keys {', '.join(sorted(unknown))}")
    lists: dict[str, frozenset[dt.date]] = {}
    for key in sorted(_FILE_KEYS):
        values = data.get(key, [])
        if not isinstance(values, list):
            raise OfficeHoursError(f"{path.name}: {key} must be a list of dates")
        try:
            lists[key] = _dates(values, key)
        except OfficeHoursError as error:
            raise OfficeHoursError(f"{path.name}: {error}") from error
    try:
        return OfficeHours(**lists)
    except OfficeHoursError as error:
        raise OfficeHoursError(f"{path.name}: {error}") from error
