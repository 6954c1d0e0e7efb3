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

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
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


class _Test:
    """One condition prepared for ``may_hold``: its field split, and the kinds of its operands."""

    __slots__ = ("condition", "parts", "join", "kinds")

    def __init__(self, c: Condition) -> None:
        self.condition = c
        self.parts = tuple(c.field.split("."))
        self.join = isinstance(c.value, Ref)
        self.kinds = frozenset(type(x) for x in (c.value if c.op in ("in", "not_in") else (c.value,)))

    def may_hold(self, fact: Mapping[str, Any]) -> bool:
        """False only where a given value surely fails the condition in the engine.

        The relaxed form holds where the field is not given; a join is the engine's to decide.
        """
        if self.join:
            return True
        v: Any = fact
        for part in self.parts:
            if type(v) is not dict or part not in v:
                return True
            v = v[part]
        c = self.condition
        if c.op == "present" or v is None:
            return holds(c, fact) or (v is None and c.op in ("equals", "in"))
        # The engine compares loosely ("1" == 1, True == 1): across kinds, Python cannot say it fails.
        if len(self.kinds) != 1 or type(v) not in self.kinds:
            return True
        return holds(c, fact)


class _PatternTest:
    """A pattern over the caller's facts, prepared for the check: the fields it reads, its tests."""

    __slots__ = ("pattern", "fact", "fields", "tests", "alternatives")

    def __init__(self, p: Pattern) -> None:
        self.pattern = p
        self.fact = p.fact
        self.fields = frozenset(c.field for c in conditions(p))
        self.tests = tuple(_Test(c) for c in p.conditions)
        self.alternatives = tuple(tuple(_Test(c) for c in alt) for alt in p.any_of)

    def may_match(self, fact: Mapping[str, Any]) -> bool:
        for t in self.tests:
            if not t.may_hold(fact):
                return False
        if not self.alternatives:
            return True
        return any(all(t.may_hold(fact) for t in alt) for alt in self.alternatives)


_MEMO_FACTS = 8  # remembered only for runs of at most this many facts: a small key, cheap to build
_MEMO_SIZE = 4096  # answers kept per ruleset; forgotten all at once when full


class RelaxedCheck:
    """Per ruleset, prepared once: which rules could fire on a field not given, and on which facts."""

    def __init__(self, rules: Iterable[RuleSpec], input_types: Iterable[str]) -> None:
        inputs = set(input_types)
        # Per rule: its patterns over the caller's facts (each with the fields it reads), and
        # the inferred facts it also needs. A rule over inferred facts alone reads no field
        # of the caller's, so it can only follow a relaxed-only firing, never be the first.
        self._rules: list[tuple[tuple[_PatternTest, ...], frozenset[str]]] = []
        read: dict[str, set[str]] = {}
        for rule in rules:
            patterns = tuple(_PatternTest(p) for p in rule.when if p.fact in inputs)
            if patterns:
                self._rules.append((patterns, frozenset(p.fact for p in rule.when if p.fact not in inputs)))
            for p in patterns:
                read.setdefault(p.fact, set()).update(p.fields)
        self._read = {fact: tuple(sorted(fields)) for fact, fields in read.items()}
        # Fact types whose read fields are all top-level: their values are one dict look-up each.
        self._flat = {fact for fact, fields in self._read.items() if not any("." in f for f in fields)}
        # The rules that read each (fact, field): only those can rest on it not being given.
        readers: dict[tuple[str, str], list[int]] = {}
        for index, (patterns, _) in enumerate(self._rules):
            for p in patterns:
                for field in p.fields:
                    readers.setdefault((p.fact, field), []).append(index)
        self._readers = {key: tuple(indices) for key, indices in readers.items()}
        self._memo: dict[Any, bool] = {}

    def needed(self, engine_facts: Sequence[Mapping[str, Any]], inferred: AbstractSet[str]) -> bool:
        """Whether some rule could fire in the relaxed run on a field these facts do not give.

        ``inferred`` are the types of the facts the strict run asserted. The first relaxed-only
        firing of a run can only have met inferred facts that strict firings asserted (every
        firing before it held on given values alone, as in the strict run), so a rule needing
        an inferred fact the strict run never asserted cannot be it. Conditions on inferred
        facts are not checked: they may hold.
        """
        if len(engine_facts) > _MEMO_FACTS:
            return self._scan(engine_facts, inferred)
        # The answer depends only on the values of the fields the rules read (and on
        # ``inferred``): verdicts on few facts repeat them often, so it is remembered by them.
        # A hit builds only this key, none of the per-rule sets a first answer needs.
        seen: list[Any] = []
        lacking = False
        for fact in engine_facts:
            kind = fact["type"]
            fields = self._read.get(kind, ())
            if kind in self._flat:
                get = fact.get
                values = tuple([get(field, ABSENT) for field in fields])
            else:
                values = tuple([dotted(fact, field) for field in fields])
            lacking = lacking or ABSENT in values
            seen.append((kind, values, tuple(map(type, values))))  # typed: True == 1 must not meet
        if not lacking:  # every field a rule reads is given: the relaxed run reads nothing more
            return False
        key: Any = (tuple(seen), frozenset(inferred))
        try:
            return self._memo[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a nested object): decided afresh
            return self._scan(engine_facts, inferred)
        answer = self._scan(engine_facts, inferred)
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = answer
        return answer

    def _scan(self, engine_facts: Sequence[Mapping[str, Any]], inferred: AbstractSet[str]) -> bool:
        """``needed`` decided from the facts, nothing remembered."""
        by_type: dict[str, list[Mapping[str, Any]]] = {}
        lacking: dict[str, list[tuple[Mapping[str, Any], set[str]]]] = {}  # facts with fields not given
        candidates: set[int] = set()
        for fact in engine_facts:
            kind = fact["type"]
            by_type.setdefault(kind, []).append(fact)
            fields = self._read.get(kind, ())
            if kind in self._flat:
                absent = {field for field in fields if field not in fact}
            else:
                absent = {field for field in fields if dotted(fact, field) is ABSENT}
            if not absent:
                continue
            lacking.setdefault(kind, []).append((fact, absent))
            found = {index for field in absent for index in self._readers[(kind, field)]}
            candidates |= found
            # The first witness among the facts seen so far settles it (a large meeting need
            # not be scanned to its last item).
            if self._witness(found, fact, absent, by_type, inferred):
                return True
        if not candidates:
            return False
        return self._decide(candidates, by_type, lacking, inferred)

    def _witness(self, found: set[int], fact: Mapping[str, Any], absent: set[str],
                 by_type: Mapping[str, list[Mapping[str, Any]]], inferred: AbstractSet[str]) -> bool:
        """Whether one of the rules ``found`` could fire reading a field ``fact`` lacks, with the facts seen so far."""
        kind = fact["type"]
        for index in found:
            patterns, needs = self._rules[index]
            if not needs <= inferred:
                continue
            for p in patterns:
                if p.fact == kind and p.fields & absent and p.may_match(fact):
                    if all(any(q.may_match(g) for g in by_type.get(q.fact, ())) for q in patterns if q is not p):
                        return True
        return False

    def _decide(self, candidates: set[int], by_type: Mapping[str, list[Mapping[str, Any]]],
                lacking: Mapping[str, list[tuple[Mapping[str, Any], set[str]]]], inferred: AbstractSet[str]) -> bool:
        for index in sorted(candidates):
            patterns, needs = self._rules[index]
            if not needs <= inferred:
                continue
            # A rule reads a field not given through some pattern whose fact lacks one it reads.
            reading = [p for p in patterns
                       if any(p.fields & absent and p.may_match(f) for f, absent in lacking.get(p.fact, ()))]
            if reading and all(any(p.may_match(f) for f in by_type.get(p.fact, ()))
                               for p in patterns if p not in reading):
                return True
        return False
