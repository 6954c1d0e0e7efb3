"""`govrules timeline` and `govrules schedule`: the meeting time nodes a clerk pins on the wall."""

from __future__ import annotations

import datetime as dt
import json
from typing import Sequence

import click

from . import _catalogue
from ._calendar import WorkingCalendar, as_date, default_calendar
from ._cli_common import _Fail, calendar_option, make_calendar
from ._errors import CalendarError, InputError, RulesetError
from ._timeline import Timeline, interval_node, timeline_spec, meeting_schedule, meeting_timeline, weekday_zh


def _day(d: dt.date) -> str:
    return f"{d.isoformat()}（{weekday_zh(d)}）"


def _rest_days(cal: WorkingCalendar, start: dt.date, end: dt.date) -> list[str]:
    """Holidays and 调休 working weekends in [start, end], grouped into runs, for the chart's footnote."""
    lines: list[str] = []
    run: tuple[dt.date, dt.date, str] | None = None
    day = start
    while day <= end:
        name = cal.holiday_name(day)
        if name and run and run[2] == name and run[1] + dt.timedelta(days=1) == day:
            run = (run[0], day, name)
        else:
            if run:
                lines.append(_run_text(run))
            run = (day, day, name) if name else None
        if not name and cal.is_workday(day) and day.weekday() >= 5:
            lines.append(f"{_day(day)} 调休上班，计为工作日")
        day += dt.timedelta(days=1)
    if run:
        lines.append(_run_text(run))
    return sorted(lines)


def _run_text(run: tuple[dt.date, dt.date, str]) -> str:
    first, last, name = run
    span = _day(first) if first == last else f"{_day(first)}至{_day(last)}"
    return f"{span} {name}休息，不计工作日"


def render_timeline(t: Timeline, cal: WorkingCalendar) -> str:
    """The timeline as a wall chart: one line per time node, in date order, with its clause.

    The meeting's name is the rule file's ``timeline.meeting``; each line's words are its node's ``what``.
    """
    lines = [f"{t.meeting} {_day(t.meeting_date)} 办会时间节点", ""]
    rows = [(d.date, d.what, f"{d.label}") for d in t.deadlines()]
    rows.append((t.meeting_date, f"召开{t.meeting}", ""))
    for date, what, label in sorted(rows, key=lambda r: r[0]):
        lines.append(f"{_day(date)}  {what}" + (f"  〔{label}〕" if label else ""))
    notes = []
    if not t.meeting_is_workday:
        notes.append(f"会议日期{_day(t.meeting_date)}不是工作日，请核对。")
    interval = interval_node()
    if interval.unit == "days" and interval.key in t.dates and not cal.is_workday(t.dates[interval.key]):
        due = t.dates[interval.key]
        notes.append(f"{interval.count}个日历日后的{_day(due)}是休息日，其后第一个工作日是"
                     f"{_day(cal.on_or_after_working_day(due))}。")
    # The rest days that moved a working-day count: between the first and last such node.
    days = sorted(d.date for d in t.deadlines() if t.nodes[d.key].unit == "working_days") or [t.meeting_date]
    rest = _rest_days(cal, days[0], days[-1])
    if rest:
        notes.append("期间：" + "；".join(rest) + "。")
    lines.append("")
    lines.extend(notes)
    lines.append(f"工作日按 {t.calendar} 计算：法定节假日不计，调休上班日计入。")
    return "\n".join(lines)


@click.command("timeline")
@click.argument("date")
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON (the contract's shape).")
@calendar_option
def timeline_command(date: str, as_json: bool, calendars: Sequence[str]) -> None:
    """Deadlines around the meeting on DATE (YYYY-MM-DD), in Chinese working days."""
    try:
        cal = make_calendar(calendars) or default_calendar()
        t = meeting_timeline(date, calendar=cal)
        text = json.dumps(t.to_dict(), ensure_ascii=False, sort_keys=True, indent=2) if as_json \
            else render_timeline(t, cal)
    except (InputError, CalendarError, RulesetError) as exc:  # RulesetError: a --pack without a timeline
        raise _Fail(str(exc)) from None
    click.echo(text)


@click.command("schedule")
@click.argument("start")
@click.option("--until", help="Last day of the plan, inclusive (YYYY-MM-DD); default: three months from START.")
@click.option("--count", type=int, help="Number of meetings instead of --until.")
@click.option("--json", "as_json", is_flag=True, help="Print the schedule as JSON.")
@calendar_option
def schedule_command(start: str, until: str | None, count: int | None, as_json: bool,
                     calendars: Sequence[str]) -> None:
    """Meetings at the rule file's interval from START, each moved to a working day (docs/timeline.md)."""
    try:
        cal = make_calendar(calendars) or default_calendar()
        plan = meeting_schedule(start, until=until, count=count, calendar=cal)
        if as_json:
            click.echo(json.dumps([m.to_dict() for m in plan], ensure_ascii=False, sort_keys=True, indent=2))
            return
        first = as_date(start, "start")
        interval = interval_node()  # the rule file's timeline.interval: its count, clause and words
        click.echo(f"{timeline_spec().meeting}计划（自{_day(first)}起每{interval.count}个日历日一次，"
                   f"「{interval.quote}」，{_catalogue.clause(interval.clause).label}）")
        click.echo("")
        for i, m in enumerate(plan, 1):
            line = f"{i:>2}. {_day(m.date)}"
            if m.moved:
                line += f"  原定{_day(m.planned)}，因{'、'.join(m.moved_by)}顺延"
            click.echo(line)
    except (InputError, CalendarError, RulesetError) as exc:  # RulesetError: a --pack without a timeline
        raise _Fail(str(exc)) from None
