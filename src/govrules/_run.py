"""One evaluation: typed facts → derived fields → engine facts → firings → Verdict."""

from __future__ import annotations

import functools
import json
import re
import threading
from typing import Any, Mapping

from . import _catalogue
from ._calendar import WorkingCalendar, default_calendar
from ._check import _each_fields
from ._compile import compile_ruleset, engine_rule_name
from ._derive import FUNCTIONS, Context
from ._engine import Engine, EngineError, Firing, FiringLimitError, NotPlain, plain_copy
from ._errors import GovrulesError
from ._model import (SEVERITIES, Finding, Ref, RuleSpec, RulesetSpec, Verdict, _frozen_copy, owned_trace_step,
                     owned_verdict_data)
from ._validate import validate

_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
# json.dumps(data, ensure_ascii=False, sort_keys=True) with its encoder built once, not per call.
_dedup_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _dedup_encoder() -> Any:
    """``_dedup_encode`` for finding data through json's C encoder built once (encode builds
    one per dict); the same text. Finding data is a fresh copy (Finding's converter), never
    circular, so the circular-reference bookkeeping it skips cannot matter."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _dedup_encode
    base = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
    chunks = make(None, base.default, json.encoder.encode_basestring, None, base.key_separator,
                  base.item_separator, base.sort_keys, base.skipkeys, base.allow_nan)
    join = "".join
    return lambda data: join(chunks(data, 0))


_dedup_text = _dedup_encoder()
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class Runner:
    """A checked ruleset bound to its own compiled engine; safe to share between threads."""

    def __init__(self, spec: RulesetSpec) -> None:
        self.spec = spec
        self._rules = {engine_rule_name(i): (i, r) for i, r in enumerate(spec.rules)}
        self._items = {sub.each: _list_path(spec, sub.each) for f in spec.facts for sub in _each_fields(f)}
        self._paths = {f.name for f in spec.facts}
        self._object_facts = tuple(f.name for f in spec.facts if f.type.kind == "object")
        self._outcome_rank = {o.id: i for i, o in enumerate(spec.outcomes)}
        self._default_outcome = spec.outcome(spec.default_outcome)
        # Verdict data keys, with their paths split and their orders ranked once.
        self._data_plan = [
            (d.key, d.collect, {v: i for i, v in enumerate(d.order)} if d.collect and d.order else None,
             tuple(d.source.split(".")) if not d.collect and d.source else None,
             {k: tuple(p.split(".")) for k, p in d.shape.items()}
             if not d.collect and not d.source and isinstance(d.shape, Mapping) else None, d)
            for d in spec.data
        ]
        # Each derive spec's function and argument sources, resolved once rather than per call.
        self._derivations = [
            (d, d.fact in self._items,
             tuple((k, _reader(_arg_source(v, self._paths, d.fact if d.fact in self._items else None)))
                   for k, v in d.args))
            for d in spec.derive
        ]
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def engine(self) -> Engine:
        # Compiled lazily, once: `govrules lint` and `import govrules` need no engine.
        with self._lock:
            if self._engine is None:
                self._engine = Engine(f"govrules.{self.spec.name}", compile_ruleset(self.spec))
            return self._engine

    def evaluate(self, facts: Any, calendar: WorkingCalendar | None = None) -> Verdict:
        typed = validate(self.spec, facts)
        ctx = Context(calendar or default_calendar())
        self._derive(typed, ctx)
        engine_facts = self._engine_facts(typed)
        asserted: dict[int, list[dict[str, Any]]] = {}
        order: list[Firing] = []
        fulls: list[dict[str, Any]] = []

        def react(firing: Firing) -> list[dict[str, Any]]:
            _, rule = self._rules[firing.rule]
            # Once per firing (not per asserted value); the verdict reuses it.
            full = self._full(typed, firing.matched)
            new = [{"type": a.fact, **{k: _resolve(v, full) for k, v in a.values}} for a in rule.then.asserts]
            asserted[len(order)] = new
            order.append(firing)
            fulls.append(full)
            return new

        try:
            firings = self.engine().run(engine_facts, react)
        except FiringLimitError as exc:  # the backstop (docs/engine.md "Limits"): name the file and rule
            rule = self._rules[exc.rule][1] if exc.rule in self._rules else None
            raise EngineError(f"{self.spec.file}: rule {rule.id if rule else exc.rule} fired {exc.count:,} times; "
                              f"more than {exc.limit:,} firings in one evaluation of ruleset "
                              f"'{self.spec.name}' (its rules chain without end)") from exc
        return self._verdict(typed, firings, asserted, ctx, order, fulls)

    # ---- before the engine ----------------------------------------------------------------

    def _derive(self, typed: dict[str, Any], ctx: Context) -> None:
        for d, per_item, readers in self._derivations:
            func = FUNCTIONS[d.function].func  # looked up per call: the registry may change
            try:
                if per_item:
                    for item in _get(typed, self._items[d.fact]) or ():
                        args = {k: read(typed, item) for k, read in readers}
                        item[d.field] = func(ctx, **args)
                else:
                    target = typed.get(d.fact)
                    if target is not None:
                        args = {k: read(typed, None) for k, read in readers}
                        target[d.field] = func(ctx, **args)
            except GovrulesError:
                raise  # CalendarError and InputError are the caller's to see
            except Exception as exc:
                # Validated facts should never make a derived function fail; if one does, it
                # is our bug, reported as ours rather than as a bare TypeError from inside.
                raise EngineError(f"derived field {d.fact}.{d.field} ({d.function}, {d.where}) failed: "
                                  f"{type(exc).__name__}: {exc}") from exc

    def _engine_facts(self, typed: Mapping[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name in self._object_facts:
            value = typed.get(name)
            if value is not None:
                fact = {"type": name}
                _scalars_into(fact, value)  # as {"type": name, **_scalars(value)}, one dict fewer
                out.append(fact)
        for each, path in self._items.items():
            for i, item in enumerate(_get(typed, path) or ()):
                fact = {"type": each, "index": i}
                _scalars_into(fact, item)
                out.append(fact)
        return out

    # ---- after the engine -----------------------------------------------------------------

    def _full(self, typed: Mapping[str, Any], matched: Mapping[str, Any]) -> dict[str, Any]:
        """The matched facts with the fields the engine never saw (lists, derived lists) put back.

        Lists stay out of the engine, but messages, finding data and ``add`` may name them
        (``{document.missing_reviews}``): read those from the validated facts.
        """
        out: dict[str, Any] = {}
        for name, fact in matched.items():
            source: Any = None
            if name in self._paths:
                source = typed.get(name)
            elif name in self._items and isinstance(fact.get("index"), int):
                items = _get(typed, self._items[name]) or []
                source = items[fact["index"]] if 0 <= fact["index"] < len(items) else None
            out[name] = {**fact, **source} if type(source) is dict or isinstance(source, Mapping) else fact
        return out

    def _verdict(self, typed: Mapping[str, Any], firings: list[Firing],
                 asserted: Mapping[int, list[dict[str, Any]]], ctx: Context,
                 reacted: list[Firing], fulls: list[dict[str, Any]]) -> Verdict:
        spec = self.spec
        strongest: int | None = None
        findings: list[tuple[tuple[int, int, int], Finding]] = []
        seen: set[str] = set()
        collected: dict[str, list[Any]] = {d.key: [] for d in spec.data if d.collect}
        members: dict[str, set[Any]] = {key: set() for key in collected}  # linear, not a list scan per add
        trace = []
        for n, firing in enumerate(firings):
            index, rule = self._rules[firing.rule]
            # firing.matched was decoded from the engine's JSON for this run alone and is not
            # touched again, so the step takes it without the converter's deep copy; the
            # asserted facts may share values with the validated facts, so they are copied.
            trace.append(owned_trace_step(rule.id, rule.clause, firing.matched,
                                          tuple(_frozen_copy(a) for a in asserted.get(n, ()))))
            # react built this firing's full facts already (neither typed nor matched has
            # changed since); the identity check keeps a mismatch from reusing the wrong one.
            full = fulls[n] if n < len(reacted) and reacted[n] is firing else self._full(typed, firing.matched)
            if rule.then.outcome is not None:
                rank = self._outcome_rank[rule.then.outcome]
                strongest = rank if strongest is None else min(strongest, rank)
            for key, value in rule.then.add:
                v = _resolve(value, full)
                # A list value (e.g. the names still missing) contributes its members.
                for member in (v if isinstance(v, list) else [v]):
                    frozen = _hashable(member)
                    if frozen not in members[key]:
                        members[key].add(frozen)
                        collected[key].append(member)
            if rule.finding:
                finding = _finding(rule, full)
                # The same conclusion reached twice (two chains to one fact) is one finding.
                # Rule id fixes clause, label, quote and severity; message and data vary.
                key = (rule.id, finding.message, _dedup_text(finding.data) if finding.data else "")
                if key not in seen:
                    seen.add(key)
                    findings.append(((_SEVERITY_RANK[rule.severity], index, n), finding))
        outcome = spec.outcomes[strongest] if strongest is not None else self._default_outcome
        ordered = tuple(f for _, f in sorted(findings, key=lambda x: x[0]))
        data: dict[str, Any] = {}
        for key, collect, rank, source, shape, d in self._data_plan:
            if collect:
                values = collected[key]
                if rank is not None:
                    values = sorted(values, key=lambda v, r=rank: r.get(v, len(r)))
                data[key] = values
            elif source is not None:
                data[key] = _walk(typed, source)
            elif shape is not None:
                data[key] = {k: _walk(typed, p) for k, p in shape.items()}
            else:  # not a shape the checks let through; fails here as it always did
                data[key] = {k: _get(typed, p) for k, p in d.shape.items()}
        if ctx.sources:
            data["calendar"] = " + ".join(sorted(ctx.sources))
        return Verdict(
            ruleset=spec.name, outcome=outcome.id, allowed=outcome.allowed, findings=ordered,
            # CONTRACT §2: "sorted, no repeats" — plain string order, as any client would check it.
            clauses=tuple(sorted({f.clause for f in ordered})),
            data=owned_verdict_data(_owned_json(data)), trace=tuple(trace),
        )


def _hashable(value: Any) -> Any:
    """``value`` as a set member that is equal exactly when the values are ``==`` (dicts, lists too)."""
    kind = type(value)
    if kind in _ATOMS:  # the usual case, without the slow Mapping ABC check
        return value
    if kind is dict or isinstance(value, Mapping):
        return frozenset((k, _hashable(v)) for k, v in value.items())
    if kind is list or kind is tuple:
        return tuple(_hashable(v) for v in value)
    try:
        hash(value)
    except TypeError:  # not a shape rule data takes; kept apart rather than failing the verdict
        return ("govrules-unhashable", id(value))
    return value


def _finding(rule: RuleSpec, matched: Mapping[str, Any]) -> Finding:
    return Finding(
        rule=rule.id, clause=rule.clause, label=_label(rule.clause), quote=rule.quote,
        severity=rule.severity, message=_message(rule.message, matched),
        data={k: _resolve(v, matched) for k, v in rule.then.data},
    )


def _message(template: str, matched: Mapping[str, Any]) -> str:
    return "".join(part if type(part) is str else _show(_get(matched.get(part[0], {}), part[1]))
                   for part in _template(template))


@functools.lru_cache(maxsize=4096)
def _template(template: str) -> tuple[str | tuple[str, str], ...]:
    """A message split once into literal text and (fact, field) placeholders."""
    parts: list[str | tuple[str, str]] = []
    at = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(template[at:m.start()])
        fact, _, field = m.group(1).partition(".")
        parts.append((fact, field))
        at = m.end()
    parts.append(template[at:])
    return tuple(parts)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_show(v) for v in value)
    return "" if value is None else str(value)


@functools.lru_cache(maxsize=None)
def _label(cid: str) -> str:
    # The catalogue is fixed for the life of the process.
    return _catalogue.clause(cid).label


_ATOMS = (str, int, bool, type(None))


def _owned_json(value: dict[str, Any]) -> dict[str, Any]:
    """``json.loads(json.dumps(value))`` as a fresh copy that shares nothing with ``value``.

    Plain JSON (nearly always) is checked and copied in one walk, the same copy
    VerdictData would make; anything else goes through json, whose output is fresh.
    """
    try:
        return plain_copy(value)
    except NotPlain:
        return json.loads(json.dumps(value, ensure_ascii=False))


def _walk(obj: Any, parts: tuple[str, ...]) -> Any:
    """``_get`` on a path split beforehand."""
    for part in parts:
        if type(obj) is not dict and not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def _resolve(value: Any, matched: Mapping[str, Any]) -> Any:
    if isinstance(value, Ref):
        return _get(matched.get(value.fact, {}), value.field)
    if isinstance(value, dict):
        return {k: _resolve(v, matched) for k, v in value.items()}
    return value


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if type(obj) is not dict and not isinstance(obj, Mapping):  # dict first: ABC checks are slow
            return None
        obj = obj.get(part)
    return obj


# Where a derive argument comes from: a literal, the current item, or the typed facts.
_LITERAL, _ITEM, _FACTS = 0, 1, 2


def _arg_source(value: Any, facts: set[str], item_fact: str | None) -> tuple[int, Any]:
    """A derive argument naming a fact (or the current item) is read from the facts; else a literal.

    Decided once per derive spec; the path is kept split so each call only walks it.
    """
    if isinstance(value, str):
        head, _, rest = value.partition(".")
        if item_fact is not None and head == item_fact:
            return (_ITEM, tuple(rest.split(".")) if rest else ())
        if head in facts:
            return (_FACTS, tuple(value.split(".")))
    return (_LITERAL, value)


def _read(source: tuple[int, Any], typed: Mapping[str, Any], item: Any) -> Any:
    kind, value = source
    if kind == _LITERAL:
        return value
    obj = item if kind == _ITEM else typed
    for part in value:  # as _get, on the path split beforehand
        if type(obj) is not dict and not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def _reader(source: tuple[int, Any]) -> Any:
    """``_read`` for one argument source, as a function of (typed, item) built once per Runner.

    Literals and the usual one- and two-step paths from a dict get their own small
    function; anything else falls back to ``_read``, so results are the same.
    """
    kind, value = source
    if kind == _LITERAL:
        return lambda typed, item: value
    if kind == _FACTS and len(value) == 1:
        (first,) = value

        def read1(typed: Any, item: Any) -> Any:
            return typed.get(first) if type(typed) is dict else _read(source, typed, item)
        return read1
    if kind == _FACTS and len(value) == 2:
        first, second = value

        def read2(typed: Any, item: Any) -> Any:
            if type(typed) is dict:
                obj = typed.get(first)
                if type(obj) is dict:
                    return obj.get(second)
            return _read(source, typed, item)
        return read2
    return lambda typed, item: _read(source, typed, item)


def _scalars(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What the engine may match: scalars and nested objects of scalars (lists stay in Python)."""
    out: dict[str, Any] = {}
    _scalars_into(out, obj)
    return out


def _scalars_into(out: dict[str, Any], obj: Mapping[str, Any]) -> None:
    """``out.update(_scalars(obj))`` without the intermediate dict."""
    for k, v in obj.items():
        kind = type(v)
        if kind in _ATOMS:  # the usual case, decided without the slow Mapping ABC check
            if v is not None:
                out[k] = v
        elif kind is list:  # nor lists, the next most usual (never a Mapping)
            continue
        elif kind is dict or isinstance(v, Mapping):
            out[k] = _scalars(v)
        elif not isinstance(v, (list, tuple)) and v is not None:
            out[k] = v


def _list_path(spec: RulesetSpec, each: str) -> str:
    def find(prefix: str, fields: Any) -> str | None:
        for f in fields:
            path = f"{prefix}{f.name}"
            if f.each == each:
                return path
            if f.type.kind == "object":
                found = find(path + ".", f.type.fields)
                if found:
                    return found
        return None
    found = find("", spec.facts)
    assert found is not None
    return found
