"""Whether the relaxed run (see _compile) can add anything to a verdict, decided before running it.

The relaxed run only matters through its *relaxed-only* firings: those that matched a
condition on a field the caller did not give. Such a firing needs, for every pattern of its
rule over the caller's facts, a fact on which each condition holds or reads a field not
given, and for at least one pattern a field not given among those read. When no rule has
that, the relaxed run fires exactly what the strict run fired and the verdict gains nothing
from it; most verdicts are in that case (a person's ``delegated_by_mayor`` is rarely given,
but the rule reading it also asks for a vice mayor signing in the town's name).

The check errs one way only: where it cannot be sure a given value fails a condition as the
engine reads it, it counts the condition as holding, and the relaxed run goes ahead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from ._model import Condition, Pattern, Ref, RuleSpec

ABSENT = object()  # a field or path the caller did not give (None is "there is none")


def dotted(fact: Mapping[str, Any], field: str) -> Any:
    """An engine fact's field by its dotted name; ``ABSENT`` when not there."""
    obj: Any = fact
    for part in field.split("."):
        if type(obj) is not dict or part not in obj:
            return ABSENT
        obj = obj[part]
    return obj


_ORDER = {"at_least": lambda a, b: a >= b, "at_most": lambda a, b: a <= b,
          "more_than": lambda a, b: a > b, "less_than": lambda a, b: a < b}


def holds(c: Condition, fact: Mapping[str, Any]) -> bool:
    """Whether a condition holds on a given value, as the strict ruleset reads it (see _compile)."""
    v = dotted(fact, c.field)
    if v is ABSENT or isinstance(c.value, Ref):
        return False
    if c.op == "present":
        return (v is not None) if c.value else (v is None)
    if v is None:
        return False
    if c.op == "equals":
        return v == c.value
    if c.op == "not":
        return v != c.value
    if c.op == "in":
        return v in c.value
    if c.op == "not_in":
        return v not in c.value
    try:
        return bool(_ORDER[c.op](v, c.value))
    except TypeError:
        return False


def conditions(p: Pattern) -> list[Condition]:
    return list(p.conditions) + [c for alt in p.any_of for c in alt]


def _may_hold(c: Condition, fact: Mapping[str, Any]) -> bool:
    """True unless a given value surely fails ``c`` in the engine: the relaxed form holds on absence."""
    if isinstance(c.value, Ref):
        return True  # a join: which fact it meets is the engine's to find
    v = dotted(fact, c.field)
    if v is ABSENT or c.op == "present":
        return v is ABSENT or holds(c, fact)
    if v is None:
        return c.op not in ("not", "not_in", "at_least", "at_most", "more_than", "less_than")
    # The engine compares loosely ("1" == 1, True == 1): across kinds, Python cannot say it fails.
    operands = c.value if c.op in ("in", "not_in") else (c.value,)
    if any(type(x) is not type(v) for x in operands):
        return True
    return holds(c, fact)


class RelaxedCheck:
    """Per ruleset, prepared once: which rules could fire on a field not given, and on which facts."""

    def __init__(self, rules: Iterable[RuleSpec], input_types: Iterable[str]) -> None:
        inputs = set(input_types)
        # Per rule: its patterns over the caller's facts (each with the fields it reads), and
        # the inferred facts it also needs. A rule over inferred facts alone reads no field
        # of the caller's, so it can only follow a relaxed-only firing, never be the first.
        self._rules: list[tuple[tuple[tuple[Pattern, frozenset[str]], ...], frozenset[str]]] = []
        read: dict[str, set[str]] = {}
        for rule in rules:
            patterns = tuple((p, frozenset(c.field for c in conditions(p))) for p in rule.when if p.fact in inputs)
            if patterns:
                self._rules.append((patterns, frozenset(p.fact for p in rule.when if p.fact not in inputs)))
            for p, fields in patterns:
                read.setdefault(p.fact, set()).update(fields)
        self._read = {fact: tuple(sorted(fields)) for fact, fields in read.items()}

    def needed(self, engine_facts: Iterable[Mapping[str, Any]], inferred: Collection[str]) -> bool:
        """Whether some rule could fire in the relaxed run on a field these facts do not give.

        ``inferred`` are the types of the facts the strict run asserted. The first relaxed-only
        firing of a run can only have met inferred facts that strict firings asserted (every
        firing before it held on given values alone, as in the strict run), so a rule needing
        an inferred fact the strict run never asserted cannot be it. Conditions on inferred
        facts are not checked: they may hold.
        """
        by_type: dict[str, list[Mapping[str, Any]]] = {}
        lacking: dict[str, list[tuple[Mapping[str, Any], set[str]]]] = {}  # facts with fields not given
        for fact in engine_facts:
            kind = fact["type"]
            by_type.setdefault(kind, []).append(fact)
            absent = {field for field in self._read.get(kind, ()) if dotted(fact, field) is ABSENT}
            if absent:
                lacking.setdefault(kind, []).append((fact, absent))
        if not lacking:
            return False
        for patterns, needs in self._rules:
            if not needs <= inferred:
                continue
            # A rule reads a field not given through some pattern whose fact lacks one it reads.
            reading = [p for p, fields in patterns
                       if any(fields & absent and _may_match(p, f) for f, absent in lacking.get(p.fact, ()))]
            if reading and all(any(_may_match(p, f) for f in by_type.get(p.fact, ()))
                               for p, _ in patterns if p not in reading):
                return True
        return False


def _may_match(p: Pattern, fact: Mapping[str, Any]) -> bool:
    return (all(_may_hold(c, fact) for c in p.conditions)
            and (not p.any_of or any(all(_may_hold(c, fact) for c in alt) for alt in p.any_of)))
