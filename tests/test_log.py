"""Decision log: opt-in JSON Lines, one record per verdict, no torn lines, no unmasked input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules import _log
from govrules._cli import cli
from govrules._errors import InputError
from govrules._log import DecisionLog, append_line, input_hash, read_log
from govrules._rulesets import runner

FACTS = {"conference": {"title": "全镇安全生产大会", "town_wide": True, "overall_work": True,
                        "mayor_approved": True, "party_secretary_approved": False}}


@pytest.fixture(autouse=True)
def _log_off():
    yield
    govrules.configure(decision_log=None)


def test_configured_log_records_one_line_per_decision_with_the_contracted_fields(tmp_path: Path) -> None:
    """Each evaluate() appends id, time, ruleset name and version, input hash, outcome and clauses."""
    path = tmp_path / "decisions.jsonl"
    govrules.configure(decision_log=path)
    v1 = govrules.check_conference(conference=FACTS["conference"])
    v2 = govrules.check_conference(conference={"town_wide": False})
    records = read_log(path)
    assert [r["outcome"] for r in records] == [v1.outcome, v2.outcome] == ["denied", "allowed"]
    first = records[0]
    assert first["ruleset"] == "conference"
    assert first["ruleset_version"] == runner("conference").spec.version
    assert first["clauses"] == ["4.1"] and first["allowed"] is False
    assert first["input_hash"] == input_hash(runner("conference").spec, FACTS)
    assert first["decision_id"] != records[1]["decision_id"]
    assert first["time"].endswith("Z")


def test_by_default_no_input_value_reaches_the_log(tmp_path: Path) -> None:
    """Without a mask the record holds the input's hash only: no title, no field values."""
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path)
    govrules.evaluate("conference", FACTS)
    text = path.read_text(encoding="utf-8")
    assert "全镇安全生产大会" not in text and "mayor_approved" not in text
    assert "input" not in read_log(path)[0]


def test_a_mask_logs_the_input_without_the_masked_paths(tmp_path: Path) -> None:
    """mask=[paths] logs the validated input minus exactly those fields."""
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path, mask=["conference.title"])
    govrules.evaluate("conference", FACTS)
    record = read_log(path)[0]
    assert "全镇安全生产大会" not in path.read_text(encoding="utf-8")
    assert record["input"]["conference"]["town_wide"] is True
    assert "title" not in record["input"]["conference"]
    assert record["masked"] == ["conference.title"]


def test_masks_reach_into_lists_by_index_or_for_every_item() -> None:
    """'a.items[*].name' strips every item's name; 'a.items[1]' blanks that item only."""
    doc = {"a": {"items": [{"name": "张三", "x": 1}, {"name": "李四", "x": 2}]}}
    every = json.loads(json.dumps(doc))
    _log._strip(every, _log._parse_mask("a.items[*].name"))
    assert every == {"a": {"items": [{"x": 1}, {"x": 2}]}}
    implicit = json.loads(json.dumps(doc))
    _log._strip(implicit, _log._parse_mask("a.items.name"))
    assert implicit == every
    one = json.loads(json.dumps(doc))
    _log._strip(one, _log._parse_mask("a.items[1]"))
    assert one == {"a": {"items": [{"name": "张三", "x": 1}, None]}}


def test_equal_inputs_in_different_spellings_hash_alike_and_different_inputs_do_not() -> None:
    """The hash is of the validated input: a blank text and one not given agree; a fact not given and a false one do not."""
    spec = runner("conference").spec
    a = input_hash(spec, {"conference": {"town_wide": True}})
    b = input_hash(spec, {"conference": {"town_wide": True, "title": "  "}})
    c = input_hash(spec, {"conference": {"town_wide": True, "overall_work": False}})
    d = input_hash(spec, {"conference": {"town_wide": False}})
    assert a == b and len({a, c, d}) == 3


def test_reader_skips_a_torn_trailing_line_and_the_next_append_starts_a_fresh_line(tmp_path: Path) -> None:
    """A write cut short leaves a fragment; readers skip it and later records stay whole."""
    path = tmp_path / "d.jsonl"
    log = DecisionLog(path)
    spec = runner("conference").spec
    log.record(spec, FACTS, govrules.evaluate("conference", FACTS))
    with open(path, "ab") as fh:
        fh.write(b'{"decision_id": "torn", "outc')
    assert [r["outcome"] for r in read_log(path)] == ["denied"]
    log.record(spec, {"conference": {"town_wide": False}}, govrules.evaluate("conference", {"conference": {"town_wide": False}}))
    records = read_log(path)
    assert [r["outcome"] for r in records] == ["denied", "allowed"]
    assert all(r["decision_id"] != "torn" for r in records)


def test_concurrent_appends_from_threads_never_interleave(tmp_path: Path) -> None:
    """400 records from 8 threads are 400 whole lines."""
    path = tmp_path / "d.jsonl"

    def work(n: int) -> None:
        for i in range(50):
            append_line(path, json.dumps({"t": n, "i": i, "pad": "字" * 500}))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_bytes().split(b"\n")
    # A tail check racing another writer may add an empty line (harmless); never a glued one.
    whole = [x for x in lines[:-1] if x]
    assert lines[-1] == b"" and len(whole) == 400
    assert all(json.loads(x)["pad"] == "字" * 500 for x in whole)
    assert sorted((r["t"], r["i"]) for r in read_log(path)) == [(n, i) for n in range(8) for i in range(50)]


def test_a_writer_killed_mid_stream_leaves_only_whole_records(tmp_path: Path) -> None:
    """SIGKILL during a burst of appends: every line a reader returns parses, none is torn."""
    path = tmp_path / "d.jsonl"
    script = ("import sys; from govrules._log import append_line\n"
              "i = 0\n"
              "while True:\n"
              "    append_line(sys.argv[1], '{\"i\": %d, \"pad\": \"%s\"}' % (i, 'x' * 3000)); i += 1\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(path)])
    try:
        for _ in range(200):
            if path.exists() and path.stat().st_size > 200_000:
                break
            threading.Event().wait(0.02)
    finally:
        proc.kill()
        proc.wait()
    records = read_log(path)
    assert records and [r["i"] for r in records] == list(range(len(records)))
    raw_lines = [x for x in path.read_bytes().split(b"\n")[:-1] if x]
    assert len(raw_lines) == len(records)


def test_bad_settings_are_input_errors_naming_the_setting(tmp_path: Path) -> None:
    """A non-path log, a mask that is a bare string, a malformed mask path, a missing directory."""
    with pytest.raises(InputError) as e1:
        govrules.configure(decision_log=42)
    assert e1.value.path == "decision_log"
    with pytest.raises(InputError) as e2:
        govrules.configure(decision_log=tmp_path / "d.jsonl", mask="conference.title")
    assert e2.value.path == "mask"
    with pytest.raises(InputError) as e3:
        govrules.configure(decision_log=tmp_path / "d.jsonl", mask=["conference..title"])
    assert e3.value.path == "mask"
    with pytest.raises(InputError) as e4:
        govrules.configure(decision_log=tmp_path / "no" / "such" / "d.jsonl")
    assert e4.value.path == "decision_log"


def test_logging_is_off_unless_configured(tmp_path: Path) -> None:
    """configure(decision_log=None) stops logging: later decisions add no line."""
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path)
    govrules.evaluate("conference", FACTS)
    govrules.configure(decision_log=None)
    govrules.evaluate("conference", FACTS)
    assert len(read_log(path)) == 1


def test_cli_check_log_appends_a_record(tmp_path: Path) -> None:
    """`govrules check --log PATH` appends the decision (exit code unchanged: 1 for denied)."""
    facts = tmp_path / "f.json"
    facts.write_text(json.dumps(FACTS, ensure_ascii=False), encoding="utf-8")
    path = tmp_path / "cli.jsonl"
    result = CliRunner().invoke(cli, ["check", "conference", str(facts), "--log", str(path)])
    assert result.exit_code == 1
    (record,) = read_log(path)
    assert record["outcome"] == "denied" and "input" not in record
    assert os.stat(path).st_mode & 0o077 == 0


def test_configure_keeps_settings_not_named(tmp_path: Path) -> None:
    """configure(remedies=...) alone leaves the decision log on; configure(mask=...) keeps the path."""
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path)
    govrules.configure(remedies=True)
    govrules.configure(mask=["conference.title"])
    govrules.evaluate("conference", FACTS)
    (record,) = read_log(path)
    assert "title" not in record["input"]["conference"]


def test_a_mistyped_mask_path_is_refused_with_a_suggestion(tmp_path):
    """mask=['signer.nmae'] would log the name in clear: it is an InputError suggesting signer.name."""
    import govrules

    with pytest.raises(govrules.InputError) as e:
        govrules.configure(decision_log=tmp_path / "d.jsonl", mask=["signer.nmae"])
    assert e.value.path == "mask" and "signer.name" in str(e.value)
    govrules.configure(decision_log=tmp_path / "d.jsonl", mask=["signer.name", "meeting.leaders[*].name"])
    govrules.configure(decision_log=None, mask=None)


def test_a_directory_is_refused_as_the_decision_log(tmp_path):
    """decision_log=<a directory> is refused at configure, not on every later evaluation."""
    import govrules

    with pytest.raises(govrules.InputError) as e:
        govrules.configure(decision_log=tmp_path)
    assert e.value.path == "decision_log"
    assert govrules.check_conference(conference={"town_wide": False}).allowed
