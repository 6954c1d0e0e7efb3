"""Property-based fuzzing: whatever JSON comes in, only InputError or CalendarError comes out.

Inputs are drawn from each ruleset's own fact declarations (so many are valid and reach
the engine and its chained rules), with arbitrary JSON mixed in at every level (so the
validation edges are hit too). Every shipped ruleset is covered: new ones automatically.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govrules
from govrules._cli import cli
from govrules._model import FieldSpec, TypeSpec
from govrules._rulesets import available, runner

RULESETS = available()
EXPECTED = (govrules.InputError, govrules.CalendarError)
# The contract's facade, by ruleset: each is evaluate(<ruleset>, {<its keyword arguments>}).
FACADE = {
    "signing": govrules.check_signing, "seal": govrules.check_seal, "decision": govrules.decision_scope,
    "meeting": govrules.check_meeting, "minutes": govrules.check_minutes,
    "disclosure": govrules.classify_disclosure, "submission": govrules.check_submission,
    "conference": govrules.check_conference,
}
FUZZ = settings(max_examples=40, deadline=dt.timedelta(seconds=5), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
any_json = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Declared dates fall in years chinese_calendar covers; junk reaches past both ends (2003, 2027),
# where only a CalendarError may come out.
covered_dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31)).map(dt.date.isoformat)
iso_dates = st.dates(min_value=dt.date(2003, 6, 1), max_value=dt.date(2027, 12, 31)).map(dt.date.isoformat)
NAMES = ["张三", "李四", "王五", "赵六", "钱七", "孙八"]
names = st.sampled_from(NAMES)


def of_type(t: TypeSpec, junk: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of a declared type; with ``junk``, now and then replaced by arbitrary JSON."""
    if t.kind == "bool":
        valid: st.SearchStrategy[Any] = st.booleans()
    elif t.kind == "int":
        valid = st.integers(min_value=t.minimum if t.minimum is not None else -3, max_value=30)
    elif t.kind == "str":
        valid = st.one_of(names, names, st.text(min_size=1, max_size=10))
    elif t.kind == "date":
        valid = st.one_of(covered_dates, covered_dates, iso_dates) if junk else covered_dates
    elif t.kind == "enum":
        valid = st.sampled_from([c for c, _ in t.values] + [zh for _, zh in t.values])
    elif t.kind == "list":
        valid = st.lists(of_type(t.items, junk, depth + 1) if t.items else any_json, max_size=5)
    elif t.kind == "object":
        valid = of_fields(t.fields, junk, depth + 1)
    elif t.kind == "mapping":
        valid = st.dictionaries(st.sampled_from(["agriculture", "urban", "economy", "safety", "culture"]),
                                names, max_size=4)
    else:  # pragma: no cover - every kind is listed above
        valid = any_json
    return st.one_of(valid, valid, valid, any_json) if junk and depth < 4 else valid


def of_fields(fields: tuple[FieldSpec, ...], junk: bool, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    required = {f.name: of_type(f.type, junk, depth) for f in fields if f.required}
    optional = {f.name: of_type(f.type, junk, depth) for f in fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


def facts_for(name: str) -> st.SearchStrategy[Any]:
    spec = runner(name).spec
    declared = of_fields(spec.facts, junk=False)
    # Also: junk at any depth, a required fact gone missing with an unknown one added, pure junk.
    mangled = st.tuples(declared, st.sampled_from([f.name for f in spec.facts]), any_json).map(
        lambda t: {k: v for k, v in t[0].items() if k != t[1]} | {"stray": t[2]})
    return st.one_of(declared, declared, of_fields(spec.facts, junk=True), mangled, any_json)


def _expect_only_contract_errors(call: Any) -> Any:
    try:
        return call()
    except EXPECTED as exc:
        assert str(exc)
        return None


def _check_verdict(name: str, verdict: govrules.Verdict | None) -> None:
    if verdict is None:
        return
    spec = runner(name).spec
    assert verdict.ruleset == name
    assert verdict.outcome in {o.id for o in spec.outcomes}
    assert verdict.allowed == spec.outcome(verdict.outcome).allowed
    # Every verdict cites a clause: through its findings, or (CONTRACT §2) an undetermined one
    # through its needs, or one decided by every completion through the rules that decide them.
    assert verdict.clauses, "every verdict cites at least one clause"
    assert verdict.findings or verdict.needs or verdict.outcome != "undetermined"
    if verdict.outcome == "undetermined" and not verdict.findings:
        assert any(n.outcome for n in verdict.needs), "undetermined with nothing to supply"
    json.dumps(verdict.to_dict(), ensure_ascii=False, allow_nan=False)


@pytest.mark.parametrize("name", RULESETS)
def test_evaluate_raises_only_input_or_calendar_errors(name):
    """evaluate(ruleset, facts) on declared-shape and arbitrary facts: a citing verdict or InputError/CalendarError."""
    outcomes: list[str] = []

    @FUZZ
    @given(facts_for(name))
    def run(facts):
        verdict = _expect_only_contract_errors(lambda: govrules.evaluate(name, facts))
        _check_verdict(name, verdict)
        if verdict is not None:
            outcomes.append(verdict.outcome)
    run()
    # The strategies follow the declarations, so the fuzzer gets past validation into the engine.
    assert len(outcomes) >= 3, f"only {len(outcomes)} fuzzed inputs for {name} reached a verdict"


@pytest.mark.parametrize("name", sorted(FACADE))
def test_facade_functions_raise_only_input_or_calendar_errors(name):
    """Each check_*/decision_scope/classify_disclosure, with keyword facts from its ruleset: never another error."""
    if name not in RULESETS:
        pytest.skip(f"ruleset {name} has no rule file yet")
    function = FACADE[name]

    @FUZZ
    @given(facts_for(name).filter(lambda f: isinstance(f, dict) and all(k.isidentifier() for k in f)))
    def run(facts):
        try:
            verdict = _expect_only_contract_errors(lambda: function(**facts))
        except TypeError as exc:  # an unknown keyword is Python's own error, before govrules runs
            assert "unexpected keyword argument" in str(exc)
            assert set(facts) - {f.name for f in runner(name).spec.facts}
            return
        _check_verdict(name, verdict)
    run()


@FUZZ
@given(st.text(max_size=15) | any_json, any_json)
def test_evaluate_with_any_ruleset_name_and_calendar_raises_only_input_errors(ruleset, calendar):
    """A wrong ruleset name or a calendar that is not a WorkingCalendar is an InputError."""
    with pytest.raises(govrules.InputError):
        govrules.evaluate(ruleset if ruleset not in RULESETS else ruleset + "?", {}, calendar=None)
    if calendar is not None:
        with pytest.raises(govrules.InputError):
            govrules.evaluate(RULESETS[0], {}, calendar=calendar)


@FUZZ
@given(any_json | iso_dates, any_json)
def test_meeting_timeline_raises_only_contract_errors(date, calendar):
    """meeting_timeline(any value) gives a Timeline or InputError/CalendarError."""
    timeline = _expect_only_contract_errors(lambda: govrules.meeting_timeline(date))
    if timeline is not None:
        assert set(timeline.to_dict()) >= {"agenda_cutoff", "minutes_due"}
    if calendar is not None:
        _expect_only_contract_errors(lambda: govrules.meeting_timeline(date, calendar=calendar))


@FUZZ
@given(any_json | iso_dates, st.none() | any_json | iso_dates, st.none() | st.integers() | any_json)
def test_meeting_schedule_raises_only_contract_errors(start, until, count):
    """meeting_schedule(start, until=, count=) with anything: meetings or InputError/CalendarError, promptly."""
    _expect_only_contract_errors(lambda: govrules.meeting_schedule(start, until=until, count=count))


@FUZZ
@given(any_json | st.text(max_size=12))
def test_clause_lookup_raises_only_input_errors(clause_id):
    """clause(anything) is a Clause or an InputError."""
    try:
        assert govrules.clause(clause_id).id == clause_id
    except govrules.InputError:
        pass


@pytest.mark.parametrize("name", RULESETS)
def test_cli_check_exits_0_1_or_2_on_any_json_file(name, tmp_path_factory):
    """`govrules check NAME FILE.json` with fuzzed contents: exit 0/1 with a verdict, or 2 with a message; no traceback."""
    folder = tmp_path_factory.mktemp("fuzz")

    @settings(FUZZ, max_examples=15)
    @given(facts_for(name))
    def run(facts):
        path = folder / "facts.json"
        path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        result = CliRunner().invoke(cli, ["check", name, str(path), "--json"])
        assert result.exit_code in (0, 1, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        if result.exit_code == 2:
            assert result.stderr.startswith("govrules: ")
        else:
            verdict = json.loads(result.stdout)
            assert verdict["allowed"] == (result.exit_code == 0)
    run()


def test_cli_batch_survives_fuzzed_records(tmp_path):
    """--batch over fuzzed lines of every ruleset's shape: every line is a verdict or a reported bad record."""
    @settings(FUZZ, max_examples=10)
    @given(st.lists(facts_for(RULESETS[0]).map(lambda f: json.dumps(f, ensure_ascii=False)) | st.text(max_size=20),
                    min_size=1, max_size=8))
    def run(lines):
        lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
        path = tmp_path / "records.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["check", RULESETS[0], "--batch", str(path), "--workers", "1"])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        nonblank = [n for n, line in enumerate(lines, 1) if line.strip()]
        # Split on "\n" only: JSON text may hold U+2028 and friends, which splitlines() would cut.
        out = [x for x in result.stdout.split("\n") if x]
        seen = [json.loads(x)["line"] for x in out]
        seen += [int(x.split(f"{path}:")[1].split(":")[0]) for x in result.stderr.split("\n") if f"{path}:" in x]
        assert sorted(seen) == nonblank
        assert result.exit_code == (0 if len(out) == len(nonblank) else 2)
    run()
