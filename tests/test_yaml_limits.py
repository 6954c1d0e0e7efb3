"""YAML resource limits (issue #11 item 9): expansion bounded in characters, file size bounded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from govrules import RulesetError
from govrules import _yaml
from govrules._cli import cli
from govrules._rulesets import load_file, ruleset_dir


def _string_bomb() -> str:
    """About 1.2 MB of YAML: a 1 MB string aliased 30,000 times (30 GB expanded, 30,001 values)."""
    return ('big: &big "' + "x" * 1_000_000 + '"\nconference: {town_wide: true}\nmore:\n'
            + "  - *big\n" * 30_000)


def test_a_string_aliased_many_times_is_refused_quickly(tmp_path: Path) -> None:
    """A facts file under the value limit but expanding past MAX_EXPANDED_CHARS exits 2 within seconds."""
    facts = tmp_path / "facts.yaml"
    facts.write_text(_string_bomb(), encoding="utf-8")
    assert facts.stat().st_size < 1_400_000
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["check", "conference", str(facts)])
    assert time.monotonic() - started < 10
    assert result.exit_code == 2 and "characters" in result.stderr and "expands" in result.stderr


def test_expansion_counts_characters_not_only_values(tmp_path: Path) -> None:
    """The loader's own check names the character limit (the value count alone let the bomb through)."""
    with pytest.raises(RulesetError, match=f"more than {_yaml.MAX_EXPANDED_CHARS:,} characters"):
        _yaml.load_yaml(tmp_path / "x.yaml", _string_bomb(), max_chars=10_000_000)


def test_a_rule_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    """A rule file over MAX_FILE_CHARS is a RulesetError naming the file and the limit, at once."""
    (tmp_path / "types.yaml").write_text((ruleset_dir() / "types.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "conference.yaml"
    path.write_text("# " + "x" * _yaml.MAX_FILE_CHARS + "\nruleset: conference\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(RulesetError) as e:
        load_file(path)
    assert time.monotonic() - started < 2
    assert str(e.value).startswith(str(path)) and "at most 2,097,152 characters" in str(e.value)


def test_a_huge_facts_file_is_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    """A facts file over MAX_FACTS_FILE_BYTES exits 2 naming the limit, without reading it."""
    import govrules._facts_io as facts_io

    monkeypatch.setattr(facts_io, "MAX_FACTS_FILE_BYTES", 1000)
    facts = tmp_path / "facts.json"
    facts.write_text('{"conference": {"town_wide": true, "title": "' + "x" * 2000 + '"}}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", str(facts)])
    assert result.exit_code == 2 and "at most 1,000 bytes" in result.stderr


def test_shipped_files_are_well_within_the_limits() -> None:
    """Every shipped rule, cases and types file is under a tenth of MAX_FILE_CHARS."""
    for path in ruleset_dir().glob("*.yaml"):
        assert len(path.read_text(encoding="utf-8")) < _yaml.MAX_FILE_CHARS // 10, path


def test_types_file_not_utf8_or_a_directory_is_a_ruleset_error(tmp_path: Path) -> None:
    """A types.yaml that is not UTF-8, or is a directory, is a RulesetError naming it, not a traceback."""
    from govrules._rulesets import _types

    conference = (ruleset_dir() / "conference.yaml").read_text(encoding="utf-8")
    for i, make in enumerate((lambda p: p.write_bytes(b"types:\n  x: \xff\xfe\n"), lambda p: p.mkdir())):
        d = tmp_path / str(i)
        d.mkdir()
        make(d / "types.yaml")
        (d / "conference.yaml").write_text(conference, encoding="utf-8")
        _types.cache_clear()
        with pytest.raises(RulesetError) as e:
            load_file(d / "conference.yaml")
        assert str(d / "types.yaml") in str(e.value) and "cannot read the types file" in str(e.value)


@pytest.mark.parametrize("where", ["../2027.yaml", "/etc/passwd", "sub/../../2027.yaml"])
def test_a_case_calendar_outside_the_cases_directory_is_refused(tmp_path: Path, where: str) -> None:
    """`calendar: ../x.yaml` (or an absolute path) in a cases file is a RulesetError at its line; nothing is read."""
    from govrules._cases import load_cases

    (tmp_path / "2027.yaml").write_text("year: 2027\nholidays: []\n", encoding="utf-8")
    home = tmp_path / "cases"
    home.mkdir()
    path = home / "conference.cases.yaml"
    path.write_text(f"ruleset: conference\ncases:\n  - name: 一个案例。\n    calendar: {where}\n"
                    "    facts: {conference: {town_wide: false}}\n    expect: {outcome: allowed}\n", encoding="utf-8")
    with pytest.raises(RulesetError) as e:
        load_cases(path)
    assert e.value.line == 4 and "outside the cases file's directory" in str(e.value)


def test_a_case_calendar_beside_the_cases_file_still_loads(tmp_path: Path) -> None:
    """A year file in the cases file's own directory is accepted."""
    from govrules._cases import load_cases

    (tmp_path / "2027.yaml").write_text("year: 2027\nholidays: []\n", encoding="utf-8")
    path = tmp_path / "conference.cases.yaml"
    path.write_text("ruleset: conference\ncases:\n  - name: 一个案例。\n    calendar: 2027.yaml\n"
                    "    facts: {conference: {town_wide: false}}\n    expect: {outcome: allowed}\n", encoding="utf-8")
    (case,) = load_cases(path)
    assert case.calendar_obj().covers(2027)
