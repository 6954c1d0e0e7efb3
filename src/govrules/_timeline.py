"""The time nodes around one meeting and the schedule of meetings, as the rule files declare them.

Every count is in Chinese working days from a WorkingCalendar (statutory holidays skipped,
调休 weekends counted), never plain weekdays; see docs/calendar.md and docs/timeline.md.
Nothing about the meeting is written here: the rule file with a ``timeline:`` key (meeting.yaml)
names the meeting, the other rule files whose ``time_nodes:`` join its own (minutes.yaml) and
the node that spaces a schedule; the nodes' keys, counts, clauses and headings (``what``) are
the files' ``time_nodes``, and the verdicts read the same declarations.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from typing import Any, Iterable, Mapping

import attrs
from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, rrule

from . import _catalogue
from ._calendar import DateLike, WorkingCalendar, as_date, default_calendar
from ._errors import CalendarError, GovrulesError, InputError, RulesetError
from ._model import RulesetSpec, TimelineSpec, TimeNodeSpec
from ._rulesets import ACTIVE_PACK, available, ruleset_dir, runner
from ._suggest import did_you_mean

__all__ = ["Deadline", "ScheduledMeeting", "Timeline", "meeting_schedule", "meeting_timeline"]

_WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_WEEKEND = "周末"
_MAX_MEETINGS = 1000  # a schedule longer than ~38 years is a typo, not a plan



def _shipped() -> tuple[RulesetSpec, ...]:
    """The rule file in effect (shipped, or the active regulation pack's) that declares a
    ``timeline``, then the files it includes, in its order."""
    pack = ACTIVE_PACK.get()
    key = _SHIPPED if pack is None else pack
    with _specs_lock:
        found = _timeline_specs.get(key)
    if found is None:
        found = _declaring(available())  # outside the lock: it loads rule files
        with _specs_lock:
            found = _timeline_specs.setdefault(key, found)
    return found


class _Shipped:
    """The key of the shipped rules' entry (None cannot be a weak key); this module holds it for good."""


# By the pack in effect, held weakly: a pack no longer used (edited and loaded again, or evicted
# from Pack.load's cache) is freed with its runners.
_timeline_specs: weakref.WeakKeyDictionary[Any, tuple[RulesetSpec, ...]] = weakref.WeakKeyDictionary()
_SHIPPED = _Shipped()
_specs_lock = threading.Lock()


class NoTimelineError(RulesetError):
    """No rule file in effect declares a ``timeline`` (a regulation pack that plans no meetings)."""


def _rules_dir() -> str:
    """Where the rule files in effect are: the active regulation pack's directory, else the shipped rules'."""
    pack = ACTIVE_PACK.get()
    return str(pack.directory) if pack is not None else str(ruleset_dir())


def _declaring(names: list[str]) -> tuple[RulesetSpec, ...]:
    owners = [spec for spec in (runner(n).spec for n in names) if spec.timeline]
    if not owners:
        raise NoTimelineError("no rule file declares a 'timeline' (the meeting the time nodes are counted around), "
                              "so these rules plan no meeting timeline or schedule", file=_rules_dir(),
                              hint="a rule file's 'timeline:' key names the meeting and its time nodes: "
                                   "see docs/timeline.md")
    if len(owners) != 1:
        raise RulesetError(f"{len(owners)} rule files declare a 'timeline'; exactly one may", file=_rules_dir(),
                           hint="rule files declaring one: " + ", ".join(o.file for o in owners))
    owner = owners[0]
    assert owner.timeline is not None
    specs = [owner]
    for name in owner.timeline.include:
        if name not in names:
            raise RulesetError(f"'timeline' includes unknown rule file '{name}'", file=owner.file,
                               line=owner.timeline.where.line if owner.timeline.where else None,
                               hint=did_you_mean(name, names))
        specs.append(runner(name).spec)
    return tuple(specs)


def timeline_spec(specs: Iterable[RulesetSpec] | None = None) -> TimelineSpec:
    """The ``timeline:`` declaration of the shipped rule files (or of the first of ``specs`` that has one)."""
    for spec in (_shipped() if specs is None else specs):
        if spec.timeline is not None:
            return spec.timeline
    raise NoTimelineError("no rule file declares a 'timeline'", file=_rules_dir(), hint="see docs/timeline.md")


def declared_nodes(specs: Any = None) -> dict[str, TimeNodeSpec]:
    """The time nodes by key, in declaration order, from the shipped rule files (or the given specs)."""
    specs = _shipped() if specs is None else specs
    nodes: dict[str, TimeNodeSpec] = {}
    for spec in specs:
        for n in spec.time_nodes:
            nodes.setdefault(n.key, n)
    return nodes


def _meeting_name() -> str:
    try:
        return timeline_spec().meeting
    except RulesetError:  # nodes passed in from rule files elsewhere, with no shipped timeline
        return ""


def interval_node() -> TimeNodeSpec:
    """The time node that spaces a schedule of meetings (the rule file's ``timeline.interval``)."""
    key = timeline_spec().interval
    nodes = declared_nodes()
    if key is None or key not in nodes:
        raise RulesetError("the 'timeline' names no 'interval' time node, so no schedule can be planned",
                           file=_rules_dir(), hint="see docs/timeline.md")
    return nodes[key]


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
    """The deadlines around one meeting on ``meeting_date``, one per declared time node.

    ``to_dict()`` maps each node's key (CONTRACT §4: ``agenda_cutoff`` … ``next_meeting_by``)
    to ``{"date", "clause"}``; each date is also an attribute (``t.agenda_cutoff``).
    """

    meeting_date: dt.date
    dates: Mapping[str, dt.date]  # node key → its date, in date order (same day: declaration order)
    calendar: str  # which data decided the working days: "chinese_calendar 1.11.0", a year file, or both
    meeting_is_workday: bool = True
    nodes: Any = attrs.field(default=None, eq=False, repr=False)  # the declarations it was computed from
    meeting: str = ""  # what the meeting is called (the rule file's timeline.meeting)

    def __getattr__(self, name: str) -> dt.date:
        # Only reached when no field has the name: a node's key reads its date.
        if name != "dates":
            dates = self.dates
            if name in dates:
                return dates[name]
        raise AttributeError(f"'Timeline' has no time node or attribute '{name}'")

    def deadlines(self) -> tuple[Deadline, ...]:
        """The time nodes in date order (same day: the order the rule files declare them)."""
        nodes = self.nodes or declared_nodes()
        return tuple(Deadline(key, day, nodes[key].clause, nodes[key].what) for key, day in self.dates.items())

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {d.key: d.to_dict() for d in self.deadlines()}


def meeting_timeline(date: DateLike, calendar: WorkingCalendar | None = None, *,
                     nodes: Mapping[str, TimeNodeSpec] | None = None) -> Timeline:
    """The agenda cutoff, notice, attendance, minutes and next-meeting deadlines for a meeting on ``date``.

    Each deadline is counted as its rule file declares it (``nodes``: by default the shipped
    rule file with a ``timeline:`` and the files it includes). Raises CalendarError (naming the year and the deadline that
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

    counted = [(count(node), i, key) for i, (key, node) in enumerate(nodes.items())]
    return Timeline(
        meeting_date=day,
        dates={key: date for date, _, key in sorted(counted)},
        calendar=" + ".join(sorted(sources)),
        meeting_is_workday=cal.is_workday(day),
        nodes=nodes,
        meeting=_meeting_name(),
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
    # The rule file's timeline.interval node (「一般每两周召开一次」): a planned day every N calendar
    # days (a count in working days would plan on working days, which the schedule then moves to).
    interval = interval_node().count
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
