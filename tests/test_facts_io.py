"""Facts files as offices write them: keys given twice, a BOM, GBK, stdin, a missing file."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from govrules import InputError
from govrules._cli import cli
from govrules._facts_io import loads_json

SIGNER_TWICE = ('{"document": {"issuer": "town_government"}, '
                '"signer": {"name": "张三", "role": "department"}, "signer": {"name": "赵镇长", "role": "mayor"}}')


def _check(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(cli, ["check", *args], input=input)


def test_a_key_given_twice_in_a_json_file_is_bad_input_naming_it(tmp_path):
    """A facts file with `signer` twice exits 2 naming `signer`, instead of signing as the second one."""
    path = tmp_path / "facts.json"
    path.write_text(SIGNER_TWICE, encoding="utf-8")
    result = _check("signing", str(path))
    assert result.exit_code == 2, result.output
    assert "signer" in result.stderr and "given once" in result.stderr


def test_a_nested_repeated_key_is_named_by_its_path():
    """The InputError's path is the repeated key's full path, lists included."""
    with pytest.raises(InputError) as caught:
        loads_json('{"meeting": {"leaders": [{"name": "a"}, {"name": "b", "present": true, "present": false}]}}')
    assert caught.value.path == "meeting.leaders[1].present"


def test_loads_json_without_repeats_is_plain_json():
    """Objects with distinct keys parse exactly as json.loads does."""
    text = '{"a": [1, {"b": null, "c": "颛桥"}], "d": 1.5}'
    assert loads_json(text) == json.loads(text)


def test_a_key_given_twice_in_yaml_is_bad_input_naming_it(tmp_path):
    """YAML facts with a repeated key exit 2 naming the key and its line."""
    path = tmp_path / "facts.yaml"
    path.write_text("conference:\n  town_wide: true\n  town_wide: false\n", encoding="utf-8")
    result = _check("conference", str(path))
    assert result.exit_code == 2
    assert "town_wide" in result.stderr and "line 3" in result.stderr


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_utf8_bom_is_accepted(tmp_path, suffix):
    """A file saved with a UTF-8 BOM (Windows editors) reads as without one."""
    path = tmp_path / f"facts{suffix}"
    body = json.dumps({"conference": {"town_wide": True, "overall_work": False, "mayor_approved": True}},
                      ensure_ascii=False)
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    result = _check("conference", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"] == "allowed"


def test_a_gbk_file_needs_encoding_and_the_error_says_so(tmp_path):
    """A GBK file is one error naming the file and suggesting --encoding gb18030; with it, a verdict."""
    path = tmp_path / "facts.json"
    path.write_bytes(json.dumps({"conference": {"town_wide": False, "title": "防汛工作专题会"}},
                                ensure_ascii=False).encode("gbk"))
    bare = _check("conference", str(path))
    assert bare.exit_code == 2
    assert str(path) in bare.stderr and "--encoding gb18030" in bare.stderr
    fixed = _check("conference", str(path), "--encoding", "gb18030", "--json")
    assert fixed.exit_code == 0, fixed.output


def test_an_unknown_encoding_is_bad_input():
    """--encoding with a name Python does not know exits 2 naming the option."""
    result = _check("conference", "-", "--encoding", "klingon", input="{}")
    assert result.exit_code == 2 and "--encoding" in result.stderr


def test_a_dash_reads_the_facts_from_stdin():
    """`govrules check RULESET -` reads JSON facts from standard input."""
    facts = json.dumps({"conference": {"town_wide": True, "overall_work": True, "mayor_approved": True,
                                       "party_secretary_approved": False}})
    result = _check("conference", "-", "--json", input=facts)
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["outcome"] == "denied"


def test_yaml_on_stdin_is_read_too():
    """Facts on stdin that do not start with `{` are read as YAML."""
    result = _check("conference", "-", "--json", input="conference:\n  town_wide: false\n")
    assert result.exit_code == 0, result.output


def test_a_missing_file_says_not_found(tmp_path):
    """A facts file that does not exist: exit 2, 'not found', its name."""
    result = _check("conference", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "not found" in result.stderr and "nope.json" in result.stderr


def test_a_year_file_with_a_bom_loads(tmp_path):
    """A JSON year file saved with a UTF-8 BOM is read like one without."""
    import govrules

    path = tmp_path / "2027.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"year": 2027, "holidays": ["2027-01-01"], "workdays": []}).encode())
    calendar = govrules.WorkingCalendar.from_file(str(path))
    assert calendar is not None


def test_check_help_lists_the_rulesets():
    """`govrules check --help` names every shipped ruleset."""
    from govrules._rulesets import available

    result = CliRunner().invoke(cli, ["check", "--help"])
    assert result.exit_code == 0
    section = result.output.split("Rulesets:")[1]
    assert all(name in section for name in available())
