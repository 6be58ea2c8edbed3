"""Office hours: Bulgarian public holidays (from the `holidays` package), weekends, DST, data file.

Every expected date below was checked against the package (holidays 0.109) and the calendar; the
Easter dates are Orthodox Easter (20.04.2025, 12.04.2026, 02.05.2027, 02.05.2021).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge import office_hours as oh_module
from knowledge.consultations import AGENCY_TZ
from knowledge.office_hours import (
    MAX_SEARCH_DAYS,
    OFFICE_HOURS_FILE,
    OfficeHours,
    OfficeHoursError,
    load_office_hours,
)

HOURS = OfficeHours()


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def sofia(iso: str, fold: int = 0) -> dt.datetime:
    """A wall-clock time in Sofia, e.g. "2026-04-09T18:00"."""
    return dt.datetime.fromisoformat(iso).replace(tzinfo=AGENCY_TZ, fold=fold)


def utc(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=dt.UTC)


# --- Easter-dependent holidays ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("iso", "working"),
    [
        # Easter 2025: 20 April.
        ("2025-04-17", True),  # Maundy Thursday works
        ("2025-04-18", False),  # Good Friday
        ("2025-04-19", False),  # Holy Saturday
        ("2025-04-20", False),  # Easter Sunday
        ("2025-04-21", False),  # Easter Monday
        ("2025-04-22", True),
        # Easter 2026: 12 April.
        ("2026-04-09", True),
        ("2026-04-10", False),
        ("2026-04-13", False),
        ("2026-04-14", True),
        # Easter 2027: 2 May; 1 May (Labour Day) is Holy Saturday, so Tuesday 4 May is off.
        ("2027-04-29", True),
        ("2027-04-30", False),
        ("2027-05-03", False),
        ("2027-05-04", False),
        ("2027-05-05", True),
        ("2027-05-06", False),  # St George's Day, a Thursday
        ("2027-05-07", True),
        # Easter 2021 had the same shape (2 May, Labour Day on Holy Saturday): 4 May was off.
        ("2021-05-04", False),
        ("2021-05-05", True),
        # Easter Monday on St George's Day (6 May 2024) gives no extra day: neither is a weekend.
        ("2024-05-06", False),
        ("2024-05-07", True),
    ],
)
def test_easter_dependent_days(iso, working):
    assert HOURS.is_working_day(day(iso)) is working


@pytest.mark.parametrize(
    ("iso", "name"),
    [
        ("2025-04-18", "Велики петък"),
        ("2026-04-11", "Велика събота"),
        ("2026-04-12", "Великден"),
        ("2026-04-13", "Великден"),
        ("2027-04-30", "Велики петък"),
        ("2027-05-01", "Велика събота; Ден на труда и на международната работническа солидарност"),
        ("2027-05-04", "Ден на труда и на международната работническа солидарност (почивен ден)"),
        ("2027-05-06", "Гергьовден, Ден на храбростта и Българската армия"),
    ],
)
def test_easter_holiday_names_are_bulgarian(iso, name):
    assert HOURS.holiday_name(day(iso)) == name


def test_easter_holidays_are_not_shifted_off_the_weekend():
    # Holy Saturday and Easter Sunday always fall on a weekend; the law gives no weekday for them.
    for iso in ("2025-04-22", "2026-04-14"):
        assert HOURS.is_working_day(day(iso))
        assert HOURS.holiday_name(day(iso)) is None


# --- Fixed holidays --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iso", "name_start"),
    [
        ("2027-01-01", "Нова година"),  # Friday
        ("2026-03-03", "Ден на Освобождението"),  # Tuesday
        ("2026-05-01", "Ден на труда"),  # Friday
        ("2026-05-06", "Гергьовден"),  # Wednesday
        ("2027-05-24", "Ден на светите братя Кирил и Методий"),  # Monday
        ("2027-09-06", "Ден на Съединението"),  # Monday
        ("2026-09-22", "Ден на Независимостта"),  # Tuesday
        ("2025-12-24", "Бъдни вечер"),  # Wednesday
        ("2025-12-25", "Рождество Христово"),  # Thursday
        ("2025-12-26", "Рождество Христово"),  # Friday
    ],
)
def test_fixed_holidays_on_weekdays_are_closed(iso, name_start):
    assert day(iso).weekday() < 5
    assert not HOURS.is_working_day(day(iso))
    assert HOURS.holiday_name(day(iso)).startswith(name_start)


@pytest.mark.parametrize(
    "iso",
    [
        "2027-11-01",  # Day of the People's Awakeners, a Monday: a school holiday only
        "2026-09-21",  # the day before Independence Day
        "2026-03-02",
        "2027-12-29",
        "2026-01-05",
    ],
)
def test_ordinary_weekdays_are_working_days(iso):
    assert day(iso).weekday() < 5
    assert HOURS.is_working_day(day(iso))
    assert HOURS.holiday_name(day(iso)) is None


def test_decreed_days_known_to_the_package():
    # Council of Ministers Decision No. 808 of 19.11.2025 (the euro changeover).
    for iso in ("2025-12-31", "2026-01-02"):
        assert not HOURS.is_working_day(day(iso))
        assert HOURS.holiday_name(day(iso)) == "Неприсъствен ден"


def test_working_saturdays_known_to_the_package():
    # 2016: 4 March (Friday) off, worked on Saturday 12 March instead.
    assert not HOURS.is_working_day(day("2016-03-04"))
    assert HOURS.is_working_day(day("2016-03-12"))
    assert HOURS.is_open(sofia("2016-03-12T10:00"))
    assert not HOURS.is_working_day(day("2016-03-19"))  # an ordinary Saturday


# --- Holidays on a weekend (Labour Code, art. 154: the next working day is off) -----------------


@pytest.mark.parametrize(
    ("iso", "weekend_holiday"),
    [
        ("2025-05-26", "2025-05-24"),  # Saturday 24 May -> Monday
        ("2025-09-08", "2025-09-06"),  # Saturday 6 September -> Monday
        ("2026-05-25", "2026-05-24"),  # Sunday 24 May -> Monday
        ("2026-09-07", "2026-09-06"),  # Sunday 6 September -> Monday
        ("2026-12-28", "2026-12-26"),  # Saturday 26 December -> Monday
        ("2027-12-27", "2027-12-25"),  # Christmas on Saturday and Sunday -> Monday and Tuesday
        ("2027-12-28", "2027-12-26"),
        ("2022-12-27", "2022-12-24"),  # Christmas Eve on Saturday counts too
        ("2022-12-28", "2022-12-25"),
        ("2028-01-03", "2028-01-01"),  # New Year on Saturday -> Monday
    ],
)
def test_weekend_holiday_gives_the_next_working_day_off(iso, weekend_holiday):
    assert day(weekend_holiday).weekday() >= 5
    assert day(iso).weekday() < 5
    assert not HOURS.is_working_day(day(iso))
    assert HOURS.holiday_name(day(iso)).endswith("(почивен ден)")


@pytest.mark.parametrize("iso", ["2026-12-29", "2027-12-29", "2022-12-29", "2028-01-04"])
def test_the_day_after_the_shifted_days_works(iso):
    assert HOURS.is_working_day(day(iso))


# --- Hours and time zones --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iso", "is_open"),
    [
        ("2026-06-10T08:59", False),
        ("2026-06-10T09:00", True),
        ("2026-06-10T17:29", True),
        ("2026-06-10T17:30", False),
        ("2026-06-10T17:29:59.999999", True),
        ("2026-06-10T00:00", False),
        ("2026-06-13T12:00", False),  # Saturday
        ("2026-06-14T12:00", False),  # Sunday
        ("2026-03-03T12:00", False),  # Liberation Day
    ],
)
def test_opening_boundaries_local_time(iso, is_open):
    assert HOURS.is_open(sofia(iso)) is is_open


@pytest.mark.parametrize(
    ("utc_iso", "is_open"),
    [
        # Winter, UTC+2: 9:00 Sofia is 07:00 UTC.
        ("2026-03-27T06:59", False),
        ("2026-03-27T07:00", True),
        ("2026-03-27T15:29", True),
        ("2026-03-27T15:30", False),
        # The Monday after the spring change (Sunday 29 March 2026), UTC+3: 9:00 is 06:00 UTC.
        ("2026-03-30T05:59", False),
        ("2026-03-30T06:00", True),
        ("2026-03-30T14:29", True),
        ("2026-03-30T14:30", False),
        # Summer until Sunday 25 October 2026: Friday 23 October still UTC+3.
        ("2026-10-23T06:00", True),
        ("2026-10-23T14:30", False),
        # The Monday after the autumn change, UTC+2 again.
        ("2026-10-26T06:30", False),
        ("2026-10-26T07:00", True),
        ("2026-10-26T15:29", True),
        ("2026-10-26T15:30", False),
    ],
)
def test_open_is_judged_in_sofia_time_across_dst(utc_iso, is_open):
    assert HOURS.is_open(utc(utc_iso)) is is_open


def test_date_is_the_sofia_date_not_the_utc_date():
    # 22:30 UTC on Monday 2 March is 00:30 on Liberation Day in Sofia.
    moment = utc("2026-03-02T22:30")
    assert not HOURS.is_open(moment)
    assert HOURS.next_opening(moment) == sofia("2026-03-04T09:00")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-06-12T18:00", "2026-06-15T09:00"),  # Friday evening -> Monday
        ("2026-06-12T17:30", "2026-06-15T09:00"),  # Friday at closing time
        ("2026-06-10T08:59", "2026-06-10T09:00"),  # before opening -> today
        ("2026-06-10T00:00", "2026-06-10T09:00"),
        ("2026-06-10T17:30", "2026-06-11T09:00"),  # after closing -> tomorrow
        ("2026-06-13T10:00", "2026-06-15T09:00"),  # Saturday -> Monday
        # Maundy Thursday evening before Easter 2026 -> Tuesday after Easter Monday.
        ("2026-04-09T18:00", "2026-04-14T09:00"),
        ("2025-04-17T17:45", "2025-04-22T09:00"),
        # Easter 2027 with Labour Day on Holy Saturday: closed Friday to Tuesday.
        ("2027-04-29T18:00", "2027-05-05T09:00"),
        ("2027-05-05T17:30", "2027-05-07T09:00"),  # St George's Day on Thursday
        # Across the year end: 31 Dec 2025 and 2 Jan 2026 off by decision, 1 Jan a holiday.
        ("2025-12-30T17:30", "2026-01-05T09:00"),
        ("2025-12-23T18:00", "2025-12-29T09:00"),
        # Christmas 2027 on a weekend: off Friday 24 to Tuesday 28.
        ("2027-12-23T17:30", "2027-12-29T09:00"),
        ("2027-12-31T18:00", "2028-01-04T09:00"),  # New Year 2028 on Saturday -> off Monday
        # DST weekends: Friday in winter time, Monday in summer time, and back.
        ("2026-03-27T18:00", "2026-03-30T09:00"),
        ("2026-03-29T03:30", "2026-03-30T09:00"),  # inside the skipped hour
        ("2026-10-23T18:00", "2026-10-26T09:00"),
    ],
)
def test_next_opening(start, expected):
    opening = HOURS.next_opening(sofia(start))
    # Compare instants in UTC too: aware datetimes sharing a tzinfo compare by wall clock.
    assert opening.astimezone(dt.UTC) == sofia(expected).astimezone(dt.UTC)
    assert opening.tzinfo is AGENCY_TZ
    assert opening.replace(tzinfo=None) == dt.datetime.fromisoformat(expected)
    assert HOURS.is_open(opening)


def test_next_opening_across_dst_has_the_right_offsets():
    friday = sofia("2026-03-27T18:00")
    monday = HOURS.next_opening(friday)
    assert friday.utcoffset() == dt.timedelta(hours=2)
    assert monday.utcoffset() == dt.timedelta(hours=3)
    assert monday.astimezone(dt.UTC) == utc("2026-03-30T06:00")
    # Subtracting datetimes that share a tzinfo counts wall-clock hours (63); go through UTC.
    assert monday.astimezone(dt.UTC) - friday.astimezone(dt.UTC) == dt.timedelta(hours=62)

    autumn = HOURS.next_opening(sofia("2026-10-25T03:30", fold=1))  # the repeated hour
    assert autumn.astimezone(dt.UTC) == utc("2026-10-26T07:00")


@pytest.mark.parametrize("iso", ["2026-06-10T09:00", "2026-06-10T12:34:56", "2026-06-10T17:29"])
def test_next_opening_when_open_is_now_in_sofia_time(iso):
    local = sofia(iso)
    moment = local.astimezone(dt.UTC)
    opening = HOURS.next_opening(moment)
    assert opening == moment
    assert opening.tzinfo is AGENCY_TZ
    assert opening.replace(tzinfo=None) == local.replace(tzinfo=None)


@pytest.mark.parametrize(
    "call",
    [HOURS.is_open, HOURS.next_opening],
)
def test_naive_datetime_raises(call):
    with pytest.raises(ValueError, match="aware"):
        call(dt.datetime(2026, 6, 10, 12, 0))


def test_a_datetime_is_not_a_day():
    with pytest.raises(TypeError):
        HOURS.is_working_day(dt.datetime(2026, 6, 10, 12, 0, tzinfo=AGENCY_TZ))
    with pytest.raises(TypeError):
        HOURS.holiday_name(dt.datetime(2026, 3, 3, tzinfo=AGENCY_TZ))


def test_next_opening_gives_up_after_the_search_window():
    start = day("2026-06-01")
    closed = frozenset(start + dt.timedelta(days=n) for n in range(MAX_SEARCH_DAYS + 2))
    hours = OfficeHours(extra_days_off=closed)
    with pytest.raises(LookupError):
        hours.next_opening(sofia("2026-06-01T08:00"))


def test_holidays_are_built_once_per_year():
    oh_module._bulgarian_calendar(2031)  # make sure 2031 is cached
    before = oh_module._bulgarian_calendar.cache_info()
    moment = sofia("2031-12-30T18:00")
    for _ in range(200):
        HOURS.is_open(moment)
        HOURS.is_working_day(day("2031-05-06"))
    after = oh_module._bulgarian_calendar.cache_info()
    assert after.misses == before.misses
    assert after.hits > before.hits


# --- Extra days from the Council of Ministers (the data file) --------------------------------


def test_extra_days_off_and_working_saturdays():
    hours = OfficeHours(
        extra_days_off=frozenset({day("2027-12-31")}),
        extra_working_days=frozenset({day("2027-12-18")}),  # a Saturday
    )
    assert HOURS.is_working_day(day("2027-12-31"))  # without the decision it works
    assert not hours.is_working_day(day("2027-12-31"))
    assert hours.holiday_name(day("2027-12-31")) is None  # not a named holiday
    assert not hours.is_open(sofia("2027-12-31T10:00"))
    assert hours.next_opening(sofia("2027-12-30T18:00")) == sofia("2028-01-04T09:00")

    assert not HOURS.is_working_day(day("2027-12-18"))
    assert hours.is_working_day(day("2027-12-18"))
    assert hours.is_open(sofia("2027-12-18T10:00"))
    assert not hours.is_open(sofia("2027-12-18T17:30"))
    assert hours.next_opening(sofia("2027-12-17T18:00")) == sofia("2027-12-18T09:00")
    assert hours.next_opening(sofia("2027-12-18T18:00")) == sofia("2027-12-20T09:00")


def test_office_hours_reject_bad_settings():
    with pytest.raises(OfficeHoursError, match="both"):
        OfficeHours(
            extra_days_off=frozenset({day("2027-12-31")}),
            extra_working_days=frozenset({day("2027-12-31")}),
        )
    with pytest.raises(OfficeHoursError, match="before"):
        OfficeHours(opens=dt.time(17, 30), closes=dt.time(9, 0))
    with pytest.raises(OfficeHoursError, match="not a date"):
        OfficeHours(extra_days_off=frozenset({dt.datetime(2027, 12, 31)}))


def test_load_office_hours_from_a_file(tmp_path: Path):
    path = tmp_path / "office_hours.toml"
    path.write_text(
        "# a decision\nextra_days_off = [2027-12-31, 2027-12-30]\nextra_working_days = [2027-12-18]\n",
        encoding="utf-8",
    )
    hours = load_office_hours(path)
    assert hours.extra_days_off == frozenset({day("2027-12-30"), day("2027-12-31")})
    assert hours.extra_working_days == frozenset({day("2027-12-18")})
    assert hours.opens == dt.time(9, 0)
    assert hours.closes == dt.time(17, 30)
    assert not hours.is_working_day(day("2027-12-30"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extra_day_off = [2027-12-31]\n", "unknown keys"),
        ("extra_days_off = 2027-12-31\n", "list of dates"),
        ('extra_days_off = ["2027-12-31"]\n', "not a date"),
        ("extra_days_off = [2027-12-31T00:00:00]\n", "not a date"),
        ("extra_days_off = [2027-12-31]\nextra_working_days = [2027-12-31]\n", "both"),
        ("extra_days_off = [\n", "office_hours.toml"),
    ],
)
def test_load_office_hours_rejects_bad_files(tmp_path: Path, text, message):
    path = tmp_path / "office_hours.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OfficeHoursError, match=message):
        load_office_hours(path)


def test_shipped_data_file_loads_and_adds_only_what_the_package_lacks():
    hours = load_office_hours()
    assert OFFICE_HOURS_FILE.name == "office_hours.toml"
    for extra in hours.extra_days_off:
        assert extra.weekday() < 5, f"{extra} is a weekend day already"
        assert HOURS.holiday_name(extra) is None, f"{extra} is already in the package"
    for extra in hours.extra_working_days:
        assert extra.weekday() >= 5, f"{extra} is a weekday already"


def test_an_opening_inside_the_skipped_dst_hour_is_a_real_instant():
    # Contrived settings: open at 03:30 on Sunday 29 March 2026, when 03:00-04:00 does not exist.
    hours = OfficeHours(opens=dt.time(3, 30), extra_working_days=frozenset({day("2026-03-29")}))
    opening = hours.next_opening(sofia("2026-03-28T20:00"))
    assert opening.astimezone(dt.UTC) == utc("2026-03-29T01:30")
    assert opening.replace(tzinfo=None) == dt.datetime(2026, 3, 29, 4, 30)
