"""The validator's compiled fast path and its full check agree on every input, for every ruleset.

``_validate`` answers most inputs with a checker compiled once per ruleset, which gives up
(``_Slow``) on anything unusual or wrong; the full check then decides. That is correct only if
the fast path, whenever it answers, answers exactly what the full check would. Inputs are drawn
from each ruleset's declarations with the edges mixed in (blank and padded strings, ``null``,
Chinese enum terms, tuples, date objects, int-for-bool, repeated names, unknown keys).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govrules._errors import InputError
from govrules._model import FieldSpec, TypeSpec
from govrules._rulesets import available, runner
from govrules._validate import _Slow, _checker, _fields, validate

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAMES = ["张三", "李四", "王五"]
edge = st.sampled_from([None, "", "  ", 0, 1, -1, True, False, 1.5, [], {}, (), "x", " 李四 ", "2026-10-08",
                        dt.date(2026, 10, 8), dt.datetime(2026, 10, 8, 9, 30)])


def of_type(t: TypeSpec, depth: int = 0) -> st.SearchStrategy[Any]:
    """Valid values of ``t`` most of the time, an edge value now and then."""
    if t.kind == "bool":
        valid: st.SearchStrategy[Any] = st.booleans()
    elif t.kind == "int":
        low = t.minimum if t.minimum is not None else 0
        valid = st.integers(min_value=low - 1, max_value=low + 4)
    elif t.kind == "str":
        valid = st.sampled_from(NAMES + [" 张三 ", "甲"])
    elif t.kind == "date":
        valid = st.sampled_from(["2026-10-08", " 2026-10-09", "2026-10-12", "2026-1-8", "20261008"])
    elif t.kind == "enum":
        valid = st.sampled_from([c for c, _ in t.values] + [zh for _, zh in t.values] + [" " + t.values[0][1]])
    elif t.kind == "list":
        assert t.items is not None
        items = of_type(t.items, depth + 1)
        valid = st.lists(items, max_size=3) | st.lists(items, max_size=2).map(tuple)
    elif t.kind == "object":
        valid = of_fields(t.fields, depth + 1)
    elif t.kind == "mapping":
        valid = st.dictionaries(st.sampled_from(["agriculture", "urban", " urban", ""]),
                                st.sampled_from(NAMES + ["", " 王五"]), max_size=3)
    else:  # pragma: no cover - every kind is listed above
        valid = edge
    return st.one_of(valid, valid, valid, edge) if depth < 4 else valid


def of_fields(fields: tuple[FieldSpec, ...], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    optional = {f.name: of_type(f.type, depth) for f in fields}
    base = st.fixed_dictionaries({}, optional=optional)
    stray = st.tuples(base, st.sampled_from(["stray", "titel"])).map(lambda t: {**t[0], t[1]: True})
    return st.one_of(base, base, base, stray)


def _full(spec: Any, facts: Any) -> Any:
    try:
        return ("ok", _fields(spec.facts, facts, "", f"ruleset '{spec.name}'"))
    except InputError as exc:
        return ("error", exc.path, str(exc))


def _through_validate(spec: Any, facts: Any) -> Any:
    try:
        return ("ok", validate(spec, facts))
    except InputError as exc:
        return ("error", exc.path, str(exc))


def _typed(value: Any) -> Any:
    """The value with the type of every part, so 1 and True or a list and a tuple differ."""
    if isinstance(value, dict):
        return ("dict", sorted((k, _typed(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, value)


@pytest.mark.parametrize("name", available())
def test_the_fast_path_answers_only_what_the_full_check_answers(name: str) -> None:
    """Whenever the compiled checker answers, the full check gives the same typed facts; validate() always equals the full check."""
    spec = runner(name).spec
    check = _checker(spec)

    @SETTINGS
    @given(of_fields(spec.facts))
    def run(facts: dict[str, Any]) -> None:
        full = _full(spec, facts)
        try:
            fast = check(facts)
        except _Slow:
            fast = None
        if fast is not None:
            assert full[0] == "ok", (facts, full)
            assert _typed(fast) == _typed(full[1])
        via = _through_validate(spec, facts)
        assert _typed(via) == _typed(full)
    run()


def test_one_checker_is_compiled_per_ruleset_and_kept_while_the_ruleset_lives() -> None:
    """The compiled checker is looked up by the ruleset, built once, not rebuilt per call."""
    spec = runner("conference").spec
    assert _checker(spec) is _checker(spec)
