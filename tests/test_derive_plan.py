"""Derived fields: work the derive functions repeat within one evaluation is done once, with the same results."""

from __future__ import annotations

import datetime as dt

from govrules._calendar import WorkingCalendar
from govrules._rulesets import runner

MEETING = {"meeting": {"kind": "mayor_office_meeting", "date": "2026-10-08"}}


def test_one_evaluation_counts_each_working_day_span_once(monkeypatch) -> None:
    """Deadlines counted back from the same day over the same working days are counted once per evaluation, with the same dates and calendar noted."""
    calls: list[tuple[object, int]] = []
    count = WorkingCalendar.add_working_days

    def counting(self: WorkingCalendar, day: object, n: int) -> object:
        calls.append((day, n))
        return count(self, day, n)

    monkeypatch.setattr(WorkingCalendar, "add_working_days", counting)
    run = runner("meeting")
    prepared = run.prepare(MEETING)
    assert sorted(calls) == [(dt.date(2026, 10, 8), -2), (dt.date(2026, 10, 8), -1)]
    assert len([d for d in run.spec.derive if d.function == "working_days_before"]) == 4
    facts = prepared.facts["meeting"]
    # 2026-10-01..07 are 国庆 holidays: two working days before the 8th is 9-29, one is 9-30.
    assert [facts[k] for k in ("agenda_cutoff", "materials_deadline", "notice_deadline", "attendance_deadline")] \
        == ["2026-09-29", "2026-09-29", "2026-09-29", "2026-09-30"]
    assert prepared.context.sources
    calls.clear()
    run.prepare(MEETING)  # nothing is kept between evaluations: a new one counts again
    assert len(calls) == 2


def test_derived_fields_left_not_given_name_the_facts_they_wait_for() -> None:
    """unknowns names an absent input by its shortest absent prefix, an Unknown result by its path, chains through derived fields, in order."""
    run = runner("signing")
    document = {"issuer": "government_office", "portfolios": ["x", "y"]}
    signer = {"name": "张三", "role": "mayor"}
    prepared = run.prepare({"document": document, "signer": signer})
    assert prepared.unknowns["document.in_charge"] == ("division",)
    assert prepared.unknowns["document.missing_reviews"] == ("division", "reviews")  # its two inputs, in order
    assert "in_charge" not in prepared.facts["document"]
    # A division that maps x but not y: lookup_all's Unknown names the portfolio, and so does what reads it.
    prepared = run.prepare({"document": document, "signer": signer, "division": {"x": "李四"}, "reviews": []})
    assert prepared.unknowns["document.in_charge"] == ("division.y",)
    assert prepared.unknowns["signer.in_charge"] == ("division.y",)
    assert prepared.facts["document"]["reviewed"] == []
    # Per agenda item: each item's own path.
    prepared = runner("meeting").prepare({"meeting": {
        "kind": "mayor_office_meeting", "date": "2026-10-08",
        "agenda": [{"title": "a", "portfolios": ["x"]}, {"title": "b", "submitted_on": "2026-09-01", "portfolios": []}]}})
    assert prepared.unknowns["meeting.agenda[0].submission_status"] == ("meeting.agenda[0].submitted_on",)
    assert "meeting.agenda[1].submission_status" not in prepared.unknowns
    assert prepared.unknowns["meeting.agenda[1].absent_count"] == ("division", "meeting.leaders")
