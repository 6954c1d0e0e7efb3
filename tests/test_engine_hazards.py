"""Each durable_rules hazard from docs/engine.md, pinned by a test.

Tests whose failure mode is a segfault or a spin run in a child interpreter, so a
regression fails the test instead of killing (or hanging) pytest.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import durable_rules_engine
import pytest

from govrules import _engine
from govrules._engine import Engine, EngineError, Firing
from govrules._errors import GovrulesError


def _child(code: str, timeout: float = 120) -> str:
    """Run ``code`` in a fresh interpreter; return its stdout, failing on a crash or hang."""
    try:
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"child interpreter did not finish within {timeout} s (engine spinning?)")
    assert done.returncode == 0, f"child exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout.strip()


PAY = {
    "big": {"all": [{"m": {"$and": [{"type": "pay"}, {"$gt": {"amount": 100}}]}}]},
}


def _type_rule(kind: str) -> dict:
    return {"all": [{"m": {"type": kind}}]}


# 1. Timer threads -------------------------------------------------------------------


def test_engines_start_no_background_threads():
    """Creating and running 50 engines leaves threading.active_count() where it was."""
    before = threading.active_count()
    engines = [Engine(f"gov{i}", PAY) for i in range(50)]
    for engine in engines:
        assert [f.rule for f in engine.run([{"type": "pay", "amount": 101}])] == ["big"]
    time.sleep(0.3)  # the stock Host's first timer fires after 0.1 s
    assert threading.active_count() <= before
    for engine in engines:
        engine.close()


# 2. delete_state with no action ------------------------------------------------------


def test_thousands_of_runs_where_nothing_matches_do_not_crash():
    """3,000 evaluations in which no user rule fires end with a clean exit."""
    out = _child(
        """
        from govrules._engine import Engine
        engine = Engine("gov", {"big": {"all": [{"m": {"$and": [{"type": "pay"}, {"$gt": {"amount": 100}}]}}]}})
        fired = 0
        for i in range(3000):
            facts = [] if i % 3 == 0 else [{"type": "pay", "amount": i % 100}, {"type": "other"}]
            fired += len(engine.run(facts))
        engine.close()
        print("done", fired)
        """
    )
    assert out == "done 0"


# 3. Cross-fact ordering comparisons --------------------------------------------------


@pytest.mark.parametrize("op", ["$gt", "$lt", "$gte", "$lte"])
def test_cross_fact_ordering_comparison_is_rejected(op):
    """A $gt/$lt/$gte/$lte against another pattern's field raises ValueError naming the rule."""
    definition = {
        "ok": _type_rule("a"),
        "compare": {
            "all": [
                {"first": {"type": "a"}},
                {"second": {"$and": [{"type": "b"}, {op: {"amount": {"first": "amount"}}}]}},
            ]
        },
    }
    with pytest.raises(ValueError, match=r"rule 'compare'.*#381"):
        Engine("gov", definition)


def test_ordering_comparison_against_expression_is_rejected():
    """An ordering comparison against an arithmetic expression is rejected too."""
    definition = {
        "calc": {
            "all": [
                {"first": {"type": "a"}},
                {"second": {"$and": [{"type": "b"}, {"$gt": {"v": {"$add": {"$l": {"first": "v"}, "$r": 1}}}}]}},
            ]
        }
    }
    with pytest.raises(ValueError, match=r"rule 'calc'"):
        Engine("gov", definition)


def test_equality_join_across_facts_is_allowed_and_matches():
    """An equality join on another pattern's "id" fires only for the matching pair."""
    definition = {
        "join": {
            "all": [
                {"first": {"type": "leader"}},
                {"second": {"$and": [{"type": "absence"}, {"who": {"first": "id"}}]}},
            ]
        }
    }
    with Engine("gov", definition) as engine:
        firings = engine.run(
            [
                {"type": "leader", "id": "zhang"},
                {"type": "leader", "id": "li"},
                {"type": "absence", "who": "li"},
                {"type": "absence", "who": "wang"},
            ]
        )
    assert [(f.matched["first"]["id"], f.matched["second"]["who"]) for f in firings] == [("li", "li")]


# 4. $nex without a type discriminator ------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        {"$nex": {"approved": 1}},
        {"$or": [{"type": "a"}, {"type": "b"}]},
        {"$and": [{"$nex": {"approved": 1}}, {"$or": [{"type": "a"}]}]},
        {"kind": "a"},
    ],
)
def test_pattern_without_type_equality_is_rejected(condition):
    """A pattern lacking a top-level (or top-level $and) equality on type raises ValueError."""
    with pytest.raises(ValueError, match=r"rule 'loose'.*'type'"):
        Engine("gov", {"loose": {"all": [{"m": condition}]}})


def test_nex_with_type_equality_runs_and_terminates():
    """$nex paired with a type equality fires for facts missing the field and returns."""
    out = _child(
        """
        from govrules._engine import Engine
        engine = Engine("gov", {"unapproved": {"all": [{"m": {"$and": [{"type": "req"}, {"$nex": {"approved": 1}}]}}]}})
        firings = engine.run([{"type": "req", "n": 1}, {"type": "req", "n": 2, "approved": True}])
        print([f.matched["m"]["n"] for f in firings])
        """,
        timeout=60,
    )
    assert out == "[1]"


# 5. any / $not -----------------------------------------------------------------------


def test_any_rule_is_rejected():
    """A rule using 'any' raises ValueError naming the rule."""
    with pytest.raises(ValueError, match=r"rule 'either'.*'any'"):
        Engine("gov", {"either": {"any": [{"a": {"type": "a"}}, {"b": {"type": "b"}}]}})


def test_not_pattern_is_rejected():
    """A '$not' pattern raises ValueError naming the rule."""
    definition = {"missing": {"all": [{"m_0": {"type": "a"}}, {"m_1$not": {"type": "b"}}]}}
    with pytest.raises(ValueError, match=r"rule 'missing'.*\$not"):
        Engine("gov", definition)


# 6. Fact identity --------------------------------------------------------------------


def test_identical_facts_fire_twice():
    """Two identical input facts both land and fire the rule twice."""
    with Engine("gov", PAY) as engine:
        firings = engine.run([{"type": "pay", "amount": 200}, {"type": "pay", "amount": 200}])
    assert [f.matched for f in firings] == [{"m": {"type": "pay", "amount": 200}}] * 2


def test_facts_sharing_a_caller_id_do_not_collide():
    """The engine treats "id" as identity; distinct facts with the same caller id both fire."""
    definition = {"leader": _type_rule("leader"), "absence": _type_rule("absence")}
    with Engine("gov", definition) as engine:
        firings = engine.run([{"type": "leader", "id": "zhang"}, {"type": "absence", "id": "zhang"}])
    assert [(f.rule, f.matched["m"]) for f in firings] == [
        ("leader", {"type": "leader", "id": "zhang"}),
        ("absence", {"type": "absence", "id": "zhang"}),
    ]


def test_many_distinct_facts_in_one_session_all_land():
    """5,000 facts in one session each fire once: no identity collisions (#376)."""
    facts = [{"type": "pay", "amount": 101 + i % 7, "n": i} for i in range(5000)]
    with Engine("gov", PAY) as engine:
        firings = engine.run(facts)
    assert sorted(f.matched["m"]["n"] for f in firings) == list(range(5000))


def test_matched_facts_carry_no_engine_bookkeeping():
    """Firing.matched holds exactly the caller's fact: no sid, stamp or moved id."""
    fact = {"type": "pay", "amount": 300, "nested": {"id": 1, "sid": 2}, "note": "付款"}
    with Engine("gov", PAY) as engine:
        (firing,) = engine.run([fact])
    assert firing == Firing(rule="big", matched={"m": fact})


# 7. Facts that match no rule ---------------------------------------------------------


def test_unmatched_input_fact_does_not_stop_the_others():
    """A fact no rule cares about, between two that match, leaves both firings intact."""
    with Engine("gov", PAY) as engine:
        firings = engine.run([{"type": "pay", "amount": 150}, {"type": "noise"}, {"type": "pay", "amount": 160}])
    assert [f.matched["m"]["amount"] for f in firings] == [150, 160]


def test_reacted_fact_matching_nothing_is_fine():
    """A reacted fact that matches no rule is dropped quietly; its sibling still chains."""
    definition = {**PAY, "derived": _type_rule("derived")}

    def react(firing):
        if firing.rule == "big":
            return [{"type": "noise"}, {"type": "derived", "from": firing.matched["m"]["amount"]}]
        return []

    with Engine("gov", definition) as engine:
        firings = engine.run([{"type": "pay", "amount": 150}], react)
    assert [(f.rule, f.matched["m"].get("from")) for f in firings] == [("big", None), ("derived", 150)]


# 8. Exceptions inside actions --------------------------------------------------------


def test_exception_from_react_is_reraised_unchanged():
    """run() re-raises the very exception react raised, and the engine stays usable."""
    boom = KeyError("boom")

    def react(firing):
        raise boom

    with Engine("gov", PAY) as engine:
        with pytest.raises(KeyError) as caught:
            engine.run([{"type": "pay", "amount": 150}, {"type": "pay", "amount": 170}], react)
        assert caught.value is boom
        assert [f.matched["m"]["amount"] for f in engine.run([{"type": "pay", "amount": 180}])] == [180]


def test_exception_recorded_in_engine_state_raises_engine_error():
    """An action failure the engine swallows into state["exception"] surfaces as EngineError."""
    with Engine("gov", PAY) as engine:
        ruleset = engine._slot.ruleset
        ruleset._actions["big"] = lambda c: 1 / 0
        with pytest.raises(EngineError, match="division by zero"):
            engine.run([{"type": "pay", "amount": 150}])


# 9. One-argument actions -------------------------------------------------------------


def test_actions_are_synchronous_one_argument_callables():
    """Every action is a plain one-argument function run in place, so chained firings are complete when run() returns."""
    definition = {**PAY, "derived": _type_rule("derived")}
    with Engine("gov", definition) as engine:
        assert all(fn.__code__.co_argcount == 1 for fn in engine._slot.ruleset._actions.values())
        firings = engine.run([{"type": "pay", "amount": 150}], lambda f: [{"type": "derived"}] if f.rule == "big" else [])
    assert [f.rule for f in firings] == ["big", "derived"]


# 10. Session leaks -------------------------------------------------------------------


def test_two_thousand_sequential_runs_succeed():
    """2,000 runs on one engine (past the 1,024 live-session limit) all succeed."""
    with Engine("gov", PAY) as engine:
        counts = [len(engine.run([{"type": "pay", "amount": 101 + i % 3}])) for i in range(2000)]
    assert counts == [1] * 2000


def test_session_is_emptied_and_reused_after_a_run_and_deleted_after_an_exception():
    """A finished run leaves its session empty for the next; a run that raised has its session deleted."""
    seen = []

    def react(firing):
        seen.append(engine._slot.run.sid)
        if len(seen) == 2:
            raise RuntimeError("stop")
        return []

    with Engine("gov", PAY) as engine:
        handle = engine._slot.ruleset._handle
        engine.run([{"type": "pay", "amount": 150}], react)
        assert engine._slot.idle == seen[0]
        assert durable_rules_engine.get_facts(handle, seen[0]) == "[]"
        with pytest.raises(RuntimeError):
            engine.run([{"type": "pay", "amount": 150}], react)
        assert seen[1] == seen[0] and engine._slot.idle is None
        with pytest.raises(durable_rules_engine.error, match="309"):
            durable_rules_engine.get_state(handle, seen[0])
        engine.run([{"type": "pay", "amount": 150}])
        assert engine._slot.idle not in (None, seen[0])


def test_two_thousand_runs_that_raise_succeed_past_the_live_session_limit():
    """2,000 runs whose react raises each delete their session: no MemoryError at the 1,025th."""
    def react(firing):
        raise ValueError("no")

    with Engine("gov", PAY) as engine:
        for _ in range(2000):
            with pytest.raises(ValueError):
                engine.run([{"type": "pay", "amount": 150}], react)
        assert [f.rule for f in engine.run([{"type": "pay", "amount": 150}])] == ["big"]


# 11. Ruleset freeing -----------------------------------------------------------------


def test_close_frees_ruleset_once_and_blocks_later_runs(monkeypatch):
    """close() calls delete_ruleset exactly once however often it is called; run() then fails."""
    calls = []
    real = durable_rules_engine.delete_ruleset
    monkeypatch.setattr(durable_rules_engine, "delete_ruleset", lambda handle: (calls.append(handle), real(handle)))
    engine = Engine("gov", PAY)
    handle = engine._slot.ruleset._handle
    engine.close()
    engine.close()
    assert calls == [handle]
    with pytest.raises(EngineError, match="closed"):
        engine.run([{"type": "pay", "amount": 150}])


def test_unreferenced_engine_frees_its_ruleset(monkeypatch):
    """Dropping the last reference to an engine frees its ruleset without close()."""
    calls = []
    real = durable_rules_engine.delete_ruleset
    monkeypatch.setattr(durable_rules_engine, "delete_ruleset", lambda handle: (calls.append(handle), real(handle)))
    engine = Engine("gov", PAY)
    engine.run([{"type": "pay", "amount": 150}])
    handle = engine._slot.ruleset._handle
    del engine
    assert calls == [handle]


def test_engine_error_is_a_govrules_runtime_error():
    """EngineError is catchable as both GovrulesError and RuntimeError."""
    assert issubclass(EngineError, GovrulesError) and issubclass(EngineError, RuntimeError)


# 12. Threads -------------------------------------------------------------------------


def test_threads_sharing_an_engine_see_only_their_own_facts():
    """8 threads x 300 runs on one engine give the sequential answers, each with only its own token."""
    definition = {
        **PAY,
        "tagged": {"all": [{"t": {"type": "token"}}, {"m": {"$and": [{"type": "pay"}, {"token": {"t": "value"}}]}}]},
        "derived": _type_rule("derived"),
    }

    def react(firing):
        if firing.rule == "tagged":
            return [{"type": "derived", "token": firing.matched["t"]["value"]}]
        return []

    def facts(token, i):
        return [{"type": "token", "value": token}, {"type": "pay", "amount": 90 + i % 30, "token": token}]

    def summary(firings):
        return sorted((f.rule, f.matched.get("m", {}).get("amount")) for f in firings)

    engine = Engine("gov", definition)
    expected = {i: summary(engine.run(facts("seq", i), react)) for i in range(30)}
    problems: list[str] = []

    def worker(thread_no):
        for i in range(300):
            token = f"t{thread_no}-{i}"
            firings = engine.run(facts(token, i), react)
            tokens = {fact.get("token", fact.get("value")) for f in firings for fact in f.matched.values()}
            if tokens != {token}:
                problems.append(f"{token}: saw tokens {tokens}")
            if summary(firings) != expected[i % 30]:
                problems.append(f"{token}: {summary(firings)} != {expected[i % 30]}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.close()
    assert problems == []
    assert any(len(answer) == 3 for answer in expected.values())  # big + tagged + derived occurs


def test_react_calling_back_into_its_engine_is_refused():
    """A react that calls run() on its own engine gets EngineError instead of a deadlock."""
    with Engine("gov", PAY) as engine:
        with pytest.raises(EngineError, match="inside a react"):
            engine.run([{"type": "pay", "amount": 150}], lambda f: engine.run([]))


# 13. JSON-native facts ---------------------------------------------------------------


def test_date_in_fact_is_rejected_naming_the_fact_type():
    """A datetime.date inside a fact raises ValueError naming the fact's type and position."""
    with Engine("gov", PAY) as engine:
        with pytest.raises(ValueError, match=r"facts\[1\] \(type 'meeting'\).*JSON"):
            engine.run([{"type": "pay", "amount": 1}, {"type": "meeting", "on": datetime.date(2025, 1, 6)}])


def test_date_in_reacted_fact_is_rejected():
    """react returning a non-JSON fact makes run() raise ValueError naming the rule."""
    with Engine("gov", PAY) as engine:
        with pytest.raises(ValueError, match=r"react\('big'\)\[0\] \(type 'x'\)"):
            engine.run([{"type": "pay", "amount": 150}], lambda f: [{"type": "x", "on": datetime.date(2025, 1, 6)}])


@pytest.mark.parametrize(
    "fact, fragment",
    [
        ({"amount": 1}, "'type'"),
        ({"type": 3}, "'type'"),
        ({"type": "pay", "sid": "x"}, "'sid' is reserved"),
        ({"type": "pay", "amount": float("nan")}, "JSON"),
        ("pay", "mapping"),
    ],
)
def test_malformed_facts_are_rejected(fact, fragment):
    """Facts without a str type, with reserved keys, or not JSON-native raise ValueError."""
    with Engine("gov", PAY) as engine:
        with pytest.raises(ValueError, match=fragment):
            engine.run([fact])


# 14. Python 3.12 DeprecationWarning --------------------------------------------------


def test_runs_emit_no_warnings_even_as_errors():
    """A chained run under warnings-as-errors fires all rules (a warning inside an action would fail it)."""
    definition = {**PAY, "derived": _type_rule("derived")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Engine("gov", definition) as engine:
            firings = engine.run([{"type": "pay", "amount": 150}], lambda f: [{"type": "derived"}] if f.rule == "big" else [])
    assert [f.rule for f in firings] == ["big", "derived"]


def test_durable_rules_python_layer_with_its_deprecated_clock_is_never_imported():
    """Evaluating imports only durable_rules' C extension, never durable.engine (whose clock warns on 3.12)."""
    import subprocess
    import sys

    probe = ("import sys, govrules; govrules.check_signing(document={'issuer': 'town_government'}, "
             "signer={'name': 'x', 'role': 'mayor'}); print('durable.engine' in sys.modules, 'durable_rules_engine' in sys.modules)")
    out = subprocess.run([sys.executable, "-W", "error", "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


# 15. Slow actions --------------------------------------------------------------------


def test_slow_react_raises_instead_of_silently_dropping_chains(monkeypatch):
    """A react slower than the limit makes run() raise EngineError naming the rule."""
    monkeypatch.setattr(_engine, "_REACT_TIME_LIMIT", 0.05)

    def react(firing):
        time.sleep(0.1)
        return []

    with Engine("gov", PAY) as engine:
        with pytest.raises(EngineError, match=r"react for rule 'big' took"):
            engine.run([{"type": "pay", "amount": 150}], react)


# Definition checks beyond the measured hazards ---------------------------------------


@pytest.mark.parametrize(
    "rule, fragment",
    [
        ({"all": [{"m": {"type": "a", "v": 1}}]}, "one-key"),
        ({"all": [{"m": {"$and": [{"type": "a"}, {"$ne": {"v": 1}}]}}]}, r"'\$ne' is not supported"),
        ({"all": [{"m": {"$and": [{"type": "a"}, {"$in": {"v": [1]}}]}}]}, r"'\$in' is not supported"),
        ({"all": [{"m": {"$and": [{"type": "a"}, {"v": [1, 2]}]}}]}, "list literals"),
        ({"all": [{"m": {"type": "a"}}], "count": 2}, "unsupported key"),
        ({"all": [{"m": {"$and": [{"type": "a"}, {"v": {"later": "x"}}]}}]}, "not an earlier pattern"),
        ({"all": [{"m": {"type": "a"}}, {"m": {"type": "b"}}]}, "used twice"),
        ({"all": []}, "non-empty"),
    ],
)
def test_definitions_the_engine_would_mishandle_are_rejected(rule, fragment):
    """Multi-key conditions, unsupported operators, list literals and bad references raise ValueError."""
    with pytest.raises(ValueError, match=rf"rule 'r'.*{fragment}"):
        Engine("gov", {"r": rule})


def test_multi_key_rule_rewritten_with_and_tests_every_field():
    """The $and form of a two-field test really checks both fields (the one-key rule is not cosmetic)."""
    rule = {"all": [{"m": {"$and": [{"type": "a"}, {"v": 1}]}}]}
    with Engine("gov", {"r": rule}) as engine:
        firings = engine.run([{"type": "a", "v": 2}, {"type": "a", "v": 1}])
    assert [f.matched["m"]["v"] for f in firings] == [1]


def test_caller_run_key_is_ignored_and_definition_not_mutated():
    """A 'run' key in the definition is ignored and the caller's dict is left untouched."""
    definition = {"big": {**PAY["big"], "run": "whatever"}}
    snapshot = repr(definition)
    with Engine("gov", definition) as engine:
        assert [f.rule for f in engine.run([{"type": "pay", "amount": 150}])] == ["big"]
    assert repr(definition) == snapshot


def test_priority_orders_firings():
    """'pri' is passed through: the lower value fires first for the same fact."""
    definition = {
        "late": {"all": [{"m": {"type": "a"}}], "pri": 3},
        "early": {"all": [{"m": {"type": "a"}}], "pri": 1},
    }
    with Engine("gov", definition) as engine:
        assert [f.rule for f in engine.run([{"type": "a"}])] == ["early", "late"]
