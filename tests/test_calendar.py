"""WorkingCalendar: chinese_calendar working days, caller year files, and the errors."""

from __future__ import annotations

import datetime as dt
import json
import threading
from importlib.metadata import version
from pathlib import Path

import chinese_calendar
import pytest

from govrules._calendar import WorkingCalendar, as_date, default_calendar
from govrules._errors import CalendarError, InputError

D = dt.date
DATA = Path(__file__).parent / "data"
YEAR_2027 = DATA / "calendar-2027.yaml"
CAL = default_calendar()


def _cc_nth(day: dt.date, n: int) -> dt.date:
    """Independent oracle: walk chinese_calendar.is_workday directly."""
    step = dt.timedelta(days=1 if n > 0 else -1)
    left = abs(n)
    while left:
        day += step
        left -= chinese_calendar.is_workday(day)
    return day


def _write(tmp_path: Path, text: str, name: str = "2027.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- chinese_calendar days -------------------------------------------------------------------


@pytest.mark.parametrize("day", [D(2026, 9, 20), D(2026, 10, 10)])
def test_adjusted_weekend_is_a_working_day(day):
    """A 调休 Saturday/Sunday counts as a working day, as chinese_calendar says."""
    assert day.weekday() >= 5
    assert chinese_calendar.is_workday(day)
    assert CAL.is_workday(day)


@pytest.mark.parametrize("day", [D(2026, 10, 1), D(2026, 10, 5), D(2026, 10, 7)])
def test_national_day_weekdays_are_not_working_days(day):
    """Weekdays of the National Day holiday are rest days, not plain weekdays."""
    assert day.weekday() < 5
    assert not chinese_calendar.is_workday(day)
    assert not CAL.is_workday(day)


def test_ordinary_weekend_is_not_a_working_day():
    """A weekend with no 调休 (2026-10-11, Sunday) is a rest day."""
    assert not chinese_calendar.is_workday(D(2026, 10, 11))
    assert CAL.is_workday(D(2026, 10, 11)) is False


# -- counting --------------------------------------------------------------------------------


def test_two_working_days_before_national_day_meeting():
    """Two working days before 2026-10-08 is 2026-09-29: 10-01..10-07 are skipped."""
    assert CAL.add_working_days(D(2026, 10, 8), -2) == D(2026, 9, 29)
    assert chinese_calendar.find_workday(-2, D(2026, 10, 8)) == D(2026, 9, 29)


def test_two_working_days_before_counts_adjusted_sunday():
    """Two working days before 2026-09-21 is 2026-09-18: Sunday 09-20 is the first."""
    assert CAL.add_working_days("2026-09-21", -2) == D(2026, 9, 18)
    assert chinese_calendar.find_workday(-2, D(2026, 9, 21)) == D(2026, 9, 18)


@pytest.mark.parametrize(
    ("start", "n"),
    [
        (D(2026, 9, 30), 1),   # straight over National Day to 10-08
        (D(2026, 9, 24), 2),   # over Mid-autumn (09-25..27) to 09-29
        (D(2026, 10, 9), 1),   # Friday -> 调休 Saturday 10-10
        (D(2026, 9, 17), 10),
        (D(2026, 10, 12), -5),
        (D(2026, 1, 5), -3),   # back over New Year's Day into 2025
        (D(2025, 12, 29), 4),  # forward into 2026
    ],
)
def test_add_working_days_agrees_with_chinese_calendar(start, n):
    """add_working_days matches a direct walk over chinese_calendar.is_workday."""
    assert CAL.add_working_days(start, n) == _cc_nth(start, n)


def test_add_working_days_examples_by_hand():
    """Hand-checked values: +1 from 09-30 is 10-08, +1 from 10-09 is Saturday 10-10."""
    assert CAL.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert CAL.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert CAL.add_working_days(D(2026, 10, 8), 4) == D(2026, 10, 13)


def test_add_zero_working_days_is_rejected():
    """n == 0 is ambiguous (today? next?) and raises a ValueError naming n."""
    with pytest.raises(ValueError, match="^n: "):
        CAL.add_working_days(D(2026, 10, 8), 0)


def test_neighbours_and_on_or_after():
    """previous/next are strictly before/after; on_or_after keeps a working day itself."""
    assert CAL.previous_working_day(D(2026, 10, 8)) == D(2026, 9, 30)
    assert CAL.next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert CAL.next_working_day(D(2026, 10, 8)) == D(2026, 10, 9)
    assert CAL.on_or_after_working_day(D(2026, 10, 8)) == D(2026, 10, 8)
    assert CAL.on_or_after_working_day(D(2026, 10, 3)) == D(2026, 10, 8)
    assert CAL.on_or_after_working_day(D(2026, 10, 11)) == D(2026, 10, 12)


def test_working_days_between_counts_half_open_interval():
    """(a, b] is counted, skipping holidays; reversed arguments give the negative."""
    a, b = D(2026, 9, 28), D(2026, 10, 9)
    expected = sum(
        chinese_calendar.is_workday(a + dt.timedelta(days=k)) for k in range(1, (b - a).days + 1)
    )
    assert expected == 4  # 09-29, 09-30, 10-08, 10-09
    assert CAL.working_days_between(a, b) == 4
    assert CAL.working_days_between(b, a) == -4
    assert CAL.working_days_between(a, a) == 0
    # consistent with add_working_days: n working days after a is n days "between"
    assert CAL.working_days_between(a, CAL.add_working_days(a, 7)) == 7


# -- dates as input --------------------------------------------------------------------------


def test_strings_and_datetimes_are_accepted():
    """ISO strings and datetimes mean the same day as the date."""
    assert CAL.is_workday("2026-10-10") is True
    assert CAL.add_working_days(dt.datetime(2026, 10, 8, 9, 30), -2) == D(2026, 9, 29)
    assert as_date("2026-10-08T09:30") == D(2026, 10, 8)


@pytest.mark.parametrize("bad", ["2026-02-30", "2026", "2026-10", "next monday", "", 20261008, None])
def test_bad_date_is_an_input_error_naming_the_argument(bad):
    """A value that is not a complete date raises InputError naming the argument."""
    with pytest.raises(InputError) as info:
        CAL.is_workday(bad)
    assert info.value.path == "day"
    assert info.value.value == bad
    with pytest.raises(InputError) as info:
        CAL.working_days_between("2026-10-08", bad)
    assert info.value.path == "end"


# -- years without data ----------------------------------------------------------------------


def test_2027_is_not_covered_by_chinese_calendar_today():
    """The premise of the next tests: chinese_calendar 1.11.0 has no 2027 data."""
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))
    assert not CAL.covers(2027)
    assert CAL.covers(2026) and CAL.covers(2004)
    assert not CAL.covers(2003)


def test_crossing_into_uncovered_year_raises_calendar_error():
    """4 working days after 2026-12-30 needs 2027: CalendarError saying how to supply it."""
    with pytest.raises(CalendarError) as info:
        CAL.add_working_days(D(2026, 12, 30), 4)
    assert info.value.year == 2027
    message = str(info.value)
    assert "2027" in message
    assert "WorkingCalendar.from_file" in message and "--calendar" in message
    assert "2026-12-30" in message


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.is_workday(D(2027, 3, 1)),
        lambda c: c.holiday_name(D(2027, 1, 1)),
        lambda c: c.source(D(2027, 1, 1)),
        lambda c: c.add_working_days(D(2004, 1, 5), -5),
        lambda c: c.working_days_between(D(2026, 12, 1), D(2027, 1, 10)),
        lambda c: c.on_or_after_working_day(D(2030, 6, 1)),
    ],
)
def test_every_lookup_in_an_uncovered_year_raises(call):
    """No plain-weekday guess anywhere: each entry point raises CalendarError."""
    with pytest.raises(CalendarError):
        call(CAL)


# -- year files ------------------------------------------------------------------------------


def test_test_year_file_fills_2027():
    """With the (made-up) 2027 file, counting across the year boundary works."""
    cal = WorkingCalendar.from_file(YEAR_2027)
    assert cal.covers(2027) and cal.covers(2026)
    # 12-31 (Thu, chinese_calendar), then 2027-01-01 is a file holiday, 01-02/03 weekend.
    assert chinese_calendar.is_workday(D(2026, 12, 31))
    assert cal.add_working_days(D(2026, 12, 30), 4) == D(2027, 1, 6)
    assert cal.add_working_days(D(2027, 1, 4), -1) == D(2026, 12, 31)
    assert cal.add_working_days(D(2027, 1, 4), -2) == D(2026, 12, 30)
    assert cal.is_workday(D(2027, 2, 14))  # listed 调休 Sunday
    assert not cal.is_workday(D(2027, 2, 8))  # Monday inside 春节
    assert cal.is_workday(D(2027, 3, 1))  # ordinary Monday
    assert not cal.is_workday(D(2027, 3, 6))  # ordinary Saturday
    assert cal.next_working_day(D(2027, 2, 4)) == D(2027, 2, 12)


def test_year_file_does_not_change_other_years():
    """Years the file does not cover still come from chinese_calendar."""
    cal = WorkingCalendar.from_file(YEAR_2027)
    assert cal.add_working_days(D(2026, 10, 8), -2) == D(2026, 9, 29)
    assert cal.is_workday(D(2026, 9, 20))
    assert not cal.covers(2028)
    with pytest.raises(CalendarError):
        cal.is_workday(D(2028, 1, 3))


def test_source_names_the_deciding_data():
    """source() is 'chinese_calendar <installed version>' or the year file's path."""
    cal = WorkingCalendar.from_file(YEAR_2027)
    assert cal.source(D(2026, 5, 1)) == f"chinese_calendar {version('chinese-calendar')}"
    assert cal.source("2027-05-01") == str(YEAR_2027)
    assert WorkingCalendar.from_mapping({"year": 2027, "holidays": []}, source="mem").source(
        D(2027, 1, 1)
    ) == "mem"


def test_holiday_names():
    """Chinese names from chinese_calendar's Holiday enum or the file; None otherwise."""
    cal = WorkingCalendar.from_file(YEAR_2027)
    assert cal.holiday_name(D(2026, 10, 3)) == "国庆节"
    assert cal.holiday_name(D(2026, 9, 26)) == "中秋"
    assert cal.holiday_name(D(2026, 1, 1)) == "元旦"
    assert cal.holiday_name(D(2026, 10, 10)) is None  # 调休 working Saturday
    assert cal.holiday_name(D(2026, 10, 11)) is None  # ordinary Sunday
    assert cal.holiday_name(D(2026, 10, 9)) is None  # ordinary Friday
    assert cal.holiday_name(D(2027, 2, 9)) == "春节"
    assert cal.holiday_name(D(2027, 2, 14)) is None
    unnamed = WorkingCalendar.from_mapping({"year": 2027, "holidays": ["2027-01-01"]})
    assert unnamed.holiday_name(D(2027, 1, 1)) is None
    assert not unnamed.is_workday(D(2027, 1, 1))


def test_year_file_overrides_chinese_calendar_for_its_year(tmp_path):
    """A caller file for 2026 replaces chinese_calendar's 2026 for that whole year."""
    path = _write(tmp_path, "year: 2026\nholidays: ['2026-10-01']\nworkdays: []\n", "2026.yaml")
    cal = WorkingCalendar.from_file(path)
    # chinese_calendar says 10-05 is a holiday and 09-20 a working Sunday; the file says neither
    assert not chinese_calendar.is_workday(D(2026, 10, 5))
    assert cal.is_workday(D(2026, 10, 5))
    assert chinese_calendar.is_workday(D(2026, 9, 20))
    assert not cal.is_workday(D(2026, 9, 20))
    assert cal.source(D(2026, 10, 5)) == str(path)
    assert cal.source(D(2025, 10, 5)).startswith("chinese_calendar ")
    # the process-wide module is untouched: the default calendar still agrees with it
    assert not CAL.is_workday(D(2026, 10, 5))


def test_json_year_file_and_several_years(tmp_path):
    """.json files load too; from_files and with_year_file combine years."""
    j = _write(tmp_path, json.dumps({"year": 2028, "holidays": ["2028-01-03"]}), "2028.json")
    cal = WorkingCalendar.from_files(YEAR_2027, j)
    assert cal.covers(2027) and cal.covers(2028)
    assert not cal.is_workday(D(2028, 1, 3))  # a Monday made a holiday
    assert dict(cal.year_files) == {2027: str(YEAR_2027), 2028: str(j)}
    assert WorkingCalendar.from_file(YEAR_2027).with_year_file(j) == cal


def test_with_year_file_replaces_same_year_and_returns_new_calendar(tmp_path):
    """with_year_file leaves the original alone and replaces a file for the same year."""
    base = WorkingCalendar.from_file(YEAR_2027)
    other = _write(tmp_path, "year: 2027\nholidays: ['2027-03-01']\n")
    replaced = base.with_year_file(other)
    assert base.is_workday(D(2027, 3, 1)) and not replaced.is_workday(D(2027, 3, 1))
    assert replaced.is_workday(D(2027, 2, 8))  # the old file's 春节 is gone
    assert replaced.source(D(2027, 3, 1)) == str(other)


def test_two_files_for_one_year_is_an_error(tmp_path):
    """from_files refuses two files for the same year instead of picking one."""
    other = _write(tmp_path, "year: 2027\nholidays: []\n")
    with pytest.raises(InputError, match="year"):
        WorkingCalendar.from_files(YEAR_2027, other)


@pytest.mark.parametrize(
    ("text", "field", "bad"),
    [
        ("year: 2027\nholidays: ['2027-01-01', '2026-12-31']\n", "holidays[1]", "2026-12-31"),
        ("year: 2027\nholidays: ['2027-02-11..2027-02-05']\n", "holidays[0]", "2027-02-11..2027-02-05"),
        ("year: 2027\nholidays: ['2027-01-01', '2027-13-01']\n", "holidays[1]", "2027-13-01"),
        ("year: 2027\nholidays: ['2027-12-30..2028-01-02']\n", "holidays[0]", "2027-12-30..2028-01-02"),
        ("year: 2027\nholidays: [20270101]\n", "holidays[0]", 20270101),
        ("year: 2027\nholidays: []\nworkdays: ['2027-02-15']\n", "workdays[0]", "Monday"),
        (
            "year: 2027\nholidays: ['2027-02-05..2027-02-14']\nworkdays: ['2027-02-13', '2027-02-14']\n",
            "workdays[0]",
            "2027-02-13",
        ),
        ("year: 2027\nholidays: []\nholiday: ['2027-01-01']\n", "holiday", "holiday"),
        ("holidays: ['2027-01-01']\n", "year", None),
        ("year: '2027'\nholidays: []\n", "year", "2027"),
        ("year: 2027\n", "holidays", None),
        ("year: 2027\nholidays: '2027-01-01'\n", "holidays", "2027-01-01"),
        ("year: 2027\nholidays: ['2027-01-01']\nnames: {'2027-01-02': 元旦}\n", "names['2027-01-02']", "2027-01-02"),
        ("year: 2027\nholidays: ['2027-01-01']\nnames: {'2027-01-01': ''}\n", "names['2027-01-01']", ""),
    ],
)
def test_malformed_year_file_names_file_and_field(tmp_path, text, field, bad):
    """Each malformed year file raises InputError with 'file: field' and the bad value."""
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as info:
        WorkingCalendar.from_file(path)
    assert info.value.path == f"{path}: {field}"
    if bad is not None:
        assert bad == info.value.value or bad in str(info.value.value)


def test_unquoted_yaml_dates_are_read_and_timestamps_refused(tmp_path):
    """YAML reads unquoted 2027-03-01 as a date (accepted); a timestamp is refused."""
    ok = _write(tmp_path, "year: 2027\nholidays: [2027-03-01]\nnames: {2027-03-01: 测试}\n")
    cal = WorkingCalendar.from_file(ok)
    assert not cal.is_workday(D(2027, 3, 1)) and cal.holiday_name(D(2027, 3, 1)) == "测试"
    bad = _write(tmp_path, "year: 2027\nholidays: [2027-03-01 10:00:00]\n", "bad.yaml")
    with pytest.raises(InputError) as info:
        WorkingCalendar.from_file(bad)
    assert info.value.path == f"{bad}: holidays[0]"


def test_malformed_mapping_names_source():
    """from_mapping errors use the caller's source name."""
    with pytest.raises(InputError) as info:
        WorkingCalendar.from_mapping({"year": 2027, "holidays": ["x"]}, source="notice-2027")
    assert info.value.path == "notice-2027: holidays[0]"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("2027.yaml", "year: 2027\nholidays: [\n", "valid YAML"),
        ("2027.yaml", "- 2027\n", "mapping"),
        ("2027.json", '{"year": 2027, "year": 2028, "holidays": []}', "valid JSON"),
        ("2027.txt", "year: 2027\n", ".yaml"),
    ],
)
def test_unreadable_year_file_is_an_input_error(tmp_path, name, text, expected):
    """Syntax errors, non-mappings, duplicate keys and wrong extensions name the file."""
    path = _write(tmp_path, text, name)
    with pytest.raises(InputError) as info:
        WorkingCalendar.from_file(path)
    assert info.value.path == str(path)
    assert expected in info.value.expected


def test_missing_year_file_is_an_input_error(tmp_path):
    """A path that does not exist is an InputError naming it, not an OSError."""
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        WorkingCalendar.from_file(path)
    assert info.value.path == str(path)


def test_failed_load_leaves_calendar_unchanged(tmp_path):
    """A bad file added to a calendar raises and the calendar keeps its old answers."""
    base = WorkingCalendar.from_file(YEAR_2027)
    bad = _write(tmp_path, "year: 2027\nholidays: ['2027-03-01', 'oops']\n")
    with pytest.raises(InputError):
        base.with_year_file(bad)
    assert base.is_workday(D(2027, 3, 1))
    assert base.source(D(2027, 3, 1)) == str(YEAR_2027)


# -- sharing ---------------------------------------------------------------------------------


def test_repr_names_the_sources():
    """repr shows which data the calendar uses, not thousands of dates."""
    assert repr(CAL) == f"WorkingCalendar(chinese_calendar {version('chinese-calendar')})"
    assert repr(WorkingCalendar.from_file(YEAR_2027)).endswith(f", 2027: {str(YEAR_2027)!r})")


def test_calendar_is_immutable_and_default_is_shared():
    """Attributes cannot be set; default_calendar() is one shared instance."""
    with pytest.raises(AttributeError):
        CAL._years = ()  # type: ignore[misc]
    assert default_calendar() is default_calendar()
    assert WorkingCalendar() == default_calendar()


def test_threads_get_identical_answers():
    """Four threads counting over the same days get the same results as one thread."""
    cal = WorkingCalendar.from_file(YEAR_2027)
    starts = [D(2026, 1, 1) + dt.timedelta(days=k) for k in range(0, 360, 3)]
    expected = [cal.add_working_days(s, 5) for s in starts]
    results: list[list[dt.date]] = []

    def work() -> None:
        results.append([cal.add_working_days(s, 5) for s in starts])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4
