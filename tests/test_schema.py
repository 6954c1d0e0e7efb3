"""govrules.schema: JSON Schema generated from each rule file's facts, agreeing with the validator."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govrules
from govrules._cases import load_cases
from govrules._model import FieldSpec, TypeSpec
from govrules._rulesets import available, runner

ROOT = Path(__file__).resolve().parents[1]
NAMES = available()


def _validator(name: str) -> jsonschema.Draft202012Validator:
    s = govrules.schema(name)
    jsonschema.Draft202012Validator.check_schema(s)
    # format "date" is only an annotation in 2020-12 unless asked for: ask for it, as a client should.
    return jsonschema.Draft202012Validator(s, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_draft_2020_12(name):
    """Every ruleset's schema is itself a valid draft 2020-12 schema that refuses unknown top-level fields."""
    s = govrules.schema(name)
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["additionalProperties"] is False and s["required"]


def test_titles_are_the_chinese_labels_and_enums_take_code_or_term():
    """Titles come from the rule file's labels; an enum accepts the code and the Chinese term."""
    s = govrules.schema("signing")
    doc = s["properties"]["document"]
    assert doc["title"] == "公文" and doc["properties"]["issuer"]["title"] == "行文名义"
    v = _validator("signing")
    base = {"signer": {"name": "张三", "role": "mayor"}}
    assert v.is_valid({**base, "document": {"issuer": "town_government"}})
    assert v.is_valid({**base, "document": {"issuer": "镇政府"}})
    assert v.is_valid({"document": {"issuer": "镇政府"}, "signer": {"name": "张三", "role": "镇长"}})
    assert not v.is_valid({**base, "document": {"issuer": "township"}})


def test_optional_fields_take_null_required_ones_do_not():
    """Null (\"there is none\") and a blank string pass for optional fields; a required one refuses null."""
    v = _validator("signing")
    ok = {"document": {"issuer": "镇政府", "purpose": None, "title": "  "}, "signer": {"name": "张三", "role": "mayor"},
          "approval": {"date": "", "opinion": None}, "division": None, "reviews": None}
    assert v.is_valid(ok)
    assert not v.is_valid({**ok, "signer": None})
    assert not v.is_valid({**ok, "document": {"issuer": None}})
    assert not v.is_valid({**ok, "signer": {"name": " ", "role": "mayor"}})


def test_unknown_ruleset_is_an_input_error_with_a_suggestion():
    """schema('signin') raises InputError naming 'ruleset' and suggesting 'signing'."""
    with pytest.raises(govrules.InputError) as info:
        govrules.schema("signin")
    assert info.value.path == "ruleset" and "signing" in str(info.value)


def test_schema_is_a_fresh_copy():
    """Editing a returned schema does not change the next one."""
    govrules.schema("seal")["properties"].clear()
    assert govrules.schema("seal")["properties"]


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.json")), ids=lambda p: p.name)
def test_every_example_validates(path):
    """Each bundled example is valid against its ruleset's schema."""
    name = path.name.split("-")[0]
    facts = json.loads(path.read_text(encoding="utf-8"))
    errors = [e.message for e in _validator(name).iter_errors(facts)]
    assert not errors, errors


@pytest.mark.parametrize("name", NAMES)
def test_every_case_input_meets_the_schema_as_the_validator_does(name):
    """Every spec case's facts pass the schema, except those the case expects an InputError for."""
    v = _validator(name)
    cases = load_cases(ROOT / "rulesets" / f"{name}.cases.yaml")
    assert cases
    for case in cases:
        refused = (case.expect.get("error") or {}).get("type") == "InputError"
        if refused and "repeats" in _refusal(name, case.facts):
            continue  # "unique by name" has no JSON Schema keyword (see the last test)
        assert v.is_valid(case.facts) is not refused, (case.name, [e.message for e in v.iter_errors(case.facts)])


def _refusal(name, facts) -> str:
    try:
        govrules.evaluate(name, facts)
    except govrules.InputError as exc:
        return str(exc)
    return ""


# ---- agreement on generated inputs ------------------------------------------------------------
#
# Values are drawn in their canonical JSON form (no padding around codes or dates, no integral
# floats, distinct values in a list that must not repeat one): there the schema and the validator
# must give the same answer. Outside it they differ only as the last test and _schema's doc say.

_JUNK = st.sampled_from([None, 1.5, "junk", [], {}, True, -1])


def _value(t: TypeSpec) -> st.SearchStrategy:
    kind = t.kind
    if kind == "bool":
        good: st.SearchStrategy = st.booleans()
    elif kind == "int":
        good = st.integers(min_value=-1, max_value=3)
    elif kind == "str":
        good = _rarely(st.sampled_from(["李四", "王五", "x"]), st.sampled_from(["", "  "]))
    elif kind == "date":
        good = _rarely(st.sampled_from(["2026-10-08", "2026-09-29"]), st.sampled_from(["2026-02-30", "", " ", "yesterday"]))
    elif kind == "enum":
        good = _rarely(st.sampled_from([c for c, _ in t.values] + [zh for _, zh in t.values]),
                       st.sampled_from(["other", ""]))
    elif kind == "mapping":
        good = _rarely(st.dictionaries(st.sampled_from(["agriculture", "urban"]), st.sampled_from(["李四", "王五"]),
                                       max_size=2),
                       st.dictionaries(st.sampled_from(["urban", " "]), st.sampled_from(["", 3]), min_size=1))
    elif kind == "list":
        assert t.items is not None
        items = _value(t.items)
        if t.unique:
            key = t.unique
            good = st.lists(items, max_size=2,
                            unique_by=lambda x: x.get(key) if isinstance(x, dict) and isinstance(x.get(key), str)
                            else object())
        else:
            good = st.lists(items, max_size=2)
    elif kind == "object":
        good = _object(t.fields)
    else:  # pragma: no cover - every kind is listed above
        raise AssertionError(kind)
    return good


def _rarely(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly ``good``: a deep input with one bad value in ten fields is already refused."""
    return st.integers(0, 19).flatmap(lambda n: bad if n == 19 else good)


_MISSING = object()


def _object(fields: tuple[FieldSpec, ...]) -> st.SearchStrategy:
    def part(f: FieldSpec) -> st.SearchStrategy:
        given_value = _rarely(_value(f.type), _JUNK)
        if f.required:
            return _rarely(given_value, st.sampled_from([_MISSING, None]))
        return st.one_of(st.just(_MISSING), st.just(None), given_value, given_value)

    parts = {f.name: part(f) for f in fields}

    @st.composite
    def build(draw):
        out = {name: v for name, v in ((n, draw(s)) for n, s in parts.items()) if v is not _MISSING}
        if draw(st.integers(0, 29)) == 29:
            out[draw(st.sampled_from(["extra", "signr", "meeting_date"]))] = True
        return out

    return build()


@pytest.mark.parametrize("name", NAMES)
def test_schema_and_validator_agree_on_generated_inputs(name):
    """For generated inputs, the schema accepts exactly what govrules.evaluate does not refuse as InputError."""
    v = _validator(name)
    spec = runner(name).spec

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_object(spec.facts))
    def agree(facts):
        try:
            govrules.evaluate(name, facts)
            accepted = True
        except govrules.InputError:
            accepted = False
        except govrules.CalendarError:
            accepted = True  # valid input whose year the calendar lacks: not a validation matter
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(facts)]
        assert accepted is (not errors), (facts, errors)

    agree()


def test_schema_is_stricter_only_where_documented():
    """Padding passes only the validator; a repeated leader and an integral float pass only the schema."""
    sign = _validator("signing")
    padded = {"document": {"issuer": " 镇政府 "}, "signer": {"name": "张三", "role": "mayor"}}
    govrules.evaluate("signing", padded)
    assert not sign.is_valid(padded)
    meet = _validator("meeting")
    leaders = [{"name": "张三", "role": "mayor", "present": True}] * 2
    repeated = {"meeting": {"kind": "mayor_office_meeting", "date": dt.date(2026, 10, 8).isoformat(),
                            "leaders": leaders}}
    with pytest.raises(govrules.InputError):
        govrules.evaluate("meeting", repeated)
    assert meet.is_valid(repeated)  # the one looser spot: no standard keyword says "unique by name"
    sub = _validator("submission")
    floaty = {"submission": {"kind": "request", "sender": "department", "matters": 1.0}}
    with pytest.raises(govrules.InputError):
        govrules.evaluate("submission", floaty)
    assert sub.is_valid(floaty)  # JSON has one number type: 1.0 is the integer 1 to JSON Schema


def test_schema_command_prints_the_same_schema():
    """`govrules schema signing` prints govrules.schema('signing'); an unknown name exits 2 with a suggestion."""
    from click.testing import CliRunner

    from govrules._cli import cli

    r = CliRunner().invoke(cli, ["schema", "signing"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == govrules.schema("signing")
    bad = CliRunner().invoke(cli, ["schema", "signin"])
    assert bad.exit_code == 2 and "did you mean 'signing'" in bad.output
