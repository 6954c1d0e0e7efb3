"""The validator's compiled checker holds the facts to the limits in its own walk.

Before, ``check_limits`` walked the caller's facts and then validation walked them again. The
checker now counts the same total and checks the same pieces while it validates; on anything
past a limit it gives up and ``check_limits`` names the value exactly as it did. These tests
hold ``validate`` to that reference (``check_limits`` first, then the full check) with the
limits lowered, so that ordinary facts cross every one of them.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govrules import _limits
from govrules._errors import InputError
from govrules._model import FieldSpec, TypeSpec
from govrules._rulesets import available, runner
from govrules._validate import _fields, _mapping, _plain, validate

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAMES = ["张三", "李四", " 王五 "]
# Valid texts that cross the lowered MAX_STRING, or hold a lone surrogate, now and then.
EDGE_TEXTS = ["x" * 9, "y" * 13, "张" * 12, "      " * 3, "ok\ud800", "\udfff"]
LIMITS = ("MAX_STRING", "MAX_INT", "MAX_DEPTH", "MAX_TOTAL")
# Each limit as shipped or lowered, drawn apart, so that one crossed alone shows.
LOWERED = st.tuples(st.sampled_from([_limits.MAX_STRING, 6, 9, 12, 13]), st.sampled_from([_limits.MAX_INT, 10**3]),
                    st.sampled_from([_limits.MAX_DEPTH, 1, 2, 3, 4]),
                    st.just(_limits.MAX_TOTAL) | st.integers(min_value=40, max_value=800))


def of_type(t: TypeSpec) -> st.SearchStrategy[Any]:
    """Valid values of ``t`` mostly (the checker answers only for valid facts), some past a lowered limit."""
    if t.kind == "bool":
        return st.booleans()
    if t.kind == "int":
        low = t.minimum if t.minimum is not None else 0
        return st.integers(min_value=low, max_value=low + 4) | st.sampled_from([999, 1000, 10**30 - 1, 10**30])
    if t.kind == "str":
        return st.sampled_from(NAMES) | st.sampled_from(EDGE_TEXTS)
    if t.kind == "date":
        return st.sampled_from(["2026-10-08", " 2026-10-09 ", "2026-10-12" + " " * 9])
    if t.kind == "enum":
        return st.sampled_from([c for c, _ in t.values] + [zh for _, zh in t.values])
    if t.kind == "list":
        assert t.items is not None
        return st.lists(of_type(t.items), max_size=3)
    if t.kind == "object":
        return of_fields(t.fields)
    if t.kind == "mapping":
        return st.dictionaries(st.sampled_from(["urban", "农业", "k\ud800", "z" * 15]), st.sampled_from(NAMES + EDGE_TEXTS),
                               max_size=3)
    return st.none()  # pragma: no cover - every kind is listed above


def of_fields(fields: tuple[FieldSpec, ...]) -> st.SearchStrategy[dict[str, Any]]:
    def value(f: FieldSpec) -> st.SearchStrategy[Any]:
        v = st.deferred(lambda: of_type(f.type))
        return v if f.required else v | st.none()
    return st.fixed_dictionaries({f.name: value(f) for f in fields if f.required},
                                 optional={f.name: value(f) for f in fields if not f.required})


def _reference(spec: Any, facts: Any) -> Any:
    """What validate answered when check_limits walked the facts before anything else."""
    try:
        _limits.check_limits(facts)
        plain = _plain(facts)
        if not _mapping(plain):
            raise InputError("facts", "a mapping of fact names to values", plain)
        return ("ok", repr(_fields(spec.facts, plain, "", f"ruleset '{spec.name}'")))
    except InputError as exc:
        return ("error", exc.path, str(exc))


def _answer(spec: Any, facts: Any) -> Any:
    try:
        return ("ok", repr(validate(spec, facts)))
    except InputError as exc:
        return ("error", exc.path, str(exc))


@pytest.mark.parametrize("name", available())
def test_validate_answers_what_check_limits_then_validation_answered(name: str, monkeypatch) -> None:
    """With every limit lowered (and drawn), validate gives the same typed facts or the same InputError as the reference."""
    spec = runner(name).spec

    @SETTINGS
    @given(facts=of_fields(spec.facts), limits=LOWERED)
    def run(facts: dict[str, Any], limits: tuple[int, int, int, int]) -> None:
        for limit, value in zip(LIMITS, limits):
            monkeypatch.setattr(_limits, limit, value)
        assert _answer(spec, facts) == _reference(spec, facts)
    run()


@pytest.mark.parametrize("name", available())
def test_the_checker_counts_the_total_to_the_character(name: str, monkeypatch) -> None:
    """For facts within the other limits, MAX_TOTAL one below check_limits' own count of them makes validate refuse them too."""
    spec = runner(name).spec

    @SETTINGS
    @given(facts=of_fields(spec.facts))
    def run(facts: dict[str, Any]) -> None:
        monkeypatch.setattr(_limits, "MAX_TOTAL", 16 * 1024 * 1024)
        if _reference(spec, facts)[0] != "ok":
            return
        low, high = 0, 16 * 1024 * 1024  # the least MAX_TOTAL check_limits lets these facts through
        while low < high:
            mid = (low + high) // 2
            monkeypatch.setattr(_limits, "MAX_TOTAL", mid)
            try:
                _limits.check_limits(facts)
                high = mid
            except InputError:
                low = mid + 1
        monkeypatch.setattr(_limits, "MAX_TOTAL", low)
        assert _answer(spec, facts) == _reference(spec, facts)
        monkeypatch.setattr(_limits, "MAX_TOTAL", low - 1)
        assert _answer(spec, facts)[0] == "error" and "characters in all" in _answer(spec, facts)[2]
    run()


def test_a_total_past_the_limit_by_one_character_is_refused_and_at_the_limit_is_not(monkeypatch) -> None:
    """Facts one character past MAX_TOTAL are the total's InputError, though every piece is valid; at MAX_TOTAL they validate."""
    spec = runner("signing").spec
    facts = {"document": {"issuer": "town_government"}, "signer": {"name": "abc", "role": "mayor"}}
    # 8 per object, plus the characters of every name and text.
    total = 8 + len("document") + 8 + len("issuer") + len("town_government") \
        + len("signer") + 8 + len("name") + len("abc") + len("role") + len("mayor")
    monkeypatch.setattr(_limits, "MAX_TOTAL", total)
    assert validate(spec, facts)["signer"]["name"] == "abc"
    monkeypatch.setattr(_limits, "MAX_TOTAL", total - 1)
    with pytest.raises(InputError, match="characters in all"):
        validate(spec, facts)


def test_a_mapping_past_the_depth_limit_is_refused(monkeypatch) -> None:
    """A mapping (the division of labour) nested past MAX_DEPTH is the depth's InputError, though it is valid."""
    spec = runner("signing").spec
    # Only the mapping: in the shipped files an object beside it would cross the depth first.
    only = attrs.evolve(spec, facts=tuple(f for f in spec.facts if f.type.kind == "mapping"))
    facts = {"division": {"urban": "张三"}}
    assert validate(only, facts) == facts
    monkeypatch.setattr(_limits, "MAX_DEPTH", 1)
    with pytest.raises(InputError, match="nested at most 1 deep") as e:
        validate(only, facts)
    assert e.value.path == "division"
