"""The meeting and minutes rulesets beyond their cases: quorum arithmetic, shapes, examples, growth, derive functions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import govrules
from govrules._calendar import WorkingCalendar
from govrules._derive import FUNCTIONS, Context

ROOT = Path(__file__).resolve().parents[1]


def _leaders(total: int, present: int) -> list[dict]:
    out = [{"name": "镇长", "role": "mayor", "present": present > 0}]
    out += [{"name": f"副镇长{i}", "role": "vice_mayor", "present": i < present} for i in range(1, total)]
    return out


def _meeting(**extra) -> dict:
    base = {
        "kind": "mayor_office_meeting",
        "date": "2026-10-08",
        "convener": {"name": "镇长", "role": "mayor"},
        "chair": {"name": "镇长", "role": "mayor"},
        "leaders": _leaders(7, 7),
        "materials_reviewed_on": "2026-09-29",
        "notice_sent_on": "2026-09-29",
        "attendance_confirmed_on": "2026-09-30",
    }
    base.update(extra)
    return base


def _item(i: int, **extra) -> dict:
    item = {"title": f"议题{i}", "submitted_on": "2026-09-28", "portfolios": [f"p{i}"], "matters": 1,
            "proposal": True, "departments": []}
    item.update(extra)
    return item


# ---- quorum ------------------------------------------------------------------------------------


@pytest.mark.parametrize("total", range(1, 13))
def test_quorum_is_two_thirds_inclusive_for_every_present_count(total):
    """can_convene exactly when 3 × present ≥ 2 × total; data.quorum reports the three numbers."""
    for present in range(total + 1):
        v = govrules.check_meeting(meeting=_meeting(leaders=_leaders(total, present)))
        assert v.allowed is (3 * present >= 2 * total), (total, present)
        q = v.data["quorum"]
        assert q["present"] == present and q["total"] == total
        # required is the least whole number of people that is at least two thirds.
        assert 3 * q["required"] >= 2 * total > 3 * (q["required"] - 1)


def test_seven_member_leadership_needs_five():
    """The contract's example: seven leaders, five required; four present cannot convene."""
    assert govrules.check_meeting(meeting=_meeting(leaders=_leaders(7, 5))).data["quorum"] == {
        "present": 5, "total": 7, "required": 5}
    four = govrules.check_meeting(meeting=_meeting(leaders=_leaders(7, 4)))
    assert four.outcome == "cannot_convene"
    assert [f.clause for f in four.findings if f.severity == "violation"] == ["A1.2.r2"]


def test_special_topic_meeting_ignores_the_annex_quorum():
    """A special-topic meeting convened by a vice mayor with one of seven present still can convene (4.4)."""
    v = govrules.check_meeting(meeting={"kind": "special_topic_meeting", "date": "2026-10-08",
                                        "convener": {"name": "李四", "role": "vice_mayor"},
                                        "leaders": _leaders(7, 1)})
    assert v.outcome == "can_convene" and v.clauses == ("4.4",)


# ---- rejected / postponed ---------------------------------------------------------------------


def test_rejected_and_postponed_are_title_clause_pairs_in_agenda_order():
    """data.rejected / data.postponed list {title, clause}, one entry per item and reason, in agenda order."""
    division = {"p0": "副镇长1", "p1": "副镇长2", "p2": "副镇长3", "p3": "副镇长4"}
    leaders = _leaders(7, 7)
    leaders[2]["present"] = False  # 副镇长2 in charge of p1
    leaders[4]["present"] = False  # 副镇长4 in charge of p3
    agenda = [
        _item(0, submitted_on="2026-09-30", matters=2),
        _item(1),
        _item(2, departments=["甲", "乙"], coordinated=False, dissent_recorded=False),
        _item(3, proposal=False),
    ]
    v = govrules.check_meeting(meeting=_meeting(leaders=leaders, agenda=agenda), division=division)
    assert v.outcome == "can_convene"
    assert sorted(v.data["rejected"], key=lambda e: (e["title"], e["clause"])) == [
        {"title": "议题0", "clause": "A1.1.r1"},
        {"title": "议题0", "clause": "A1.1.s3"},
        {"title": "议题2", "clause": "A1.1.r3"},
        {"title": "议题3", "clause": "A1.1.r2"},
    ]
    assert [e["title"] for e in v.data["rejected"]] == sorted(e["title"] for e in v.data["rejected"])
    # 议题3's vice mayor is absent too, but a rejected item is not also postponed.
    assert v.data["postponed"] == [{"title": "议题1", "clause": "A1.2.r3"}]


def test_vice_mayor_missing_from_the_leaders_list_counts_as_absent():
    """A vice mayor in charge who is not among the leaders marked present makes the item postponed."""
    v = govrules.check_meeting(meeting=_meeting(agenda=[_item(0)]), division={"p0": "不在名单的人"})
    assert v.data["postponed"] == [{"title": "议题0", "clause": "A1.2.r3"}]
    assert "不在名单的人" in " ".join(f.message for f in v.findings)


# ---- determinism, examples, calendar ------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("meeting-*.json")), ids=lambda p: p.name)
def test_meeting_examples_evaluate_deterministically(path):
    """Each bundled meeting example evaluates, cites clauses, and gives byte-identical JSON twice."""
    facts = json.loads(path.read_text(encoding="utf-8"))
    a = govrules.check_meeting(**facts)
    b = govrules.evaluate("meeting", facts)
    assert a.clauses
    dump = lambda v: json.dumps(v.to_dict(), ensure_ascii=False, sort_keys=True)  # noqa: E731
    assert dump(a) == dump(b)


def test_national_day_example_outcome():
    """The National Day example: quorum 5/7 met, one item postponed, two rejected with their clauses."""
    facts = json.loads((ROOT / "examples" / "meeting-biweekly-national-day.json").read_text(encoding="utf-8"))
    v = govrules.check_meeting(**facts)
    assert v.outcome == "can_convene"
    assert v.data["quorum"] == {"present": 5, "total": 7, "required": 5}
    assert {e["clause"] for e in v.data["rejected"]} == {"A1.1.r1", "A1.1.s3"}
    assert [e["clause"] for e in v.data["postponed"]] == ["A1.2.r3"]


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("minutes-*.json")), ids=lambda p: p.name)
def test_minutes_examples_evaluate(path):
    """Each bundled minutes example evaluates and cites 附件1（四）."""
    v = govrules.check_minutes(**json.loads(path.read_text(encoding="utf-8")))
    assert v.outcome in ("complete", "incomplete")
    assert set(v.clauses) <= {"A1.4.s1", "A1.4.s2"} and v.clauses


def test_minutes_of_2026_12_30_need_2027():
    """check_minutes for a 2026-12-30 meeting raises CalendarError(2027) unless the year file is given."""
    minutes = {"meeting_date": "2026-12-30", "drafted_on": "2027-01-06", "vice_mayors": ["李四"],
               "reviewed_by": ["李四"], "approved_by_mayor": True}
    with pytest.raises(govrules.CalendarError) as info:
        govrules.check_minutes(minutes=minutes)
    assert info.value.year == 2027
    cal = WorkingCalendar.from_file(ROOT / "tests" / "data" / "calendar-2027.yaml")
    v = govrules.check_minutes(minutes=minutes, calendar=cal)
    assert v.outcome == "complete" and v.data["drafting_due"] == "2027-01-06"


# ---- cost: firings, not time (timing lives in bench/meeting_growth.py) ---------------------------


def test_firings_grow_linearly_with_items_and_not_at_all_with_leaders():
    """Each late item adds exactly one firing; leaders never become engine facts, so they add none."""
    def firings(items: int, leaders: int) -> int:
        agenda = [_item(i, submitted_on="2026-09-30") for i in range(items)]
        v = govrules.check_meeting(meeting=_meeting(agenda=agenda, leaders=_leaders(leaders, leaders)))
        return len(v.trace)

    base = firings(0, 6)
    assert firings(20, 6) - base == 20
    assert firings(200, 6) - base == 200
    assert firings(20, 60) == firings(20, 6)


# ---- derived functions ----------------------------------------------------------------------------


def _ctx() -> Context:
    return Context(WorkingCalendar())


def _call(name: str, **args):
    return FUNCTIONS[name].func(_ctx(), **args)


def test_names_where_and_missing_from():
    """names_where keeps order without repeats; missing_from keeps items not present, in order."""
    people = [{"name": "甲", "present": True}, {"name": "乙", "present": False}, {"name": "甲", "present": True}]
    assert _call("names_where", persons=people, field="present") == ["甲"]
    assert _call("names_where", persons=None, field="present") == []
    assert _call("missing_from", items=["乙", "甲", "丙"], present=["甲"]) == ["乙", "丙"]
    assert _call("missing_from", items=None, present=None) == []


def test_joined_and_exceeds():
    """joined uses 、; exceeds is false for a missing value and for the limit itself."""
    assert _call("joined", items=["李四", "王五"]) == "李四、王五"
    assert _call("joined", items=[]) == ""
    assert _call("exceeds", value=None, limit=1) is False
    assert _call("exceeds", value=1, limit=1) is False
    assert _call("exceeds", value=2, limit=1) is True


def test_deadline_functions_skip_the_calendar_when_not_applicable():
    """With applies false the deadline is None and no calendar (not even 2027's) is consulted."""
    ctx = _ctx()
    assert FUNCTIONS["working_days_before"].func(ctx, date="2027-01-04", days=2, applies=False) is None
    assert FUNCTIONS["previous_working_day"].func(ctx, date="2027-01-04", applies=False) is None
    assert ctx.sources == set()
    assert FUNCTIONS["working_days_before"].func(ctx, date="2026-10-08", days=2, applies=True) == "2026-09-29"
    assert FUNCTIONS["previous_working_day"].func(ctx, date="2026-09-21", applies=True) == "2026-09-20"
    assert ctx.sources == {WorkingCalendar().source(dt.date(2026, 1, 1))}


def test_deadline_status_without_a_deadline_is_not_applicable():
    """not_applicable without a deadline; missing, on_time (the deadline day itself) or late otherwise."""
    f = FUNCTIONS["deadline_status"].func
    ctx = _ctx()
    assert f(ctx, date="2026-09-30", deadline=None) == "not_applicable"
    assert f(ctx, date=None, deadline="2026-09-29") == "missing"
    assert f(ctx, date="2026-09-29", deadline="2026-09-29") == "on_time"
    assert f(ctx, date="2026-09-30", deadline="2026-09-29") == "late"
    assert f(ctx, date="2026-10-07", deadline="2026-10-13", not_before="2026-10-08") == "early"
    assert f(ctx, date="2026-10-08", deadline="2026-10-13", not_before="2026-10-08") == "on_time"


def test_authority_distinguishes_given_authorised_and_delegated():
    """authority(): no person (null) → none; a listed role → authorised; a delegable role only with delegation, unknown without it."""
    from govrules._calendar import default_calendar
    from govrules._derive import FUNCTIONS, Context, Unknown

    fn = FUNCTIONS["authority"].func
    ctx = Context(default_calendar())
    roles, delegable = ["mayor", "vice_mayor"], ["office"]
    by = "delegated_by_mayor"  # the rule file names the field that records the delegation
    assert fn(ctx, None, roles, delegable, by) == "none"
    assert isinstance(fn(ctx, {"name": "办公室", "role": "office"}, roles, delegable, by), Unknown)
    assert fn(ctx, {"name": "李四", "role": "vice_mayor"}, roles, delegable, by) == "authorised"
    assert fn(ctx, {"name": "办公室", "role": "office", "delegated_by_mayor": False}, roles, delegable, by) == "not_authorised"
    assert fn(ctx, {"name": "办公室", "role": "office", "delegated_by_mayor": True}, roles, delegable, by) == "authorised"
    assert fn(ctx, {"name": "某部门", "role": "department", "delegated_by_mayor": True}, roles, delegable, by) == "not_authorised"
    assert fn(ctx, {"name": "办公室", "role": "office", "delegated_by_mayor": True}, roles, delegable) == "not_authorised"
