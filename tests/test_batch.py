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
    from govrules._facade import _evaluate

    return {"line": line, **_evaluate("conference", facts, remedies=False).to_dict()}


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
    """evaluate_lines leaves data.remedies out unless remedies=True, with the same verdict otherwise."""
    import json

    from govrules._batch import evaluate_lines

    line = json.dumps({"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False}})
    with_r = json.loads(next(evaluate_lines("conference", [line], remedies=True)).output)
    without = json.loads(next(evaluate_lines("conference", [line])).output)
    assert "remedies" in with_r["data"] and "remedies" not in without["data"]
    assert with_r["outcome"] == without["outcome"] == "denied"


def _hostile_lines() -> tuple[list[str], dict[int, str]]:
    """Good records between records that escaped the batch before (#11): surrogate, huge int, deep nesting, repeats."""
    good = json.dumps(GOOD[0])
    deep = '{"conference": {"title": ' + "[" * 1000 + "]" * 1000 + "}}"
    lines = [
        "\ufeff" + good,                                                     # 1: a BOM on the first line
        '{"conference": {"town_wide": true, "title": "\\ud800"}}',          # 2: lone surrogate
        good,                                                                # 3
        '{"submission": {"matters": ' + "9" * 4301 + "}}",                   # 4: over the int limit
        deep,                                                                # 5: nested ~1,000 deep
        '{"conference": {"town_wide": true, "town_wide": false}}',          # 6: a key given twice
        good,                                                                # 7
    ]
    return lines, {2: "", 4: "", 5: "", 6: "conference.town_wide"}


@pytest.mark.parametrize("workers", [1, 2])
def test_no_record_stops_a_batch_and_every_bad_one_is_reported_with_its_line(workers):
    """Records that raised EngineError/ValueError/RecursionError are reported by line; every good one has a verdict."""
    lines, bad = _hostile_lines()
    ruleset_for = "conference"
    results = list(run_batch(ruleset_for, lines * 3, workers=workers, chunk_size=4))
    good_lines = [r.line for r in results if r.output is not None]
    bad_lines = {r.line: r.bad.error for r in results if r.bad is not None}
    offsets = (0, 7, 14)
    assert good_lines == [o + n for o in offsets for n in (1, 3, 7)]
    assert sorted(bad_lines) == [o + n for o in offsets for n in sorted(bad)]
    for n, fragment in bad.items():
        assert fragment in bad_lines[n]


def test_the_issue_11_repro_exits_2_naming_the_line(tmp_path):
    """A 4,301-digit integer record is a bad record on line 1 (exit 2), not a traceback with exit 1."""
    path = tmp_path / "r.jsonl"
    path.write_text('{"submission":{"matters":' + "9" * 4301 + "}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "submission", "--batch", str(path), "--workers", "1"])
    assert result.exit_code == 2
    assert f"{path}:1:" in result.stderr and "0 verdicts, 1 bad records skipped" in result.stderr
    assert "more than 4,300 digits" in result.stderr


def test_a_surrogate_record_is_bad_not_a_crash_when_writing(tmp_path):
    """A lone surrogate that would reach the output is refused as that record's problem; the others print."""
    path = tmp_path / "s.jsonl"
    lines, _ = _hostile_lines()
    path.write_text(json.dumps(GOOD[0]) + "\n" + lines[1] + "\n" + json.dumps(GOOD[1]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", str(path), "--workers", "1"])
    assert result.exit_code == 2
    assert [json.loads(x)["line"] for x in result.stdout.splitlines()] == [1, 3]
    assert f"{path}:2:" in result.stderr


def test_a_pretty_printed_json_document_is_one_error(tmp_path):
    """One JSON document given to --batch is one 'not JSON Lines' error, not an error per line."""
    path = tmp_path / "one.json"
    path.write_text(json.dumps(GOOD[1], indent=2, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", str(path), "--workers", "1"])
    assert result.exit_code == 2
    assert "one JSON document" in result.stderr and "not JSON Lines" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_a_first_record_cut_off_is_still_judged_line_by_line(tmp_path):
    """A JSON Lines file whose first line is broken is not mistaken for one document: each line is judged."""
    path = tmp_path / "cut.jsonl"
    path.write_text('{"conference": {"town_wide": \n' + json.dumps(GOOD[0]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", str(path), "--workers", "1"])
    assert result.exit_code == 2
    assert f"{path}:1:" in result.stderr and [json.loads(x)["line"] for x in result.stdout.splitlines()] == [2]


def test_batch_reads_gbk_with_encoding_and_a_bom_without(tmp_path):
    """--encoding gb18030 reads a GBK batch; without it one error suggests it; a BOM file needs nothing."""
    record = json.dumps({"conference": {"town_wide": False, "title": "防汛工作专题会"}}, ensure_ascii=False)
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes((record + "\n").encode("gbk") * 2)
    bare = CliRunner().invoke(cli, ["check", "conference", "--batch", str(gbk), "--workers", "1"])
    assert bare.exit_code == 2 and "--encoding gb18030" in bare.stderr
    fixed = CliRunner().invoke(cli, ["check", "conference", "--batch", str(gbk), "--workers", "1",
                                     "--encoding", "gb18030"])
    assert fixed.exit_code == 0 and len(fixed.stdout.splitlines()) == 2
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + (record + "\n").encode("utf-8"))
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", str(bom), "--workers", "1"])
    assert result.exit_code == 0, result.stderr


def test_a_missing_batch_file_says_not_found(tmp_path):
    """--batch naming no file: exit 2 and 'not found'."""
    result = CliRunner().invoke(cli, ["check", "conference", "--batch", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "not found" in result.stderr


def test_batch_remedies_are_opt_in(tmp_path):
    """--batch leaves data.remedies out by default and includes them with --remedies."""
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"conference": {"town_wide": True}}) + "\n", encoding="utf-8")
    args = ["check", "conference", "--batch", str(path), "--workers", "1"]
    default = json.loads(CliRunner().invoke(cli, args).stdout)
    opted = json.loads(CliRunner().invoke(cli, [*args, "--remedies"]).stdout)
    assert "remedies" not in default["data"] and "remedies" in opted["data"]


def test_evaluate_lines_numbers_from_start_line_and_ignores_line_ends():
    """start_line gives file-wide numbers; lines with or without "\\n"/"\\r\\n" give the same results."""
    from govrules.batch import evaluate_lines as public

    good = json.dumps(GOOD[0])
    ended = list(public("conference", [good + "\n", "oops\r\n", "\n", good], start_line=201))
    bare = list(public("conference", [good, "oops", "", good], start_line=201))
    assert [(r.line, r.bad is None) for r in ended] == [(201, True), (202, False), (204, True)]
    assert ended == bare
    assert ended[1].bad.line == 202 and not ended[0].output.endswith("\n")


def _hostile_record():
    """Records of the kinds issue #11 found escaping: surrogates, deep nesting, huge ints and strings, NaN, repeats."""
    from hypothesis import strategies as st

    town = st.sampled_from(["true", "false", '"是"', "null", "1"])
    return st.one_of(
        st.sampled_from([json.dumps(g, ensure_ascii=False) for g in GOOD]),
        town.map(lambda v: '{"conference": {"town_wide": %s, "title": "\\ud83d"}}' % v),
        st.integers(min_value=900, max_value=1200).map(lambda d: '{"conference": {"title": ' + "[" * d + "]" * d + "}}"),
        st.integers(min_value=4290, max_value=4400).map(lambda n: '{"conference": {"town_wide": ' + "7" * n + "}}"),
        st.integers(min_value=1, max_value=200_000).map(lambda n: json.dumps({"conference": {"title": "会" * n}})),
        town.map(lambda v: '{"conference": {"town_wide": NaN, "mayor_approved": %s}}' % v),
        town.map(lambda v: '{"conference": {"town_wide": %s}, "conference": {"town_wide": true}}' % v),
        st.just(""),
    )


def test_batch_survives_generated_hostile_records():
    """Hypothesis: with 2 workers every non-blank line is a writable verdict or a bad record, once, in order."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(_hostile_record(), min_size=1, max_size=12))
    def run(lines):
        results = list(run_batch("conference", lines, workers=2, chunk_size=3))
        assert [r.line for r in results] == [n for n, text in enumerate(lines, 1) if text.strip()]
        for r in results:
            assert (r.output is None) != (r.bad is None)
            if r.output is not None:
                r.output.encode("utf-8")
    run()
