"""The impact of an amendment: which verdicts change between two regulation packs, and by which rule.

Every spec case of the base pack (and every record given) is evaluated under both packs; a
verdict *changes* when its outcome, its clauses, its needs or its findings (which rule found
what: an agenda item newly rejected) differ; a reworded message does not count. Each change is put down to the rule that made the difference: among the rules
that fired under one pack and not the other, the first in the amended rule file that sets an
outcome when the outcome changed, else the first. OpenFisca calls the amended legislation a
*reform*; this is its what-if over recorded cases (docs/packs.md, "What would change").
"""

from __future__ import annotations

import collections
import json
from typing import Any, Callable, Iterable, Iterator, Mapping

import attrs

from ._cases import Case, load_overlaid_cases
from ._errors import CalendarError, InputError
from ._facade import _evaluate
from ._packs import Pack

__all__ = ["Change", "Diff", "Group", "Skipped", "Tally", "case_pairs", "compare", "diff_cases", "diff_records", "render"]

NO_RULE = "—"  # no rule fired differently (a need or a clause changed through a fact not given)


@attrs.frozen
class Change:
    """One verdict that differs: where it came from, what it was, what it is, and why."""

    source: str  # "meeting.cases.yaml: <case name>" or "<records file>:<line>"
    ruleset: str
    rule: str
    before: Mapping[str, Any]  # {"outcome", "clauses", "needs"}
    after: Mapping[str, Any]
    only_before: tuple[str, ...] = ()  # rules that fired under the base only
    only_after: tuple[str, ...] = ()  # rules that fired under the amended pack only

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "ruleset": self.ruleset, "rule": self.rule, "before": dict(self.before),
                "after": dict(self.after), "only_before": list(self.only_before),
                "only_after": list(self.only_after)}


@attrs.frozen
class Skipped:
    """A record neither pack gave a verdict for: where it is, and why (as the base pack's run said)."""

    source: str  # "<records file>:<line>"
    reason: str  # e.g. "not valid JSON (…)", "InputError: meeting.leaders: …"

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "reason": self.reason}


@attrs.frozen
class Group:
    """The verdicts one rule changed: how many, and the first few."""

    ruleset: str
    rule: str
    count: int
    examples: tuple[Change, ...]


@attrs.frozen
class Diff:
    """What changed between ``base`` and ``amended`` (their stamps), over ``compared`` verdicts."""

    base: Mapping[str, str]
    amended: Mapping[str, str]
    compared: int
    groups: tuple[Group, ...]  # largest first, then by ruleset and rule
    skipped: int = 0  # records with no verdict under either pack (bad JSON, …)
    skipped_examples: tuple[Skipped, ...] = ()  # the first few of them, so a reader can find them

    @property
    def changed(self) -> int:
        """How many verdicts changed."""
        return sum(g.count for g in self.groups)

    def counts(self) -> dict[str, int]:
        """rule id → how many verdicts it changed."""
        return {g.rule: g.count for g in self.groups}

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": dict(self.base), "amended": dict(self.amended), "compared": self.compared,
            "changed": self.changed, "skipped": self.skipped,
            "skipped_examples": [s.to_dict() for s in self.skipped_examples],
            "groups": [{"ruleset": g.ruleset, "rule": g.rule, "count": g.count,
                        "examples": [c.to_dict() for c in g.examples]} for g in self.groups],
        }


class Tally:
    """Counts changes by rule as they stream past, keeping only the first ``examples`` of each
    (and of the records skipped)."""

    def __init__(self, examples: int = 3) -> None:
        self.examples = examples
        self.compared = 0
        self.skipped = 0
        self._skipped: list[Skipped] = []
        self._counts: dict[tuple[str, str], int] = {}
        self._kept: dict[tuple[str, str], list[Change]] = {}

    def add(self, change: Change | Skipped | None) -> None:
        """One record or case: a change, no change (None), or a record with no verdict under either pack."""
        if isinstance(change, Skipped):
            self.skipped += 1
            if len(self._skipped) < self.examples:
                self._skipped.append(change)
            return
        self.compared += 1
        if change is None:
            return
        key = (change.ruleset, change.rule)
        self._counts[key] = self._counts.get(key, 0) + 1
        kept = self._kept.setdefault(key, [])
        if len(kept) < self.examples:
            kept.append(change)

    def result(self, base: Pack, amended: Pack) -> Diff:
        groups = sorted((Group(r, rule, n, tuple(self._kept[(r, rule)])) for (r, rule), n in self._counts.items()),
                        key=lambda g: (-g.count, g.ruleset, g.rule))
        return Diff(base.stamp, amended.stamp, self.compared, tuple(groups), self.skipped, tuple(self._skipped))


def _essence(verdict: Mapping[str, Any]) -> dict[str, Any]:
    if "error" in verdict:
        return {"outcome": f"error: {verdict['error']}", "clauses": [], "needs": [], "findings": []}
    return {"outcome": verdict["outcome"], "clauses": list(verdict["clauses"]),
            "needs": sorted(f"{n['path']}{'' if n['outcome'] else ' (finding)'}" for n in verdict["needs"]),
            # Which rules found what (an agenda item newly rejected), not how the message words it.
            "findings": sorted(f"{f['rule']} [{f['clause']}]" for f in verdict["findings"])}


def _fired(verdict: Mapping[str, Any]) -> collections.Counter[str]:
    return collections.Counter(step["rule"] for step in verdict.get("trace", ()))


def compare(source: str, ruleset: str, before: Mapping[str, Any], after: Mapping[str, Any],
            order: Callable[[str], tuple[int, int]]) -> Change | None:
    """The change between two verdicts (``to_dict()`` or ``{"error": type}``), or None when they agree.

    ``order(rule)`` ranks a rule: (0 when it sets an outcome, else 1; its place in the rule file).
    """
    was, now = _essence(before), _essence(after)
    if was == now:
        return None
    fired_before, fired_after = _fired(before), _fired(after)
    only_before = tuple(fired_before - fired_after)  # a rule that fired more often (for more items) counts too
    only_after = tuple(fired_after - fired_before)
    candidates = only_before + only_after
    if not candidates:
        rule = NO_RULE
    elif was["outcome"] != now["outcome"]:
        rule = min(candidates, key=order)
    else:
        rule = min(candidates, key=lambda r: order(r)[1])
    return Change(source, ruleset, rule, was, now, only_before, only_after)


def rule_order(base: Pack, amended: Pack, ruleset: str) -> Callable[[str], tuple[int, int]]:
    """How ``compare`` ranks the rules of ``ruleset``: outcome-setting first, then amended-file order."""
    ranks: dict[str, tuple[int, int]] = {}
    specs = [p.runner(ruleset).spec for p in (amended, base) if ruleset in p.available()]
    for spec in specs:
        for i, rule in enumerate(spec.rules):
            ranks.setdefault(rule.id, (0 if rule.then.outcome else 1, i))
    return lambda rule: ranks.get(rule, (1, 1 << 30))


def _verdict(ruleset: str, facts: Any, pack: Pack, calendar: Any) -> dict[str, Any]:
    try:
        return _evaluate(ruleset, facts, calendar=calendar, remedies=False, pack=pack).to_dict()
    except (InputError, CalendarError) as exc:
        return {"error": type(exc).__name__}


def case_pairs(base: Pack) -> Iterator[tuple[str, Case]]:
    """Every spec case of ``base`` (overlays applied), with the source it is reported as."""
    for name in base.available():
        for case in load_overlaid_cases(base.files(f"{name}.cases.yaml")):
            yield f"{name}.cases.yaml: {case.name}", case


def diff_cases(base: Pack, amended: Pack, tally: Tally) -> None:
    """Evaluate every spec case of ``base`` under both packs, adding each to ``tally``."""
    common = set(base.available()) & set(amended.available())
    orders: dict[str, Callable[[str], tuple[int, int]]] = {}
    for source, case in case_pairs(base):
        if case.ruleset not in common:
            continue
        order = orders.setdefault(case.ruleset, rule_order(base, amended, case.ruleset))
        calendar = case.calendar_obj()
        before = _verdict(case.ruleset, case.facts, base, calendar)
        after = _verdict(case.ruleset, case.facts, amended, calendar)
        tally.add(compare(source, case.ruleset, before, after, order))


def diff_records(base: Pack, amended: Pack, ruleset: str, pairs: Iterable[tuple[Any, Any]],
                 source: str) -> Iterator[Change | Skipped | None]:
    """Compare batch Results pairwise (the same records under ``base`` and ``amended``).

    Yields per record its Change, None when the verdicts agree, or Skipped for a record neither
    pack gave a verdict for (the base pack's reason: both read the same line).
    """
    order = rule_order(base, amended, ruleset)
    for before, after in pairs:
        if before.output is None and after.output is None:
            yield Skipped(f"{source}:{before.line}", before.bad.error if before.bad is not None else "no verdict")
            continue
        was = json.loads(before.output) if before.output is not None else {"error": _kind(before.bad.error)}
        now = json.loads(after.output) if after.output is not None else {"error": _kind(after.bad.error)}
        yield compare(f"{source}:{before.line}", ruleset, was, now, order)


def _kind(error: str) -> str:
    return error.split(":", 1)[0]


def render(result: Diff, base: Pack, amended: Pack) -> str:
    """The report as a drafter reads it: each rule that changed verdicts, how many, a few examples."""
    lines = [f"基准 {base.describe()}  {base.hash}", f"修订 {amended.describe()}  {amended.hash}",
             f"比较 {result.compared} 个结论，{result.changed} 个发生变化"
             + (f"；{result.skipped} 条记录在两者下均无结论" if result.skipped else "")]
    lines += [f"  · {s.source}  {s.reason}" for s in result.skipped_examples]
    for g in result.groups:
        lines += ["", f"{g.rule}（{g.ruleset}）  {g.count} 个结论变化"]
        for c in g.examples:
            lines.append(f"  · {c.source}")
            for key in ("outcome", "clauses", "needs"):  # findings: the rules below say which
                if c.before[key] != c.after[key]:
                    lines.append(f"      {key}: {_show(c.before[key])} → {_show(c.after[key])}")
            if c.only_before:
                lines.append("      仅基准触发：" + "、".join(c.only_before))
            if c.only_after:
                lines.append("      仅修订触发：" + "、".join(c.only_after))
        if g.count > len(g.examples):
            lines.append(f"  … 另有 {g.count - len(g.examples)} 个")
    if not result.groups:
        lines += ["", "没有结论发生变化。"]
    return "\n".join(lines)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
