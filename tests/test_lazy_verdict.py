"""Lazy verdict parts (#12 item 4): findings, trace and data are built on first read, and the
verdict behaves exactly as an eagerly built one in every other way."""

from __future__ import annotations

import copy
import json
import pickle
import threading
import time

import attrs
import pytest

import govrules
from govrules._model import Finding, VerdictData, evolve_lazily, lazy_verdict
from govrules._rulesets import runner

PARTS = ("findings", "trace", "data")
REFUSED = {"document": {"issuer": "town_government", "portfolios": ["x"]},
           "signer": {"name": "张三", "role": "vice_mayor", "delegated_by_mayor": False}, "division": {"x": "张三"}}
UNDETERMINED = {"document": {"issuer": "town_government", "portfolios": ["x"]},
                "signer": {"name": "张三", "role": "vice_mayor"}, "division": {"x": "张三"}}
ALLOWED = {"document": {"issuer": "town_government", "portfolios": ["x"]},
           "signer": {"name": "李四", "role": "mayor"}, "division": {"x": "张三"}}


def built(verdict: govrules.Verdict, name: str) -> bool:
    # The slot itself, without the attribute read that would build the part.
    try:
        object.__getattribute__(verdict, name)
    except AttributeError:
        return False
    return True


def dumps(verdict: govrules.Verdict) -> str:
    return json.dumps(verdict.to_dict(), ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("facts", [REFUSED, UNDETERMINED, ALLOWED], ids=["refused", "undetermined", "allowed"])
def test_reading_allowed_builds_no_other_part(facts):
    """The facade's verdict has outcome, allowed, clauses and needs, and has built neither findings, trace nor data."""
    v = govrules.evaluate("signing", facts)
    assert isinstance(v.allowed, bool) and v.outcome and v.clauses
    assert [name for name in PARTS if built(v, name)] == []


def test_parts_are_built_once_and_kept():
    """Reading a part builds it into the verdict: the second read returns the same object."""
    v = govrules.evaluate("signing", REFUSED)
    findings = v.findings
    assert built(v, "findings") and not built(v, "trace")
    assert v.findings is findings


@pytest.mark.parametrize("facts", [REFUSED, UNDETERMINED, ALLOWED], ids=["refused", "undetermined", "allowed"])
def test_lazy_verdict_is_the_eager_one(facts):
    """evaluate()'s lazy verdict equals decide()'s eager one, field by field and in to_dict bytes."""
    run = runner("signing")
    lazy = run.evaluate(facts)
    eager = run.decide(run.prepare(facts))
    assert all(built(eager, name) for name in PARTS)
    assert lazy == eager
    assert dumps(lazy) == dumps(eager)


def test_facade_verdict_pickles_copies_and_evolves_like_an_eager_one():
    """pickle, deepcopy, attrs.evolve and attrs.asdict see every part, remedies included."""
    v = govrules.evaluate("signing", REFUSED)
    again = pickle.loads(pickle.dumps(v))
    assert all(built(again, name) for name in PARTS)
    assert dumps(again) == dumps(v)
    assert dumps(copy.deepcopy(govrules.evaluate("signing", REFUSED))) == dumps(v)
    evolved = attrs.evolve(govrules.evaluate("signing", REFUSED), outcome="x")
    assert evolved.findings == v.findings and evolved.outcome == "x"
    assert attrs.asdict(govrules.evaluate("signing", REFUSED), recurse=False)["trace"] == v.trace
    assert v.findings and v.trace and "remedies" in v.data


def test_evolved_verdict_reads_the_parts_of_the_one_it_came_from():
    """A part the original has not built is built once, into the original, and shared."""
    v = runner("signing").evaluate(REFUSED)
    stamped = evolve_lazily(v, pack={"id": "p", "version": "1", "hash": "h"})
    assert not built(stamped, "findings")
    assert stamped.findings is v.findings
    assert stamped.pack == {"id": "p", "version": "1", "hash": "h"} and v.pack is None


def test_two_threads_reading_one_part_see_one_object():
    """Concurrent first reads of a part run its builder once and return the same object to both."""
    calls = []

    def slow_findings() -> tuple[Finding, ...]:
        calls.append(1)
        time.sleep(0.05)  # widens the window in which the second reader arrives
        return (Finding(rule="r", clause="1", label="一", quote="q", severity="info", message="m"),)

    v = lazy_verdict(ruleset="x", outcome="allowed", allowed=True, clauses=("1",), needs=(),
                     later={"findings": slow_findings, "trace": tuple, "data": VerdictData})
    barrier = threading.Barrier(2)
    seen: list[object] = []

    def read() -> None:
        barrier.wait()
        seen.append(v.findings)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert seen[0] is seen[1]


def test_a_builder_only_for_the_lazy_parts():
    """Only findings, trace and data can be left to build later; other names are refused."""
    with pytest.raises(ValueError):
        lazy_verdict(ruleset="x", outcome="allowed", allowed=True, clauses=(), needs=(),
                     later={"outcome": lambda: "allowed"})


def test_missing_attributes_are_still_attribute_errors():
    """A name that is no part of a verdict raises AttributeError as before (getattr defaults work)."""
    v = govrules.evaluate("signing", ALLOWED)
    assert getattr(v, "no_such_part", None) is None
    with pytest.raises(AttributeError):
        v.no_such_part  # noqa: B018


def test_to_dict_copies_plain_data_without_deepcopy(monkeypatch):
    """to_dict copies JSON-shaped findings and trace with the plain copier: deepcopy only for what is not plain JSON."""
    from govrules import _model

    v = govrules.evaluate("signing", REFUSED)
    expected = dumps(v)
    deep: list[object] = []
    real = copy.deepcopy
    monkeypatch.setattr(_model.copy, "deepcopy", lambda value, *a: deep.append(value) or real(value, *a))
    assert dumps(v) == expected
    assert deep == []

    odd = Finding(rule="r", clause="1", label="一", quote="q", severity="info", message="m",
                  data={"names": ["a"], "pair": ("x", ["y"])})
    out = odd.to_dict()
    assert out["data"] == {"names": ["a"], "pair": ("x", ["y"])}
    assert out["data"]["names"] is not odd.data["names"]
    assert out["data"]["pair"][1] is not odd.data["pair"][1]  # not plain JSON: deep-copied on its own


def test_evolve_lazily_knows_every_field():
    """evolve_lazily copies every attrs field of Verdict: a field added later cannot be dropped silently."""
    from govrules import _model

    assert sorted(_model._EAGER_FIELDS + _model._LAZY_PARTS) == sorted(a.name for a in attrs.fields(govrules.Verdict))
    with pytest.raises(TypeError):
        evolve_lazily(govrules.evaluate("signing", ALLOWED), no_such_field=1)


def test_findings_read_later_keep_the_catalogue_of_the_evaluation():
    """Findings built after the pack's catalogue is no longer in effect still carry that catalogue's labels."""
    from govrules import _catalogue

    shipped = govrules.evaluate("signing", REFUSED).findings
    relabelled = _catalogue.Catalogue(
        clauses=tuple(attrs.evolve(c, label=f"L{c.id}") for c in _catalogue.clauses()),
        title="t", text="x")
    run = runner("signing")
    with _catalogue.using(relabelled):
        v = run.evaluate(REFUSED)
        eager = run.decide(run.prepare(REFUSED))
    assert not built(v, "findings") and shipped
    assert [f.label for f in v.findings] == [f.label for f in eager.findings] == [f"L{f.clause}" for f in shipped]


def test_a_firing_that_asserts_nothing_builds_its_full_facts_only_when_a_finding_reads_them(monkeypatch) -> None:
    """A verdict read only for ``allowed`` builds no full facts for a firing whose rule asserts nothing; its findings still do."""
    r = runner("signing")
    calls: list[int] = []
    original = r._full
    monkeypatch.setattr(r, "_full", lambda *a: calls.append(1) or original(*a))
    verdict = r.evaluate(ALLOWED)
    assert verdict.allowed and calls == []
    assert verdict.findings and calls
    monkeypatch.undo()
    assert dumps(verdict) == dumps(r.decide(r.prepare(ALLOWED)))
