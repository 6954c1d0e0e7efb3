"""Hostile caller facts (issue #11 item 4): only InputError, CalendarError or RulesetError come out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govrules
from govrules import _limits, _log
from govrules._cli import cli

CONTRACT = (govrules.InputError, govrules.CalendarError, govrules.RulesetError)
FACADE = {
    "signing": (govrules.check_signing, "signer"), "seal": (govrules.check_seal, "seal_use"),
    "decision": (govrules.decision_scope, "matter"), "meeting": (govrules.check_meeting, "meeting"),
    "minutes": (govrules.check_minutes, "minutes"), "disclosure": (govrules.classify_disclosure, "document"),
    "submission": (govrules.check_submission, "submission"), "conference": (govrules.check_conference, "conference"),
}
VALID = {
    "signing": {"document": {"issuer": "town_government"}, "signer": {"name": "张三", "role": "mayor"}},
    "seal": {"seal_use": {"approver": {"name": "张三", "role": "mayor"}, "purpose": "x"}},
    "decision": {"matter": {"category": "fiscal_budget"}},
    "meeting": {"meeting": {"kind": "mayor_office_meeting", "date": "2026-10-08"}},
    "minutes": {"minutes": {"meeting_date": "2026-10-08"}},
    "disclosure": {"document": {"state_secret": False}},
    "submission": {"submission": {"kind": "request", "matters": 1}},
    "conference": {"conference": {"town_wide": True}},
}


def _deep(n: int) -> object:
    value: object = "x"
    for _ in range(n):
        value = {"a": value}
    return value


def _call(ruleset: str, facts: dict) -> None:
    func, _ = FACADE[ruleset]
    func(**facts).to_dict()


@pytest.mark.parametrize("bad, path, words", [
    ("\ud800", "name", "lone surrogate"),
    (10**4301, "name", "at most 30 digits"),
    (-(10**30), "name", "at most 30 digits"),
    (float("nan"), "name", "finite"),
    (float("inf"), "name", "finite"),
    ("x" * (_limits.MAX_STRING + 1), "name", "65,536 characters"),
    (_deep(1000), "name.a.a", "nested at most 64 deep"),
], ids=["surrogate", "huge-int", "negative-31-digits", "nan", "inf", "long-string", "deep"])
def test_each_hostile_value_is_an_input_error_naming_its_field(bad, path, words) -> None:
    """Surrogates, huge ints, NaN, huge strings and deep nesting are InputErrors at the field's path."""
    with pytest.raises(govrules.InputError) as e:
        govrules.check_signing(document={"issuer": "town_government"}, signer={"name": bad, "role": "mayor"})
    assert str(e.value).startswith(f"signer.{path}") and words in str(e.value)


def test_a_surrogate_in_a_field_name_is_named() -> None:
    """A lone surrogate in a key is refused before validation's did-you-mean tries to print it."""
    with pytest.raises(govrules.InputError, match="field name without lone surrogates"):
        govrules.check_conference(conference={"town_wide\udfff": True})


def test_total_size_past_the_limit_is_refused_quickly(monkeypatch) -> None:
    """Facts past MAX_TOTAL are an InputError naming the limit, however each piece is within its own."""
    monkeypatch.setattr(_limits, "MAX_TOTAL", 10_000)
    leaders = [{"name": "张" * 100, "role": "vice_mayor", "present": True} for _ in range(200)]
    with pytest.raises(govrules.InputError, match="characters in all"):
        govrules.check_meeting(meeting={"kind": "mayor_office_meeting", "date": "2026-10-08", "leaders": leaders})


def test_values_within_the_limits_still_evaluate() -> None:
    """The limits refuse nothing a real record holds: a 30-digit count and a long name evaluate."""
    v = govrules.check_submission(submission={"kind": "request", "matters": 10**29, "sender": "department"})
    assert v.outcome in ("returned", "undetermined")
    v = govrules.check_signing(document={"issuer": "town_government"},
                               signer={"name": "张" * 60_000, "role": "mayor"})
    assert v.allowed


def test_library_input_classes_are_walked_too() -> None:
    """A Person (attrs) carrying a lone surrogate is refused like the mapping it stands for."""
    from govrules._inputs import Person

    with pytest.raises(govrules.InputError, match="signer.name"):
        govrules.check_signing(document={"issuer": "town_government"}, signer=Person(name="\ud800", role="mayor"))


def test_year_files_far_from_now_are_refused_not_overflowing(tmp_path: Path) -> None:
    """A year file for year 1 or 9999 is an InputError, never datetime's OverflowError later."""
    for year in (1, 9999):
        path = tmp_path / f"{year}.yaml"
        path.write_text(f'year: {year}\nholidays: ["{year:04d}-01-01"]\n', encoding="utf-8")
        with pytest.raises(govrules.InputError, match="1900-2999"):
            govrules.WorkingCalendar.from_file(path)


def test_decision_log_never_sees_a_surrogate(tmp_path: Path) -> None:
    """With the log on, a surrogate is an InputError (no UnicodeEncodeError) and no line is written."""
    log = tmp_path / "d.jsonl"
    govrules.configure(decision_log=str(log), mask=[])
    try:
        with pytest.raises(govrules.InputError):
            govrules.check_conference(conference={"town_wide": True, "overall_work": "\udc80"})
    finally:
        govrules.configure(decision_log=None, mask=None)
    assert not log.exists() or log.read_text(encoding="utf-8") == ""
    assert _log.active() is None


@pytest.mark.parametrize("text, words", [
    ('{"submission":{"matters":' + "9" * 4301 + "}}", "limits"),
    ('{"submission":' + "[" * 50_000 + "]" * 50_000 + "}", "limits"),
    ('{"conference":{"town_wide":true,"town_wide":false}}', "appears twice"),
    ('{"conference":{"town_wide":"\\ud800"}}', "lone surrogates"),
])
def test_cli_check_reports_hostile_json_as_bad_input(tmp_path: Path, text: str, words: str) -> None:
    """`govrules check` on hostile JSON exits 2 with a one-line message, never a traceback or exit 1."""
    path = tmp_path / "facts.json"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", str(path)])
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output


# ---- every facade function under hypothesis ------------------------------------------------

hostile = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.integers(min_value=10**30, max_value=10**5000) | st.integers(max_value=-(10**30), min_value=-(10**5000)),
    st.sampled_from([float("nan"), float("inf"), float("-inf")]),
    st.integers(min_value=200, max_value=3000).map(_deep),
    st.integers(min_value=_limits.MAX_STRING + 1, max_value=_limits.MAX_STRING + 10).map(lambda n: "x" * n),
    st.text(max_size=5), st.integers(), st.floats(), st.booleans(), st.none(),
)


@settings(max_examples=60, deadline=dt.timedelta(seconds=5), derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ruleset=st.sampled_from(sorted(FACADE)), key=st.text(max_size=6) | st.sampled_from(["name", "kind", "date"]),
       value=hostile, as_key=st.booleans())
def test_every_facade_function_sees_only_contract_errors(ruleset: str, key: str, value, as_key: bool) -> None:
    """Any hostile value (or key) put into a valid record of any ruleset gives a verdict or a contract error."""
    facts = json.loads(json.dumps(VALID[ruleset]))
    top = FACADE[ruleset][1]
    target = facts.setdefault(top, {})
    if as_key and isinstance(value, str):
        target[value] = True
    else:
        target[key] = value
    try:
        _call(ruleset, facts)
    except CONTRACT:
        pass


def test_duplicate_keys_in_a_yaml_facts_file_are_bad_input(tmp_path: Path) -> None:
    """A YAML facts file with a key twice exits 2 (the loader refuses it), not last-wins."""
    path = tmp_path / "facts.yaml"
    path.write_text("conference:\n  town_wide: true\n  town_wide: false\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_field_name_that_is_not_a_string_is_named_at_its_object() -> None:
    """A non-string key (even a 5,000-digit int, which Python cannot print) is an InputError at its object."""
    with pytest.raises(govrules.InputError) as e:
        govrules.check_conference(conference={10**5000: True})
    assert e.value.path == "conference" and "strings" in str(e.value)


def test_an_input_error_never_fails_to_print_its_value() -> None:
    """A year of 5,000 digits (from_mapping skips the facts' limits) and a huge list both give short messages."""
    with pytest.raises(govrules.InputError, match="too large to show"):
        govrules.WorkingCalendar.from_mapping({"year": 10**5000, "holidays": []})
    with pytest.raises(govrules.InputError) as e:
        govrules.check_signing(document={"issuer": "town_government"}, signer=[1] * 100_000)
    assert len(str(e.value)) < 300 and str(e.value).endswith("…")


def test_timeline_and_schedule_at_the_end_of_time_are_contract_errors() -> None:
    """meeting_schedule/meeting_timeline near 0001 or 9999 raise InputError or CalendarError, never ValueError."""
    for call in (lambda: govrules.meeting_schedule("9999-12-01"), lambda: govrules.meeting_schedule("0001-01-01"),
                 lambda: govrules.meeting_schedule("9999-12-20", count=5),
                 lambda: govrules.meeting_timeline("9999-12-31"), lambda: govrules.meeting_timeline("0001-01-01")):
        with pytest.raises((govrules.InputError, govrules.CalendarError)):
            call()


OTHER_FACADE = {
    "meeting_timeline": lambda v: govrules.meeting_timeline(v),
    "meeting_schedule": lambda v: govrules.meeting_schedule(v),
    "meeting_schedule_count": lambda v: govrules.meeting_schedule("2026-10-08", count=v),
    "clause": lambda v: govrules.clause(v),
    "evaluate_name": lambda v: govrules.evaluate(v, {}),
    "evaluate_facts": lambda v: govrules.evaluate("conference", v),
    "from_mapping": lambda v: govrules.WorkingCalendar.from_mapping({"year": 2027, "holidays": [v]}),
    "from_mapping_year": lambda v: govrules.WorkingCalendar.from_mapping({"year": v, "holidays": []}),
}
dates_near_the_ends = st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-01", "2027-01-01", "2026-10-08"])


@settings(max_examples=60, deadline=dt.timedelta(seconds=5), derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(name=st.sampled_from(sorted(OTHER_FACADE)), value=hostile | dates_near_the_ends)
def test_the_other_public_functions_see_only_contract_errors(name: str, value) -> None:
    """meeting_timeline, meeting_schedule, clause, evaluate and year data with hostile values: contract errors only."""
    try:
        OTHER_FACADE[name](value)
    except CONTRACT:
        pass
