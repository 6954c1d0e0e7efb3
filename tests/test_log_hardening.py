"""Decision log hardening (issue #11 items 5, 10): keyed input hash; a failed write is its own error, never torn."""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules import _log
from govrules._cli import cli
from govrules._log import _canonical, input_hash, read_log
from govrules._rulesets import runner
from govrules._validate import validate

KEY = b"deployer-secret-0123456789abcdef"
SIGNING = {"document": {"issuer": "town_government"}, "division": {"urban": "王五"}}
NAMES = [a + b for a in "张王李赵钱孙周吴郑冯" for b in "一二三四五六七八九十伟芳娜敏静丽强磊军洋"]


@pytest.fixture(autouse=True)
def _log_off():
    yield
    govrules.configure(decision_log=None, mask=None, log_key=None)


def _candidates(spec, record_input: dict) -> dict[str, dict]:
    """Every candidate full input for a record whose signer.name was masked out."""
    out = {}
    for name in NAMES:
        facts = json.loads(json.dumps(record_input))
        facts["signer"]["name"] = name
        out[name] = facts
    return out


def test_a_masked_name_cannot_be_recovered_without_the_key_and_can_with_it(tmp_path: Path) -> None:
    """Enumerating names against the logged hash finds nothing unkeyed or under a wrong key; the key finds it."""
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path, mask=["signer.name"], log_key=KEY)
    govrules.check_signing(signer={"name": "周静", "role": "vice_mayor"}, **SIGNING)
    (record,) = read_log(path)
    assert "周静" not in path.read_text(encoding="utf-8")
    spec = runner("signing").spec
    candidates = _candidates(spec, record["input"])

    def found(hash_of) -> list[str]:
        return [n for n, facts in candidates.items() if hash_of(facts) == record["input_hash"]]

    unkeyed = lambda f: "sha256:" + hashlib.sha256(_canonical(validate(spec, f)).encode()).hexdigest()  # noqa: E731
    assert found(unkeyed) == []
    assert found(lambda f: input_hash(spec, f, b"a-guessed-key-0123456789")) == []
    assert found(lambda f: input_hash(spec, f, KEY)) == ["周静"]  # the test can tell


def test_a_hash_only_conference_record_is_not_inverted_by_listing_all_inputs(tmp_path: Path) -> None:
    """All 16 conference inputs hashed without the key miss the record; with it, exactly the true one hits."""
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path, log_key=KEY)
    truth = {"town_wide": True, "overall_work": False, "mayor_approved": True, "party_secretary_approved": False}
    govrules.check_conference(conference=truth)
    (record,) = read_log(path)
    spec = runner("conference").spec
    fields = list(truth)
    inputs = [{"conference": dict(zip(fields, bits))} for bits in itertools.product([False, True], repeat=4)]
    unkeyed = {"sha256:" + hashlib.sha256(_canonical(validate(spec, i)).encode()).hexdigest() for i in inputs}
    assert record["input_hash"] not in unkeyed
    assert record["input_hash"] not in {input_hash(spec, i) for i in inputs}  # the process key is not KEY
    assert [i for i in inputs if input_hash(spec, i, KEY) == record["input_hash"]] == [{"conference": truth}]


def test_the_record_names_its_key_without_revealing_it(tmp_path: Path) -> None:
    """input_hash_key identifies the key (equal keys, equal ids) and the key's bytes never reach the log."""
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path, log_key=KEY)
    govrules.check_conference(conference={"town_wide": False})
    govrules.configure(log_key=KEY[::-1])
    govrules.check_conference(conference={"town_wide": False})
    a, b = read_log(path)
    assert a["input_hash_key"] == _log.key_id(KEY) != b["input_hash_key"]
    assert a["input_hash"] != b["input_hash"]
    assert KEY.decode() not in path.read_text(encoding="utf-8")


def test_the_key_comes_from_the_environment_when_not_configured(tmp_path: Path, monkeypatch) -> None:
    """$GOVRULES_LOG_KEY keys the hash when configure() names no key, so processes agree."""
    monkeypatch.setenv("GOVRULES_LOG_KEY", KEY.decode())
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path)
    govrules.check_conference(conference={"town_wide": False})
    (record,) = read_log(path)
    assert record["input_hash"] == input_hash(runner("conference").spec, {"conference": {"town_wide": False}}, KEY)


def test_a_short_key_is_refused_without_echoing_it() -> None:
    """A key under 16 bytes is an InputError naming log_key, and the message does not contain the key."""
    with pytest.raises(govrules.InputError) as e:
        govrules.configure(log_key="hunter2")
    assert e.value.path == "log_key" and "hunter2" not in str(e.value)


def test_cli_log_key_file_keys_the_hash(tmp_path: Path) -> None:
    """`check --log --log-key-file` hashes with the file's secret (trailing newline ignored)."""
    facts = tmp_path / "f.json"
    facts.write_text('{"conference": {"town_wide": false}}', encoding="utf-8")
    (tmp_path / "key").write_bytes(KEY + b"\n")
    log = tmp_path / "d.jsonl"
    result = CliRunner().invoke(cli, ["check", "conference", str(facts), "--log", str(log),
                                      "--log-key-file", str(tmp_path / "key")])
    assert result.exit_code == 0, result.output
    (record,) = read_log(log)
    assert record["input_hash"] == input_hash(runner("conference").spec, {"conference": {"town_wide": False}}, KEY)


# ---- a full disk ------------------------------------------------------------------------------


def test_a_full_disk_is_a_decision_log_error_carrying_the_verdict(tmp_path: Path) -> None:
    """With the log on /dev/full, evaluate raises DecisionLogError (not InputError) holding the verdict."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    govrules.configure(decision_log="/dev/full")
    with pytest.raises(govrules.DecisionLogError) as e:
        govrules.check_conference(conference={"town_wide": False})
    assert not isinstance(e.value, govrules.InputError)
    assert e.value.errno == errno.ENOSPC and e.value.verdict.outcome == "allowed"


def test_a_short_write_leaves_no_fragment(tmp_path: Path, monkeypatch) -> None:
    """A write cut short (the disk filled mid-record) is removed again: the file ends with whole lines only."""
    path = tmp_path / "d.jsonl"
    govrules.configure(decision_log=path)
    govrules.check_conference(conference={"town_wide": False})
    before = path.read_bytes()
    real_write = os.write

    def half(fd: int, data: bytes) -> int:
        return real_write(fd, data[: len(data) // 2])

    monkeypatch.setattr(_log.os, "write", half)
    with pytest.raises(govrules.DecisionLogError, match="short write"):
        govrules.check_conference(conference={"town_wide": True})
    monkeypatch.undo()
    assert path.read_bytes() == before
    govrules.check_conference(conference={"town_wide": False})
    assert len(read_log(path)) == 2 and path.read_bytes().count(b"\n") == 2


def test_cli_prints_the_verdict_and_exits_3_when_the_log_fails(tmp_path: Path) -> None:
    """`check --log /dev/full` prints the verdict, says it was not recorded, and exits 3 (not 2, bad input)."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    facts = tmp_path / "f.json"
    facts.write_text('{"conference": {"town_wide": false}}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", str(facts), "--log", "/dev/full"])
    assert result.exit_code == 3
    assert "可以召开" in result.stdout and "not recorded" in result.stderr
