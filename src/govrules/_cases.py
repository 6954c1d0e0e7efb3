"""Executable specs: rulesets/<name>.cases.yaml, each case a sentence, facts and what must follow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import attrs
from ruamel.yaml.comments import CommentedMap

from ._calendar import WorkingCalendar
from ._errors import CalendarError, InputError, RulesetError
from ._facade import evaluate
from ._model import Verdict
from ._rulesets import runner_for_file
from ._suggest import did_you_mean
from ._yaml import load_yaml, plain, position

_CASE_KEYS = ("name", "facts", "calendar", "expect")
_EXPECT_KEYS = ("outcome", "allowed", "clauses", "fires", "not_fires", "data", "messages", "error", "needs")
_ERRORS = {"InputError": InputError, "CalendarError": CalendarError}


@attrs.frozen
class Case:
    name: str
    ruleset: str
    facts: Any
    expect: Mapping[str, Any]
    file: str
    line: int | None
    calendar: Any = None  # a year file's path (relative to the cases file), or its data inline

    def calendar_obj(self) -> WorkingCalendar | None:
        if not self.calendar:
            return None
        if isinstance(self.calendar, Mapping):
            # Inline year data keeps a case self-contained wherever the cases file is installed.
            return WorkingCalendar.from_mapping(self.calendar, source=f"{Path(self.file).name}: {self.name}")
        return WorkingCalendar.from_file(Path(self.file).parent / self.calendar)


def _confined(calendar: Any, cases_file: Path, fail: Any) -> None:
    """A case's year file must lie in the cases file's directory (or below it).

    Otherwise a cases file could read, and echo the first key of, any file on the machine.
    """
    if calendar is None or isinstance(calendar, Mapping):
        return
    if not isinstance(calendar, str) or not calendar.strip():
        raise fail("'calendar' is a year file's path beside the cases file, or the year's data inline")
    home = cases_file.resolve().parent
    target = (home / calendar).resolve()
    if Path(calendar).is_absolute() or not target.is_relative_to(home):
        raise fail(f"'calendar: {calendar}' is outside the cases file's directory ({home}); "
                   f"put the year file beside the cases file")


def load_cases(path: str | Path) -> list[Case]:
    path = Path(path)
    root = load_yaml(path)
    file = str(path)

    def fail(message: str, node: Any = None, key: Any = None) -> RulesetError:
        line, col = position(node, key) if node is not None else (None, None)
        return RulesetError(message, file=file, line=line, col=col)

    if not isinstance(root, CommentedMap) or "cases" not in root or "ruleset" not in root:
        raise fail("a cases file is a mapping with 'ruleset' and 'cases'", root)
    ruleset = str(root["ruleset"])
    out = []
    names: set[str] = set()
    for i, node in enumerate(root["cases"] or ()):
        if not isinstance(node, CommentedMap):
            raise fail("each case is a mapping", root["cases"], i)
        for k in node:
            if k not in _CASE_KEYS:
                raise fail(f"unknown key '{k}' in a case", node, k)
        name = node.get("name")
        if not isinstance(name, str) or not name.strip():
            raise fail("each case needs a full-sentence 'name'", node)
        if name in names:
            raise fail(f"two cases are named '{name}'", node, "name")
        names.add(name)
        expect = node.get("expect")
        if not isinstance(expect, CommentedMap):
            raise fail("each case needs 'expect'", node)
        for k in expect:
            if k not in _EXPECT_KEYS:
                raise fail(f"unknown key '{k}' in 'expect'", expect, k)
        if "error" not in expect and "outcome" not in expect:
            raise fail("'expect' needs 'outcome' (or 'error' for bad input)", node, "expect")
        _confined(node.get("calendar"), path, lambda m: fail(m, node, "calendar"))
        out.append(Case(
            name=name.strip(), ruleset=ruleset, facts=plain(node.get("facts") or {}), expect=plain(expect),
            file=file, line=position(node)[0], calendar=plain(node.get("calendar")),
        ))
    return out


def load_overlaid_cases(paths: list[Path]) -> list[Case]:
    """The cases of a pack's ruleset: the base's file, then each overlay's (docs/packs.md).

    An overlay's ``drop_cases`` removes base cases by name, a case named like a base case
    replaces it in place, and the rest are added at the end.
    """
    if not paths:
        return []
    out = load_cases(paths[0])
    for path in paths[1:]:
        added = load_cases(path)
        root = load_yaml(path)
        drop = root.get("drop_cases") or []
        names = [c.name for c in out]
        for i, name in enumerate(drop):
            if name not in names:
                line, col = position(drop, i)
                raise RulesetError(f"the base has no case named '{name}' to drop", file=str(path), line=line,
                                   col=col, hint=did_you_mean(str(name), names))
        by_name = {c.name: c for c in added}
        kept = [by_name.pop(c.name, c) for c in out if c.name not in drop]
        out = kept + [c for c in added if c.name in by_name]
    return out


def check_case(case: Case, evaluate: Any) -> tuple[Verdict | None, list[str]]:
    """Run one case; the problems (empty when it passes) and the verdict, if there was one."""
    exp = case.expect
    problems: list[str] = []
    try:
        verdict = evaluate(case.ruleset, case.facts, calendar=case.calendar_obj())
    except (InputError, CalendarError) as exc:
        want = exp.get("error")
        if not want:
            return None, [f"unexpected {type(exc).__name__}: {exc}"]
        if type(exc).__name__ != want.get("type"):
            problems.append(f"expected {want.get('type')}, got {type(exc).__name__}: {exc}")
        if "path" in want and getattr(exc, "path", None) != want["path"]:
            problems.append(f"expected the error to name {want['path']!r}, it named {getattr(exc, 'path', None)!r}")
        if "year" in want and getattr(exc, "year", None) != want["year"]:
            problems.append(f"expected the error to name year {want['year']}, got {getattr(exc, 'year', None)}")
        return None, problems
    if "error" in exp:
        return verdict, [f"expected {exp['error'].get('type')}, got outcome {verdict.outcome}"]
    if verdict.outcome != exp["outcome"]:
        problems.append(f"outcome: expected {exp['outcome']}, got {verdict.outcome}")
    if "allowed" in exp and verdict.allowed != exp["allowed"]:
        problems.append(f"allowed: expected {exp['allowed']}, got {verdict.allowed}")
    if "clauses" in exp and list(verdict.clauses) != [str(c) for c in exp["clauses"]]:
        problems.append(f"clauses: expected {exp['clauses']}, got {list(verdict.clauses)}")
    fired = {t.rule for t in verdict.trace}
    for rule in exp.get("fires", ()):
        if rule not in fired:
            problems.append(f"expected rule {rule} to fire; fired: {sorted(fired)}")
    for rule in exp.get("not_fires", ()):
        if rule in fired:
            problems.append(f"expected rule {rule} not to fire")
    for key, want in (exp.get("data") or {}).items():
        got = verdict.data.get(key, "<absent>")
        if _canon(got) != _canon(want):
            problems.append(f"data.{key}: expected {want!r}, got {got!r}")
    if "needs" in exp:
        # Each expected need is a path (it may change the outcome or a finding) or
        # {path, outcome}; the verdict's needs must be exactly these paths.
        want_needs = {(n if isinstance(n, str) else n["path"]): (None if isinstance(n, str) else n.get("outcome"))
                      for n in exp["needs"] or ()}
        got_needs: dict[str, bool] = {}
        for n in verdict.needs:
            got_needs[n.path] = got_needs.get(n.path, False) or n.outcome
        if set(want_needs) != set(got_needs):
            problems.append(f"needs: expected {sorted(want_needs)}, got {sorted(got_needs)}")
        for path, outcome in want_needs.items():
            if outcome is not None and path in got_needs and got_needs[path] != outcome:
                problems.append(f"needs: {path} expected outcome {outcome}, got {got_needs[path]}")
    messages = " ".join(f.message for f in verdict.findings)
    for fragment in exp.get("messages", ()):
        if fragment not in messages:
            problems.append(f"no finding message contains {fragment!r}")
    return verdict, problems


def _canon(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def evaluator_for(cases_file: str | Path) -> Any:
    """How to evaluate a cases file's facts: with the rule file beside it when there is one
    (so an author's edited copy is what gets tested), else with the shipped ruleset."""
    cases_file = Path(cases_file)
    rule_file = cases_file.with_name(cases_file.name[: -len(".cases.yaml")] + ".yaml")
    if not rule_file.is_file():
        return evaluate
    run = runner_for_file(rule_file)

    def beside(ruleset: str, facts: Any, *, calendar: WorkingCalendar | None = None) -> Verdict:
        if ruleset != run.spec.name:
            raise RulesetError(f"the cases are for ruleset '{ruleset}' but the rule file beside them is "
                               f"'{run.spec.name}'", file=str(cases_file))
        return run.evaluate(facts, calendar=calendar)

    return beside
