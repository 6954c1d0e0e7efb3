"""Working days: chinese_calendar, with caller-supplied year files layered on top.

A "working day" is a day chinese_calendar (or a caller's year file) marks as one: 调休
weekends count, statutory holidays do not. Nothing here ever falls back to plain weekdays;
a year without data raises CalendarError.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, NamedTuple, Union

import attrs

from ._errors import CalendarError, InputError

# chinese_calendar and dateutil are imported where a day is first looked up or parsed, not at
# import: most rulesets never count a working day, and `import govrules` + a first verdict
# should not pay ~15-40 ms for them (start-up, docs/performance.md).

__all__ = ["WorkingCalendar", "default_calendar", "as_date", "DateLike"]

DateLike = Union[_dt.date, str]
PathLike = Union[str, "os.PathLike[str]"]

_ONE_DAY = _dt.timedelta(days=1)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_YEAR_FILE_KEYS = ("year", "holidays", "workdays", "names")
# Deadlines count working days across year ends: a file for year 1 or 9999 made that count
# leave datetime's range (OverflowError). Any year a notice can be for lies well inside this.
YEAR_FILE_FIRST, YEAR_FILE_LAST = 1900, 2999
_RANGE_SEP = ".."
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# isoparse happily reads "2026" and "2026-10" as the first of the period; for a deadline
# that is a silent guess, so only complete dates are accepted.
_PARTIAL_ISO = re.compile(r"\d{4}(-\d{2})?")


def _cc_version() -> str:
    import chinese_calendar  # deferred: see the note at the imports

    # The module's own __version__ first: importlib.metadata costs ~40 ms at import time.
    found = getattr(chinese_calendar, "__version__", None)
    if found:
        return str(found)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinese-calendar")
    except PackageNotFoundError:  # vendored or unusual install: still name the data
        return "unknown"


@functools.lru_cache(maxsize=None)
def chinese_calendar_source() -> str:
    """``"chinese_calendar <version>"``: what decides a day no year file covers."""
    return f"chinese_calendar {_cc_version()}"


@functools.lru_cache(maxsize=None)
def _cc_years() -> tuple[int, int]:
    """The first and last year chinese_calendar has data for (its own _validate_date's bounds)."""
    import chinese_calendar.constants  # deferred: see the note at the imports

    holidays = chinese_calendar.constants.holidays  # read, never modified
    return min(holidays).year, max(holidays).year


def _cc_covers(year: int) -> bool:
    first, last = _cc_years()
    return first <= year <= last


@functools.lru_cache(maxsize=None)
def _cc_day(day: _dt.date) -> tuple[bool, str | None]:
    """(is working day, Chinese holiday name) from chinese_calendar.

    Cached process-wide because chinese_calendar's data is process-wide and each call costs
    ~21 µs; only covered years reach here, so the cache is bounded (~8,400 days).
    """
    import chinese_calendar  # deferred: see the note at the imports
    from chinese_calendar.constants import Holiday

    try:
        working = chinese_calendar.is_workday(day)
        is_holiday, english = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError as exc:
        raise CalendarError(day.year, detail=str(exc)) from None
    name = None
    if is_holiday and english is not None:
        try:
            name = Holiday(english).chinese
        except ValueError:  # a holiday added to a newer chinese_calendar enum
            name = english
    return bool(working), name


def as_date(value: Any, path: str = "date") -> _dt.date:
    """A ``date``, ``datetime`` (its date) or complete ISO string as a ``date``.

    Anything else is an InputError naming ``path``.
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return _dt.date(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DAY.fullmatch(text):
            # The common case without dateutil (deferred: ~15 ms to import). A valid
            # YYYY-MM-DD reads the same either way; an invalid one (2026-02-30) takes the
            # isoparse path below, so it is refused exactly as before.
            try:
                return _dt.date.fromisoformat(text)
            except ValueError:
                pass
        if text and not _PARTIAL_ISO.fullmatch(text):
            from dateutil.parser import isoparse

            try:
                return isoparse(text).date()
            except (ValueError, OverflowError):
                pass
        raise InputError(path, "a date as YYYY-MM-DD", value)
    raise InputError(path, "a date (datetime.date or YYYY-MM-DD string)", value)


class _YearData(NamedTuple):
    """One caller-supplied year: the State Council's notice as data."""

    # A NamedTuple, not an attrs class: equal and hashed by its values as a WorkingCalendar needs,
    # without an attrs class built at every import (~0.5 ms of a warm first verdict).
    year: int
    source: str
    holidays: frozenset[_dt.date]
    workdays: frozenset[_dt.date]
    names: tuple[tuple[_dt.date, str], ...]

    def is_workday(self, day: _dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def holiday_name(self, day: _dt.date) -> str | None:
        if day in self.holidays:
            for named, name in self.names:  # a notice names a few dozen days at most
                if named == day:
                    return name
        return None


@attrs.frozen(repr=False)
class WorkingCalendar:
    """Which days are working days, and counting in working days.

    ``WorkingCalendar()`` uses the installed chinese_calendar only. Year files layer over it:
    a file's year replaces chinese_calendar for that whole year; other years still come from
    chinese_calendar. Immutable (``with_year_file`` returns a new calendar), so one instance
    can be shared between threads.
    """

    # Sorted by year so equal data gives equal (and equally hashed) calendars.
    _years: tuple[_YearData, ...] = attrs.field(
        default=(), alias="_years", converter=lambda ys: tuple(sorted(ys, key=lambda y: y.year))
    )
    _by_year: Mapping[int, _YearData] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        by_year: dict[int, _YearData] = {}
        for data in self._years:
            if data.year in by_year:
                raise InputError(
                    f"{data.source}: year",
                    f"a year not already supplied by {by_year[data.year].source}",
                    data.year,
                )
            by_year[data.year] = data
        object.__setattr__(self, "_by_year", MappingProxyType(by_year))

    def __repr__(self) -> str:
        files = "".join(f", {d.year}: {d.source!r}" for d in self._years)
        return f"WorkingCalendar({chinese_calendar_source()}{files})"

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: PathLike) -> WorkingCalendar:
        """chinese_calendar plus one year file (``.yaml``/``.yml``/``.json``)."""
        return cls(_years=(_load_year_file(path),))

    @classmethod
    def from_files(cls, *paths: PathLike) -> WorkingCalendar:
        """chinese_calendar plus several year files; two files for one year is an error."""
        return cls(_years=tuple(_load_year_file(p) for p in paths))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<mapping>") -> WorkingCalendar:
        """chinese_calendar plus one year given as already-parsed data; errors name ``source``."""
        return cls(_years=(_parse_year(data, source),))

    def with_year_file(self, path: PathLike) -> WorkingCalendar:
        """A new calendar with this year file on top (replacing a file for the same year)."""
        return self._with(_load_year_file(path))

    def with_mapping(self, data: Mapping[str, Any], source: str = "<mapping>") -> WorkingCalendar:
        """A new calendar with this parsed year on top (replacing a file for the same year)."""
        return self._with(_parse_year(data, source))

    def _with(self, data: _YearData) -> WorkingCalendar:
        kept = tuple(y for y in self._years if y.year != data.year)
        return WorkingCalendar(_years=kept + (data,))

    # -- single days --------------------------------------------------------------------

    def covers(self, year: int) -> bool:
        """Whether this calendar has data for ``year``."""
        return year in self._by_year or _cc_covers(year)

    @property
    def year_files(self) -> Mapping[int, str]:
        """Caller-supplied years and the file (source) each came from."""
        return MappingProxyType({y: d.source for y, d in sorted(self._by_year.items())})

    def source(self, day: DateLike) -> str:
        """What decides ``day``: ``"chinese_calendar <version>"`` or the year file's path."""
        d = as_date(day, "day")
        data = self._by_year.get(d.year)
        if data is not None:
            return data.source
        if _cc_covers(d.year):
            return chinese_calendar_source()
        raise CalendarError(d.year)

    def is_workday(self, day: DateLike) -> bool:
        """Whether ``day`` is a working day (调休 weekends are; statutory holidays are not)."""
        return self._is_workday(as_date(day, "day"))

    def holiday_name(self, day: DateLike) -> str | None:
        """The Chinese name of the holiday ``day`` is a rest day of (e.g. 国庆节), else None.

        None for working days (调休 weekends included) and ordinary weekends; for a year
        file, None also for holidays the file's ``names`` does not name.
        """
        d = as_date(day, "day")
        data = self._by_year.get(d.year)
        if data is not None:
            return data.holiday_name(d)
        self._check_covered(d)
        return _cc_day(d)[1]

    # -- counting -----------------------------------------------------------------------

    def add_working_days(self, day: DateLike, n: int) -> _dt.date:
        """The n-th working day strictly after ``day`` (n > 0) or strictly before (n < 0)."""
        if isinstance(n, bool) or not isinstance(n, int):
            raise InputError("n", "a whole number of working days", n)
        if n == 0:
            raise InputError("n", "a non-zero number of working days (0 is ambiguous)", n)
        start = d = as_date(day, "day")
        self._check_covered(d)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        try:
            while remaining:
                d += step
                if self._is_workday(d):
                    remaining -= 1
        except CalendarError as exc:
            where = "after" if n > 0 else "before"
            raise CalendarError(
                exc.year, detail=f"needed to count {abs(n)} working days {where} {start}"
            ) from None
        return d

    def next_working_day(self, day: DateLike) -> _dt.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def previous_working_day(self, day: DateLike) -> _dt.date:
        """The last working day strictly before ``day``."""
        return self.add_working_days(day, -1)

    def on_or_after_working_day(self, day: DateLike) -> _dt.date:
        """``day`` itself if it is a working day, else the next working day."""
        d = as_date(day, "day")
        return d if self._is_workday(d) else self.add_working_days(d, 1)

    def working_days_between(self, start: DateLike, end: DateLike) -> int:
        """Working days in (start, end]; negative (minus those in (end, start]) if end < start."""
        a = as_date(start, "start")
        b = as_date(end, "end")
        self._check_covered(a)
        self._check_covered(b)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count = 0
        d = a
        while d < b:  # both ends are covered, but a year in between may not be
            d += _ONE_DAY
            count += self._is_workday(d)
        return sign * count

    # -- internals ----------------------------------------------------------------------

    def _check_covered(self, d: _dt.date) -> None:
        if not self.covers(d.year):
            raise CalendarError(d.year)

    def _is_workday(self, d: _dt.date) -> bool:
        data = self._by_year.get(d.year)
        if data is not None:
            return data.is_workday(d)
        if not _cc_covers(d.year):
            raise CalendarError(d.year)
        return _cc_day(d)[0]


_DEFAULT = WorkingCalendar()


def default_calendar() -> WorkingCalendar:
    """The shared chinese_calendar-only calendar (immutable, so sharing is safe)."""
    return _DEFAULT


# -- year files -----------------------------------------------------------------------------


def _load_year_file(path: PathLike) -> _YearData:
    name = os.fspath(path)
    suffix = Path(name).suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise InputError(name, "a year file ending in .yaml, .yml or .json", suffix or name)
    try:
        text = Path(name).read_text(encoding="utf-8-sig")  # a BOM (Windows editors) is not content
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(name, "a readable UTF-8 year file", str(exc)) from None
    if suffix == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        except ValueError as exc:
            raise InputError(name, "valid JSON", str(exc)) from None
    else:
        # Imported here: ruamel.yaml is only needed by callers who load YAML year files.
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            # A fresh loader per file: YAML instances are not safe to share across threads.
            data = YAML(typ="safe", pure=True).load(text)
        except (YAMLError, ValueError, TypeError) as exc:
            raise InputError(name, "valid YAML", " ".join(str(exc).split())) from None
    return _parse_year(data, name)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _parse_year(data: Any, source: str) -> _YearData:
    """Validate a whole year before building anything, so nothing is ever half-loaded."""
    if not isinstance(data, Mapping):
        raise InputError(source, "a mapping with keys year, holidays, workdays", data)
    unknown = [k for k in data if k not in _YEAR_FILE_KEYS]
    if unknown:
        raise InputError(
            f"{source}: {unknown[0]}", f"no such key (allowed: {', '.join(_YEAR_FILE_KEYS)})",
            unknown[0],
        )
    if "year" not in data:
        raise InputError(f"{source}: year", "the year this file is the notice for (e.g. 2027)")
    year = data["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not YEAR_FILE_FIRST <= year <= YEAR_FILE_LAST:
        raise InputError(f"{source}: year", f"a year such as 2027 ({YEAR_FILE_FIRST}-{YEAR_FILE_LAST})", year)
    if "holidays" not in data:
        raise InputError(f"{source}: holidays", "the list of days off (dates or ranges)")

    holidays: dict[_dt.date, str] = {}  # day -> the entry it came from, for messages
    for i, entry in _items(data, "holidays", source):
        for day in _days(entry, year, f"{source}: holidays[{i}]"):
            holidays.setdefault(day, f"holidays[{i}]")

    workdays: set[_dt.date] = set()
    for i, entry in _items(data, "workdays", source):
        where = f"{source}: workdays[{i}]"
        for day in _days(entry, year, where):
            if day.weekday() < 5:
                raise InputError(
                    where, "a Saturday or Sunday (Monday-Friday are working days already)",
                    f"{day.isoformat()} is a {_WEEKDAYS[day.weekday()]}",
                )
            if day in holidays:
                raise InputError(
                    where, f"a day that is not also a holiday (see {holidays[day]})",
                    day.isoformat(),
                )
            workdays.add(day)

    names: dict[_dt.date, str] = {}
    raw_names = data.get("names", {})
    if raw_names is None:
        raw_names = {}
    if not isinstance(raw_names, Mapping):
        raise InputError(f"{source}: names", "a mapping of date or range to holiday name", raw_names)
    for key, name in raw_names.items():
        where = f"{source}: names[{key!r}]" if not isinstance(key, _dt.date) else (
            f"{source}: names[{key.isoformat()!r}]"
        )
        if not isinstance(name, str) or not name.strip():
            raise InputError(where, "a holiday name such as 春节", name)
        for day in _days(key, year, where):
            if day not in holidays:
                raise InputError(where, "only days listed in holidays", day.isoformat())
            names[day] = name.strip()

    return _YearData(
        year=year,
        source=source,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        names=tuple(sorted(names.items())),
    )


def _items(data: Mapping[str, Any], key: str, source: str) -> Iterable[tuple[int, Any]]:
    value = data.get(key, [])
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise InputError(f"{source}: {key}", "a list of dates or date ranges", value)
    return enumerate(value)


def _days(entry: Any, year: int, where: str) -> list[_dt.date]:
    """Every day of one entry: ``2027-01-01``, or ``2027-02-05..2027-02-11`` inclusive."""
    if isinstance(entry, _dt.date) and not isinstance(entry, _dt.datetime):
        first = last = entry  # YAML reads an unquoted 2027-01-01 as a date
    elif isinstance(entry, str):
        parts = entry.split(_RANGE_SEP)
        if len(parts) > 2:
            raise InputError(where, "YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", entry)
        first = _strict_day(parts[0], entry, where)
        last = _strict_day(parts[-1], entry, where)
        if last < first:
            raise InputError(where, "a range whose end is not before its start", entry)
    else:
        raise InputError(where, "YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", entry)
    for day in (first, last):
        if day.year != year:
            raise InputError(where, f"dates in {year} (the file's year)", _show(entry))
    return [first + _dt.timedelta(days=k) for k in range((last - first).days + 1)]


def _strict_day(text: str, entry: str, where: str) -> _dt.date:
    text = text.strip()
    if _ISO_DAY.fullmatch(text):
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise InputError(where, "YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", entry)


def _show(entry: Any) -> Any:
    return entry.isoformat() if isinstance(entry, _dt.date) else entry
