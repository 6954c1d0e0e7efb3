"""Frozen data: what a rule file says (specs) and what an evaluation answers (verdicts)."""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs

SEVERITIES = ("violation", "requirement", "warning", "info")
SCALAR_KINDS = ("bool", "int", "str", "date", "enum")
KINDS = SCALAR_KINDS + ("list", "object", "mapping")

# Condition operators as rule files spell them; the compiler maps each to the engine's.
OPERATORS = ("equals", "not", "in", "not_in", "at_least", "at_most", "more_than", "less_than", "present")


# ---- what a rule file says ------------------------------------------------------------------
#
# attrs compiles the methods it generates for each class when the class is built, at every
# import. For these fifteen spec classes, __repr__, __eq__ and __hash__ took ~7 ms of a warm
# process's first verdict, which never calls them (a checked spec comes from the on-disk cache,
# and is unpickled without them). They are written once here instead, with
# what attrs' generated methods do: the same repr text (fields with repr=False left out, "..."
# for a cycle), == over the fields with eq=True and NotImplemented for another class, and a
# hash over those fields (tests/test_model_methods.py compares them with attrs' own). Only
# __init__ (with its defaults and factories) is still generated; a spec is pickled as a call
# of it (_spec_reduce). The verdict classes below keep attrs' generated methods.

_repr_state = threading.local()


@functools.cache
def _fields_for(cls: type) -> tuple[tuple[tuple[str, Any], ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``cls``'s fields as its methods use them: (name, repr) pairs, eq names, hash names, all names."""
    fields = attrs.fields(cls)
    return (tuple((a.name, a.repr) for a in fields if a.repr is not False),
            tuple(a.name for a in fields if a.eq),
            tuple(a.name for a in fields if a.hash is True or (a.hash is None and a.eq is True)),
            tuple(a.name for a in fields))


def _spec_repr(self: Any) -> str:
    try:
        seen = _repr_state.seen
    except AttributeError:
        seen = _repr_state.seen = set()
    if id(self) in seen:
        return "..."
    seen.add(id(self))
    try:
        cls = self.__class__
        return (cls.__qualname__.rsplit(">.", 1)[-1] + "("
                + ", ".join(f"{name}={getattr(self, name)!r}" if shown is True
                            else f"{name}={shown(getattr(self, name))}"
                            for name, shown in _fields_for(cls)[0]) + ")")
    finally:
        seen.discard(id(self))


def _spec_eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    result: Any = True
    for name in _fields_for(self.__class__)[1]:
        # As attrs' `self.a == other.a and self.b == other.b ...`: the first false comparison.
        result = getattr(self, name) == getattr(other, name)
        if not result:
            return result
    return result


def _spec_hash(self: Any) -> int:
    cls = self.__class__
    return hash((cls.__module__, cls.__qualname__, *(getattr(self, name) for name in _fields_for(cls)[2])))


def _spec_reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
    # Unpickled by calling the class with every field, in order: less than half the time of
    # attrs' __setstate__, which sets the fields one by one from a dict, and a third smaller
    # (a warm first verdict unpickles ~400 specs for a ruleset; copy.copy/deepcopy go this way too).
    cls = self.__class__
    return cls, tuple(getattr(self, name) for name in _fields_for(cls)[3])


_C = TypeVar("_C", bound=type)


def _spec(cls: _C) -> _C:
    """``attrs.frozen`` with the spec classes' shared __repr__, __eq__, __hash__ (attrs detects them) and __reduce__."""
    cls.__repr__ = _spec_repr  # type: ignore[assignment]
    cls.__eq__ = _spec_eq  # type: ignore[assignment]
    cls.__hash__ = _spec_hash  # type: ignore[assignment]
    cls.__reduce__ = _spec_reduce  # type: ignore[assignment]
    return attrs.frozen(cls)


@_spec
class Where:
    """A place in a rule file, for error messages."""

    file: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        out = self.file
        if self.line is not None:
            out += f":{self.line}"
            if self.col is not None:
                out += f":{self.col}"
        return out


@_spec
class TypeSpec:
    """A field's type: scalar kinds, enums (code → Chinese term), lists, objects, mappings."""

    kind: str
    name: str | None = None  # set for named types from types.yaml (person, role, …)
    values: tuple[tuple[str, str], ...] = ()
    items: TypeSpec | None = None
    fields: tuple[FieldSpec, ...] = ()
    minimum: int | None = None
    unique: str | None = None  # a list of objects: no two items may share this field's value
    holder_role: str | None = None  # a mapping whose values name persons: their role (types.yaml)

    def field(self, name: str) -> FieldSpec | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def describe(self) -> str:
        if self.kind == "enum":
            return "one of " + ", ".join(f"{c} ({zh})" for c, zh in self.values)
        if self.kind == "list":
            return f"a list of {self.items.describe() if self.items else 'values'}"
        if self.kind == "object":
            return f"an object ({self.name})" if self.name else "an object"
        return {
            "bool": "true or false",
            "int": "a whole number" + (f" ≥ {self.minimum}" if self.minimum is not None else ""),
            "str": "a non-empty string",
            "date": "an ISO date such as 2026-10-08",
            "mapping": "a mapping of names to names",
        }.get(self.kind, self.kind)


@_spec
class FieldSpec:
    name: str
    type: TypeSpec
    required: bool = False
    label: str = ""
    each: str | None = None  # a list of objects whose items become engine facts of this type
    # "none": not given reads as "there is none" (no record to check, never a need); the
    # rule file says why in ``because``. Otherwise not given is unknown (CONTRACT §1).
    omitted: str | None = None
    because: str = ""
    where: Where | None = attrs.field(default=None, eq=False)


def _each_fields(f: FieldSpec) -> list[FieldSpec]:
    """``f`` and the fields inside it (at any depth) whose list items become engine facts (``each``)."""
    found = []
    if f.each:
        found.append(f)
    if f.type.kind == "object":
        for sub in f.type.fields:
            found.extend(_each_fields(sub))
    return found


@_spec
class Ref:
    """A reference to a field of a fact matched by the same rule: ``document.in_charge``."""

    fact: str
    field: str

    def __str__(self) -> str:
        return f"{self.fact}.{self.field}"


@_spec
class Condition:
    field: str
    op: str
    value: Any  # a scalar, a tuple of scalars (in/not_in), or a Ref (equality join)
    where: Where | None = attrs.field(default=None, eq=False)


@_spec
class Pattern:
    """One fact a rule matches: its name (= fact type) and the conditions on its fields."""

    fact: str
    conditions: tuple[Condition, ...] = ()
    any_of: tuple[tuple[Condition, ...], ...] = ()
    where: Where | None = attrs.field(default=None, eq=False)


@_spec
class Assertion:
    """A fact a rule asserts for the next rules (forward chaining)."""

    fact: str
    values: tuple[tuple[str, Any], ...] = ()  # field → literal or Ref
    where: Where | None = attrs.field(default=None, eq=False)


@_spec
class Then:
    outcome: str | None = None
    data: tuple[tuple[str, Any], ...] = ()  # finding data: key → literal or Ref
    asserts: tuple[Assertion, ...] = ()
    add: tuple[tuple[str, Any], ...] = ()  # verdict data list key → literal or Ref
    where: Where | None = attrs.field(default=None, eq=False)


@_spec
class RuleSpec:
    id: str
    clause: str
    quote: str
    severity: str
    message: str
    when: tuple[Pattern, ...]
    then: Then
    finding: bool = True  # False: a chaining step, shown in the trace but not as a finding
    description: str = ""
    # Declared precedence (docs/ruleset-format.md, "Overrides"): the ids of rules whose outcome
    # this rule's outcome prevails over when both fire. The outcome ranking still decides the
    # verdict; the check refuses an override the ranking would not honour, and `govrules prove`
    # flags two rules that fire together with different outcomes when neither overrides the other.
    overrides: tuple[str, ...] = ()
    where: Where | None = attrs.field(default=None, eq=False)
    positions: Mapping[str, Where] = attrs.field(factory=dict, eq=False, repr=False)


@_spec
class DeriveSpec:
    """A derived field computed in Python before the engine runs, by a named function."""

    fact: str
    field: str
    function: str
    args: tuple[tuple[str, Any], ...]  # keyword → literal or path string
    label: str = ""
    where: Where | None = attrs.field(default=None, eq=False)


@_spec
class TimeNodeSpec:
    """A deadline the regulation sets around a meeting, declared once (CONTRACT §4).

    ``count`` working days (or calendar ``days``) ``before`` or ``after`` the meeting; derive
    arguments name it as ``time_nodes.<key>`` and ``meeting_timeline`` reads it, so an edited
    count moves both.
    """

    key: str
    clause: str
    quote: str
    count: int
    unit: str  # working_days | days
    direction: str  # before | after
    what: str = ""
    where: Where | None = attrs.field(default=None, eq=False)


@_spec
class TimelineSpec:
    """What a timeline of this file's time nodes is called and made of (``timeline:``).

    ``meeting`` (``meeting_name:`` in the file) names the meeting the nodes are counted around (the chart's heading);
    ``include`` names the other rule files (beside this one) whose time nodes join the
    timeline, after this file's own; ``interval`` is the node that spaces a schedule of
    meetings. ``govrules timeline``/``schedule`` and ``meeting_timeline`` read these, so no
    meeting name, ruleset name or node key is written in the code.
    """

    meeting: str
    include: tuple[str, ...] = ()
    interval: str | None = None
    where: Where | None = attrs.field(default=None, eq=False)


@_spec
class OutcomeSpec:
    id: str
    label: str
    allowed: bool


@_spec
class DataSpec:
    """One key of the verdict's ``data``: copied from a fact, or collected from fired rules."""

    key: str
    source: str | None = None  # path such as meeting.quorum, or a nested mapping of paths
    shape: Any = None  # for ``from`` with several keys: mapping key → path
    collect: bool = False
    order: tuple[str, ...] = ()
    where: Where | None = attrs.field(default=None, eq=False)


@_spec
class RulesetSpec:
    name: str
    title: str
    file: str
    version: str
    outcomes: tuple[OutcomeSpec, ...]  # strongest first
    default_outcome: str
    facts: tuple[FieldSpec, ...]
    inferred: Mapping[str, tuple[FieldSpec, ...]]
    derive: tuple[DeriveSpec, ...]
    data: tuple[DataSpec, ...]
    rules: tuple[RuleSpec, ...]
    types: Mapping[str, TypeSpec] = attrs.field(factory=dict, repr=False)
    time_nodes: tuple[TimeNodeSpec, ...] = ()
    timeline: TimelineSpec | None = None
    summary: str = ""  # one line: the question the ruleset answers and its clauses (its function's help)
    # Where top-level entries stood ("ruleset", "default_outcome", "outcomes[0]", "inferred.x"),
    # so checks on them can point at a line too.
    positions: Mapping[str, Where] = attrs.field(factory=dict, eq=False, repr=False)

    def fact(self, name: str) -> FieldSpec | None:
        for f in self.facts:
            if f.name == name:
                return f
        return None

    def rule(self, rule_id: str) -> RuleSpec:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def outcome(self, outcome_id: str) -> OutcomeSpec:
        for o in self.outcomes:
            if o.id == outcome_id:
                return o
        raise KeyError(outcome_id)


# ---- what an evaluation answers -------------------------------------------------------------


_ATOMS = (str, int, float, bool, type(None))


def _frozen_copy(value: Any) -> Any:
    # Verdict data is JSON-shaped: copying plain dicts and lists directly is ~5× cheaper
    # than copy.deepcopy (a fifth of a small verdict's cost); anything else still deep-copies.
    # The layers keep _engine.plain_copy out of reach here; this is the same walk, except that
    # a value that is not plain JSON is deep-copied on its own instead of failing the whole copy.
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            item_kind = type(item)
            # Strings, ints and booleans (most values) are kept without a call each.
            out[key] = item if item_kind is str or item_kind is int or item_kind is bool else _frozen_copy(item)
        return out
    if kind is list:
        return [_frozen_copy(v) for v in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


class VerdictData(Mapping[str, Any]):
    """A verdict's ``data``: read-only, JSON-shaped; a value computed on demand is filled on first use.

    ``remedies`` re-evaluates the facts many times (docs/auditing.md), so it is computed only
    when someone reads it (``data["remedies"]``, ``to_dict()``, ``--explain``), once, under a lock.
    A verdict that is merely checked for ``allowed`` costs no re-evaluation.
    """

    __slots__ = ("_items", "_pending", "_lock")

    def __init__(self, items: Mapping[str, Any] | None = None,
                 pending: Mapping[str, Callable[[], Any]] | None = None) -> None:
        self._items = _frozen_copy(dict(items or {}))
        self._pending = dict(pending or {})
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> Any:
        # A copy: editing what was read (data["missing"].append(...)) must not edit the verdict.
        return _frozen_copy(self._value(key))

    def _value(self, key: str) -> Any:
        if key in self._pending:
            with self._lock:
                thunk = self._pending.get(key)
                if thunk is not None:
                    self._items[key] = _frozen_copy(thunk())
                    del self._pending[key]
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items) + [k for k in list(self._pending) if k not in self._items])

    def __len__(self) -> int:
        return len(set(self._items) | set(self._pending))

    def __contains__(self, key: object) -> bool:
        return key in self._items or key in self._pending

    def __repr__(self) -> str:
        pending = f", pending={sorted(self._pending)}" if self._pending else ""
        return f"VerdictData({self._items!r}{pending})"

    def __reduce__(self) -> Any:
        # Pickling and deep copies take the computed values (a lock does not travel).
        return (VerdictData, ({k: self._value(k) for k in self},))

    def computed(self) -> dict[str, Any]:
        """The values computed so far, without computing pending ones."""
        return _frozen_copy(dict(self._items))


def owned_verdict_data(items: dict[str, Any]) -> VerdictData:
    """A VerdictData that takes ``items`` as it is, without the constructor's deep copy.

    Only for a plain-JSON dict built for this verdict that nothing else holds or will change
    (the runner copies its data once and hands the copy over); every other caller goes
    through VerdictData(...) and its copy.
    """
    data = VerdictData()
    data._items = items
    return data


def _verdict_data(value: Any) -> VerdictData:
    return value if isinstance(value, VerdictData) else VerdictData(value)


@attrs.frozen
class Finding:
    """A fired rule that matters to a person, carrying its rule's citation automatically."""

    rule: str
    clause: str
    label: str
    quote: str
    severity: str
    message: str
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_copy)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "clause": self.clause, "label": self.label, "quote": self.quote,
            "severity": self.severity, "message": self.message, "data": _frozen_copy(dict(self.data)),
        }


@attrs.frozen
class TraceStep:
    """One firing in the forward chain: the rule, its clause, the facts it matched and asserted."""

    rule: str
    clause: str
    matched: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_copy)
    asserted: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            # Copies (the caller may edit them), linear in the data: deepcopy's memo and dispatch
            # were ~90 % of to_dict for a 10,000-item meeting.
            "rule": self.rule, "clause": self.clause, "matched": _frozen_copy(dict(self.matched)),
            "asserted": [_frozen_copy(dict(a)) for a in self.asserted],
        }


def owned_trace_step(rule: str, clause: str, matched: dict[str, Any],
                     asserted: tuple[Mapping[str, Any], ...]) -> TraceStep:
    """A TraceStep that takes ``matched`` as it is, without the converter's deep copy.

    Only for a plain-JSON dict built for this step that nothing else holds or will change
    (the runner's firings, decoded from the engine for one run); every other caller goes
    through TraceStep(...) and its copy.
    """
    step = object.__new__(TraceStep)
    # The same fields TraceStep.__init__ sets, minus the converter (frozen: set via object).
    object.__setattr__(step, "rule", rule)
    object.__setattr__(step, "clause", clause)
    object.__setattr__(step, "matched", matched)
    object.__setattr__(step, "asserted", asserted)
    return step


@attrs.frozen
class Need:
    """A fact the caller did not give that would change the outcome (``outcome``) or a finding."""

    path: str
    label: str
    clause: str
    message: str
    outcome: bool

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "label": self.label, "clause": self.clause, "message": self.message,
                "outcome": self.outcome}


# Verdict parts a runner may leave to be built on first read (see _LazyParts), and the rest.
_LAZY_PARTS = ("findings", "trace", "data")
_EAGER_FIELDS = ("ruleset", "outcome", "allowed", "clauses", "needs", "pack")


class _Later:
    """Builders of a verdict's parts not read yet; each runs once, under the verdict's own lock.

    Re-entrant: a part of an evolved verdict may be read from the verdict it came from, and a
    builder may read another part of the same verdict.
    """

    __slots__ = ("builders", "lock")

    def __init__(self, builders: dict[str, Callable[[], Any]]) -> None:
        self.builders = builders
        self.lock = threading.RLock()


class _LazyParts:
    """Lets a Verdict leave findings, trace and data unbuilt until someone reads them.

    A part not built yet is an empty slot, so reading it falls through to ``__getattr__``,
    which builds it and fills the slot; every later read is a plain slot read. attrs' own
    methods (eq, repr, pickling, ``attrs.evolve``/``asdict``) read parts through getattr, so
    they see built parts, exactly as if the verdict had been built eagerly.
    """

    __slots__ = ("_later",)

    def __getattr__(self, name: str) -> Any:
        if name not in _LAZY_PARTS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        try:
            later = object.__getattribute__(self, "_later")
        except AttributeError:  # no builders: made by __init__ or unpickling, which fill every slot
            raise AttributeError(name) from None
        with later.lock:
            try:
                # Another thread may have built it while this one waited: both must see one object.
                return object.__getattribute__(self, name)
            except AttributeError:
                pass
            value = later.builders[name]()
            object.__setattr__(self, name, value)
            # The builder holds the run's facts and firings: let them go once the part exists.
            del later.builders[name]
            return value


@attrs.frozen
class Verdict(_LazyParts):
    """The answer to one question: outcome, the findings that cite clauses, data, and the trace."""

    ruleset: str
    outcome: str
    allowed: bool
    findings: tuple[Finding, ...]
    clauses: tuple[str, ...]
    data: VerdictData = attrs.field(factory=VerdictData, converter=_verdict_data)
    trace: tuple[TraceStep, ...] = ()
    needs: tuple[Need, ...] = ()
    # The regulation pack that decided: {"id", "version", "hash"} (docs/packs.md); the facade sets it.
    pack: Mapping[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": dict(self.pack) if self.pack is not None else None,
            "ruleset": self.ruleset,
            "outcome": self.outcome,
            "allowed": self.allowed,
            "findings": [f.to_dict() for f in self.findings],
            "clauses": list(self.clauses),
            "data": {k: _frozen_copy(self.data._value(k)) for k in self.data},
            "trace": [t.to_dict() for t in self.trace],
            "needs": [n.to_dict() for n in self.needs],
        }


def lazy_verdict(*, ruleset: str, outcome: str, allowed: bool, clauses: tuple[str, ...],
                 needs: tuple[Need, ...], pack: Mapping[str, str] | None = None,
                 later: Mapping[str, Callable[[], Any]]) -> Verdict:
    """A Verdict whose parts named in ``later`` (findings, trace, data) are built on first read.

    Each builder must return the value the field would hold (data: a VerdictData) and must
    read only what nothing will change afterwards: the part is built whenever it is first read.
    """
    verdict = object.__new__(Verdict)
    fields = {"ruleset": ruleset, "outcome": outcome, "allowed": allowed, "clauses": clauses,
              "needs": needs, "pack": pack}
    for name, value in fields.items():
        object.__setattr__(verdict, name, value)
    _set_later(verdict, dict(later))
    return verdict


def evolve_lazily(verdict: Verdict, *, later: Mapping[str, Callable[[], Any]] | None = None,
                  **changes: Any) -> Verdict:
    """``attrs.evolve(verdict, **changes)`` that builds none of ``verdict``'s parts.

    A part ``verdict`` has not built is read from ``verdict`` when the new one's is first read
    (the same object, built once); ``later`` gives a builder for a part instead of a value.
    """
    new = object.__new__(Verdict)
    for name in _EAGER_FIELDS:
        object.__setattr__(new, name, changes.pop(name) if name in changes else getattr(verdict, name))
    unbuilt = _unbuilt(verdict)
    builders: dict[str, Callable[[], Any]] = {}
    for name in _LAZY_PARTS:
        if name in changes:
            value = changes.pop(name)
            object.__setattr__(new, name, _verdict_data(value) if name == "data" else value)
        elif later is not None and name in later:
            builders[name] = later[name]
        elif name in unbuilt:
            # Read from the old verdict on first use: built there once, whichever is read first.
            builders[name] = functools.partial(getattr, verdict, name)
        else:
            object.__setattr__(new, name, getattr(verdict, name))
    if changes:
        raise TypeError(f"Verdict has no fields {sorted(changes)}")
    _set_later(new, builders)
    return new


def _unbuilt(verdict: Verdict) -> frozenset[str] | dict[str, Callable[[], Any]]:
    """The parts ``verdict`` has not built yet (a part is removed only after its slot is filled)."""
    try:
        return object.__getattribute__(verdict, "_later").builders
    except AttributeError:  # built by __init__ or unpickled: every part is there
        return frozenset()


def _set_later(verdict: Verdict, builders: dict[str, Callable[[], Any]]) -> None:
    unknown = set(builders).difference(_LAZY_PARTS)
    if unknown:
        raise ValueError(f"not a part a verdict builds on first read: {sorted(unknown)}")
    if builders:
        object.__setattr__(verdict, "_later", _Later(builders))
