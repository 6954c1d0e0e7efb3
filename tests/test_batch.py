"""Batch mode: `govrules check RULESET --batch records.jsonl` and govrules._batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules._batch import evaluate_lines, run_batch
from govrules._cli import cli

HERE = Path(__file__).parent
CALENDAR_2027 = HERE / "data" / "calendar-2027.yaml"

GOOD = [
    {"conference": {"town_wide": True, "overall_work": False, "mayor_approved": True}},
    {"conference": {"town_wide": True, "overall_work": True, "mayor_approved": True, "party_secretary_approved": False}},
    {"conference": {"town_wide": False, "title": "防汛工作专题会"}},
    {"conference": {"town_wide": True, "overall_work": True, "mayor_approved": False}},
]


def _mixed_lines() -> tuple[list[str], dict[int, str]]:
    """Good records with bad ones between them; returns the lines and, per bad line, a fragment of its error."""
    lines = [json.dumps(GOOD[0], ensure_ascii=False), "{not json", json.dumps(GOOD[1], ensure_ascii=False), "",
             json.dumps({"conference": {"town_wide": "是的"}}, ensure_ascii=False), json.dumps(GOOD[2], ensure_ascii=False),
             "[1, 2]", json.dumps({"conferense": {}}), json.dumps(GOOD[3], ensure_ascii=False)]
    bad = {2: "not valid JSON", 5: "conference.town_wide", 7: "a mapping of fact names", 8: "conferense"}
    return lines, bad


def _expected(facts: dict, line: int) -> dict:
    return {"line": line, **govrules.evaluate("conference", facts).to_dict()}


def test_cli_batch_prints_one_verdict_per_good_line_in_order_and_reports_bad_lines(tmp_path):
    """Good records give verdicts in input order with their line; bad ones go to stderr by line number; exit 2."""
    lines, bad = _mixed_lines()
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", str(path), "--workers", "1"])
    assert result.exit_code == 2, result.output
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert out == [_expected(GOOD[0], 1), _expected(GOOD[1], 3), _expected(GOOD[2], 6), _expected(GOOD[3], 9)]
    errors = [x for x in result.stderr.splitlines() if f"{path}:" in x]
    assert [int(x.split(f"{path}:")[1].split(":")[0]) for x in errors] == sorted(bad)
    for line_error, (number, fragment) in zip(errors, sorted(bad.items())):
        assert fragment in line_error, (number, line_error)
    assert "4 verdicts, 4 bad records skipped" in result.stderr


def test_cli_batch_exits_zero_when_every_record_has_a_verdict(tmp_path):
    """A file of good records only exits 0, and a non-TTY stderr gets no progress bar, only the summary."""
    path = tmp_path / "ok.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in GOOD), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", str(path), "--workers", "1"])
    assert result.exit_code == 0
    assert [json.loads(x)["outcome"] for x in result.stdout.splitlines()] == ["allowed", "denied", "allowed", "denied"]
    assert result.stderr.strip() == "govrules: 4 verdicts, 0 bad records skipped"


def test_cli_batch_reads_stdin_with_a_dash():
    """`--batch -` reads the records from standard input."""
    data = "".join(json.dumps(g) + "\n" for g in GOOD[:2])
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", "-", "--workers", "1"], input=data)
    assert result.exit_code == 0
    assert [json.loads(x)["line"] for x in result.stdout.splitlines()] == [1, 2]


@pytest.mark.parametrize("args, fragment", [
    (["check", "conference"], "give either FACTS or --batch"),
    (["check", "conference", "facts.json", "--batch", "RECORDS"], "not both"),
    (["check", "conferenc", "--batch", "RECORDS"], "ruleset"),
])
def test_cli_batch_argument_mistakes_exit_2_with_one_message(tmp_path, args, fragment):
    """Neither FACTS nor --batch, both, or an unknown ruleset: exit 2 with one clear message."""
    records = tmp_path / "RECORDS"
    records.write_text(json.dumps(GOOD[0]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [str(records) if a == "RECORDS" else a for a in args])
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert result.stdout == ""


def test_cli_batch_non_utf8_file_is_one_error(tmp_path):
    """A file that is not UTF-8 text stops with one error naming the file, exit 2."""
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"conference": {"title": "\xe9t\xe9"}}\n')
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", str(path), "--workers", "1"])
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr and str(path) in result.stderr


def test_evaluate_lines_keeps_given_line_numbers():
    """(line, text) pairs keep their numbers, so a slice of a big file reports the right lines."""
    results = list(evaluate_lines("conference", [(41, json.dumps(GOOD[0])), (42, "oops"), (43, "  ")]))
    assert [(r.line, r.output is not None, r.bad.line if r.bad else None) for r in results] == [
        (41, True, None), (42, False, 42)]


def test_two_worker_processes_give_the_same_lines_in_the_same_order():
    """600 records in small chunks over 2 processes give exactly the single-process output, in order."""
    lines, _ = _mixed_lines()
    records = (lines * 67)[:600]
    single = [(r.line, r.output, r.bad) for r in run_batch("conference", records, workers=1)]
    double = [(r.line, r.output, r.bad) for r in run_batch("conference", records, workers=2, chunk_size=16)]
    assert double == single
    good_texts = {json.dumps(g, ensure_ascii=False) for g in GOOD}
    assert sum(1 for _, out, _ in single if out) == sum(1 for text in records if text in good_texts)


def test_workers_use_the_calendar_files_given():
    """A 2027 date is a CalendarError without a year file and a verdict with one, in worker processes too."""
    record = json.dumps({"minutes": {"meeting_date": "2027-02-03", "drafted_on": "2027-02-04",
                                     "vice_mayors": ["李四"], "reviewed_by": ["李四"], "approved_by_mayor": True}},
                        ensure_ascii=False)
    without = list(run_batch("minutes", [record], workers=2))
    assert without[0].bad is not None and "CalendarError" in without[0].bad.error and "2027" in without[0].bad.error
    with_file = list(run_batch("minutes", [record], workers=2, calendar_files=[str(CALENDAR_2027)]))
    verdict = json.loads(with_file[0].output)
    assert verdict["ruleset"] == "minutes" and str(CALENDAR_2027) in verdict["data"]["calendar"]


@pytest.mark.parametrize("kwargs", [{"workers": 0}, {"chunk_size": 0}])
def test_run_batch_rejects_nonsense_sizes(kwargs):
    """workers and chunk_size below 1 are InputErrors naming the parameter."""
    with pytest.raises(govrules.InputError) as caught:
        list(run_batch("conference", [], **kwargs))
    assert caught.value.path == next(iter(kwargs))


def test_batch_without_remedies_leaves_them_out() -> None:
    """evaluate_lines(remedies=False) gives the same verdicts without data.remedies."""
    import json

    from govrules._batch import evaluate_lines

    line = json.dumps({"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False}})
    with_r = json.loads(next(evaluate_lines("conference", [line])).output)
    without = json.loads(next(evaluate_lines("conference", [line], remedies=False)).output)
    assert "remedies" in with_r["data"] and "remedies" not in without["data"]
    assert with_r["outcome"] == without["outcome"] == "denied"
