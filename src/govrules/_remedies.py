"""What would change this verdict: the smallest changes of facts that make it allowed.

Found by re-evaluation, never written per rule. From the validated facts, every field offers
candidate changes by its type: a bool flips, an enum takes each other code, a count moves by
one, a date moves to each deadline the ruleset derived, a list of names gains a name found in
the facts (persons, the division, other name lists), a person is replaced by another person in
the facts (or given another role), a missing value is filled. Each candidate is re-evaluated
alone; those giving an allowed verdict are the one-change remedies. Candidates that changed
the verdict without allowing it (a finding went away, a count moved) are then combined in pairs
and, if still nothing, triples, within an evaluation budget. Only set-minimal combinations are
kept (no remedy contains another). Cost: one evaluation per candidate plus the combinations,
only for verdicts that are not allowed (see docs/auditing.md).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import math
import re
import time
from typing import Any, Iterable, Mapping, NamedTuple

import attrs

from ._calendar import WorkingCalendar
from ._errors import CalendarError, InputError
from ._model import FieldSpec, TypeSpec, Verdict
from ._validate import validate

MAX_REMEDIES = 8
# The search's budget (docs/auditing.md): at most BUDGET re-evaluations, and at most WORK_BUDGET
# values re-evaluated in all (evaluations × values in the facts), so a meeting of 3,000 leaders
# gets a few dozen evaluations instead of 300 (55 s). Both are counts, so the remedies stay the
# same on every machine. TIME_LIMIT is a last resort for an overloaded machine: hitting it gives
# fewer remedies, never minutes. BUDGET was 300 before facts not given added candidates (each may
# be supplied): the decision case with nothing done needs ~700.
BUDGET = 1000
WORK_BUDGET = 200_000
TIME_LIMIT = 10.0  # seconds
FILL = "（待填写）"  # the value proposed for a missing free-text field or name
EXAMPLE_DATE = "2026-01-05"  # proposed for a missing date when the facts offer no date at all
MAX_GREEDY_STEPS = 20
_AFFIRMATIVE = ("add", "fill", "flip_on", "date", "count", "person")  # doing something, not redefining the matter
_KIND_RANK = {"add": 0, "fill": 0, "flip_on": 0, "date": 1, "count": 1, "person": 2, "role": 3, "enum": 3,
              "name": 3, "flip_off": 4}
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@attrs.frozen
class Change:
    path: str
    before: Any
    after: Any
    description: str
    kind: str = attrs.field(default="enum", eq=False)
    where: str = attrs.field(default="", eq=False)  # the field as a person reads it, for merged additions
    added: tuple[Any, ...] = attrs.field(default=(), eq=False)  # what an "add" puts into a list/mapping
    shown: tuple[str, ...] = attrs.field(default=(), eq=False)  # the same, as a person reads it

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "from": self.before, "to": self.after, "description": self.description}


def _zh(value: Any, t: TypeSpec | None = None) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if t is not None and t.kind == "enum":
        return dict(t.values).get(value, str(value))
    if isinstance(value, list):
        return "、".join(_zh(v, t.items if t else None) for v in value) or "（无）"
    if isinstance(value, Mapping) and "name" in value:
        return str(value["name"])
    return str(value)


def _is_person(t: TypeSpec) -> bool:
    return t.kind == "object" and t.field("name") is not None and t.field("role") is not None


def _project(person: Mapping[str, Any], t: TypeSpec) -> dict[str, Any]:
    """A person as the target type declares it (a leader's 'present' is not a signer's field)."""
    return {f.name: person[f.name] for f in t.fields if f.name in person}


class _Pools:
    """What the facts themselves offer as replacement values: persons, names, strings, deadlines."""

    def __init__(self, facts: Iterable[FieldSpec], typed: Mapping[str, Any], dates: list[tuple[str, str]]) -> None:
        self.persons: list[dict[str, Any]] = []
        self.strings: list[str] = []
        self.names: list[str] = []
        self.keys: list[str] = []  # the division's portfolios
        self.dates = dates
        # Membership beside each list (by id of the list): list scans made 3,000 leaders quadratic.
        self._members: dict[int, set[Any]] = {id(self.strings): set(), id(self.names): set(), id(self.keys): set()}
        self._person_names: set[Any] = set()
        division: dict[str, str] = {}
        holder_role = None
        for f in facts:
            if f.type.kind == "mapping":
                division.update(typed.get(f.name) or {})  # the division: portfolio → the person in charge
                holder_role = holder_role or f.type.holder_role
        self._walk(typed)
        for portfolio, name in division.items():
            self._add(self.keys, portfolio)
            self._add(self.strings, portfolio)
            self._add(self.strings, name)
            self._add(self.names, name)
        portfolios: dict[str, list[str]] = {}
        for portfolio, name in division.items():
            portfolios.setdefault(name, []).append(portfolio)
        for name, held in portfolios.items():
            if holder_role is not None and name not in self._person_names:
                self._person_names.add(name)
                self.persons.append({"name": name, "role": holder_role, "portfolios": held})
        self.name_set = frozenset(self.names)
        self.key_set = frozenset(self.keys)
        self.string_set = frozenset(self.strings)

    def _add(self, into: list[Any], value: Any) -> None:
        seen = self._members[id(into)]
        try:
            if value in seen:
                return
            seen.add(value)
        except TypeError:  # unhashable: the list scan
            if value in into:
                return
        into.append(value)

    def _walk(self, value: Any) -> None:
        if isinstance(value, Mapping):
            if isinstance(value.get("name"), str) and isinstance(value.get("role"), str):
                if value["name"] not in self._person_names:
                    self._person_names.add(value["name"])
                    self.persons.append(dict(value))
                self._add(self.names, value["name"])
            for v in value.values():
                self._walk(v)
        elif isinstance(value, list):
            for v in value:
                if isinstance(v, str):
                    self._add(self.strings, v)
                else:
                    self._walk(v)


class _Enough(Exception):
    pass


class _Bounded(list):  # type: ignore[type-arg]
    """A list that stops the candidate walk once it holds ``limit`` changes."""

    def __init__(self, limit: int | None) -> None:
        super().__init__()
        self.limit = limit

    def append(self, item: Any) -> None:
        super().append(item)
        if self.limit is not None and len(self) >= self.limit:
            raise _Enough


def candidates(spec_facts: Iterable[FieldSpec], typed: Mapping[str, Any], pools: _Pools,
               limit: int | None = None) -> list[Change]:
    """Every single-field change the facts offer, in declaration order (the first ``limit`` of them).

    The search evaluates each single in order until its budget is spent, so candidates past
    the budget are never looked at: not making them keeps 3,000 leaders from costing seconds.
    """
    out = _Bounded(limit)
    try:
        for f in spec_facts:
            _field(f, typed.get(f.name), f.name, f.label or f.name, pools, out)
    except _Enough:
        pass
    return list(out)


def _field(f: FieldSpec, value: Any, path: str, label: str, pools: _Pools, out: list[Change]) -> None:
    t = f.type
    where = f"{label}（{path}）"
    kind = t.kind
    if kind == "bool":
        if value is None:  # not given: either answer is a change worth trying (CONTRACT §1)
            for answer in (True, False):
                out.append(Change(path, None, answer, f"说明{where}：「{_zh(answer)}」", "fill"))
            return
        now = bool(value)
        out.append(Change(path, now, not now, f"{where}由「{_zh(now)}」改为「{_zh(not now)}」",
                          "flip_off" if now else "flip_on"))
    elif kind == "enum":
        for code, zh in t.values:
            if code != value:
                verb = f"由「{_zh(value, t)}」改为" if value is not None else "填为"
                out.append(Change(path, value, code, f"{where}{verb}「{zh}」", "enum"))
    elif kind == "int":
        low = t.minimum if t.minimum is not None else 0
        options = [value - 1, value + 1] if isinstance(value, int) else [low, 1]
        for n in dict.fromkeys(n for n in options if n >= low):
            out.append(Change(path, value, n, f"{where}由 {_zh(value)} 改为 {n}", "count"))
    elif kind == "date":
        if value is None and not pools.dates:
            out.append(Change(path, None, EXAMPLE_DATE, f"填写{where}（实际日期；此处以 {EXAMPLE_DATE} 示意）", "fill"))
        for day, what in pools.dates:
            if day != value:
                verb = f"由 {value} 改为" if value else "填为"
                out.append(Change(path, value, day, f"{where}{verb} {day}（{what}）{_shift(value, day)}", "date"))
    elif kind == "str":
        options = pools.names if value is not None else [FILL, *pools.names]
        for s in options:
            if s != value:
                text = f"填写{where}" if s == FILL else f"{where}{'由「' + value + '」改为' if value else '填为'}「{s}」"
                out.append(Change(path, value, s, text, "fill" if value is None else "name"))
    elif kind == "list" and t.items is not None:
        _list(f, value or [], path, label, pools, out)
    elif kind == "object":
        if value is None:
            if _is_person(t):
                _absent_person(t, path, where, pools, out)
                return
            value = {}  # an object not given: its fields may be supplied one by one
        if _is_person(t):
            _person(f, value, path, where, pools, out)
            return
        for sub in t.fields:
            _field(sub, value.get(sub.name), f"{path}.{sub.name}", sub.label or sub.name, pools, out)
    elif kind == "mapping":
        # The division describes the organisation: an entry it already has is never changed;
        # a portfolio it lacks may be given to a vice mayor named in the facts.
        value = value or {}
        keys = [x for x in pools.strings if x not in pools.names and x not in value]
        names = [p["name"] for p in pools.persons if p.get("role") == t.holder_role] or pools.names
        for key in keys:
            for name in names:
                out.append(Change(path, dict(value), {**value, key: name}, f"在{where}中写明 {key} 由 {name} 分管",
                                  "add", where, ((key, name),)))


def _absent_person(t: TypeSpec, path: str, where: str, pools: _Pools, out: list[Change]) -> None:
    roles = dict(t.field("role").type.values)
    offered = set()
    for p in pools.persons:
        if p.get("role") in roles:
            new = _project(p, t)
            offered.add(new["role"])
            out.append(Change(path, None, new, f"由 {new['name']}（{roles[new['role']]}）担任{where}", "fill"))
    for code, zh in roles.items():
        if code not in offered:
            out.append(Change(path, None, {"name": FILL, "role": code}, f"由一位{zh}担任{where}", "fill"))


def _person(f: FieldSpec, value: Mapping[str, Any], path: str, where: str, pools: _Pools,
            out: list[Change]) -> None:
    t = f.type
    roles = dict(t.field("role").type.values)
    offered = set()
    for p in pools.persons:
        if p.get("name") != value.get("name") and p.get("role") in roles:
            new = _project(p, t)
            offered.add(new["role"])
            out.append(Change(path, dict(value), new,
                              f"{where}改由 {new['name']}（{roles[new['role']]}）担任", "person"))
    for code, zh in roles.items():
        if code != value.get("role") and code not in offered:
            new = {**value, "role": code}
            out.append(Change(path, dict(value), new, f"{where}改由一位{zh}担任", "role"))
    for sub in t.fields:
        if sub.type.kind == "bool":
            _field(sub, value.get(sub.name), f"{path}.{sub.name}", f"{_zh(value)} {sub.label or sub.name}",
                   pools, out)


def _list(f: FieldSpec, items: list[Any], path: str, label: str, pools: _Pools, out: list[Change]) -> None:
    it = f.type.items
    assert it is not None
    where = f"{label}（{path}）"
    if it.kind == "enum":
        for code, zh in it.values:
            if code not in items:
                out.append(Change(path, list(items), [*items, code], f"在{where}中加入「{zh}」", "add", where,
                                  (code,), (zh,)))
    elif it.kind == "str":
        # A list of names gains names, a list of portfolios gains portfolios; an empty one either.
        if any(x in pools.name_set for x in items):
            family = pools.names
        elif any(x in pools.key_set for x in items):
            family = pools.keys
        else:
            family = pools.strings + [n for n in pools.names if n not in pools.string_set]
        have = set(items)
        for s in family:
            if s not in have:
                out.append(Change(path, list(items), [*items, s], f"在{where}中加入「{s}」", "add", where, (s,), (s,)))
    elif it.kind == "object":
        if _is_person(it):
            have = {x.get("name") for x in items}
            for p in pools.persons:
                if p.get("name") not in have:
                    new = _project(p, it)
                    # Shallow copies: apply() deep-copies what it sets, and the typed facts
                    # are the search's own (a deep copy per candidate was quadratic).
                    out.append(Change(path, list(items), [*items, new],
                                      f"在{where}中加入 {new['name']}", "add", where, (new,),
                                      (new["name"],)))
        for i, item in enumerate(items):
            name = item.get("name") or item.get("title")
            for sub in it.fields:
                if _is_person(it) and sub.type.kind != "bool":
                    continue  # a listed person's name and role are who they are, not a remedy
                sub_label = f"{label}第{i + 1}项{('（' + str(name) + '）') if name else ''}的{sub.label or sub.name}"
                _field(sub, item.get(sub.name), f"{path}[{i}].{sub.name}", sub_label, pools, out)


def _shift(before: Any, after: str) -> str:
    if not before:
        return ""
    days = (dt.date.fromisoformat(after) - dt.date.fromisoformat(before)).days
    return f"，提前 {-days} 天" if days < 0 else f"，推后 {days} 天"


def apply(facts: Any, changes: Iterable[Mapping[str, Any] | Change]) -> Any:
    """A deep copy of ``facts`` with each change's ``to`` set at its ``path`` (``a.b[2].c``)."""
    out = copy.deepcopy(facts)
    for change in changes:
        path, value = (change.path, change.after) if isinstance(change, Change) else (change["path"], change["to"])
        tokens = [(m.group(1), m.group(2)) for m in _TOKEN.finditer(path)]
        target = out
        for n, (key, index) in enumerate(tokens):
            last = n == len(tokens) - 1
            if key is not None:
                if last:
                    target[key] = copy.deepcopy(value)
                else:
                    if target.get(key) is None:  # not given, or given as null: the change supplies it
                        target[key] = [] if tokens[n + 1][1] is not None else {}
                    target = target[key]
            else:
                if last:
                    target[int(index)] = copy.deepcopy(value)
                else:
                    target = target[int(index)]
    return out


def _deadlines(runner: Any, typed: Mapping[str, Any], calendar: WorkingCalendar | None) -> list[tuple[str, str]]:
    """The dates the ruleset derives (deadlines) for these facts, with their labels."""
    try:
        return runner.derived_dates(runner.derive(typed, calendar))
    except (InputError, CalendarError):
        return []


def _signature(v: Verdict) -> str:
    """What a change moved: the outcome, the non-info findings, and the data (calendar aside)."""
    return json.dumps([v.outcome, sorted((f.rule, f.message) for f in v.findings if f.severity != "info"),
                       [n.path for n in v.needs],
                       # remedies are skipped unread: reading them would start a search of their own
                       {k: v.data[k] for k in v.data if k not in ("calendar", "remedies")}],
                      ensure_ascii=False, sort_keys=True, default=str)


def merge(changes: Iterable[Change]) -> list[Change] | None:
    """Changes as one edit per path: additions to the same list or mapping are combined into one;
    any other two changes of one path (or of a path and a field inside it) conflict → None."""
    out: list[Change] = []
    for c in changes:
        same = next((i for i, o in enumerate(out) if o.path == c.path), None)
        if same is None:
            if any(o.path.startswith(c.path + ".") or o.path.startswith(c.path + "[")
                   or c.path.startswith(o.path + ".") or c.path.startswith(o.path + "[") for o in out):
                return None
            out.append(c)
            continue
        o = out[same]
        if o.kind != "add" or c.kind != "add":
            return None
        added = o.added + tuple(x for x in c.added if x not in o.added)
        shown = o.shown + tuple(x for x in c.shown if x not in o.shown)
        if isinstance(o.before, Mapping):
            if any(k in dict(o.added) for k, _ in c.added):
                return None
            after: Any = {**o.before, **dict(added)}
            text = f"在{o.where}中写明 " + "、".join(f"{k} 由 {v} 分管" for k, v in added)
        else:
            after = [*copy.deepcopy(o.before), *copy.deepcopy(list(added))]
            text = f"在{o.where}中加入 " + "、".join(shown)
        out[same] = Change(o.path, o.before, after, text, "add", o.where, added, shown)
    return out


def _weight(v: Verdict) -> int:
    """How far from allowed: the findings that are not mere information, and the facts still needed."""
    return sum(1 for f in v.findings if f.severity != "info") + sum(1 for n in v.needs if n.outcome)


def search(runner: Any, facts: Any, verdict: Verdict, calendar: WorkingCalendar | None = None, *,
           max_changes: int = 3, budget: int = BUDGET) -> list[dict[str, Any]]:
    """The set-minimal changes that make the verdict allowed, fewest changes first.

    Singles, then pairs (and triples while nothing is found) of the changes that moved the
    verdict; if none of those allows it, a greedy walk adds the change that removes the most
    findings until the verdict is allowed, then drops every change not needed.
    """
    supply = _supply(verdict)
    typed = validate(runner.spec, facts)
    started = time.monotonic()
    budget = max(1, min(budget, WORK_BUDGET // _size(typed)))
    pools = _Pools(runner.spec.facts, typed, _deadlines(runner, typed, calendar))
    cands = candidates(runner.spec.facts, typed, pools, limit=budget)
    base = _signature(verdict)
    spent = 0

    def exhausted() -> bool:
        return spent >= budget or time.monotonic() - started > TIME_LIMIT
    found: dict[tuple[int, ...], tuple[list[Change], str]] = {}
    moved: list[int] = []

    def run(combo: tuple[int, ...]) -> tuple[Verdict | None, list[Change] | None]:
        nonlocal spent
        merged = merge(cands[i] for i in combo)
        if merged is None:
            return None, None
        spent += 1
        try:
            return runner.evaluate(apply(typed, merged), calendar=calendar), merged
        except (InputError, CalendarError):
            return None, merged

    for i in range(len(cands)):
        if exhausted():
            break
        v, merged = run((i,))
        if v is None:
            continue
        if v.allowed:
            found[(i,)] = (merged, v.outcome)
        elif _signature(v) != base:
            moved.append(i)
    for size in range(2, max_changes + 1):
        # Pairs are always tried: a cheap one-field remedy ("not town-wide") must not hide the
        # real pair ("both consents"). Larger sets only while nothing was found, and only when
        # their number fits the budget.
        if found and size > 2:
            break
        if math.comb(len(moved), size) > budget - spent:  # counted before any is built
            break
        for combo in itertools.combinations(moved, size):
            if exhausted():
                break
            if any(set(f) <= set(combo) for f in found):
                continue
            v, merged = run(combo)
            if v is not None and v.allowed:
                found[combo] = (merged, v.outcome)
    fills = [i for i, c in enumerate(cands) if c.kind == "fill" and i not in moved]
    if not found and fills:
        # A change that leaves the verdict undetermined (a secret ruled out, others not said) is a
        # start: supplying the facts it then needs, one by one, may allow it. Tried first, as it is
        # targeted and cheap; the open walk below may spend the budget.
        for i in sorted(moved, key=lambda i: _KIND_RANK.get(cands[i].kind, 3)):
            v, _ = run((i,)) if not exhausted() else (None, None)
            if v is None or v.outcome != "undetermined":
                continue
            greedy = _greedy(run, fills, v, lambda: not exhausted(), start=(i,))
            if greedy is not None:
                found[greedy[0]] = greedy[1]
                break
    if not found:
        # First by doing things (adding, filling, confirming); only then by changing what the matter is.
        # Supplying a fact not given may matter only once another change is made (the facts a
        # department's homework needs, once the matter is the department's): those join the walk.
        for pool in ([i for i in moved if cands[i].kind in _AFFIRMATIVE] + fills, moved + fills):
            greedy = _greedy(run, pool, verdict, lambda: not exhausted())
            if greedy is not None:
                found[greedy[0]] = greedy[1]
                break
    ranked = sorted(found, key=lambda r: (len(found[r][0]), sum(_KIND_RANK.get(cands[i].kind, 3) for i in r), r))
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, ...]] = set()
    for r in ranked:
        changes = found[r][0]
        paths = tuple(sorted(c.path for c in changes))
        if paths in seen:
            continue  # the same fields changed to other values: the better-ranked one stands for them
        seen.add(paths)
        out.append({"changes": [c.to_dict() for c in changes],
                    "description": "；".join(c.description for c in changes), "outcome": found[r][1]})
    return (supply + out)[:MAX_REMEDIES]


def _supply(verdict: Verdict) -> list[dict[str, Any]]:
    """For an undetermined verdict, the first remedy: supply the facts that decide it (CONTRACT §2).

    It names no values: which value is right is the caller's to know, and the outcome follows
    from what is supplied (``"outcome": null``). The remedies after it show values that would allow.
    """
    deciding = [n for n in verdict.needs if n.outcome]
    if not deciding:
        return []
    paths = list(dict.fromkeys(n.path for n in deciding))
    labels = list(dict.fromkeys(n.label for n in deciding))
    return [{"changes": [{"path": p, "from": None, "to": None, "description": f"补充{p}"} for p in paths],
             "description": "补充未提供的事实：" + "、".join(labels) + "（补充后重新判定）", "outcome": None}]


def _size(value: Any) -> int:
    """How many values the facts hold (what one re-evaluation costs, roughly)."""
    if isinstance(value, Mapping):
        return 1 + sum(_size(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_size(v) for v in value)
    return 1


class _Step(NamedTuple):
    """The best next change in the greedy search: its score, index, the verdict it gives and the merged facts."""

    score: tuple[int, int]  # (0 if it allows, else 1; the verdict's weight): smaller is better
    change: int
    verdict: Verdict
    merged: Any


def _greedy(run: Any, moved: list[int], verdict: Verdict, affordable: Any, start: tuple[int, ...] = ()) -> Any:
    chosen: tuple[int, ...] = start
    current = verdict
    for _ in range(MAX_GREEDY_STEPS):
        best = None
        for i in moved:
            if i in chosen or not affordable():
                continue
            v, merged = run(chosen + (i,))
            if v is None or (not v.allowed and _signature(v) == _signature(current)):
                continue  # a change that moves nothing (e.g. supplying a fact no rule reads now)
            score = (0 if v.allowed else 1, _weight(v))
            if best is None or score < best.score:
                best = _Step(score, i, v, merged)
        if best is None or (best.score[0] and best.score[1] >= _weight(current)
                            and _signature(best.verdict) == _signature(current)):
            return None
        chosen, current = chosen + (best.change,), best.verdict
        if current.allowed:
            # Drop every change the verdict does not need, so the remedy is set-minimal.
            for i in list(chosen):
                trial = tuple(x for x in chosen if x != i)
                if trial and affordable():
                    v, merged = run(trial)
                    if v is not None and v.allowed:
                        chosen = trial
            v, merged = run(chosen)
            return (chosen, (merged, v.outcome)) if v is not None and v.allowed else None
    return None


# Read by the facade without importing this module (while nothing has imported it, nobody has
# switched the search off): see _facade._pending_remedies.
ENABLED = True


def enable(on: bool) -> None:
    """Switch the facade's remedy search on or off for this process (``govrules.configure(remedies=...)``)."""
    global ENABLED
    ENABLED = bool(on)


def render_remedies(verdict: Verdict) -> str:
    """The remedies as a clerk reads them (``govrules check --explain``)."""
    if verdict.allowed:
        return "结论已为可以办理，无需改变事实。"
    remedies = verdict.data.get("remedies") or []
    if not remedies:
        return "未找到能使结论变为可以办理的事实改变（搜索范围见 docs/auditing.md）。"
    lines = ["怎样才能改变这一结论（改变最少的事实，任选其一）："]
    for n, r in enumerate(remedies, 1):
        lines.append(f"  {n}. {r['description']}" + (f"  → {r['outcome']}" if r["outcome"] else ""))
        for c in r["changes"]:
            if r["outcome"] is None:
                lines.append(f"       {c['path']}: 待补充")
                continue
            lines.append(f"       {c['path']}: {json.dumps(c['from'], ensure_ascii=False)} → "
                         f"{json.dumps(c['to'], ensure_ascii=False)}")
    return "\n".join(lines)
