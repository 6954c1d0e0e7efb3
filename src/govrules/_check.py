"""Load-time checks: every name a rule file uses must exist, or the file does not load.

Each problem is a RulesetError at the offending node's file:line:col, with a "did you mean".
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from . import _catalogue
from ._check_hazards import check_hazards
from ._derive import FUNCTIONS
from ._errors import RulesetError
from ._model import SEVERITIES, Condition, Ref, RulesetSpec, TypeSpec, Where, _each_fields
from ._suggest import did_you_mean

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_DERIVED_KINDS = {"bool": TypeSpec("bool"), "int": TypeSpec("int"), "str": TypeSpec("str"),
                  "date": TypeSpec("date"), "list": TypeSpec("list")}


def _fail(message: str, where: Where | None, spec: RulesetSpec, hint: str | None = None) -> RulesetError:
    w = where or Where(spec.file)
    text = None
    if w.line:
        try:
            with open(spec.file, encoding="utf-8") as fh:
                for i, line in enumerate(fh, 1):
                    if i == w.line:
                        text = line.rstrip()
                        break
        except OSError:
            pass
    return RulesetError(message, file=w.file, line=w.line, col=w.col, text=text, hint=hint)


def engine_facts(spec: RulesetSpec) -> dict[str, dict[str, TypeSpec]]:
    """Every fact type the engine sees, with the fields a rule may match on."""
    out: dict[str, dict[str, TypeSpec]] = {}
    for f in spec.facts:
        if f.type.kind == "object":
            out[f.name] = _matchable(f.type)
        for sub in _each_fields(f):
            out[sub.each] = dict(_matchable(sub.type.items), index=TypeSpec("int"))
    for name, fields in spec.inferred.items():
        out[name] = {f.name: f.type for f in fields}
    for d in spec.derive:
        if d.fact in out:
            fn = FUNCTIONS.get(d.function)
            out[d.fact][d.field] = _DERIVED_KINDS.get(fn.returns if fn else "str", TypeSpec("str"))
    return out


def _matchable(t: TypeSpec, prefix: str = "") -> dict[str, TypeSpec]:
    fields: dict[str, TypeSpec] = {}
    for f in t.fields:
        if f.type.kind == "object":
            fields.update(_matchable(f.type, prefix + f.name + "."))
        elif f.type.kind not in ("list", "mapping"):
            fields[prefix + f.name] = f.type
    return fields


def input_paths(spec: RulesetSpec) -> dict[str, TypeSpec]:
    """Paths a derive argument or a data source may name: top-level facts, their fields, derived fields."""
    paths: dict[str, TypeSpec] = {}

    def walk(prefix: str, t: TypeSpec) -> None:
        paths[prefix] = t
        if t.kind == "object":
            for f in t.fields:
                walk(f"{prefix}.{f.name}", f.type)

    for f in spec.facts:
        walk(f.name, f.type)
        for sub in _each_fields(f):
            walk(sub.each, sub.type.items)
    for d in spec.derive:
        fn = FUNCTIONS.get(d.function)
        paths[f"{d.fact}.{d.field}"] = _DERIVED_KINDS.get(fn.returns if fn else "str", TypeSpec("str"))
    return paths


def check(spec: RulesetSpec, expected_name: str | None = None) -> None:
    if expected_name and spec.name != expected_name:
        raise _fail(f"the file is named for ruleset '{expected_name}' but says ruleset: {spec.name}",
                    spec.positions.get("ruleset"), spec)
    outcome_ids = [o.id for o in spec.outcomes]
    for i, oid in enumerate(outcome_ids):
        if oid in outcome_ids[:i]:
            raise _fail(f"outcome '{oid}' is listed twice", spec.positions.get(f"outcomes[{i}]"), spec)
    if "undetermined" not in outcome_ids:
        # CONTRACT §2: where facts not given decide the outcome, the verdict says so; every
        # ruleset needs an outcome to say it with.
        raise _fail("no outcome 'undetermined': every ruleset needs one for verdicts that facts not given decide; "
                    "add {id: undetermined, label: 无法判定（需补充情况）, allowed: false}",
                    spec.positions.get("outcomes[0]"), spec)
    if any(o.id == "undetermined" and o.allowed for o in spec.outcomes):
        raise _fail("outcome 'undetermined' cannot be allowed: nothing is allowed on facts not given",
                    spec.positions.get(f"outcomes[{outcome_ids.index('undetermined')}]"), spec)
    if spec.default_outcome not in outcome_ids:
        raise _fail(f"unknown default_outcome '{spec.default_outcome}'", spec.positions.get("default_outcome"), spec,
                    did_you_mean(spec.default_outcome, outcome_ids))
    for node in spec.time_nodes:
        if node.clause not in _catalogue.clause_ids():
            raise _fail(f"time node '{node.key}': unknown clause id '{node.clause}'", node.where, spec,
                        did_you_mean(node.clause, sorted(_catalogue.clause_ids())))
        if not _catalogue.quote_in_clause(node.quote, node.clause):
            raise _fail(f"time node '{node.key}': the quote is not verbatim in clause {node.clause}", node.where, spec,
                        f"quote the clause's own words exactly; see `govrules clause {node.clause}`")
    facts = engine_facts(spec)
    paths = input_paths(spec)
    collect_keys = [d.key for d in spec.data if d.collect]

    _check_derive(spec, facts, paths)
    _check_data(spec, paths)

    seen: dict[str, Where | None] = {}
    asserted: set[str] = set()
    for rule in spec.rules:
        pos = rule.positions
        if rule.id in seen:
            raise _fail(f"duplicate rule id '{rule.id}' (first at {seen[rule.id]})", pos.get("id"), spec)
        seen[rule.id] = pos.get("id")
        if rule.clause not in _catalogue.clause_ids():
            raise _fail(f"unknown clause id '{rule.clause}'", pos.get("clause"), spec,
                        did_you_mean(rule.clause, sorted(_catalogue.clause_ids())))
        if not _catalogue.quote_in_clause(rule.quote, rule.clause):
            raise _fail(f"the quote is not verbatim in clause {rule.clause} ({_catalogue.clause(rule.clause).label})",
                        pos.get("quote"), spec, "quote the clause's own words exactly; see `govrules clause "
                        f"{rule.clause}`")
        if rule.severity not in SEVERITIES:
            raise _fail(f"unknown severity '{rule.severity}'", pos.get("severity"), spec,
                        did_you_mean(rule.severity, SEVERITIES))
        if rule.then.outcome is not None and rule.then.outcome not in outcome_ids:
            raise _fail(f"unknown outcome '{rule.then.outcome}'", rule.then.where, spec,
                        did_you_mean(rule.then.outcome, outcome_ids))
        if not rule.when:
            raise _fail(f"rule {rule.id} has no conditions ('when')", pos.get("when"), spec)
        matched: dict[str, dict[str, TypeSpec]] = {}
        for pattern in rule.when:
            if pattern.fact not in facts:
                raise _fail(f"unknown fact '{pattern.fact}'", pattern.where, spec, did_you_mean(pattern.fact, facts))
            if pattern.fact in matched:
                raise _fail(f"rule {rule.id} matches '{pattern.fact}' twice", pattern.where, spec)
            fields = facts[pattern.fact]
            for cond in pattern.conditions + tuple(c for alt in pattern.any_of for c in alt):
                _check_condition(spec, cond, pattern.fact, fields, matched, facts)
            matched[pattern.fact] = fields
        for key, value in rule.then.data:
            _check_value(spec, value, matched, rule.then.where)
        for key, value in rule.then.add:
            if key not in collect_keys:
                raise _fail(f"'add' names '{key}', which is not a 'collect' key under data", rule.then.where, spec,
                            did_you_mean(key, collect_keys))
            _check_value(spec, value, matched, rule.then.where)
        for a in rule.then.asserts:
            if a.fact not in spec.inferred:
                raise _fail(f"'{a.fact}' is not declared under 'inferred'", a.where, spec,
                            did_you_mean(a.fact, spec.inferred))
            declared = {f.name for f in spec.inferred[a.fact]}
            for key, value in a.values:
                if key not in declared:
                    raise _fail(f"inferred fact '{a.fact}' has no field '{key}'", a.where, spec,
                                did_you_mean(key, declared))
                _check_value(spec, value, matched, a.where)
            asserted.add(a.fact)
        for ph in _PLACEHOLDER.findall(rule.message):
            fact, _, field = ph.partition(".")
            if fact not in matched or field not in matched[fact]:
                known = [f"{f}.{x}" for f, fs in matched.items() for x in fs]
                raise _fail(f"the message names '{{{ph}}}', which is not a field of a fact this rule matches",
                            pos.get("message"), spec, did_you_mean(ph, known))
    _check_overrides(spec)
    check_hazards(spec, _fail)  # engine hazards: docs/engine.md "Limits"
    for name in spec.inferred:
        if name not in asserted:
            raise _fail(f"inferred fact '{name}' is declared but no rule asserts it",
                        spec.positions.get(f"inferred.{name}"), spec)


def _check_overrides(spec: RulesetSpec) -> None:
    """Declared precedence: known ids, no rule over itself, no cycle, and the ranking honours it.

    ``overrides`` states which rule prevails when two fire together with different outcomes; the
    verdict is still decided by the outcome ranking (strongest first), so an override is refused
    unless both rules set an outcome and the overriding rule's outcome ranks strictly above the
    other's — the declaration can then never disagree with what the runner does.
    """
    ids = [r.id for r in spec.rules]
    by_id = {r.id: r for r in spec.rules}
    rank = {o.id: i for i, o in enumerate(spec.outcomes)}
    for rule in spec.rules:
        for j, target in enumerate(rule.overrides):
            where = rule.positions.get(f"overrides[{j}]") or rule.positions.get("overrides")
            if target not in by_id:
                raise _fail(f"rule {rule.id} overrides unknown rule '{target}'", where, spec,
                            did_you_mean(target, ids))
            if target == rule.id:
                raise _fail(f"rule {rule.id} overrides itself", where, spec)
            if target in rule.overrides[:j]:
                raise _fail(f"rule {rule.id} lists '{target}' twice under 'overrides'", where, spec)
    for rule in spec.rules:
        cycle = _override_cycle(rule.id, by_id)
        if cycle:
            raise _fail("overrides go round in a cycle: " + " → ".join(cycle), rule.positions.get("overrides"), spec,
                        "precedence must have a top: drop one of these declarations")
    for rule in spec.rules:
        for j, target in enumerate(rule.overrides):
            where = rule.positions.get(f"overrides[{j}]") or rule.positions.get("overrides")
            other = by_id[target]
            if rule.then.outcome is None or other.then.outcome is None:
                quiet = rule.id if rule.then.outcome is None else target
                raise _fail(f"rule {rule.id} overrides {target}, but {quiet} sets no outcome: "
                            "only rules that set outcomes can conflict", where, spec)
            if rank[rule.then.outcome] >= rank[other.then.outcome]:
                raise _fail(f"rule {rule.id} overrides {target}, but its outcome '{rule.then.outcome}' does not rank "
                            f"above '{other.then.outcome}' under 'outcomes' (strongest first), so the verdict "
                            f"would not follow the declaration", where, spec,
                            "reorder the outcomes, or declare the override on the other rule")


def _override_cycle(start: str, by_id: Mapping[str, Any]) -> list[str]:
    """The ids of a cycle through ``start`` in the override graph, [] when there is none."""
    path: list[str] = [start]
    seen: set[str] = set()

    def visit(rid: str) -> bool:
        for nxt in by_id[rid].overrides:
            if nxt == start:
                return True
            if nxt in seen:
                continue
            seen.add(nxt)
            path.append(nxt)
            if visit(nxt):
                return True
            path.pop()
        return False
    return path + [start] if visit(start) else []


def _check_condition(spec: RulesetSpec, cond: Condition, fact: str, fields: Mapping[str, TypeSpec],
                     matched: Mapping[str, Mapping[str, TypeSpec]], facts: Mapping[str, Any]) -> None:
    if cond.field not in fields:
        raise _fail(f"fact '{fact}' has no field '{cond.field}'", cond.where, spec,
                    did_you_mean(cond.field, fields))
    ftype = fields[cond.field]
    if isinstance(cond.value, Ref):
        if cond.op != "equals":
            # Cross-fact ordering comparisons segfault the engine (upstream #381): derive them.
            raise _fail(f"only equality may compare two facts; compute '{cond.op}' as a derived field",
                        cond.where, spec)
        if cond.value.fact not in matched or cond.value.field not in matched[cond.value.fact]:
            raise _fail(f"'{cond.value}' is not a field of a fact matched earlier in this rule", cond.where, spec)
        return
    if cond.op == "present":
        if not isinstance(cond.value, bool):
            raise _fail("'present' takes true or false", cond.where, spec)
        return
    values = cond.value if cond.op in ("in", "not_in") else (cond.value,)
    if cond.op in ("at_least", "at_most", "more_than", "less_than"):
        if ftype.kind not in ("int", "date"):
            raise _fail(f"'{cond.op}' compares numbers or dates; '{cond.field}' is {ftype.kind}", cond.where, spec)
    for v in values:
        _check_literal(spec, v, ftype, cond)


def _check_literal(spec: RulesetSpec, v: Any, ftype: TypeSpec, cond: Condition) -> None:
    kind = ftype.kind
    ok = {
        "bool": isinstance(v, bool),
        "int": isinstance(v, int) and not isinstance(v, bool),
        "str": isinstance(v, str),
        "date": isinstance(v, str),
        "list": False,
    }.get(kind, True)
    if kind == "enum":
        codes = [c for c, _ in ftype.values]
        if v not in codes:
            zh = {z: c for c, z in ftype.values}
            # A list or mapping written where a value belongs is no key to look up.
            known = isinstance(v, str) and v in zh
            hint = f"write the code '{zh[v]}' for {v}" if known else did_you_mean(str(v), codes)
            raise _fail(f"'{v}' is not a value of '{cond.field}'", cond.where, spec, hint)
        return
    if not ok:
        raise _fail(f"'{cond.field}' is {ftype.describe()}; {v!r} can never match", cond.where, spec)


def _check_value(spec: RulesetSpec, value: Any, matched: Mapping[str, Mapping[str, TypeSpec]],
                 where: Where | None) -> None:
    if isinstance(value, Ref):
        if value.field not in matched[value.fact]:
            raise _fail(f"fact '{value.fact}' has no field '{value.field}'", where, spec,
                        did_you_mean(value.field, matched[value.fact]))
    elif isinstance(value, dict):
        for v in value.values():
            _check_value(spec, v, matched, where)


def _check_derive(spec: RulesetSpec, facts: Mapping[str, Any], paths: Mapping[str, TypeSpec]) -> None:
    declared: set[str] = set()
    for d in spec.derive:
        if d.fact not in facts or d.fact in spec.inferred:
            raise _fail(f"derived field on unknown fact '{d.fact}'", d.where, spec, did_you_mean(d.fact, facts))
        fn = FUNCTIONS.get(d.function)
        if fn is None:
            raise _fail(f"unknown function '{d.function}'", d.where, spec, did_you_mean(d.function, FUNCTIONS))
        if any(f.name == d.field for f in _fields_of(spec, d.fact)):
            raise _fail(f"derived field '{d.fact}.{d.field}' hides a declared field", d.where, spec)
        names = [k for k, _ in d.args]
        for k in names:
            if k not in fn.params:
                raise _fail(f"function '{fn.name}' takes no argument '{k}'", d.where, spec,
                            did_you_mean(k, fn.params))
        required = [p for p in fn.params if _param_required(fn, p)]
        for p in required:
            if p not in names:
                raise _fail(f"function '{fn.name}' needs argument '{p}'", d.where, spec)
        for k, v in d.args:
            if isinstance(v, str) and _looks_like_path(v, spec):
                if v not in paths:
                    raise _fail(f"unknown path '{v}' in the arguments of '{d.fact}.{d.field}'", d.where, spec,
                                did_you_mean(v, paths))
                # A path to a derived field must come from an earlier entry, not a later one.
                if v.count(".") == 1 and any(v == f"{e.fact}.{e.field}" for e in spec.derive) and v not in declared:
                    raise _fail(f"'{v}' is derived later; order derived fields so inputs come first", d.where, spec)
        declared.add(f"{d.fact}.{d.field}")


def _fields_of(spec: RulesetSpec, fact: str) -> tuple[Any, ...]:
    f = spec.fact(fact)
    if f is not None and f.type.kind == "object":
        return f.type.fields
    for top in spec.facts:
        for sub in _each_fields(top):
            if sub.each == fact:
                return sub.type.items.fields
    return ()


def _param_required(fn: Any, param: str) -> bool:
    import inspect
    return inspect.signature(fn.func).parameters[param].default is inspect.Parameter.empty


def _looks_like_path(value: str, spec: RulesetSpec) -> bool:
    head = value.split(".")[0]
    return head in {f.name for f in spec.facts} or head in engine_facts(spec)


def _check_data(spec: RulesetSpec, paths: Mapping[str, TypeSpec]) -> None:
    for d in spec.data:
        sources = [d.source] if d.source else list((d.shape or {}).values())
        for s in sources:
            if not isinstance(s, str) or s not in paths:
                raise _fail(f"data '{d.key}' reads unknown path '{s}'", d.where, spec, did_you_mean(str(s), paths))
