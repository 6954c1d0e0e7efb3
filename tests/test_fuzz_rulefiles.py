"""Rule files under attack: malformed YAML and wrong fields are RulesetErrors with a line; tags build nothing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govrules import RulesetError
from govrules._cases import load_cases
from govrules._rulesets import available, load_file, ruleset_dir

SHIPPED = available()
FUZZ = settings(max_examples=40, deadline=dt.timedelta(seconds=5), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _fuzz(name: str) -> settings:
    # Loading a rule file takes 15–60 ms (round-trip YAML with positions): the small worked
    # example gets many examples, the others a few each, so the file stays at seconds.
    return settings(FUZZ, max_examples=40 if name == "conference" else 5)
# Characters that break YAML structure in interesting ways.
BREAKERS = [":", "- ", "[", "]", "{", "}", "\t", "  ", "'", '"', "&a ", "*a", "!", "%", "@", "`", "|", ">", "#", "?"]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copy(ruleset_dir() / "types.yaml", tmp_path / "types.yaml")
    return tmp_path


def _load(workdir: Path, name: str, text: str) -> None:
    path = workdir / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    load_file(path)


def _assert_located(exc: RulesetError, text: str) -> None:
    assert exc.line is not None, f"no line number: {exc}"
    assert 1 <= exc.line <= max(1, text.count("\n") + 1), exc
    assert str(exc).startswith(f"{exc.file}:{exc.line}")


@pytest.mark.parametrize("name", SHIPPED)
def test_character_level_corruption_is_a_located_ruleset_error(name, workdir):
    """A shipped rule file with characters inserted/deleted anywhere: it still loads, or a RulesetError with a line."""
    original = (ruleset_dir() / f"{name}.yaml").read_text(encoding="utf-8")

    @_fuzz(name)
    @given(st.integers(0, len(original)), st.integers(0, 12), st.sampled_from(BREAKERS))
    def run(at, cut, insert):
        text = original[:at] + insert + original[at + cut:]
        try:
            _load(workdir, name, text)
        except RulesetError as exc:
            _assert_located(exc, text)
    run()


@pytest.mark.parametrize("name", SHIPPED)
def test_line_level_corruption_is_a_located_ruleset_error(name, workdir):
    """Deleting, duplicating or swapping lines of a shipped rule file: loads, or a RulesetError with a line."""
    lines = (ruleset_dir() / f"{name}.yaml").read_text(encoding="utf-8").split("\n")

    @_fuzz(name)
    @given(st.integers(0, len(lines) - 1), st.integers(0, len(lines) - 1), st.sampled_from(["drop", "dup", "swap"]))
    def run(i, j, how):
        changed = list(lines)
        if how == "drop":
            del changed[i]
        elif how == "dup":
            changed.insert(i, changed[j])
        else:
            changed[i], changed[j] = changed[j], changed[i]
        text = "\n".join(changed)
        try:
            _load(workdir, name, text)
        except RulesetError as exc:
            _assert_located(exc, text)
    run()


scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8)
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(min_size=1, max_size=6), inner, max_size=3), max_leaves=6)


def _paths(node, prefix=()):
    """Every (path, value) in a plain YAML tree, so a fuzzed value can replace any of them."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@pytest.mark.parametrize("name", SHIPPED)
def test_wrong_fields_are_located_ruleset_errors(name, workdir):
    """Any value of a shipped rule file replaced by other JSON (emitted as flow YAML): loads, or RulesetError with a line."""
    from govrules._yaml import load_yaml, plain

    tree = plain(load_yaml(ruleset_dir() / f"{name}.yaml"))
    paths = [p for p, _ in _paths(tree) if p and p[0] != "ruleset"]

    @_fuzz(name)
    @given(st.sampled_from(paths), junk)
    def run(path, value):
        changed = json.loads(json.dumps(tree))
        node = changed
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        # JSON is YAML: one key per line keeps line numbers meaningful.
        text = json.dumps(changed, ensure_ascii=False, indent=1)
        try:
            _load(workdir, name, text)
        except RulesetError as exc:
            _assert_located(exc, text)
    run()


PAYLOADS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_output [['touch', '{marker}']]",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!binary aGVsbG8=",
    "!custom {{a: 1}}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", ["title", "quote", "top", "list"])
def test_yaml_tags_never_construct_objects_or_run_code(payload, where, workdir):
    """Python/unknown YAML tags anywhere in a rule file are a located RulesetError, and no command runs."""
    marker = workdir / "pwned"
    value = payload.format(marker=marker)
    text = (ruleset_dir() / "conference.yaml").read_text(encoding="utf-8")
    if where == "title":
        text = text.replace("title: 全镇性大会的召开（四（一））", f"title: {value}")
    elif where == "quote":
        text = text.replace("    quote: 镇政府要严格控制全镇性大会", f"    quote: {value}")
    elif where == "top":
        text = text + f"\nextra: {value}\n"
    else:
        text = text.replace("default_outcome: allowed", f"default_outcome: allowed\nnotes:\n  - {value}")
    with pytest.raises(RulesetError) as caught:
        _load(workdir, "conference", text)
    assert caught.value.line is not None
    assert not marker.exists()


@pytest.mark.parametrize("payload", PAYLOADS[:3])
def test_tags_in_cases_files_and_facts_files_run_nothing(payload, tmp_path):
    """The cases loader and `govrules check` on a YAML facts file refuse tags too, running nothing."""
    from click.testing import CliRunner

    from govrules._cli import cli

    marker = tmp_path / "pwned"
    value = payload.format(marker=marker)
    cases = tmp_path / "x.cases.yaml"
    cases.write_text(f"ruleset: conference\ncases:\n  - name: {value}\n    facts: {{}}\n    expect: {{outcome: allowed}}\n",
                     encoding="utf-8")
    with pytest.raises(RulesetError):
        load_cases(cases)
    facts = tmp_path / "facts.yaml"
    facts.write_text(f"conference:\n  title: {value}\n  town_wide: true\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", str(facts)])
    assert result.exit_code == 2 and "tags are not allowed" in result.stderr
    assert not marker.exists()


def _laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_once_with_a_line(workdir):
    """Aliases nested 9 deep (387 million values when expanded) are a RulesetError at the last anchor's line."""
    with pytest.raises(RulesetError) as caught:
        _load(workdir, "conference", _laughs() + "ruleset: conference\n")
    assert "expands to more than" in caught.value.message
    assert caught.value.line == 9


def test_billion_laughs_in_a_facts_file_is_bad_input(tmp_path):
    """`govrules check` on a YAML facts file that is an alias bomb exits 2 promptly instead of hanging."""
    from click.testing import CliRunner

    from govrules._cli import cli

    facts = tmp_path / "facts.yaml"
    facts.write_text(_laughs() + "conference: {town_wide: true}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", str(facts)])
    assert result.exit_code == 2 and "expands to more than" in result.stderr


def test_shared_anchors_within_the_limit_still_load(workdir):
    """Plain anchors and aliases (as the cases files use them) are still accepted."""
    text = (ruleset_dir() / "conference.yaml").read_text(encoding="utf-8")
    text = text.replace("outcomes:", "x-shared: &shared {a: 1}\noutcomes:", 1)
    with pytest.raises(RulesetError) as caught:  # an unknown top-level key, but not an alias problem
        _load(workdir, "conference", text + "x-again: *shared\n")
    assert "expands" not in caught.value.message and caught.value.line is not None


def test_forbidden_control_character_is_located(workdir):
    """A control character YAML forbids (found by the fuzzer) is a RulesetError naming its line and column."""
    text = (ruleset_dir() / "conference.yaml").read_text(encoding="utf-8")
    at = text.index("title:")
    line = text.count("\n", 0, at) + 1
    with pytest.raises(RulesetError) as caught:
        _load(workdir, "conference", text[:at] + "title: \x7f" + text[at + len("title:"):])
    assert (caught.value.line, caught.value.col) == (line, 8)
    assert "U+007F" in caught.value.message
