"""Omitted is not false (CONTRACT §1, §2): facts not given are unknown, and verdicts say what to supply."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import govrules
from govrules._cli import cli

DIVISION = {"agriculture": "李四", "urban": "王五"}


def _paths(verdict: govrules.Verdict) -> list[str]:
    return [n.path for n in verdict.needs]


def test_minutes_without_the_vice_mayors_do_not_certify_their_review() -> None:
    """The audit's minutes example: nobody named as reviewing → undetermined, and no finding says 已经各副镇长核稿."""
    v = govrules.check_minutes(minutes={"meeting_date": "2026-03-03", "drafted_on": "2026-03-04",
                                        "approved_by_mayor": True})
    assert v.outcome == "undetermined" and not v.allowed
    assert "minutes.vice_mayors" in _paths(v)
    assert not any("核稿" in f.message and f.severity == "info" for f in v.findings)


def test_a_request_without_its_number_of_matters_is_not_accepted() -> None:
    """The audit's submission example: matters not given → undetermined with a need, never 「一文一事…符合」."""
    v = govrules.check_submission(submission={"kind": "request", "sender": "department", "approval_item": True})
    assert v.outcome == "undetermined"
    assert "submission.matters" in _paths(v)
    assert not any("符合" in f.message for f in v.findings)


def test_an_agenda_item_without_its_submission_date_is_a_need_not_admitted_as_on_time() -> None:
    """An item without submitted_on gets a need naming that item's date; it is not reported as on time."""
    v = govrules.check_meeting(meeting={
        "kind": "mayor_office_meeting", "date": "2026-10-08",
        "convener": {"name": "张三", "role": "mayor"}, "chair": {"name": "张三", "role": "mayor"},
        "leaders": [{"name": "张三", "role": "mayor", "present": True},
                    {"name": "李四", "role": "vice_mayor", "present": True},
                    {"name": "王五", "role": "vice_mayor", "present": True}],
        "agenda": [{"title": "农田水利", "portfolios": ["agriculture"], "matters": 1, "proposal": True}],
    }, division=DIVISION)
    assert "meeting.agenda[0].submitted_on" in _paths(v)
    need = next(n for n in v.needs if n.path == "meeting.agenda[0].submitted_on")
    assert need.clause == "A1.1.s3" and need.outcome is False


def test_a_portfolio_the_division_does_not_map_is_a_need_not_dropped() -> None:
    """A document touching agriculture and tourism, tourism unmapped: one vice mayor may not sign alone."""
    v = govrules.check_signing(document={"issuer": "government_office", "portfolios": ["agriculture", "tourism"]},
                               signer={"name": "李四", "role": "vice_mayor"}, division=DIVISION, reviews=[])
    assert v.outcome == "undetermined" and not v.allowed
    assert "division.tourism" in _paths(v)


def test_a_town_wide_conference_without_overall_work_is_undetermined() -> None:
    """The audit's conference example: whether it concerns 全局性工作 decides the party secretary's consent."""
    v = govrules.check_conference(conference={"town_wide": True, "mayor_approved": True})
    assert v.outcome == "undetermined"
    assert _paths(v) == ["conference.overall_work", "conference.party_secretary_approved"]
    assert all(n.outcome and n.clause == "4.1" and n.message for n in v.needs)
    assert v.clauses == ("4.1",)


def test_a_given_denial_stands_whatever_is_not_given() -> None:
    """The mayor's refusal denies the conference; what is unknown decides only whose consent is also required."""
    v = govrules.check_conference(conference={"town_wide": True, "mayor_approved": False})
    assert v.outcome == "denied"
    assert [(n.path, n.outcome) for n in v.needs] == [("conference.overall_work", False)]
    assert govrules.check_conference(conference={"town_wide": True, "overall_work": False,
                                                 "mayor_approved": False}).needs == ()


def test_explicit_false_and_null_are_statements() -> None:
    """overall_work: false is read as said; a seal use with approver: null has none and is denied."""
    assert govrules.check_conference(conference={"town_wide": True, "overall_work": False,
                                                 "mayor_approved": True}).outcome == "allowed"
    assert govrules.check_seal(seal_use={"approver": None}).outcome == "denied"
    assert govrules.check_seal(seal_use={}).outcome == "undetermined"


def test_needs_are_in_to_dict_sorted_by_path_with_the_contract_keys() -> None:
    """to_dict()['needs'] lists {path, label, clause, message, outcome}, sorted by path; [] when nothing is missing."""
    d = govrules.check_conference(conference={}).to_dict()
    paths = [n["path"] for n in d["needs"]]
    assert paths == sorted(paths) and len(paths) == 4
    assert set(d["needs"][0]) == {"path", "label", "clause", "message", "outcome"}
    assert govrules.check_conference(conference={"town_wide": False}).to_dict()["needs"] == []


def test_cli_prints_the_needs_section_and_json_carries_them(tmp_path: Path) -> None:
    """govrules check prints 需补充 with each path; --json has the same needs."""
    facts = tmp_path / "c.json"
    facts.write_text(json.dumps({"conference": {"town_wide": True, "mayor_approved": True}}), encoding="utf-8")
    text = CliRunner().invoke(cli, ["check", "conference", str(facts)])
    assert text.exit_code == 1 and "需补充" in text.stdout and "conference.overall_work" in text.stdout
    out = CliRunner().invoke(cli, ["check", "conference", str(facts), "--json"])
    assert [n["path"] for n in json.loads(out.stdout)["needs"]] == ["conference.overall_work",
                                                                    "conference.party_secretary_approved"]


def test_the_first_remedy_of_an_undetermined_verdict_is_to_supply_the_needed_facts() -> None:
    """data.remedies[0] names the needed paths with no values and no outcome; later remedies may allow."""
    v = govrules.check_conference(conference={"town_wide": True, "mayor_approved": True})
    first = v.data["remedies"][0]
    assert first["outcome"] is None
    assert [c["path"] for c in first["changes"]] == ["conference.overall_work", "conference.party_secretary_approved"]
    assert any(r["outcome"] == "allowed" for r in v.data["remedies"][1:])


def test_the_decision_log_records_needed_paths_never_values(tmp_path: Path) -> None:
    """A logged undetermined verdict carries the needed paths and outcome flags, and no input value."""
    log = tmp_path / "decisions.jsonl"
    govrules.configure(decision_log=str(log))
    try:
        govrules.check_signing(document={"issuer": "town_government"}, signer={"name": "李四", "role": "vice_mayor"})
    finally:
        govrules.configure(decision_log=None)
    record = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert record["needs"] == [{"path": "signer.delegated_by_mayor", "outcome": True}]
    assert "李四" not in log.read_text(encoding="utf-8")
