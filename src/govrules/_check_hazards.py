"""Load-time refusal of rule files that the engine would mishandle (issue #11, docs/engine.md "Limits").

Each of these passed the name checks and then hung the C engine, chained forever, raised a
raw error at first use, or silently gave wrong verdicts. Each is now a RulesetError at the
offending node's file:line.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ._errors import RulesetError
from ._model import Condition, FieldSpec, Ref, RulesetSpec, Where

# durable_rules spins at 100 % CPU (ignoring Ctrl-C) on an $or of >= 509 equalities; a
# regulation's lists are a handful of codes.
MAX_IN_VALUES = 100
# One pattern's whole test (its conditions, every 'in' value, every 'any_of' alternative) is
# one expression tree in the engine: 6 alternatives of 100 values (600 terms) spun like a long
# 'in' list, while three rules of 400 terms each were fine. So the bound is per pattern.
MAX_PATTERN_TERMS = 200
# >= ~500 rules in one ruleset: engine error 108 at the first assertion.
MAX_RULES = 400
# Field names the engine (or the runner) writes into every fact: a declared field of that
# name would overwrite them, e.g. a caller's 'type' changing which rules the fact can match.
RESERVED_FIELDS = frozenset({"type", "sid", "index"})
RESERVED_PREFIX = "govrules__"

Fail = Callable[..., RulesetError]


def check_hazards(spec: RulesetSpec, fail: Fail) -> None:
    """Raise ``fail(message, where, spec, hint)`` for the first hazard in ``spec``."""
    if len(spec.rules) > MAX_RULES:
        raise fail(f"{len(spec.rules)} rules in one ruleset; at most {MAX_RULES} (durable_rules fails "
                   f"at about 500)", spec.rules[MAX_RULES].where, spec, "split the ruleset")
    _check_names(spec, fail)
    for rule in spec.rules:
        for pattern in rule.when:
            for cond in pattern.conditions:
                _check_list(cond, spec, fail)
            for alt in pattern.any_of:
                if not alt:
                    raise fail("an empty 'any_of' alternative ({}) would match every fact", pattern.where, spec,
                               "give each alternative at least one condition, or drop 'any_of'")
                for cond in alt:
                    _check_list(cond, spec, fail)
                    if isinstance(cond.value, Ref):
                        # Inside the engine's $or a join is decided wrongly (the other branch
                        # does not fire) or fails (error 311 when the joined field is absent).
                        raise fail(f"an 'any_of' alternative cannot compare with another fact "
                                   f"('{cond.field}: {cond.value}')", cond.where, spec,
                                   "put the comparison outside 'any_of', or derive a field and test it")
            terms = sum(_terms(c) for c in pattern.conditions) + sum(_terms(c) for a in pattern.any_of for c in a)
            if terms > MAX_PATTERN_TERMS:
                raise fail(f"the conditions on '{pattern.fact}' make {terms} tests (every 'in' value and 'any_of' "
                           f"alternative counts); at most {MAX_PATTERN_TERMS} (the engine hangs at about 500)",
                           pattern.where, spec, "derive a yes/no field and test that instead")
    _check_cycles(spec, fail)


def _terms(cond: Condition) -> int:
    return len(cond.value) if cond.op in ("in", "not_in") else 1


def _check_list(cond: Condition, spec: RulesetSpec, fail: Fail) -> None:
    if cond.op not in ("in", "not_in"):
        return
    n = len(cond.value)
    if n == 0:
        raise fail(f"'{cond.op}: []' lists no values (it would match {'nothing' if cond.op == 'in' else 'anything'})",
                   cond.where, spec)
    if n > MAX_IN_VALUES:
        raise fail(f"'{cond.op}' lists {n} values; at most {MAX_IN_VALUES} (the engine hangs at about 500)",
                   cond.where, spec, "derive a yes/no field from the list and test that")


def _bad_name(name: str, reserved: Iterable[str]) -> str | None:
    if not name:
        return "an empty name"
    if "$" in name or "." in name:
        return "a name with '$' or '.' (the engine reads them as operators and paths)"
    if name.startswith(RESERVED_PREFIX):
        return f"named with the prefix '{RESERVED_PREFIX}' (reserved for the engine driver)"
    if name in reserved:
        return f"'{name}', which the engine writes into every fact"
    return None


def _check_names(spec: RulesetSpec, fail: Fail) -> None:
    def field(f: FieldSpec, label: str, engine_top: bool) -> None:
        bad = _bad_name(f.name, RESERVED_FIELDS if engine_top else ())
        if bad:
            raise fail(f"field '{label}' is {bad}", f.where, spec)
        if f.type.kind == "object":
            for sub in f.type.fields:
                field(sub, f"{label}.{sub.name}", False)
        elif f.type.kind == "list" and f.type.items is not None and f.type.items.kind == "object":
            if f.each:  # the items become engine facts of their own
                fact(f.each, f.where)
            for sub in f.type.items.fields:
                field(sub, f"{label}[].{sub.name}", f.each is not None)

    def fact(name: str, where: Where | None) -> None:
        bad = _bad_name(name, ())
        if bad:
            raise fail(f"fact '{name}' is {bad}", where, spec)

    for f in spec.facts:
        fact(f.name, f.where)
        if f.type.kind == "object":  # its fields sit at the top level of the engine fact
            for sub in f.type.fields:
                field(sub, f"{f.name}.{sub.name}", True)
        else:
            field(f, f.name, False)
    for name, fields in spec.inferred.items():
        fact(name, spec.positions.get(f"inferred.{name}"))
        for sub in fields:
            field(sub, f"{name}.{sub.name}", True)
    for d in spec.derive:
        bad = _bad_name(d.field, RESERVED_FIELDS)
        if bad:
            raise fail(f"derived field '{d.fact}.{d.field}' is {bad}", d.where, spec)


def _check_cycles(spec: RulesetSpec, fail: Fail) -> None:
    """Inferred facts must not feed back into themselves.

    A rule that matches X and asserts Y makes an edge X → Y. Every asserted fact is a new
    fact to the engine, so a cycle (X → X, or X → Y → X) can re-fire without end. Some cycles
    would stop because of their conditions, but proving that is undecidable in general; an
    acyclic graph always stops (each inferred fact is made from finitely many earlier ones),
    so any cycle is refused, naming its rules.
    """
    edges: dict[str, list[tuple[str, Any]]] = {}
    for rule in spec.rules:
        for pattern in rule.when:
            for a in rule.then.asserts:
                edges.setdefault(pattern.fact, []).append((a.fact, rule))
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    stack: list[str] = []
    via: list[Any] = []  # via[i]: the rule leading from stack[i] to the next fact on the path

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt, rule in edges.get(node, ()):
            via.append(rule)
            if state.get(nxt) == 1:
                loop = " → ".join(r.id for r in via[stack.index(nxt):])
                raise fail(f"rule {rule.id} asserts '{nxt}', which leads back to a fact it matches "
                           f"(a chain that can fire forever: {loop})", rule.then.where or rule.where, spec,
                           "an inferred fact may only be asserted from facts that do not depend on it")
            if nxt not in state:
                visit(nxt)
            via.pop()
        stack.pop()
        state[node] = 2

    for node in list(edges):
        if node not in state:
            visit(node)
