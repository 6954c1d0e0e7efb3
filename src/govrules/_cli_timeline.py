"""`govrules timeline` and `govrules schedule`: the meeting time nodes a clerk pins on the wall."""

from __future__ import annotations

import datetime as dt
import json
from typing import Sequence

import click

from . import _catalogue
from ._calendar import WorkingCalendar, as_date, default_calendar
from ._cli_common import _Fail, calendar_option, make_calendar
from ._errors import CalendarError, InputError
from ._timeline import Timeline, declared_nodes, meeting_schedule, meeting_timeline, weekday_zh


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
    """The timeline as a wall chart: one line per time node, in date order, with its clause."""
    lines = [f"镇长办公会议 {_day(t.meeting_date)} 办会时间节点", ""]
    rows = [(d.date, d.what, f"{d.label}") for d in t.deadlines()]
    rows.append((t.meeting_date, "召开镇长办公会议", ""))
    for date, what, label in sorted(rows, key=lambda r: r[0]):
        lines.append(f"{_day(date)}  {what}" + (f"  〔{label}〕" if label else ""))
    notes = []
    if not t.meeting_is_workday:
        notes.append(f"会议日期{_day(t.meeting_date)}不是工作日，请核对。")
    if not cal.is_workday(t.next_meeting_by):
        notes.append(f"两周（按日历天数）后的{_day(t.next_meeting_by)}是休息日，其后第一个工作日是"
                     f"{_day(cal.on_or_after_working_day(t.next_meeting_by))}。")
    rest = _rest_days(cal, t.agenda_cutoff, t.minutes_due)
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
    """Deadlines around a mayor's office meeting on DATE (YYYY-MM-DD), in Chinese working days."""
    try:
        cal = make_calendar(calendars) or default_calendar()
        t = meeting_timeline(date, calendar=cal)
        text = json.dumps(t.to_dict(), ensure_ascii=False, sort_keys=True, indent=2) if as_json \
            else render_timeline(t, cal)
    except (InputError, CalendarError) as exc:
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
    """Mayor's office meetings from START at the rule file's interval (every two weeks), each on a working day (四（三）)."""
    try:
        cal = make_calendar(calendars) or default_calendar()
        plan = meeting_schedule(start, until=until, count=count, calendar=cal)
        if as_json:
            click.echo(json.dumps([m.to_dict() for m in plan], ensure_ascii=False, sort_keys=True, indent=2))
            return
        first = as_date(start, "start")
        interval = declared_nodes()["next_meeting_by"]  # the clause the rule file cites for the interval
        # The interval's words are the rule file's quote (「一般每两周召开一次」, or a pack's own).
        click.echo(f"镇长办公会议计划（自{_day(first)}起，{interval.quote}，{_catalogue.clause(interval.clause).label}）")
        click.echo("")
        for i, m in enumerate(plan, 1):
            line = f"{i:>2}. {_day(m.date)}"
            if m.moved:
                line += f"  原定{_day(m.planned)}，因{'、'.join(m.moved_by)}顺延"
            click.echo(line)
    except (InputError, CalendarError) as exc:
        raise _Fail(str(exc)) from None
