"""Gap and overlap proof: every input class gets exactly one outcome from the rules.

The input facts of a ruleset are enumerated over finite *classes*: each input field gets a
small domain by its type (bool → false/true; enum → every code; int → 0..3; a date → the
anchor, or each deadline derived from the anchor ±1 day; names, persons and the division from
one consistent pool, ``rulesets/prove-pool.yaml``; lists → small subsets), unless
``rulesets/<name>.prove.yaml`` lists the values for a path. A prove file may also split the space into *parts*: each part is its own
product (the shared domains with the part's own on top), and the classes are their union —
for rulesets whose clauses read disjoint groups of fields. docs/prove.md says why each
reduction is sound.

Definitions (checked for every class that validates):

* an *outcome-setting rule* is a rule whose ``then`` names an ``outcome``;
* a **gap** is a class for which no outcome-setting rule fires (the verdict falls through to
  ``default_outcome``);
* an **overlap** (an undeclared conflict) is a class for which two outcome-setting rules fire
  with different outcomes while neither overrides the other (``overrides:`` in the rule file,
  followed transitively), whichever clauses they cite: the text would be read both ways at once
  unless it says which prevails. Several rules setting the same outcome are never an overlap;
* an **unknown-unsound** pair (CONTRACT §2, facts not given) is a class whose outcome is decided
  (not ``undetermined``) while a class that only *gives one more fact* gets another outcome:
  the first verdict rested on a fact the caller did not give. Every optional field's domain
  includes "not given", so every class with a fact not given has its one-fact completions in
  the space too; checked pairwise, by induction over the number of facts given no decided
  outcome differs from any completion's — in particular no ``allowed`` outcome rests on a fact
  not given.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, NamedTuple

import attrs

from ._derive import FUNCTIONS
from ._errors import CalendarError, InputError, RulesetError
from ._load import PROVE_POOL_FILE
from ._model import FieldSpec, RulesetSpec, TypeSpec
from ._rulesets import ruleset_dir
from ._run import UNDETERMINED
from ._yaml import load_yaml, plain

if TYPE_CHECKING:
    from ._packs import Pack

ANCHOR = "2026-10-08"  # a Thursday just after the National Day holiday: deadlines cross a 调休 weekend
LIMIT = 50_000
_HINT_KEYS = ("ruleset", "anchor", "limit", "domains", "parts")
_PART_KEYS = ("name", "domains")
_POOL_KEYS = ("names", "division", "portfolio_role", "person_flags")


@attrs.frozen
class Pool:
    """The people and portfolios generic domains draw from (``prove-pool.yaml`` beside the rule files)."""

    names: Mapping[str, str]  # role code → the name a person of that role gets
    division: Mapping[str, str]  # portfolio → the name of the person in charge, two or more, in order
    portfolio_role: str  # the role whose persons hold portfolios
    person_flags: tuple[str, ...] = ()  # a person's bool fields tried both ways

    @property
    def portfolios(self) -> tuple[str, str]:
        first, second = list(self.division)[:2]
        return first, second

    @property
    def holders(self) -> tuple[str, str]:
        first, second = self.portfolios
        return self.division[first], self.division[second]


def load_pool(path: str | Path) -> Pool:
    """The pool in ``path``, checked to be one consistent pool."""
    path = Path(path)
    root = plain(load_yaml(path))

    def bad(message: str) -> RulesetError:
        return RulesetError(message, file=str(path), hint="keys: " + ", ".join(_POOL_KEYS) + " (docs/prove.md)")

    if not isinstance(root, dict) or sorted(root) != sorted(_POOL_KEYS):
        raise bad("a prove pool is a mapping with exactly " + ", ".join(_POOL_KEYS))
    names, division, role = root["names"], root["division"], root["portfolio_role"]
    for key, value in (("names", names), ("division", division)):
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in value.items()):
            raise bad(f"'{key}' maps codes to names")
    if len(division) < 2:
        raise bad("'division' names at least two portfolios")
    if not isinstance(role, str) or names.get(role) != next(iter(division.values())):
        raise bad("'portfolio_role' is a role whose name in 'names' holds the first portfolio")
    flags = root["person_flags"]
    if not isinstance(flags, list) or not all(isinstance(x, str) for x in flags):
        raise bad("'person_flags' lists field names")
    return Pool(names=dict(names), division=dict(division), portfolio_role=role, person_flags=tuple(flags))


def pool_for(directory: str | Path) -> Pool:
    """The pool beside the rule files in ``directory``, else the shipped one."""
    path = Path(directory) / PROVE_POOL_FILE
    return load_pool(path if path.is_file() else ruleset_dir() / PROVE_POOL_FILE)


@attrs.frozen
class Part:
    """One product of a split space: its name and the domains it sets on top of the shared ones."""

    name: str
    domains: Mapping[str, tuple[Any, ...]] = attrs.field(factory=dict)


@attrs.frozen
class Hints:
    """A ruleset's prove file: the anchor date, the class limit, explicit domains by path, parts."""

    anchor: str = ANCHOR
    limit: int = LIMIT
    domains: Mapping[str, tuple[Any, ...]] = attrs.field(factory=dict)
    file: str | None = None
    parts: tuple[Part, ...] = ()
    pool: Pool = attrs.field(factory=lambda: pool_for(ruleset_dir()))


def load_hints(path: str | Path, pool: Pool | None = None) -> Hints:
    """The prove file at ``path`` (none there: the defaults); ``pool``, else the pool beside it."""
    path = Path(path)
    if pool is None:
        pool = pool_for(path.parent)
    if not path.exists():
        return Hints(pool=pool)
    root = plain(load_yaml(path))
    if not isinstance(root, dict):
        raise RulesetError("a prove file is a mapping with 'domains'", file=str(path))
    for k in root:
        if k not in _HINT_KEYS:
            raise RulesetError(f"unknown key '{k}' in the prove file", file=str(path),
                               hint="keys: " + ", ".join(_HINT_KEYS))
    parts = root.get("parts") or []
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise RulesetError("'parts' is a list of mappings with 'name' and 'domains'", file=str(path))
    for p in parts:
        for k in p:
            if k not in _PART_KEYS:
                raise RulesetError(f"unknown key '{k}' in a part of the prove file", file=str(path),
                                   hint="keys: " + ", ".join(_PART_KEYS))
        if not p.get("name"):
            raise RulesetError("every part of the prove file needs a 'name'", file=str(path))
    return Hints(anchor=str(root.get("anchor", ANCHOR)), limit=int(root.get("limit", LIMIT)),
                 domains=_domains(root.get("domains"), path), file=str(path),
                 parts=tuple(Part(str(p["name"]), _domains(p.get("domains"), path)) for p in parts),
                 pool=pool)


def _domains(domains: Any, path: Path) -> dict[str, tuple[Any, ...]]:
    domains = domains or {}
    if not isinstance(domains, dict) or not all(isinstance(v, list) and v for v in domains.values()):
        raise RulesetError("'domains' maps a path (fact.field) to a non-empty list of values", file=str(path))
    return {str(k): tuple(v) for k, v in domains.items()}


class Conflict(NamedTuple):
    """Two rules that fired together with different outcomes, neither declared to override the other."""

    rule: str
    outcome: str
    other: str
    other_outcome: str


@attrs.frozen
class Counterexample:
    facts: Mapping[str, Any]
    fired: tuple[tuple[str, str], ...]  # (rule id, outcome) of the outcome-setting rules that fired
    outcome: str
    part: str | None = None  # the part of a split space it was found in
    conflicts: tuple[Conflict, ...] = ()  # an overlap's undeclared pairs


@attrs.frozen
class Proof:
    ruleset: str
    classes: int  # input classes enumerated
    distinct: int  # distinct engine inputs among them (what was actually run)
    rejected: int  # classes the validation rejected (InputError)
    gaps: tuple[Counterexample, ...]
    overlaps: tuple[Counterexample, ...]
    outcomes: Mapping[str, int]  # outcome → number of classes
    error: str | None = None  # the space could not be built or run (too large, calendar)
    # (the class with a fact not given, the completion that gets another outcome)
    unsound: tuple[tuple[Counterexample, Counterexample], ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and not self.gaps and not self.overlaps and not self.unsound


class TooLarge(Exception):
    pass


class _Domains:
    def __init__(self, spec: RulesetSpec, hints: Hints, deadlines: list[str]) -> None:
        self.spec = spec
        self.hints = hints
        self.deadlines = deadlines
        self.anchors = _anchor_paths(spec)
        self.limit = hints.limit

    def fact(self, f: FieldSpec) -> list[Any]:
        # A top-level optional object is given or not as a whole (its fields vary inside it).
        return self.of(f.type, f.name, f.required)

    def of(self, t: TypeSpec, path: str, required: bool) -> list[Any]:
        if path in self.hints.domains:
            return [copy.deepcopy(v) for v in self.hints.domains[path]]
        absent = [] if required else [None]
        kind = t.kind
        if kind == "bool":
            return absent + [False, True]
        if kind == "enum":
            return absent + [c for c, _ in t.values]
        if kind == "int":
            low = t.minimum if t.minimum is not None else 0
            return absent + list(range(low, low + 4))
        if kind == "str":
            return absent + ["甲"]
        if kind == "date":
            if path in self.anchors:
                return [self.hints.anchor]
            days = [self.hints.anchor] + self.deadlines
            around = sorted({_shift(d, k) for d in days for k in (-1, 0, 1)})
            return absent + around
        if kind == "mapping":
            first, _ = self.hints.pool.portfolios
            return [{}, {first: self.hints.pool.division[first]}, dict(self.hints.pool.division)]
        if kind == "list":
            return self._list(t, path)
        if kind == "object":
            if t.name == "person" or (t.field("name") and t.field("role")):
                return absent + _persons(t, self.hints.pool)
            names = [f.name for f in t.fields]
            parts = [self.of(f.type, f"{path}.{f.name}", f.required) for f in t.fields]
            self._check_size(parts, path)
            objs = [{k: v for k, v in zip(names, combo) if v is not None} for combo in itertools.product(*parts)]
            return absent + objs
        raise TooLarge(f"no generic domain for {path} ({kind}); list its values in the prove file")

    def _list(self, t: TypeSpec, path: str) -> list[Any]:
        it = t.items
        assert it is not None
        if it.kind == "enum":
            codes = [c for c, _ in it.values]
            return [[], codes] + [[c for c in codes if c != x] for x in codes]
        if it.kind == "str":
            (p1, p2), (h1, h2) = self.hints.pool.portfolios, self.hints.pool.holders
            return [[], [p1], [p1, p2], [h1], [h1, h2]]
        items = self.of(it, f"{path}[]", True)
        return [[]] + [[x] for x in items]

    def _check_size(self, parts: list[list[Any]], path: str) -> None:
        n = 1
        for p in parts:
            n *= len(p)
        if n > self.limit:
            raise TooLarge(f"{path}: {n} combinations exceed the limit {self.limit}; list its values "
                           f"(or those of its fields) under 'domains' in rulesets/{self.spec.name}.prove.yaml")


def _persons(t: TypeSpec, pool: Pool) -> list[dict[str, Any]]:
    roles = [c for c, _ in t.field("role").type.values]
    (first, second), (_, second_holder) = pool.portfolios, pool.holders
    flags = [x for x in pool.person_flags if t.field(x) is not None]
    out = []
    for role in roles:
        for values in itertools.product((False, True), repeat=len(flags)):
            p = {"name": pool.names.get(role, role), "role": role, **dict(zip(flags, values))}
            if role == pool.portfolio_role and t.field("portfolios") is not None:
                p["portfolios"] = [first]
            out.append(p)
    if pool.portfolio_role in roles:
        p = {"name": second_holder, "role": pool.portfolio_role}
        if t.field("portfolios") is not None:
            p["portfolios"] = [second]
        out.append(p)
    return out


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _anchor_paths(spec: RulesetSpec) -> set[str]:
    """Date inputs that deadlines are computed from: they keep the anchor value."""
    out = set()
    for d in spec.derive:
        fn = FUNCTIONS.get(d.function)
        if fn is not None and fn.returns == "date":
            for _, v in d.args:
                if isinstance(v, str) and "." in v:
                    out.add(v)
    return out


def _deadlines(spec: RulesetSpec, runner: Any, anchor: str) -> list[str]:
    """The dates derived when every date input is the anchor."""
    facts: dict[str, Any] = {}
    for f in spec.facts:
        if f.type.kind == "object":
            facts[f.name] = {s.name: anchor for s in f.type.fields if s.type.kind == "date"}
            for s in f.type.fields:
                if s.required and s.type.kind != "date":
                    facts[f.name][s.name] = _sample(s.type)
    try:
        prepared = runner.prepare(facts)
    except (InputError, CalendarError, TypeError, ValueError):
        return []
    return [day for day, _ in runner.derived_dates(prepared)]


def _sample(t: TypeSpec) -> Any:
    return {"bool": False, "int": t.minimum or 0, "str": "甲", "enum": t.values[0][0] if t.values else None,
            "list": [], "mapping": {}}.get(t.kind, {})


def classes(spec: RulesetSpec, runner: Any, hints: Hints) -> tuple[int, Iterator[dict[str, Any]]]:
    """How many input classes, and an iterator over them (each a facts mapping)."""
    total, space = _space(spec, runner, hints)
    return total, (facts for _, facts in space)


def _space(spec: RulesetSpec, runner: Any,
           hints: Hints) -> tuple[int, Iterator[tuple[str | None, dict[str, Any]]]]:
    """How many input classes, and an iterator over (part name, facts)."""
    total, space = 0, []
    deadlines = _deadlines(spec, runner, hints.anchor)
    for part, domains in _split(hints):
        tail = f" in part '{part}'" if part else ""
        doms = _Domains(spec, attrs.evolve(hints, domains=domains, parts=()), deadlines)
        try:
            axes = [doms.fact(f) for f in spec.facts]
        except TooLarge as exc:
            raise TooLarge(f"{exc}{tail}") from None
        size = 1
        for a in axes:
            size *= len(a)
        total += size
        space.append((part, axes))
        if total > hints.limit:
            sizes = ", ".join(f"{f.name}: {len(a)}" for f, a in zip(spec.facts, axes))
            raise TooLarge(f"{total} input classes exceed the limit {hints.limit} ({sizes}{tail}); narrow the "
                           f"domains in rulesets/{spec.name}.prove.yaml")
    names = [f.name for f in spec.facts]

    def gen() -> Iterator[tuple[str | None, dict[str, Any]]]:
        for part, axes in space:
            for combo in itertools.product(*axes):
                yield part, {n: copy.deepcopy(v) for n, v in zip(names, combo) if v is not None}
    return total, gen()


def _split(hints: Hints) -> list[tuple[str | None, Mapping[str, tuple[Any, ...]]]]:
    """(part name, domains) for each product: the shared domains, with each part's on top."""
    if not hints.parts:
        return [(None, hints.domains)]
    return [(p.name, {**hints.domains, **p.domains}) for p in hints.parts]


def prove(runner: Any, hints: Hints | None = None) -> Proof:
    """Enumerate the input classes of ``runner``'s ruleset and check: no gap, no overlap."""
    spec = runner.spec
    hints = hints or Hints()
    try:
        total, space = _space(spec, runner, hints)
    except TooLarge as exc:
        return Proof(spec.name, 0, 0, 0, (), (), {}, error=str(exc))
    outcome_of = {r.id: r.then.outcome for r in spec.rules if r.then.outcome}
    beats = precedence(spec)
    cache: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {}
    gaps: list[Counterexample] = []
    overlaps: list[Counterexample] = []
    counts: dict[str, int] = {}
    rejected = 0
    decided: dict[str, tuple[str, dict[str, Any], str | None]] = {}  # class → (outcome, facts, part)
    cited: dict[str, bool] = {}
    for part, facts in space:
        try:
            prepared = runner.prepare(facts)
            # Keyed by the derived facts, not only what the strict engine sees: a list not given and
            # an empty one give the same engine facts but not the same needs or outcome.
            key = json.dumps(prepared.facts, ensure_ascii=False, sort_keys=True, default=str)
            if key not in cache:
                verdict = runner.decide(prepared)
                fired = tuple(dict.fromkeys((t.rule, outcome_of[t.rule]) for t in verdict.trace
                                            if t.rule in outcome_of))
                cache[key] = (fired, verdict.outcome)
                # Decided by the default with facts not given: every completion fires a rule
                # giving that outcome, and the verdict cites them (clauses), so it is no gap.
                cited[key] = bool(verdict.clauses) and not fired and verdict.outcome != UNDETERMINED
        except InputError:
            rejected += 1
            continue
        except CalendarError as exc:
            return Proof(spec.name, total, len(cache), rejected, tuple(gaps), tuple(overlaps), counts,
                         error=f"calendar: {exc}")
        fired, outcome = cache[key]
        counts[outcome] = counts.get(outcome, 0) + 1
        decided[_canon(facts)] = (outcome, facts, part)
        if not fired and outcome != UNDETERMINED and not cited[key]:
            gaps.append(Counterexample(facts, fired, outcome, part))
        elif conflicts := undeclared_conflicts(fired, beats):
            overlaps.append(Counterexample(facts, fired, outcome, part, conflicts))
    unsound = _unsound(spec, decided)
    return Proof(spec.name, total, len(cache), rejected, tuple(gaps), tuple(overlaps), counts,
                 unsound=tuple(unsound))


def _canon(facts: Mapping[str, Any]) -> str:
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str)


def _unsound(spec: RulesetSpec, decided: Mapping[str, tuple[str, dict[str, Any], str | None]]
             ) -> list[tuple[Counterexample, Counterexample]]:
    """Pairs (a class with one fact fewer, its completion) whose decided outcomes differ."""
    out: list[tuple[Counterexample, Counterexample]] = []
    for outcome, facts, part in decided.values():
        for fewer in _one_fact_fewer(spec, facts):
            found = decided.get(_canon(fewer))
            if found is None or found[0] in (UNDETERMINED, outcome):
                continue
            out.append((Counterexample(fewer, (), found[0], found[2]), Counterexample(facts, (), outcome, part)))
            if len(out) >= 20:  # enough to show; the proof has failed either way
                return out
    return out


def _one_fact_fewer(spec: RulesetSpec, facts: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """``facts`` without one optional fact it gives, at any depth (a field of a list's item too)."""
    yield from _fewer_fields(spec.facts, facts)


def _fewer_fields(fields: tuple[FieldSpec, ...], value: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    # A field marked 'omitted: none' is left out on purpose: not giving it is a statement.
    for f in fields:
        if f.name not in value:
            continue
        if not f.required and f.omitted != "none":
            yield {k: v for k, v in value.items() if k != f.name}
        for smaller in _fewer_value(f.type, value[f.name]):
            yield {**value, f.name: smaller}


def _fewer_value(t: TypeSpec, value: Any) -> Iterator[Any]:
    if t.kind == "object" and isinstance(value, dict):
        yield from _fewer_fields(t.fields, value)
    elif t.kind == "list" and t.items is not None and isinstance(value, list):
        for i, item in enumerate(value):
            for smaller in _fewer_value(t.items, item):
                yield value[:i] + [smaller] + value[i + 1:]


def precedence(spec: RulesetSpec) -> frozenset[tuple[str, str]]:
    """(winner, loser) for every declared override, followed transitively."""
    direct = {r.id: set(r.overrides) for r in spec.rules}
    out: set[tuple[str, str]] = set()
    for rid in direct:
        stack, seen = list(direct[rid]), set()
        while stack:
            other = stack.pop()
            if other in seen:
                continue
            seen.add(other)
            out.add((rid, other))
            stack.extend(direct.get(other, ()))
    return frozenset(out)


def undeclared_conflicts(fired: tuple[tuple[str, str], ...],
                         beats: frozenset[tuple[str, str]]) -> tuple[Conflict, ...]:
    """The pairs of fired rules with different outcomes where neither overrides the other."""
    out = []
    for i, (rule, outcome) in enumerate(fired):
        for other, other_outcome in fired[i + 1:]:
            if outcome != other_outcome and (rule, other) not in beats and (other, rule) not in beats:
                out.append(Conflict(rule, outcome, other, other_outcome))
    return tuple(out)


def hints_for(rule_file: str | Path) -> Hints:
    rule_file = Path(rule_file)
    return load_hints(rule_file.with_name(f"{rule_file.stem}.prove.yaml"))


def hints_for_pack(pack: Pack, name: str) -> Hints:
    """Ruleset ``name``'s prove file and pool in a regulation pack: each the newest version's that has one.

    A pack's own prove file beside no pool takes its base's pool (the nearest version's), not the
    shipped one; a pack with no pool anywhere in its versions takes the shipped pool.
    """
    prove_file = pack.file(f"{name}.prove.yaml") or pack.directory / f"{name}.prove.yaml"
    from ._packs import prove_pool

    pool_file = prove_pool(pack) or ruleset_dir() / PROVE_POOL_FILE
    return load_hints(prove_file, load_pool(pool_file))


def _labels(spec: RulesetSpec) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(prefix: str, fields: Any) -> None:
        for f in fields:
            out[prefix + f.name] = f.label
            if f.type.kind == "object":
                walk(prefix + f.name + ".", f.type.fields)
    walk("", spec.facts)
    return out


def describe(spec: RulesetSpec, facts: Mapping[str, Any]) -> list[str]:
    """An input class as lines a person reads: 'conference.town_wide（是否为全镇性大会）= 否'."""
    labels = _labels(spec)
    lines: list[str] = []

    def show(v: Any) -> str:
        if isinstance(v, bool):
            return "是" if v else "否"
        return json.dumps(v, ensure_ascii=False, sort_keys=True) if not isinstance(v, str) else v

    def walk(prefix: str, value: Any, fields: Any) -> None:
        for f in fields:
            path = prefix + f.name
            v = value.get(f.name) if isinstance(value, Mapping) else None
            if f.type.kind == "object" and isinstance(v, Mapping) and f.type.name != "person":
                walk(path + ".", v, f.type.fields)
                continue
            shown = "（未填写）" if v is None else show(v)
            label = labels.get(path)
            lines.append(f"{path}{'（' + label + '）' if label else ''} = {shown}")
    walk("", facts, spec.facts)
    return lines


def render(proof: Proof, spec: RulesetSpec) -> str:
    head = f"规则集 {proof.ruleset}："
    if proof.error:
        return head + f"无法证明 —— {proof.error}"
    lines = [head + f"{proof.classes} 个输入类（{proof.distinct} 个不同的引擎输入，{proof.rejected} 个被输入校验拒绝）；"
             + "结论分布 " + "、".join(f"{k} {v}" for k, v in sorted(proof.outcomes.items()))]
    if proof.ok:
        lines.append("  无缺口、无重叠：每个输入类恰有一个结论由规则给出；没有结论建立在未提供的事实上。")
        return "\n".join(lines)
    lines.append(f"  缺口 {len(proof.gaps)} 个，重叠 {len(proof.overlaps)} 个，"
                 f"建立在未提供事实上的结论 {len(proof.unsound)} 个。")
    if proof.unsound:
        fewer, more = proof.unsound[0]
        lines.append("  第一个建立在未提供事实上的结论：少给一项事实时结论为 "
                     f"{fewer.outcome}，补上这项事实后却是 {more.outcome}。")
        lines.append("    少给一项事实时：")
        lines.extend(f"      {x}" for x in describe(spec, fewer.facts))
        lines.append("    补上后：")
        lines.extend(f"      {x}" for x in describe(spec, more.facts))
    for kind, items in (("缺口（没有任何给出结论的规则触发，只落到默认结论）", proof.gaps),
                        ("重叠（给出不同结论的规则同时触发）", proof.overlaps)):
        if not items:
            continue
        first = items[0]
        lines.append(f"  第一个{kind}" + (f"（证明的部分「{first.part}」）" if first.part else "") + "：")
        lines.extend(f"    {x}" for x in describe(spec, first.facts))
        if first.fired:
            lines.append("    触发：" + "；".join(f"{r} → {o}" for r, o in first.fired))
        for c in first.conflicts:
            lines.append(f"    未声明优先：{c.rule} → {c.outcome} 与 {c.other} → {c.other_outcome}"
                         "（两条规则都没有以 overrides 声明优先于对方）")
        lines.append(f"    最终结论：{first.outcome}")
    return "\n".join(lines)
