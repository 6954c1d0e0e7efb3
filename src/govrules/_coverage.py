"""Clause coverage: which rules decide each clause, and which spec cases exercise each rule.

A case *exercises* a rule when the rule appears in the trace of the case's verdict, so the
cases are run, not read. A rule is well specified when some case fires it and some case
(with a verdict, not an input error) does not. A computable clause is covered when at least
one rule cites it directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

import attrs

from . import _catalogue
from ._cases import Case, load_cases, load_overlaid_cases
from ._errors import CalendarError, InputError, RulesetError
from ._facade import evaluate
from ._model import RulesetSpec
from ._rulesets import ACTIVE_PACK, available, ruleset_dir, runner, runner_for_file


@attrs.frozen
class CaseRun:
    """One spec case as run: its expected outcome (or error) and the rules its verdict traced."""

    name: str
    ruleset: str
    expected: str  # the expected outcome id, or "error: <type>"
    fired: tuple[str, ...] = ()  # rule ids in the trace; empty when the case is bad input
    verdict: bool = True  # False when the case raised InputError/CalendarError


@attrs.frozen
class RuleCoverage:
    ruleset: str
    rule: str
    clause: str
    severity: str
    outcome: str | None
    firing: tuple[str, ...]  # names of the cases whose trace contains the rule
    not_firing: tuple[str, ...]  # names of the cases with a verdict whose trace lacks it


@attrs.frozen
class ClauseCoverage:
    id: str
    label: str
    computable: bool
    reason: str | None
    rules: tuple[RuleCoverage, ...]

    @property
    def covered(self) -> bool:
        return not self.computable or bool(self.rules)


@attrs.frozen
class RulesetCases:
    """A ruleset together with its cases as run."""

    spec: RulesetSpec
    cases: tuple[CaseRun, ...]


@attrs.frozen
class Coverage:
    clauses: tuple[ClauseCoverage, ...]
    rules: tuple[RuleCoverage, ...]
    rulesets: tuple[RulesetCases, ...]
    broken: tuple[tuple[str, str], ...] = ()  # (ruleset, error) for rule or case files that do not load

    @property
    def uncovered(self) -> tuple[ClauseCoverage, ...]:
        """Computable clauses that no rule cites."""
        return tuple(c for c in self.clauses if not c.covered)

    @property
    def never_fired(self) -> tuple[RuleCoverage, ...]:
        return tuple(r for r in self.rules if not r.firing)

    @property
    def always_fired(self) -> tuple[RuleCoverage, ...]:
        return tuple(r for r in self.rules if not r.not_firing)

    @property
    def ok(self) -> bool:
        """No computable clause without a rule, and every rule fired by a case and left unfired by one."""
        return not (self.uncovered or self.never_fired or self.always_fired or self.broken)

    def to_dict(self) -> dict[str, Any]:
        def rule(r: RuleCoverage) -> dict[str, Any]:
            return {"ruleset": r.ruleset, "rule": r.rule, "clause": r.clause, "severity": r.severity,
                    "outcome": r.outcome, "firing": list(r.firing), "not_firing": list(r.not_firing)}
        return {
            "ok": self.ok,
            "clauses": [
                {"id": c.id, "label": c.label, "computable": c.computable, "reason": c.reason,
                 "covered": c.covered, "rules": [rule(r) for r in c.rules]}
                for c in self.clauses
            ],
            "uncovered": [c.id for c in self.uncovered],
            "never_fired": [r.rule for r in self.never_fired],
            "always_fired": [r.rule for r in self.always_fired],
            "broken": [{"ruleset": n, "error": e} for n, e in self.broken],
        }


Evaluate = Callable[..., Any]


def run_cases(cases: Iterable[Case], evaluate: Evaluate) -> tuple[CaseRun, ...]:
    """Run each case and keep the rules its verdict traced; bad-input cases keep no rules."""
    out = []
    for case in cases:
        expected = case.expect.get("outcome") or f"error: {(case.expect.get('error') or {}).get('type')}"
        try:
            verdict = evaluate(case.ruleset, case.facts, calendar=case.calendar_obj())
        except (InputError, CalendarError):
            out.append(CaseRun(case.name, case.ruleset, str(expected), (), verdict=False))
            continue
        fired = tuple(dict.fromkeys(t.rule for t in verdict.trace))
        out.append(CaseRun(case.name, case.ruleset, str(expected), fired))
    return tuple(out)


def rule_coverage(spec: RulesetSpec, runs: Iterable[CaseRun]) -> tuple[RuleCoverage, ...]:
    """For each rule of ``spec``, the cases that fire it and the cases (with a verdict) that do not."""
    runs = [r for r in runs if r.verdict]
    return tuple(
        RuleCoverage(
            ruleset=spec.name, rule=rule.id, clause=rule.clause, severity=rule.severity,
            outcome=rule.then.outcome,
            firing=tuple(r.name for r in runs if rule.id in r.fired),
            not_firing=tuple(r.name for r in runs if rule.id not in r.fired),
        )
        for rule in spec.rules
    )


def ruleset_cases(spec: RulesetSpec, cases_file: str | Path | None, evaluate: Evaluate) -> RulesetCases:
    """Load and run the cases of one ruleset (none when it has no cases file)."""
    cases = load_cases(cases_file) if cases_file and Path(cases_file).exists() else []
    return RulesetCases(spec, run_cases(cases, evaluate))


def shipped(broken: list[tuple[str, str]] | None = None) -> tuple[RulesetCases, ...]:
    """Every shipped ruleset with its cases (rulesets/<name>.cases.yaml), run through the facade.

    A rule or cases file that does not load is appended to ``broken`` (when given) and
    skipped; without ``broken`` its RulesetError propagates.
    """
    out = []
    pack = ACTIVE_PACK.get()  # a regulation pack in effect (--pack, docs/packs.md): its cases, overlays applied
    for name in available():
        try:
            if pack is not None:
                spec = runner(name).spec
                out.append(RulesetCases(spec, run_cases(load_overlaid_cases(pack.files(f"{name}.cases.yaml")),
                                                        evaluate)))
                continue
            out.append(ruleset_cases(runner(name).spec, ruleset_dir() / f"{name}.cases.yaml", evaluate))
        except RulesetError as exc:
            if broken is None:
                raise
            broken.append((name, str(exc)))
    return tuple(out)


def for_files(rule_files: Iterable[str | Path]) -> tuple[RulesetCases, ...]:
    """Rule files anywhere (with <stem>.cases.yaml beside each), run on their own runners."""
    out = []
    for path in rule_files:
        path = Path(path)
        run = runner_for_file(path)

        def with_this_file(_name: str, facts: Any, calendar: Any = None, _run: Any = run) -> Any:
            return _run.evaluate(facts, calendar=calendar)

        out.append(ruleset_cases(run.spec, path.with_name(f"{path.stem}.cases.yaml"), with_this_file))
    return tuple(out)


def coverage(rulesets: Iterable[RulesetCases] | None = None) -> Coverage:
    """Clause-by-clause coverage of the catalogue by ``rulesets`` (default: every shipped ruleset)."""
    broken: list[tuple[str, str]] = []
    sets = tuple(shipped(broken) if rulesets is None else rulesets)
    rules = tuple(r for rc in sets for r in rule_coverage(rc.spec, rc.cases))
    by_clause: dict[str, list[RuleCoverage]] = {}
    for r in rules:
        by_clause.setdefault(r.clause, []).append(r)
    clauses = tuple(
        ClauseCoverage(c.id, c.label, c.computable, c.reason, tuple(by_clause.get(c.id, ())))
        for c in _catalogue.clauses()
    )
    return Coverage(clauses, rules, sets, tuple(broken))


def render(cov: Coverage) -> str:
    """The coverage report as an auditor reads it (Chinese labels, one clause per block)."""
    lines = []
    computable = [c for c in cov.clauses if c.computable]
    done = [c for c in computable if c.covered]
    lines.append(f"可判定条款 {len(done)}/{len(computable)} 已有规则；规则 {len(cov.rules)} 条，"
                 f"规则集 {', '.join(rc.spec.name for rc in cov.rulesets) or '（无）'}")
    lines.append("")
    for c in cov.clauses:
        if not c.computable:
            lines.append(f"—  {c.id}  {c.label}  不可由规则判定：{c.reason}")
            continue
        mark = "ok" if c.rules and all(r.firing and r.not_firing for r in c.rules) else "!!"
        lines.append(f"{mark}  {c.id}  {c.label}" + ("" if c.rules else "  无规则（缺口）"))
        for r in c.rules:
            lines.append(f"      {r.rule}  触发案例 {len(r.firing)}，未触发案例 {len(r.not_firing)}"
                         + ("  —— 没有触发它的案例" if not r.firing else "")
                         + ("  —— 没有不触发它的案例" if not r.not_firing else ""))
            for name in r.firing:
                lines.append(f"          · {name}")
    lines.append("")
    problems = []
    if cov.uncovered:
        problems.append("无规则的可判定条款：" + "、".join(c.id for c in cov.uncovered))
    if cov.never_fired:
        problems.append("没有触发案例的规则：" + "、".join(r.rule for r in cov.never_fired))
    for name, error in cov.broken:
        problems.append(f"规则集 {name} 无法加载：{error}")
    if cov.always_fired:
        problems.append("没有不触发案例的规则：" + "、".join(r.rule for r in cov.always_fired))
    lines.extend(problems or ["覆盖完整：每个可判定条款都有规则，每条规则都有触发与不触发的案例。"])
    return "\n".join(lines)
