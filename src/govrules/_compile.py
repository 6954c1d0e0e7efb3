"""RulesetSpec → durable_rules's JSON ruleset form. Pure: the same spec gives the same JSON."""

from __future__ import annotations

from typing import Any

from ._model import Condition, Pattern, Ref, RulesetSpec

_ORDER_OPS = {"at_least": "$gte", "at_most": "$lte", "more_than": "$gt", "less_than": "$lt"}


def engine_rule_name(index: int) -> str:
    # Rule ids carry dots and dashes for people; the engine gets short, safe names instead.
    return f"r{index}"


def compile_ruleset(spec: RulesetSpec) -> dict[str, dict[str, Any]]:
    return {
        engine_rule_name(i): {"all": [{p.fact: _pattern(p)} for p in rule.when]}
        for i, rule in enumerate(spec.rules)
    }


def _pattern(p: Pattern) -> dict[str, Any]:
    # Every pattern starts with its type: a discriminator the engine needs (a bare $nex
    # would otherwise match the engine's own state message and spin).
    terms: list[dict[str, Any]] = [{"type": p.fact}]
    for c in p.conditions:
        terms.extend(_condition(c))
    if p.any_of:
        terms.append({"$or": [_all(alt) for alt in p.any_of]})
    return {"$and": terms}


def _all(conditions: tuple[Condition, ...]) -> dict[str, Any]:
    terms = [t for c in conditions for t in _condition(c)]
    return terms[0] if len(terms) == 1 else {"$and": terms}


def _condition(c: Condition) -> list[dict[str, Any]]:
    v = c.value
    if isinstance(v, Ref):
        return [{c.field: {v.fact: v.field}}]
    if c.op == "equals":
        return [{c.field: v}]
    if c.op == "not":
        return [{"$neq": {c.field: v}}]
    if c.op == "in":
        # The engine has no $in (ruleset creation fails): spell it as an $or of equalities.
        alts = [{c.field: x} for x in v]
        return [alts[0] if len(alts) == 1 else {"$or": alts}]
    if c.op == "not_in":
        return [{"$neq": {c.field: x}} for x in v]
    if c.op == "present":
        return [{"$ex" if v else "$nex": {c.field: 1}}]
    return [{_ORDER_OPS[c.op]: {c.field: v}}]
