"""RulesetSpec → durable_rules's JSON ruleset form. Pure: the same spec gives the same JSON.

Each ruleset compiles twice (CONTRACT §2, facts not given):

- *strict*: a condition holds only on a value the caller gave. A field not given is absent
  from the engine fact and an explicit "there is none" is ``null``; neither equals, orders
  or differs from anything, so a strict firing holds whatever the facts not given are.
- *relaxed*: a condition also holds where its field is absent. A relaxed firing is one that
  *some* completion of the facts not given would produce; the runner compares the two to
  decide the outcome and what the caller must still supply.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ._model import Condition, Pattern, Ref, RulesetSpec

_ORDER_OPS = {"at_least": "$gte", "at_most": "$lte", "more_than": "$gt", "less_than": "$lt"}


def engine_rule_name(index: int) -> str:
    # Rule ids carry dots and dashes for people; the engine gets short, safe names instead.
    return f"r{index}"


def compile_ruleset(spec: RulesetSpec, relaxed: bool = False) -> dict[str, dict[str, Any]]:
    return {
        engine_rule_name(i): {"all": [{p.fact: _pattern(p, relaxed)} for p in rule.when]}
        for i, rule in enumerate(spec.rules)
    }


def _pattern(p: Pattern, relaxed: bool, prefix: str = "", objects: frozenset[str] = frozenset()) -> dict[str, Any]:
    # Every pattern starts with its type: a discriminator the engine needs (a bare $nex
    # would otherwise match the engine's own state message and spin).
    terms: list[dict[str, Any]] = [{"type": p.fact}]
    for c in p.conditions:
        terms.append(_condition(c, relaxed, prefix, objects))
    if p.any_of:
        terms.append({"$or": [_all(alt, relaxed, prefix, objects) for alt in p.any_of]})
    return {"$and": terms}


def _all(conditions: tuple[Condition, ...], relaxed: bool, prefix: str, objects: frozenset[str]) -> dict[str, Any]:
    terms = [_condition(c, relaxed, prefix, objects) for c in conditions]
    return terms[0] if len(terms) == 1 else {"$and": terms}


def _condition(c: Condition, relaxed: bool, prefix: str = "", objects: frozenset[str] = frozenset()) -> dict[str, Any]:
    term = _strict(c, prefix, objects)
    if relaxed and not isinstance(c.value, Ref):
        # Joins stay strict: the engine fails (error 311) comparing with a field that is absent.
        return {"$or": [term, {"$nex": {c.field: 1}}]}
    return term


def _strict(c: Condition, prefix: str = "", objects: frozenset[str] = frozenset()) -> dict[str, Any]:
    # prefix: where the pattern's fact sits inside the one fact; objects: the facts nested there.
    v = c.value
    field = prefix + c.field
    if isinstance(v, Ref):
        return {field: {ONE_FACT: f"{v.fact}.{v.field}"} if v.fact in objects else {v.fact: v.field}}
    if c.op == "equals":
        return {field: v}
    if c.op == "not":
        return {"$neq": {field: v}}  # the engine's $neq never holds on an absent or null field
    if c.op == "in":
        # The engine has no $in (ruleset creation fails): spell it as an $or of equalities.
        alts = [{field: x} for x in v]
        return alts[0] if len(alts) == 1 else {"$or": alts}
    if c.op == "not_in":
        terms = [{"$neq": {field: x}} for x in v]
        return terms[0] if len(terms) == 1 else {"$and": terms}
    if c.op == "present":
        # present: given with a value; present: false — stated that there is none (null).
        # Not given is neither: only the relaxed form matches it.
        return {"$and": [{"$ex": {field: 1}}, {"$neq": {field: None}}]} if v else {field: None}
    return {_ORDER_OPS[c.op]: {field: v}}


# ---- one fact per decision (issue #12 item 2) -------------------------------------------
#
# The caller's object facts (document, signer, …) are asserted as ONE engine fact, each nested
# under its own name with its type (``{"type": ONE_FACT, "document": {"type": "document", …}}``),
# so a rule over object facts alone is a single pattern over it: one assertion and no join
# instead of one per object fact. Items and inferred facts stay separate facts.
#
# The firings must come out exactly as when each object fact was asserted on its own, in the
# ruleset's fact order. Then a rule fired when the last fact it needs arrived (its *stage*),
# and among the rules one assertion enabled (chained ones too) durable_rules runs the lowest
# action index first. With one fact every stage arrives at once, so each rule gets its stage
# as ``pri``: the engine orders its actions by (pri, rule order), which is exactly the old
# (stage, rule order). Chained rules compete the same way as before: an inferred fact's
# consumer joins it when it is asserted, and its stage is the latest of its producers' and its
# own object facts'. A ruleset where that is not one fixed stage per rule keeps the old shape.
#
# durable_rules fires a rule once per true branch of each ``$or`` in its FIRST pattern (and
# once whatever the later patterns' ``$or``s, measured): a rule whose merged pattern would
# gather an ``any_of`` from an object pattern other than its first keeps the old shape too.

ONE_FACT = "govrules__facts"


class OneFact(NamedTuple):
    """Whether a ruleset compiles to one fact per decision, and how to read its firings back."""

    reason: str  # why not; "" when it does
    stages: tuple[int, ...]  # per rule: its pri
    # per rule: its patterns as written, each with whether it is nested in the one fact
    patterns: tuple[tuple[tuple[str, bool], ...], ...]


def one_fact_plan(spec: RulesetSpec) -> OneFact:
    """Decide, once per ruleset, whether its strict engine can take one fact per decision."""
    objects = {f.name: i for i, f in enumerate(x for x in spec.facts if x.type.kind == "object")}
    last = len(objects)  # items arrive after every object fact
    producers: dict[str, list[int]] = {}
    for i, rule in enumerate(spec.rules):
        for a in rule.then.asserts:
            producers.setdefault(a.fact, []).append(i)
    memo: dict[int, frozenset[int] | None] = {}

    def stages(i: int, seen: frozenset[int]) -> frozenset[int] | None:
        # The stages at which rule i can fire; None when it depends on itself.
        if i in memo:
            return memo[i]
        if i in seen:
            return None
        out = {-1}
        for p in spec.rules[i].when:
            if p.fact in objects:
                choices: set[int] = {objects[p.fact]}
            elif p.fact in producers:
                choices = set()
                for j in producers[p.fact]:
                    sub = stages(j, seen | {i})
                    if sub is None:
                        return None
                    choices |= sub
            else:
                choices = {last}
            out = {max(a, b) for a in out for b in choices}
        memo[i] = frozenset(out)
        return memo[i]

    if not objects:
        return OneFact("the ruleset has no object facts", (), ())
    pris: list[int] = []
    shapes: list[tuple[tuple[str, bool], ...]] = []
    for i, rule in enumerate(spec.rules):
        found = stages(i, frozenset())
        if found is None:
            return OneFact(f"rule {rule.id} chains into itself", (), ())
        if len(found) != 1:
            return OneFact(f"rule {rule.id} can fire at more than one stage of the fact order", (), ())
        pris.append(max(0, *found))
        nested = [p.fact in objects for p in rule.when]
        if nested[0] and any(p.any_of for p, n in list(zip(rule.when, nested))[1:] if n):
            return OneFact(f"rule {rule.id}: one pattern would gather any_of from a later object fact", (), ())
        merged_at = nested.index(True) if True in nested else len(nested)
        for k, p in enumerate(rule.when):
            for c in _conditions_of(p):
                if not isinstance(c.value, Ref):
                    continue
                if c.value.fact in objects and (nested[k] or k < merged_at):
                    return OneFact(f"rule {rule.id}: a join between object facts, or onto one after it", (), ())
                if nested[k] and c.value.fact not in objects and not any(
                        q.fact == c.value.fact for q in rule.when[:merged_at]):
                    return OneFact(f"rule {rule.id}: an object fact joins a fact that would come after the one fact", (), ())
        shapes.append(tuple((p.fact, n) for p, n in zip(rule.when, nested)))
    return OneFact("", tuple(pris), tuple(shapes))


def _conditions_of(p: Pattern) -> list[Condition]:
    return [*p.conditions, *(c for alt in p.any_of for c in alt)]


def compile_one_fact(spec: RulesetSpec, plan: OneFact) -> dict[str, dict[str, Any]]:
    """The strict ruleset over one fact per decision (``plan`` from ``one_fact_plan``, which applies)."""
    objects = frozenset(f.name for f in spec.facts if f.type.kind == "object")
    out: dict[str, dict[str, Any]] = {}
    for i, rule in enumerate(spec.rules):
        patterns: list[dict[str, Any]] = []
        merged: list[dict[str, Any]] | None = None
        for p, (_, nested) in zip(rule.when, plan.patterns[i]):
            if not nested:
                patterns.append({p.fact: _pattern(p, False, "", objects)})
                continue
            if merged is None:
                merged = [{"type": ONE_FACT}]
                patterns.append({ONE_FACT: {"$and": merged}})
            # The nested type says the caller gave this fact (a fact not given is left out).
            merged.append({f"{p.fact}.type": p.fact})
            merged.extend(_pattern(p, False, f"{p.fact}.", objects)["$and"][1:])
        out[engine_rule_name(i)] = {"all": patterns, "pri": plan.stages[i]}
    return out
