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

from typing import Any

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


def _pattern(p: Pattern, relaxed: bool) -> dict[str, Any]:
    # Every pattern starts with its type: a discriminator the engine needs (a bare $nex
    # would otherwise match the engine's own state message and spin).
    terms: list[dict[str, Any]] = [{"type": p.fact}]
    for c in p.conditions:
        terms.append(_condition(c, relaxed))
    if p.any_of:
        terms.append({"$or": [_all(alt, relaxed) for alt in p.any_of]})
    return {"$and": terms}


def _all(conditions: tuple[Condition, ...], relaxed: bool) -> dict[str, Any]:
    terms = [_condition(c, relaxed) for c in conditions]
    return terms[0] if len(terms) == 1 else {"$and": terms}


def _condition(c: Condition, relaxed: bool) -> dict[str, Any]:
    term = _strict(c)
    if relaxed and not isinstance(c.value, Ref):
        # Joins stay strict: the engine fails (error 311) comparing with a field that is absent.
        return {"$or": [term, {"$nex": {c.field: 1}}]}
    return term


def _strict(c: Condition) -> dict[str, Any]:
    v = c.value
    if isinstance(v, Ref):
        return {c.field: {v.fact: v.field}}
    if c.op == "equals":
        return {c.field: v}
    if c.op == "not":
        return {"$neq": {c.field: v}}  # the engine's $neq never holds on an absent or null field
    if c.op == "in":
        # The engine has no $in (ruleset creation fails): spell it as an $or of equalities.
        alts = [{c.field: x} for x in v]
        return alts[0] if len(alts) == 1 else {"$or": alts}
    if c.op == "not_in":
        terms = [{"$neq": {c.field: x}} for x in v]
        return terms[0] if len(terms) == 1 else {"$and": terms}
    if c.op == "present":
        # present: given with a value; present: false — stated that there is none (null).
        # Not given is neither: only the relaxed form matches it.
        return {"$and": [{"$ex": {c.field: 1}}, {"$neq": {c.field: None}}]} if v else {c.field: None}
    return {_ORDER_OPS[c.op]: {c.field: v}}
