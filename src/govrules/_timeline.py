"""The time nodes around one mayor's office meeting (附件1, 四（三）) and the biweekly schedule.

Every count is in Chinese working days from a WorkingCalendar (statutory holidays skipped,
调休 weekends counted), never plain weekdays; see docs/calendar.md and docs/timeline.md.
The counts are not written here: each node is declared once in a rule file (``time_nodes:`` in
meeting.yaml, and minutes.yaml for the minutes), and the verdicts read the same declaration.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import attrs
from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, rrule

from . import _catalogue
from ._calendar import DateLike, WorkingCalendar, as_date, default_calendar
from ._errors import CalendarError, GovrulesError, InputError
from ._model import TimeNodeSpec
from ._rulesets import runner

__all__ = ["Deadline", "ScheduledMeeting", "Timeline", "meeting_schedule", "meeting_timeline"]

_WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_WEEKEND = "周末"
_MAX_MEETINGS = 1000  # a schedule longer than ~38 years is a typo, not a plan

# The six keys of Timeline.to_dict() (CONTRACT §4), in the order the annex lists them.
KEYS = ("agenda_cutoff", "materials_reviewed_by", "notice_by", "attendance_confirmed_by", "minutes_due",
        "next_meeting_by")
# The rule files that declare them (the minutes' node lives with the minutes verdict).
_DECLARED_IN = ("meeting", "minutes")


def declared_nodes(specs: Any = None) -> dict[str, TimeNodeSpec]:
    """The time nodes by key, from the shipped meeting and minutes rule files (or the given specs)."""
    if specs is None:
        specs = [runner(name).spec for name in _DECLARED_IN]
    nodes = {n.key: n for spec in specs for n in spec.time_nodes}
    missing = [k for k in KEYS if k not in nodes]
    if missing:  # pragma: no cover - the shipped files declare all six (a test checks it)
        raise KeyError(f"time nodes not declared in the rule files: {', '.join(missing)}")
    return nodes


def weekday_zh(day: dt.date) -> str:
    """星期一 … 星期日."""
    return _WEEKDAY_ZH[day.weekday()]


@attrs.frozen
class Deadline:
    """One time node: its key, date, the clause that sets it and what is due."""

    key: str
    date: dt.date
    clause: str
    what: str

    @property
    def label(self) -> str:
        return _catalogue.clause(self.clause).label

    def to_dict(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "clause": self.clause}


@attrs.frozen
class Timeline:
    """The deadlines around one mayor's office meeting on ``meeting_date``.

    ``to_dict()`` maps each of the six keys (CONTRACT §4) to ``{"date", "clause"}``.
    """

    meeting_date: dt.date
    agenda_cutoff: dt.date
    materials_reviewed_by: dt.date
    notice_by: dt.date
    attendance_confirmed_by: dt.date
    minutes_due: dt.date
    next_meeting_by: dt.date
    calendar: str  # which data decided the working days: "chinese_calendar 1.11.0", a year file, or both
    meeting_is_workday: bool = True
    nodes: Any = attrs.field(default=None, eq=False, repr=False)  # the declarations it was computed from

    def deadlines(self) -> tuple[Deadline, ...]:
        """The six time nodes in the annex's order (also date order)."""
        nodes = self.nodes or declared_nodes()
        return tuple(Deadline(key, getattr(self, key), nodes[key].clause, nodes[key].what) for key in KEYS)

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {d.key: d.to_dict() for d in self.deadlines()}


def meeting_timeline(date: DateLike, calendar: WorkingCalendar | None = None, *,
                     nodes: Mapping[str, TimeNodeSpec] | None = None) -> Timeline:
    """The agenda cutoff, notice, attendance, minutes and next-meeting deadlines for a meeting on ``date``.

    Each deadline is counted as its rule file declares it (``nodes``: by default the shipped
    meeting and minutes files). Raises CalendarError (naming the year and the deadline that
    needed it) when a count reaches a year the calendar has no data for, e.g. the minutes of
    2026-12-30 need 2027.
    """
    day = as_date(date, "date")
    cal = _calendar(calendar)
    nodes = dict(nodes) if nodes is not None else declared_nodes()
    sources: set[str] = set()

    def count(node: TimeNodeSpec) -> dt.date:
        sign = -1 if node.direction == "before" else 1
        if node.unit == "days":
            return day + dt.timedelta(days=sign * node.count)  # calendar days, not working days
        try:
            out = cal.add_working_days(day, sign * node.count)
            sources.update({cal.source(day), cal.source(out)})
        except CalendarError as exc:
            raise CalendarError(
                exc.year,
                detail=f"needed for {node.key} ({_catalogue.clause(node.clause).label}): "
                       f"{node.count} working days {node.direction} {day.isoformat()}",
            ) from None
        return out

    return Timeline(
        meeting_date=day,
        **{key: count(nodes[key]) for key in KEYS},
        calendar=" + ".join(sorted(sources)),
        meeting_is_workday=cal.is_workday(day),
        nodes=nodes,
    )


@attrs.frozen
class ScheduledMeeting:
    """One meeting of a biweekly plan: the planned day, the working day it is held, and why it moved."""

    planned: dt.date
    date: dt.date
    moved_by: tuple[str, ...] = ()  # holiday names (or 周末) of the rest days skipped; empty if not moved

    @property
    def moved(self) -> bool:
        return self.date != self.planned

    def to_dict(self) -> dict[str, Any]:
        return {"planned": self.planned.isoformat(), "date": self.date.isoformat(),
                "moved_by": list(self.moved_by)}


def meeting_schedule(start: DateLike, *, until: DateLike | None = None, count: int | None = None,
                     calendar: WorkingCalendar | None = None) -> tuple[ScheduledMeeting, ...]:
    """Meetings every two weeks from ``start``, each moved forward to a working day.

    Give ``until`` (inclusive) or ``count``; with neither, the plan covers one quarter
    (three months from ``start``). A planned day that is a rest day moves to the next
    working day, and the holidays it skipped are named.
    """
    first = as_date(start, "start")
    cal = _calendar(calendar)
    # 「一般每两周召开一次」, as the meeting rule file declares it: a planned day every N calendar
    # days (a count in working days would plan on working days, which the schedule then moves to).
    interval = declared_nodes()["next_meeting_by"].count
    if count is not None and until is not None:
        raise InputError("count", "either until or count, not both", count)
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= _MAX_MEETINGS:
            raise InputError("count", f"a number of meetings from 1 to {_MAX_MEETINGS}", count)
        planned = rrule(DAILY, interval=interval, dtstart=_midnight(first), count=count)
    else:
        try:
            last = as_date(until, "until") if until is not None else first + relativedelta(months=3, days=-1)
        except GovrulesError:
            raise
        except (ValueError, OverflowError):  # a quarter past 9999-12-31: no calendar covers it anyway
            raise InputError("start", "a date whose quarter ends by 9999-12-31", first.isoformat()) from None
        if last < first:
            raise InputError("until", f"a date on or after start ({first.isoformat()})", last.isoformat())
        if (last - first).days // interval >= _MAX_MEETINGS:
            raise InputError("until", f"a plan of at most {_MAX_MEETINGS} meetings", last.isoformat())
        planned = rrule(DAILY, interval=interval, dtstart=_midnight(first), until=_midnight(last))
    out = []
    try:
        for p in planned:
            try:
                out.append(_move_to_working_day(p.date(), cal))
            except CalendarError as exc:
                raise CalendarError(exc.year, detail=f"needed for the meeting planned on {p.date().isoformat()}") from None
    except GovrulesError:
        raise
    except (ValueError, OverflowError):  # the plan ran past 9999-12-31 (datetime's last day)
        raise InputError("start", "a plan ending by 9999-12-31", first.isoformat()) from None
    return tuple(out)


def _move_to_working_day(planned: dt.date, cal: WorkingCalendar) -> ScheduledMeeting:
    held = cal.on_or_after_working_day(planned)
    names: list[str] = []
    day = planned
    while day < held:
        name = cal.holiday_name(day) or _WEEKEND
        if name not in names:
            names.append(name)
        day += dt.timedelta(days=1)
    return ScheduledMeeting(planned=planned, date=held, moved_by=tuple(names))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _calendar(calendar: Any) -> WorkingCalendar:
    if calendar is None:
        return default_calendar()
    if not isinstance(calendar, WorkingCalendar):
        raise InputError("calendar", "a govrules.WorkingCalendar", calendar)
    return calendar
