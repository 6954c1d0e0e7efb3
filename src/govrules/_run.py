"""One evaluation: typed facts → derived fields → engine facts → firings → Verdict.

Facts not given (CONTRACT §2) are decided by two runs of the engine over the same facts:
the strict ruleset fires only what holds whatever the facts not given are (findings,
trace, data and the outcome come from it); where a rule reads a fact not given, the relaxed
ruleset also fires what *some* completion would (see _compile). A relaxed-only firing whose
outcome is stronger than the strict one makes the verdict ``undetermined``; each such firing,
and each non-info finding that might hold, names the facts not given it read: ``needs``.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from typing import Any, Mapping, NamedTuple

import attrs

from . import _catalogue
from ._calendar import WorkingCalendar, default_calendar
from ._compile import compile_ruleset, engine_rule_name
from ._derive import FUNCTIONS, Context, Unknown
from ._engine import Engine, EngineError, Firing, FiringLimitError, NotPlain, json_encoder, plain_copy
from ._errors import GovrulesError
from ._model import (SEVERITIES, Condition, DataSpec, FieldSpec, Finding, Need, Pattern, Ref, RuleSpec, RulesetSpec,
                     TraceStep, TypeSpec, Verdict, VerdictData, _each_fields, _frozen_copy, lazy_verdict,
                     owned_trace_step, owned_verdict_data)
from ._relaxed import ABSENT, RelaxedCheck
from ._relaxed import conditions as _conditions
from ._relaxed import holds as _holds
from ._validate import validate

_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
# Finding data as text for de-duplication: json.dumps(data, ensure_ascii=False, sort_keys=True).
_dedup_text = json_encoder(sort_keys=True)
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


_MAYBE = "govrules__maybe"  # marks an inferred fact asserted by a relaxed-only firing
_ABSENT = ABSENT  # a path the caller did not give (None is "there is none")
UNDETERMINED = "undetermined"


@attrs.frozen
class Prepared:
    """One evaluation's facts after validation and derivation: what ``Runner.decide`` runs on."""

    facts: dict[str, Any]  # validated, with the derived fields filled; not given = absent
    unknowns: Mapping[str, tuple[str, ...]]  # derived path left not given → the input paths it waits for
    context: Context  # the calendar the derived dates were counted on


class _Arg(NamedTuple):
    """One argument of a derive function: a literal, a path in the current item, or in the facts."""

    name: str
    kind: int  # _LITERAL, _ITEM or _FACTS
    value: Any  # the literal, or the path split into its parts


class _Derivation:
    """One derive spec, resolved once per Runner so that a call only reads, calls and stores."""

    __slots__ = ("fact", "field", "function", "list_path", "list_parts", "literals", "reads", "by_name", "path",
                 "what")

    def __init__(self, d: Any, items: Mapping[str, str], facts: set[str]) -> None:
        self.fact, self.field, self.function = d.fact, d.field, d.function
        # Per item of a list (its path), or once on an object fact (None).
        self.list_path = items.get(d.fact)
        self.list_parts = tuple(self.list_path.split(".")) if self.list_path is not None else None
        args = tuple(_arg(k, v, facts, d.fact if d.fact in items else None) for k, v in d.args)
        self.literals = {a.name: a.value for a in args if a.kind == _LITERAL}
        # (keyword, read from the item rather than the facts, path parts, the path or the
        # item's suffix as ``needs`` names it, whether a walk over the parts finds its absent
        # prefix as _absent_prefix would: a path in the facts with no part its parsing would
        # split further), in the rule file's order: the order of ``unknowns``.
        self.reads = tuple((a.name, a.kind == _ITEM, a.value, _arg_path(a, ""),
                            a.kind == _FACTS and all(_PLAIN_PART.fullmatch(p) for p in a.value))
                           for a in args if a.kind != _LITERAL)
        self.by_name = {a.name: a for a in args}  # for an Unknown result's references
        self.path = f"{d.fact}.{d.field}"  # on an object fact, the derived field's path
        self.what = f"{self.path} ({d.function}, {d.where})"

    def fill(self, func: Any, typed: dict[str, Any], target: Any, index: int | None, ctx: Context,
             unknowns: dict[str, tuple[str, ...]], provenance: Any) -> None:
        """Set the derived field on ``target`` (the object fact, or item ``index`` of the list), or
        leave it not given and record in ``unknowns`` what it waits for."""
        kwargs = self.literals.copy()
        waiting: list[str] = []
        for name, in_item, parts, path, plain in self.reads:
            value = target if in_item else typed
            for part in parts:  # walked inline: this runs for every argument of every call
                if type(value) is not dict:
                    value = _ABSENT if value is None or part else None
                    break
                if part not in value:
                    value = _ABSENT
                    break
                value = value[part]
            if value is _ABSENT:
                if plain:  # the usual case, without parsing the path again
                    known = unknowns.get(path)
                    waiting.extend(known if known is not None else (_absent_part(typed, parts),))
                else:
                    waiting.extend(provenance(self._base(index) + path if in_item else path, typed, unknowns))
            else:
                kwargs[name] = value
        if not waiting:
            result = func(ctx, **kwargs)
            if not isinstance(result, Unknown):
                target[self.field] = result
                return
            base = self._base(index)
            waiting = [_arg_path(self.by_name[param], base) + suffix for param, suffix in result.refs]
        target.pop(self.field, None)
        unknowns[self.path if index is None else f"{self._base(index)}.{self.field}"] = tuple(dict.fromkeys(waiting))

    def _base(self, index: int | None) -> str:
        """The path of the target: built only when a path is named, not for every item."""
        return self.fact if index is None else f"{self.list_path}[{index}]"


class _DataKey(NamedTuple):
    """How one verdict data key is filled, prepared once per Runner; exactly one of the ways is set."""

    key: str
    collect: bool  # gathered from the firings' collect values
    rank: dict[Any, int] | None  # collect with an order: each value's place
    source: tuple[str, ...] | None  # copied from one path of the typed facts
    shape: dict[str, tuple[str, ...]] | None  # a mapping of keys to paths of the typed facts
    spec: DataSpec  # the rule file's own entry, for a shape the checks did not prepare


class _Reading(NamedTuple):
    """One pattern of a rule, prepared once per Runner for reading what a relaxed firing rested on."""

    fact: str  # the pattern's name: the key of its fact in a firing's matched facts
    caller: bool  # a fact the caller gives (object or item), not one a rule inferred
    fields: tuple[tuple[str, tuple[str, ...]], ...]  # its conditions' fields, each with its parts
    any_of: tuple[tuple[Condition, ...], ...]
    any_of_fields: tuple[tuple[str, tuple[str, ...]], ...]  # the fields its alternatives read


class _Possible(NamedTuple):
    """A relaxed-only firing: the rule, and the facts not given that it read."""

    rule: RuleSpec
    paths: tuple[str, ...]


class Runner:
    """A checked ruleset bound to its own compiled engines; safe to share between threads."""

    def __init__(self, spec: RulesetSpec) -> None:
        self.spec = spec
        self._rules = {engine_rule_name(i): (i, r) for i, r in enumerate(spec.rules)}
        self._items = {sub.each: _list_path(spec, sub.each) for f in spec.facts for sub in _each_fields(f)}
        self._item_types = {sub.each: sub.type.items for f in spec.facts for sub in _each_fields(f)}
        self._paths = {f.name for f in spec.facts}
        self._object_facts = tuple(f.name for f in spec.facts if f.type.kind == "object")
        self._object_types = {f.name: f.type for f in spec.facts if f.type.kind == "object"}
        self._fact_specs = {f.name: f for f in spec.facts}
        self._outcome_rank = {o.id: i for i, o in enumerate(spec.outcomes)}
        self._default_outcome = spec.outcome(spec.default_outcome)
        # Verdict data keys, with their paths split and their orders ranked once.
        self._data_plan = [
            _DataKey(d.key, d.collect, {v: i for i, v in enumerate(d.order)} if d.collect and d.order else None,
                     tuple(d.source.split(".")) if not d.collect and d.source else None,
                     {k: tuple(p.split(".")) for k, p in d.shape.items()}
                     if not d.collect and not d.source and isinstance(d.shape, Mapping) else None, d)
            for d in spec.data
        ]
        # Each derive spec resolved once: where it applies and where each argument comes from.
        self._derivations = [_Derivation(d, self._items, self._paths) for d in spec.derive]
        # Derived fields by "<fact or list field>.<field>", as a path names them.
        self._list_derived = {f"{d.fact}.{d.field}" for d in spec.derive
                              if d.function in FUNCTIONS and FUNCTIONS[d.function].returns == "list"}
        self._derived_labels = {f"{self._items[d.fact].rsplit('.', 1)[-1] if d.fact in self._items else d.fact}"
                                f".{d.field}": d.label for d in spec.derive}
        # The fields each fact type's rules read: where one is not given, the relaxed run is needed.
        read: dict[str, set[str]] = {}
        for rule in spec.rules:
            for p in rule.when:
                read.setdefault(p.fact, set()).update(c.field for c in _conditions(p))
        self._read = {fact: tuple(sorted(fields)) for fact, fields in read.items()}
        # Per engine rule name, its patterns as _read_unknowns reads them: a relaxed firing
        # neither rescans a rule's conditions nor splits their dotted fields.
        self._readings = {name: tuple(_reading(p, p.fact in self._paths or p.fact in self._items) for p in rule.when)
                          for name, (_, rule) in self._rules.items()}
        self._relaxed_check = RelaxedCheck(spec.rules, [*self._object_facts, *self._items])
        self._transient = _transient_items(spec, set(self._items), set(self._object_facts))
        self._engine: Engine | None = None
        self._relaxed: Engine | None = None
        self._lock = threading.Lock()

    def engine(self) -> Engine:
        # Compiled lazily, once: `govrules lint` and `import govrules` need no engine.
        with self._lock:
            if self._engine is None:
                self._engine = Engine(f"govrules.{self.spec.name}", compile_ruleset(self.spec))
            return self._engine

    def relaxed_engine(self) -> Engine:
        with self._lock:
            if self._relaxed is None:
                self._relaxed = Engine(f"govrules.{self.spec.name}.relaxed", compile_ruleset(self.spec, relaxed=True))
            return self._relaxed

    def evaluate(self, facts: Any, calendar: WorkingCalendar | None = None, *,
                 pack: Mapping[str, str] | None = None) -> Verdict:
        """One verdict: ``decide(prepare(facts, calendar))``, its findings, trace and data built on first read.

        ``pack`` is the stamp of the regulation pack that decided (``Verdict.pack``); the facade
        passes it so that the verdict is built with it rather than copied to add it.
        """
        # The prepared facts are made here and handed to no one, so the verdict may read them later.
        return self._decide(self.prepare(facts, calendar), lazy=True, pack=pack)

    # ---- the public stages: audit tools (remedies, prove) build on these -------------------

    def prepare(self, facts: Any, calendar: WorkingCalendar | None = None) -> Prepared:
        """Validate ``facts`` and fill the derived fields: everything before the engine."""
        return self._prepared(validate(self.spec, facts), calendar)  # validate's result is ours to fill

    def derive(self, typed: Mapping[str, Any], calendar: WorkingCalendar | None = None) -> Prepared:
        """Fill the derived fields of already validated facts (on a copy; ``typed`` is not changed)."""
        return self._prepared(copy.deepcopy(dict(typed)), calendar)

    def _prepared(self, typed: dict[str, Any], calendar: WorkingCalendar | None) -> Prepared:
        ctx = Context(calendar or default_calendar())
        return Prepared(typed, self._derive(typed, ctx), ctx)

    def derived_dates(self, prepared: Prepared) -> list[tuple[str, str]]:
        """The dates the rule file derives for these facts (deadlines), each with its label, once each."""
        found: list[tuple[str, str]] = []
        for d in self.spec.derive:
            fn = FUNCTIONS.get(d.function)
            if fn is None or fn.returns != "date":
                continue
            typed = prepared.facts
            holders = list(_get(typed, self._items[d.fact]) or ()) if d.fact in self._items else [typed.get(d.fact)]
            for h in holders:
                day = h.get(d.field) if isinstance(h, Mapping) else None
                if isinstance(day, str) and all(day != x for x, _ in found):
                    found.append((day, d.label or f"{d.fact}.{d.field}"))
        return found

    def decide(self, prepared: Prepared) -> Verdict:
        """Run the engine over prepared facts and assemble the verdict (the facts are not changed)."""
        return self._decide(prepared, lazy=False)

    def _decide(self, prepared: Prepared, lazy: bool, pack: Mapping[str, str] | None = None) -> Verdict:
        typed, unknowns, ctx = prepared.facts, prepared.unknowns, prepared.context
        engine_facts = self._engine_facts(typed)
        asserted: dict[int, list[dict[str, Any]]] = {}
        order: list[Firing] = []
        fulls: list[dict[str, Any] | None] = []

        def react(firing: Firing) -> list[dict[str, Any]]:
            _, rule = self._rules[firing.rule]
            if not rule.then.asserts:
                # Its full facts only serve a finding or data, built when first read: a caller
                # that checks ``allowed`` never pays for them.
                order.append(firing)
                fulls.append(None)
                return []
            # Once per firing (not per asserted value); the verdict reuses it.
            full = self._full(typed, firing.matched)
            new = _asserted(rule, full)
            asserted[len(order)] = new
            order.append(firing)
            fulls.append(full)
            return new

        firings = self._run(self.engine(), engine_facts, react, self._transient_in(engine_facts))
        extra = self._unknown_facts(typed, engine_facts, {f["type"] for new in asserted.values() for f in new})
        possible = self._possible(typed, engine_facts + extra, unknowns) if extra is not None else []
        return self._verdict(typed, firings, asserted, ctx, order, fulls, possible, lazy, pack)

    def _run(self, engine: Engine, facts: list[dict[str, Any]], react: Any,
             transient: frozenset[str] = frozenset()) -> list[Firing]:
        try:
            return engine.run(facts, react, transient)
        except FiringLimitError as exc:  # the backstop (docs/engine.md "Limits"): name the file and rule
            rule = self._rules[exc.rule][1] if exc.rule in self._rules else None
            raise EngineError(f"{self.spec.file}: rule {rule.id if rule else exc.rule} fired {exc.count:,} times; "
                              f"more than {exc.limit:,} firings in one evaluation of ruleset "
                              f"'{self.spec.name}' (its rules chain without end)") from exc

    # ---- before the engine ----------------------------------------------------------------

    def _derive(self, typed: dict[str, Any], ctx: Context) -> dict[str, tuple[str, ...]]:
        """Fill the derived fields; return, per derived path left not given, the facts it waits for."""
        unknowns: dict[str, tuple[str, ...]] = {}
        provenance = self._provenance
        for step in self._derivations:
            func = FUNCTIONS[step.function].func  # looked up per call: the registry may change (tests swap one)
            try:
                if step.list_parts is None:
                    target = typed.get(step.fact)
                    if type(target) is dict:
                        step.fill(func, typed, target, None, ctx, unknowns, provenance)
                else:
                    items = _walk(typed, step.list_parts)
                    for i, item in enumerate(items if type(items) is list else ()):
                        step.fill(func, typed, item, i, ctx, unknowns, provenance)
            except GovrulesError:
                raise  # CalendarError and InputError are the caller's to see
            except Exception as exc:
                # Validated facts should never make a derived function fail; if one does, it
                # is our bug, reported as ours rather than as a bare TypeError from inside.
                raise EngineError(f"derived field {step.what} failed: {type(exc).__name__}: {exc}") from exc
        return unknowns

    def _provenance(self, path: str, typed: Mapping[str, Any], unknowns: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
        """The facts not given behind ``path``: a derived field's own, or the shortest absent prefix."""
        if path in unknowns:
            return unknowns[path]
        return (_absent_prefix(typed, path),)

    def _engine_facts(self, typed: Mapping[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name in self._object_facts:
            value = typed.get(name)
            if value is not None:
                fact = {"type": name}
                _project_into(fact, value, self._object_types[name])
                out.append(fact)
        for each, path in self._items.items():
            for i, item in enumerate(_get(typed, path) or ()):
                fact = {"type": each, "index": i}
                _project_into(fact, item, self._item_types[each])
                out.append(fact)
        return out

    def _unknown_facts(self, typed: Mapping[str, Any], engine_facts: list[dict[str, Any]],
                       inferred: set[str]) -> list[dict[str, Any]] | None:
        """None when no rule reads a fact not given (or none that does could fire on it); else
        the placeholders the relaxed run adds. ``inferred``: the types the strict run asserted.

        An object fact not given becomes an empty fact, a list of items not given one item
        without fields (index -1): in the relaxed run, every condition on them may hold.
        """
        extra: list[dict[str, Any]] = []
        for name in self._object_facts:
            if name in self._read and name not in typed and self._fact_specs[name].omitted != "none":
                extra.append({"type": name})
        for each, path in self._items.items():
            if each in self._read and _get_or_absent(typed, path) is _ABSENT:
                extra.append({"type": each, "index": -1})
        if extra:
            return extra
        # Fields not given may be read; the run still adds nothing unless a rule reading one
        # could match the rest of what was given.
        return extra if self._relaxed_check.needed(engine_facts, inferred) else None

    def _possible(self, typed: Mapping[str, Any], engine_facts: list[dict[str, Any]],
                  unknowns: Mapping[str, tuple[str, ...]]) -> list[_Possible]:
        """The relaxed-only firings, each with the facts not given that it read."""
        maybe: dict[str, tuple[str, ...]] = {}
        possible: list[_Possible] = []

        def react(firing: Firing) -> list[dict[str, Any]]:
            _, rule = self._rules[firing.rule]
            paths = self._read_unknowns(self._readings[firing.rule], firing.matched, typed, unknowns, maybe)
            # The full facts are only read here for what the rule asserts; most rules assert nothing.
            new = _asserted(rule, self._full(typed, firing.matched)) if rule.then.asserts else []
            if paths:
                possible.append(_Possible(rule, paths))
                for fact in new:
                    fact[_MAYBE] = key = str(len(maybe))
                    maybe[key] = paths
            return new

        self._run(self.relaxed_engine(), engine_facts, react, self._transient_in(engine_facts))
        return possible

    def _transient_in(self, engine_facts: list[dict[str, Any]]) -> frozenset[str]:
        """``_transient`` where every object fact comes before the first item, else none.

        The relaxed run appends a placeholder for an object fact not given after the items;
        rules join items with it, so then the items must stay in the session.
        """
        if not self._transient:
            return self._transient
        seen_item = False
        for fact in engine_facts:
            if fact["type"] in self._items:
                seen_item = True
            elif seen_item and fact["type"] in self._object_types:
                return frozenset()
        return self._transient

    def _read_unknowns(self, readings: tuple[_Reading, ...], matched: Mapping[str, Any], typed: Mapping[str, Any],
                       unknowns: Mapping[str, tuple[str, ...]], maybe: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
        """The facts not given that this firing rested on (none: it holds whatever they are)."""
        out: list[str] = []
        for p in readings:
            fact = matched.get(p.fact)
            if fact is None:
                continue
            if _MAYBE in fact:
                out.extend(maybe.get(fact[_MAYBE], ()))
            if not p.caller:  # an inferred fact's fields are no caller's: what it rests on came with _MAYBE
                continue
            lacking = [field for field, parts in p.fields if _walk_or_absent(fact, parts) is _ABSENT]
            if p.any_of and not any(all(_holds(c, fact) for c in alt) for alt in p.any_of):
                lacking += [field for field, parts in p.any_of_fields if _walk_or_absent(fact, parts) is _ABSENT]
            if lacking:
                base = self._base(p.fact, fact)
                for field in lacking:
                    out.extend(self._provenance(f"{base}.{field}", typed, unknowns))
        return tuple(dict.fromkeys(out))

    def _base(self, name: str, fact: Mapping[str, Any]) -> str | None:
        """Where a matched fact's fields live in the caller's facts (None: an inferred fact)."""
        if name in self._paths:
            return name
        if name in self._items:
            index = fact.get("index")
            return self._items[name] if index == -1 else f"{self._items[name]}[{index}]"
        return None

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
                 reacted: list[Firing], fulls: list[dict[str, Any] | None], possible: list[_Possible] = (),
                 lazy: bool = False, pack: Mapping[str, str] | None = None) -> Verdict:
        """The verdict: its outcome, allowed, clauses and needs now; findings, trace and data
        when first read (#12 item 4: a caller that checks ``allowed`` pays for nothing else).

        Built later from the firings and the facts as they are now, so only with ``lazy`` when
        nothing will change them afterwards (``evaluate`` owns its facts; a caller of ``decide``
        keeps its Prepared and may change it, so ``decide`` builds every part at once).
        """
        spec = self.spec
        strongest: int | None = None
        finding_clauses: set[str] = set()
        for firing in firings:
            _, rule = self._rules[firing.rule]
            if rule.then.outcome is not None:
                rank = self._outcome_rank[rule.then.outcome]
                strongest = rank if strongest is None else min(strongest, rank)
            if rule.finding:
                # De-duplication keeps one finding per rule at least, and a rule has one clause.
                finding_clauses.add(rule.clause)
        outcome = spec.outcomes[strongest] if strongest is not None else self._default_outcome
        needs = self._needs(possible, strongest)
        if any(n.outcome for n in needs):
            outcome = spec.outcome(UNDETERMINED)
        # Decided with no rule firing on the given facts alone (e.g. whether the conference is
        # town-wide is not given, but either way it may be held): the rules that would give
        # this outcome in some completion are what it rests on, so their clauses are cited.
        resting = ({p.rule.clause for p in possible if p.rule.then.outcome == outcome.id}
                   if strongest is None and outcome.id != UNDETERMINED else set())
        parts = _Parts(self, typed, firings, asserted, ctx, reacted, fulls, _catalogue.active())
        verdict = lazy_verdict(
            ruleset=spec.name, outcome=outcome.id, allowed=outcome.allowed,
            # CONTRACT §2: "sorted, no repeats" — plain string order, as any client would check it.
            clauses=tuple(sorted(finding_clauses | {n.clause for n in needs} | resting)),
            needs=needs, pack=pack, later={"findings": parts.findings, "trace": parts.trace, "data": parts.data},
        )
        if not lazy:
            for name in ("findings", "trace", "data"):
                getattr(verdict, name)
        return verdict

    def _needs(self, possible: list[_Possible], strongest: int | None) -> tuple[Need, ...]:
        """The facts not given that would change the outcome, or a finding that is not info.

        A relaxed-only firing changes the outcome when its outcome is stronger than the one the
        given facts decide (or, where none is decided, differs from the default). One that could
        only add another ground to that outcome, or an info finding, is no need.
        """
        needs: dict[tuple[str, str], Need] = {}
        for rule, paths in possible:
            o = rule.then.outcome
            if o is not None:
                rank = self._outcome_rank[o]
                if not (rank < strongest if strongest is not None else o != self._default_outcome.id):
                    continue
                changes = True
            elif (rule.finding and rule.severity != "info") or rule.then.add:
                # A finding that matters, or the ruleset's computed answer (data.deciders,
                # data.route): a fact that decides either is worth asking for.
                changes = False
            else:
                continue
            for path in paths:
                key = (path, rule.clause)
                if key not in needs or (changes and not needs[key].outcome):
                    needs[key] = self._need(path, rule, changes)
        return tuple(sorted(needs.values(), key=lambda n: (n.path, n.clause)))

    def _need(self, path: str, rule: RuleSpec, changes: bool) -> Need:
        label = self._label_of(path)
        where = _label(rule.clause)
        if changes:
            message = f"未提供「{label}」（{path}），无法判定是否符合{where}，结论待定；请补充。"
        else:
            message = f"未提供「{label}」（{path}）：不影响结论，但无法判定是否符合{where}；请补充。"
        return Need(path=path, label=label, clause=rule.clause, message=message, outcome=changes)

    def _label_of(self, path: str) -> str:
        """The rule file's label for a path: ``meeting.leaders[2].present`` → 镇政府领导成员及出席情况第3项的是否出席."""
        steps = re.findall(r"([^.\[\]]+)(?:\[(\d+)\])?", path)
        if len(steps) >= 2 and f"{steps[-2][0]}.{steps[-1][0]}" in self._derived_labels:
            return self._derived_labels[f"{steps[-2][0]}.{steps[-1][0]}"] or steps[-1][0]
        fields: tuple[FieldSpec, ...] = self.spec.facts
        label = path
        prefix = ""
        mapping: str | None = None
        for name, index in steps:
            if mapping is not None:
                return f"{mapping}（{name}）"  # a key of a mapping: 镇政府领导分工（tourism）
            f = next((x for x in fields if x.name == name), None)
            if f is None:
                return prefix + name
            label = prefix + (f.label or f.name)
            t = f.type
            if t.kind == "mapping":
                mapping = label
            if t.kind == "list" and t.items is not None:
                t = t.items
                if index:
                    prefix = f"{f.label or f.name}第{int(index) + 1}项的"
            fields = t.fields
        return label


class _Parts(NamedTuple):
    """What a verdict's findings, trace and data are built from, kept until they are read.

    The firings were decoded from the engine for this run alone, and the typed facts and the
    firings' full facts belong to the run: nothing changes them once the verdict exists.
    """

    runner: Runner
    typed: Mapping[str, Any]
    firings: list[Firing]
    asserted: Mapping[int, list[dict[str, Any]]]
    ctx: Context
    reacted: list[Firing]
    fulls: list[dict[str, Any] | None]  # None: not built by react (a rule that asserts nothing)
    # Findings are labelled from the catalogue in effect at evaluation (a pack's, docs/packs.md),
    # not from whichever is in effect where and when they are first read.
    catalogue: _catalogue.Catalogue | None

    def _full(self, n: int, firing: Firing) -> dict[str, Any]:
        # react built the full facts of a firing that asserts (neither typed nor matched has
        # changed since); the identity check keeps a mismatch from reusing the wrong one.
        if n < len(self.reacted) and self.reacted[n] is firing:
            full = self.fulls[n]
            if full is not None:
                return full
        return self.runner._full(self.typed, firing.matched)

    def trace(self) -> tuple[TraceStep, ...]:
        steps = []
        for n, firing in enumerate(self.firings):
            _, rule = self.runner._rules[firing.rule]
            # firing.matched was decoded from the engine's JSON for this run alone and is not
            # touched again, so the step takes it without the converter's deep copy; the
            # asserted facts may share values with the validated facts, so they are copied.
            steps.append(owned_trace_step(rule.id, rule.clause, firing.matched,
                                          tuple(_frozen_copy(a) for a in self.asserted.get(n, ()))))
        return tuple(steps)

    def findings(self) -> tuple[Finding, ...]:
        if self.catalogue is _catalogue.active():  # the usual case; entering `using` costs a few µs
            return self._findings()
        with _catalogue.using(self.catalogue):
            return self._findings()

    def _findings(self) -> tuple[Finding, ...]:
        findings: list[tuple[tuple[int, int, int], Finding]] = []
        seen: set[tuple[str, str, str]] = set()
        for n, firing in enumerate(self.firings):
            index, rule = self.runner._rules[firing.rule]
            if not rule.finding:
                continue
            finding = _finding(rule, self._full(n, firing))
            # The same conclusion reached twice (two chains to one fact) is one finding.
            # Rule id fixes clause, label, quote and severity; message and data vary.
            key = (rule.id, finding.message, _dedup_text(finding.data) if finding.data else "")
            if key not in seen:
                seen.add(key)
                findings.append(((_SEVERITY_RANK[rule.severity], index, n), finding))
        return tuple(f for _, f in sorted(findings, key=lambda x: x[0]))

    def data(self) -> VerdictData:
        runner, typed = self.runner, self.typed
        collected: dict[str, list[Any]] = {d.key: [] for d in runner.spec.data if d.collect}
        members: dict[str, set[Any]] = {key: set() for key in collected}  # linear, not a list scan per add
        for n, firing in enumerate(self.firings):
            _, rule = runner._rules[firing.rule]
            if not rule.then.add:
                continue
            full = self._full(n, firing)
            for key, value in rule.then.add:
                v = _resolve(value, full)
                # A list value (e.g. the names still missing) contributes its members.
                for member in (v if isinstance(v, list) else [v]):
                    frozen = _hashable(member)
                    if frozen not in members[key]:
                        members[key].add(frozen)
                        collected[key].append(member)
        data: dict[str, Any] = {}
        for key, collect, rank, source, shape, d in runner._data_plan:
            if collect:
                values = collected[key]
                if rank is not None:
                    values = sorted(values, key=lambda v, r=rank: r.get(v, len(r)))
                data[key] = values
            elif source is not None:
                data[key] = _walk(typed, source)
                if data[key] is None and ".".join(source) in runner._list_derived:
                    # A derived list that facts not given leave open: CONTRACT §2's lists hold only
                    # what every completion agrees on, and some completion adds nothing.
                    data[key] = []
            elif shape is not None:
                data[key] = {k: _walk(typed, p) for k, p in shape.items()}
            else:  # not a shape the checks let through; fails here as it always did
                data[key] = {k: _get(typed, p) for k, p in d.shape.items()}
        if self.ctx.sources:
            data["calendar"] = " + ".join(sorted(self.ctx.sources))
        return owned_verdict_data(_owned_json(data))


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


def _asserted(rule: RuleSpec, full: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The facts a firing of ``rule`` asserts for the next rules, its references read from ``full``."""
    return [{"type": a.fact, **{k: _resolve(v, full) for k, v in a.values}} for a in rule.then.asserts]


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


def _label(cid: str) -> str:
    return _label_in(cid, _catalogue.active())


@functools.lru_cache(maxsize=None)
def _label_in(cid: str, catalogue: Any) -> str:
    # A catalogue is fixed for the life of the process; which one is in effect (None: the shipped
    # one, else a regulation pack's, docs/packs.md) is part of the key.
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


def _arg(name: str, value: Any, facts: set[str], item_fact: str | None) -> _Arg:
    """A derive argument naming a fact (or the current item) is read from the facts; else a literal.

    Decided once per derive spec; the path is kept split so each call only walks it.
    """
    if isinstance(value, str):
        head, _, rest = value.partition(".")
        if item_fact is not None and head == item_fact:
            return _Arg(name, _ITEM, tuple(rest.split(".")) if rest else ())
        if head in facts:
            return _Arg(name, _FACTS, tuple(value.split(".")))
    return _Arg(name, _LITERAL, value)


def _arg_path(arg: _Arg, base: str) -> str:
    """The full path an argument reads, for ``needs`` (``base`` is the item's path)."""
    if arg.kind == _ITEM:
        return base + "".join("." + p for p in arg.value)
    return ".".join(arg.value)


def _absent_prefix(typed: Mapping[str, Any], path: str) -> str:
    """The shortest prefix of ``path`` that the caller did not give (the path itself if none)."""
    obj: Any = typed
    at = ""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        at = at + part if part.startswith("[") or not at else f"{at}.{part}"
        if part.startswith("["):
            index = int(part[1:-1])
            if type(obj) is not list or index >= len(obj):
                return at
            obj = obj[index]
        else:
            if type(obj) is not dict or part not in obj:
                return at
            obj = obj[part]
    return path


_PLAIN_PART = re.compile(r"[^.\[\]]+")


def _absent_part(typed: Mapping[str, Any], parts: tuple[str, ...]) -> str:
    """``_absent_prefix`` of a path of plain parts (no list index), walked without parsing it."""
    obj: Any = typed
    for i, part in enumerate(parts):
        if type(obj) is not dict or part not in obj:
            return ".".join(parts[:i + 1])
        obj = obj[part]
    return ".".join(parts)


def _reading(p: Pattern, caller: bool) -> _Reading:
    def split(conditions: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((c.field, tuple(c.field.split("."))) for c in conditions)
    return _Reading(p.fact, caller, split(p.conditions), p.any_of, split(c for alt in p.any_of for c in alt))


def _walk_or_absent(obj: Any, parts: tuple[str, ...]) -> Any:
    """``_get_or_absent`` on a path split beforehand."""
    for part in parts:
        if type(obj) is not dict or part not in obj:
            return _ABSENT
        obj = obj[part]
    return obj


def _get_or_absent(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if type(obj) is not dict or part not in obj:
            return _ABSENT
        obj = obj[part]
    return obj


def _project_into(out: dict[str, Any], obj: Mapping[str, Any], t: TypeSpec | None) -> None:
    """What the engine may match: scalars and nested objects of scalars (lists stay in Python).

    A value given as null stays null ("there is none"); a nested object given as null becomes
    one whose every field is null, so a condition on any of them reads "there is none" too.
    A field not given is left out: the engine cannot tell it from anything, which is the point.
    """
    for k, v in obj.items():
        kind = type(v)
        if kind in _ATOMS:
            if v is None:
                sub = t.field(k) if t is not None else None
                out[k] = ({f.name: None for f in sub.type.fields}
                          if sub is not None and sub.type.kind == "object" else None)
            else:
                out[k] = v
        elif kind is list:
            continue
        elif kind is dict or isinstance(v, Mapping):
            sub = t.field(k) if t is not None else None
            nested: dict[str, Any] = {}
            _project_into(nested, v, sub.type if sub is not None and sub.type.kind == "object" else None)
            out[k] = nested
        elif not isinstance(v, (list, tuple)):
            out[k] = v


def _transient_items(spec: RulesetSpec, items: set[str], objects: set[str]) -> frozenset[str]:
    """The item fact types the engine may retract once their own firings have run.

    An item's firings come while it is asserted, after every object fact (see
    ``_engine_facts``): if each rule over it has no other item and no inferred fact (which a
    later item's firing could assert), no later fact can complete a rule with it. Keeping
    such items out of the session keeps the engine's cost per item flat (docs/performance.md).
    """
    out = set(items)
    for rule in spec.rules:
        types = [p.fact for p in rule.when]
        for t in types:
            if t in out and (types.count(t) > 1 or any(o != t and o not in objects for o in types)):
                out.discard(t)
    return frozenset(out)


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
