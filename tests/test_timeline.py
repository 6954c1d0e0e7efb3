"""meeting_timeline, meeting_schedule and their CLI: deadlines in Chinese working days, never weekdays."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

import govrules
from govrules import CalendarError, InputError, WorkingCalendar, meeting_schedule, meeting_timeline
from govrules._cli import cli

ROOT = Path(__file__).resolve().parents[1]
CAL_2027 = ROOT / "tests" / "data" / "calendar-2027.yaml"
CONTRACT_KEYS = {
    "agenda_cutoff": "A1.1.s3",
    "materials_reviewed_by": "A1.1.s2",
    "notice_by": "A1.2.s1",
    "attendance_confirmed_by": "A1.2.s2",
    "minutes_due": "A1.4.s1",
    "next_meeting_by": "4.3",
}


def _days_2026():
    d = dt.date(2026, 1, 1)
    while d.year == 2026:
        yield d
        d += dt.timedelta(days=1)


def _working_days_strictly_between(cal: WorkingCalendar, a: dt.date, b: dt.date) -> int:
    # Counted day by day with is_workday only, independently of add_working_days.
    return sum(cal.is_workday(a + dt.timedelta(days=k)) for k in range(1, (b - a).days))


def test_national_day_timeline_matches_the_contract_example():
    """2026-10-08: cutoff 09-29 (国庆节 skipped), attendance 09-30, minutes 10-13 (调休 Saturday 10-10 counts)."""
    assert meeting_timeline("2026-10-08").to_dict() == {
        "agenda_cutoff": {"date": "2026-09-29", "clause": "A1.1.s3"},
        "materials_reviewed_by": {"date": "2026-09-29", "clause": "A1.1.s2"},
        "notice_by": {"date": "2026-09-29", "clause": "A1.2.s1"},
        "attendance_confirmed_by": {"date": "2026-09-30", "clause": "A1.2.s2"},
        "minutes_due": {"date": "2026-10-13", "clause": "A1.4.s1"},
        "next_meeting_by": {"date": "2026-10-22", "clause": "4.3"},
    }


def test_tiaoxiu_sunday_counts_as_a_working_day():
    """2026-09-21: Sunday 09-20 is a 调休 working day, so the cutoff is Friday 09-18 and 'the day before' is 09-20."""
    t = meeting_timeline(dt.date(2026, 9, 21))
    assert t.agenda_cutoff == dt.date(2026, 9, 18)
    assert t.attendance_confirmed_by == dt.date(2026, 9, 20)
    assert t.minutes_due == dt.date(2026, 9, 28)  # 09-25..27 中秋 are not counted


def test_every_2026_date_gets_a_timeline_whose_deadlines_obey_the_working_day_rules():
    """For every date of 2026 the six deadlines satisfy their definitions; late December needs 2027 and says so."""
    cal = govrules.WorkingCalendar()
    with_2027 = WorkingCalendar.from_file(CAL_2027)
    needing_2027 = []
    for day in _days_2026():
        try:
            t = meeting_timeline(day)
        except CalendarError as exc:
            assert exc.year == 2027 and "minutes_due" in str(exc)
            needing_2027.append(day)
            t = meeting_timeline(day, calendar=with_2027)
            cal_used = with_2027
        else:
            cal_used = cal
        d = t.to_dict()
        assert {k: v["clause"] for k, v in d.items()} == CONTRACT_KEYS
        assert cal_used.is_workday(t.agenda_cutoff) and t.agenda_cutoff < day
        assert _working_days_strictly_between(cal_used, t.agenda_cutoff, day) == 1
        assert t.materials_reviewed_by == t.notice_by == t.agenda_cutoff
        assert cal_used.is_workday(t.attendance_confirmed_by) and t.attendance_confirmed_by < day
        assert _working_days_strictly_between(cal_used, t.attendance_confirmed_by, day) == 0
        assert cal_used.is_workday(t.minutes_due) and t.minutes_due > day
        assert _working_days_strictly_between(cal_used, day, t.minutes_due) == 3
        assert t.next_meeting_by == day + dt.timedelta(days=14)
    # Only the last days of December reach into 2027 for their minutes deadline.
    assert needing_2027 and min(needing_2027) > dt.date(2026, 12, 20)
    assert dt.date(2026, 12, 30) in needing_2027


def test_a_meeting_on_2026_12_30_explains_which_deadline_needs_2027():
    """The error names 2027, the deadline (minutes_due) and how to supply the year."""
    with pytest.raises(CalendarError) as info:
        meeting_timeline("2026-12-30")
    text = str(info.value)
    assert info.value.year == 2027
    assert "minutes_due" in text and "2026-12-30" in text and "WorkingCalendar.from_file" in text


def test_a_supplied_2027_year_file_completes_the_timeline_and_is_named():
    """With the 2027 file the minutes are due 2027-01-06 (元旦 skipped), and the file is named as a source."""
    t = meeting_timeline("2026-12-30", calendar=WorkingCalendar.from_file(CAL_2027))
    assert t.minutes_due == dt.date(2027, 1, 6)
    assert "calendar-2027.yaml" in t.calendar and "chinese_calendar" in t.calendar


def test_timeline_is_frozen_and_bad_input_names_the_argument():
    """A Timeline cannot be changed; a bad date or calendar is an InputError naming it."""
    t = meeting_timeline("2026-10-08")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        t.agenda_cutoff = dt.date(2026, 9, 30)  # type: ignore[misc]
    with pytest.raises(InputError) as bad_date:
        meeting_timeline("2026-10")
    assert bad_date.value.path == "date"
    with pytest.raises(InputError) as bad_cal:
        meeting_timeline("2026-10-08", calendar="2027.yaml")  # type: ignore[arg-type]
    assert bad_cal.value.path == "calendar"


def test_timeline_agrees_with_the_meeting_ruleset_cutoffs():
    """The timeline and check_meeting compute the same cutoff and attendance deadline."""
    for day in ("2026-10-08", "2026-09-21", "2026-05-06", "2026-02-24"):
        t = meeting_timeline(day)
        v = govrules.check_meeting(meeting={"kind": "mayor_office_meeting", "date": day})
        assert v.data["agenda_cutoff"] == t.to_dict()["agenda_cutoff"]["date"]
        assert v.data["attendance_confirmed_by"] == t.to_dict()["attendance_confirmed_by"]["date"]


# ---- the biweekly schedule ---------------------------------------------------------------------


def test_quarter_plan_moves_the_national_day_meeting_and_names_the_holiday():
    """Every two weeks from 2026-09-17: 10-01 moves to 10-08 because of 国庆节; the others stay put."""
    plan = meeting_schedule("2026-09-17")
    assert [m.planned for m in plan] == [dt.date(2026, 9, 17) + dt.timedelta(weeks=2 * k) for k in range(7)]
    moved = [m for m in plan if m.moved]
    assert [(m.planned, m.date, m.moved_by) for m in moved] == [
        (dt.date(2026, 10, 1), dt.date(2026, 10, 8), ("国庆节",)),
    ]
    assert all(govrules.WorkingCalendar().is_workday(m.date) for m in plan)


def test_a_plan_on_weekends_moves_to_monday_and_says_weekend():
    """A plan starting on a plain Saturday moves each meeting to the next working day, naming 周末."""
    plan = meeting_schedule("2026-11-07", count=2)
    assert [(m.date, m.moved_by) for m in plan] == [
        (dt.date(2026, 11, 9), ("周末",)),
        (dt.date(2026, 11, 23), ("周末",)),
    ]


def test_schedule_until_is_inclusive_and_count_or_until_not_both():
    """until includes its own day; giving both until and count, or a bad count, is an InputError."""
    assert len(meeting_schedule("2026-03-05", until="2026-04-02")) == 3
    with pytest.raises(InputError) as both:
        meeting_schedule("2026-03-05", until="2026-04-02", count=2)
    assert both.value.path == "count"
    with pytest.raises(InputError):
        meeting_schedule("2026-03-05", count=0)
    with pytest.raises(InputError) as backwards:
        meeting_schedule("2026-03-05", until="2026-03-01")
    assert backwards.value.path == "until"


def test_schedule_into_2027_needs_the_year_file():
    """A plan reaching 2027 raises CalendarError naming the planned day, and works with the 2027 file."""
    with pytest.raises(CalendarError) as info:
        meeting_schedule("2026-12-24", count=2)
    assert info.value.year == 2027 and "2027-01-07" in str(info.value)
    plan = meeting_schedule("2026-12-18", count=2, calendar=WorkingCalendar.from_file(CAL_2027))
    assert (plan[1].planned, plan[1].date, plan[1].moved_by) == (
        dt.date(2027, 1, 1), dt.date(2027, 1, 4), ("元旦", "周末"),
    )


# ---- the CLI -----------------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_timeline_prints_a_wall_chart_with_clauses_and_the_holiday():
    """`govrules timeline 2026-10-08` lists each node with its date, weekday and clause, and names 国庆节."""
    r = run("timeline", "2026-10-08")
    assert r.exit_code == 0, r.output
    assert "2026-09-29（星期二）  议题收集截止" in r.output
    assert "附件1（一）主要工作3" in r.output and "附件1（四）主要工作1" in r.output
    assert "国庆节" in r.output and "2026-10-10（星期六） 调休上班" in r.output


def test_cli_timeline_json_is_the_contract_shape():
    """--json prints exactly Timeline.to_dict()."""
    r = run("timeline", "2026-09-21", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == meeting_timeline("2026-09-21").to_dict()


def test_cli_timeline_2027_error_and_calendar_option():
    """Without data for 2027 the command exits 2 explaining --calendar; with --calendar it prints the chart."""
    r = run("timeline", "2026-12-30")
    assert r.exit_code == 2
    assert "2027" in r.output and "--calendar" in r.output
    ok = run("timeline", "2026-12-30", "--calendar", str(CAL_2027))
    assert ok.exit_code == 0, ok.output
    assert "2027-01-06" in ok.output and "元旦" in ok.output


def test_cli_schedule_shows_the_moved_meeting():
    """`govrules schedule` prints the plan with 原定… 因国庆节顺延 for the moved meeting."""
    r = run("schedule", "2026-09-17", "--count", "3")
    assert r.exit_code == 0, r.output
    assert "2026-10-08（星期四）  原定2026-10-01（星期四），因国庆节顺延" in r.output
    data = json.loads(run("schedule", "2026-09-17", "--count", "3", "--json").output)
    assert data[1] == {"planned": "2026-10-01", "date": "2026-10-08", "moved_by": ["国庆节"]}


def test_the_cutoff_is_declared_once_and_an_edited_count_moves_verdict_and_timeline(rule_file) -> None:
    """Three working days instead of two in a copy of meeting.yaml moves check_meeting's cutoff and meeting_timeline's alike."""
    from govrules._rulesets import ruleset_dir, runner, runner_for_file
    from govrules._timeline import declared_nodes, meeting_timeline

    text = (ruleset_dir() / "meeting.yaml").read_text(encoding="utf-8")
    old = "  agenda_cutoff:\n    clause: A1.1.s3\n    quote: 会议召开前两个工作日停止议题收集\n    working_days: 2\n"
    assert text.count(old) == 1  # the one declaration; no other place holds the number
    edited = runner_for_file(rule_file("meeting.yaml", text.replace(old, old.replace("working_days: 2",
                                                                                     "working_days: 3"))))
    facts = {"meeting": {"kind": "mayor_office_meeting", "date": "2026-10-08"}}
    # 2026-10-08: two working days before is 09-29 (National Day in between), three is 09-28.
    assert runner("meeting").evaluate(facts).data["agenda_cutoff"] == "2026-09-29"
    assert edited.evaluate(facts).data["agenda_cutoff"] == "2026-09-28"
    shipped = meeting_timeline("2026-10-08")
    moved = meeting_timeline("2026-10-08", nodes=declared_nodes([edited.spec, runner("minutes").spec]))
    assert shipped.agenda_cutoff.isoformat() == "2026-09-29" and moved.agenda_cutoff.isoformat() == "2026-09-28"
    assert moved.notice_by == shipped.notice_by  # each node has its own declaration


def test_every_timeline_key_is_declared_in_a_rule_file_with_a_verbatim_quote() -> None:
    """The six keys of CONTRACT §4 come from the rule files' time_nodes, each citing its clause."""
    from govrules._catalogue import quote_in_clause
    from govrules._timeline import declared_nodes

    nodes = declared_nodes()
    KEYS = tuple(CONTRACT_KEYS)
    assert set(nodes) == set(KEYS)
    assert all(quote_in_clause(nodes[k].quote, nodes[k].clause) for k in KEYS)
    assert {k: (nodes[k].clause, nodes[k].count, nodes[k].unit, nodes[k].direction) for k in KEYS} == {
        "agenda_cutoff": ("A1.1.s3", 2, "working_days", "before"),
        "materials_reviewed_by": ("A1.1.s2", 2, "working_days", "before"),
        "notice_by": ("A1.2.s1", 2, "working_days", "before"),
        "attendance_confirmed_by": ("A1.2.s2", 1, "working_days", "before"),
        "minutes_due": ("A1.4.s1", 4, "working_days", "after"),
        "next_meeting_by": ("4.3", 14, "days", "after"),
    }


def test_a_misspelt_time_node_is_a_load_error_with_a_suggestion(rule_file) -> None:
    """days: time_nodes.agenda_cutof fails at load time at its file:line, suggesting agenda_cutoff."""
    import pytest

    from govrules._errors import RulesetError
    from govrules._rulesets import ruleset_dir, runner_for_file

    text = (ruleset_dir() / "meeting.yaml").read_text(encoding="utf-8")
    path = rule_file("meeting.yaml", text.replace("days: time_nodes.agenda_cutoff,", "days: time_nodes.agenda_cutof,", 1))
    with pytest.raises(RulesetError) as err:
        runner_for_file(path)
    assert "agenda_cutof" in str(err.value) and "agenda_cutoff" in str(err.value)
    assert err.value.line is not None


def test_the_timeline_keys_heading_and_order_come_from_the_rule_files(rule_file) -> None:
    """A copy of meeting.yaml with another meeting name, an added node and a renamed key changes the timeline and chart, no code."""
    import shutil

    from govrules._rulesets import ruleset_dir, runner_for_file
    from govrules._timeline import declared_nodes, timeline_spec

    text = (ruleset_dir() / "meeting.yaml").read_text(encoding="utf-8")
    text = text.replace("  meeting_name: 镇长办公会议\n", "  meeting_name: 专题例会\n").replace(
        "  notice_by:\n", "  notice_sent_by:\n").replace("time_nodes.notice_by", "time_nodes.notice_sent_by")
    path = rule_file("meeting.yaml", text)
    shutil.copy(ruleset_dir() / "minutes.yaml", path.parent / "minutes.yaml")
    specs = [runner_for_file(path).spec, runner_for_file(path.parent / "minutes.yaml").spec]
    assert timeline_spec(specs).meeting == "专题例会"
    t = meeting_timeline("2026-10-08", nodes=declared_nodes(specs))
    assert "notice_sent_by" in t.to_dict() and "notice_by" not in t.to_dict()
    assert t.notice_sent_by == dt.date(2026, 9, 29)
    dates = [d.date for d in t.deadlines()]
    assert dates == sorted(dates)  # date order, whatever order the files declare them in
    assert list(t.to_dict())[-2:] == ["minutes_due", "next_meeting_by"]


def test_the_wall_chart_heading_is_the_rule_files_meeting_name() -> None:
    """The chart's heading and the meeting's own line name the meeting as meeting.yaml's timeline.meeting does."""
    from govrules._cli_timeline import render_timeline
    from govrules._timeline import timeline_spec

    name = timeline_spec().meeting
    chart = render_timeline(meeting_timeline("2026-10-08"), WorkingCalendar())
    assert chart.splitlines()[0].startswith(name + " ") and f"召开{name}" in chart


def test_a_timeline_interval_that_names_no_time_node_is_a_load_error(rule_file) -> None:
    """timeline.interval: next_meeting misspelt fails at its file:line with a suggestion."""
    from govrules._errors import RulesetError
    from govrules._rulesets import ruleset_dir, runner_for_file

    text = (ruleset_dir() / "meeting.yaml").read_text(encoding="utf-8")
    path = rule_file("meeting.yaml", text.replace("  interval: next_meeting_by", "  interval: next_meeting"))
    with pytest.raises(RulesetError) as err:
        runner_for_file(path)
    assert "next_meeting_by" in str(err.value) and err.value.line is not None
