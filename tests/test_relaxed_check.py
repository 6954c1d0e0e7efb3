"""The relaxed run is skipped only where it could not have changed the verdict (src/govrules/_relaxed.py)."""

from __future__ import annotations

import json
from pathlib import Path

from govrules._cases import load_cases
from govrules._rulesets import runner

ROOT = Path(__file__).resolve().parent.parent


def _inputs() -> list[tuple[str, object, object]]:
    out: list[tuple[str, object, object]] = []
    for cases_file in sorted((ROOT / "rulesets").glob("*.cases.yaml")):
        out += [(c.ruleset, c.facts, c.calendar_obj()) for c in load_cases(cases_file)]
    for example in sorted((ROOT / "examples").glob("*.json")):
        out.append((example.name.split("-", 1)[0], json.loads(example.read_text(encoding="utf-8")), None))
    return out


def _always_relaxed(r, prepared) -> tuple:
    """The relaxed-only firings of a run that is never skipped: the reference the check must agree with."""
    facts = r._engine_facts(prepared.facts)
    extra = r._unknown_facts(prepared.facts, facts, {a.fact for rule in r.spec.rules for a in rule.then.asserts})
    placeholders = extra or []
    return tuple((p.rule.id, p.paths) for p in r._possible(prepared.facts, facts + placeholders, prepared.unknowns))


def test_skipped_relaxed_runs_find_nothing() -> None:
    """Wherever decide() skips the relaxed run, running it anyway finds no relaxed-only firing."""
    skipped = 0
    for ruleset, facts, calendar in _inputs():
        r = runner(ruleset)
        try:
            prepared = r.prepare(facts, calendar)
        except Exception:  # noqa: BLE001 - a case whose facts are refused has no run
            continue
        seen: list[set[str]] = []
        original = r._possible
        try:
            r._possible = lambda *a, **k: seen.append(set()) or original(*a, **k)  # type: ignore[method-assign]
            r.decide(prepared)
        finally:
            del r._possible
        if not seen:
            skipped += 1
            assert _always_relaxed(r, prepared) == (), (ruleset, facts)
    assert skipped > 0  # the check is exercised, not vacuous


def test_a_mayor_signing_skips_the_relaxed_run() -> None:
    """A vice mayor's delegation not given does not make a mayor's signing run the relaxed rules."""
    r = runner("signing")
    prepared = r.prepare({"document": {"issuer": "town_government", "title": "通知"},
                          "signer": {"name": "张三", "role": "mayor"}})
    calls: list[int] = []
    original = r._possible
    try:
        r._possible = lambda *a, **k: calls.append(1) or original(*a, **k)  # type: ignore[method-assign]
        verdict = r.decide(prepared)
    finally:
        del r._possible
    assert verdict.outcome == "allowed" and calls == []


def _leaf_paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every path to a key of a mapping inside ``value`` (list items by index)."""
    out: list[tuple] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(prefix + (k,))
            out += _leaf_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            out += _leaf_paths(v, prefix + (i,))
    return out


def _without(value: object, path: tuple) -> object:
    copy = json.loads(json.dumps(value, ensure_ascii=False))
    obj = copy
    for step in path[:-1]:
        obj = obj[step]
    del obj[path[-1]]
    return copy


def test_verdicts_with_any_one_field_removed_match_an_always_relaxed_run(monkeypatch) -> None:
    """For every case and example with any one field removed, the verdict equals that of a runner that always runs the relaxed rules."""
    variants = 0
    for ruleset, facts, calendar in _inputs():
        r = runner(ruleset)
        for path in _leaf_paths(facts)[:40]:
            changed = _without(facts, path)
            try:
                prepared = r.prepare(changed, calendar)
            except Exception:  # noqa: BLE001 - refused input: no run to compare
                continue
            checked = r.decide(prepared).to_dict()
            monkeypatch.setattr(r._relaxed_check, "needed", lambda *a: True)
            always = r.decide(prepared).to_dict()
            monkeypatch.undo()
            assert checked == always, (ruleset, path)
            variants += 1
    assert variants > 500


def test_the_remembered_answer_tells_true_from_1() -> None:
    """A value 1 that surely fails `equals 2` and a True the engine may compare loosely are remembered apart."""
    from govrules._model import Condition, Pattern, RuleSpec, Then
    from govrules._relaxed import RelaxedCheck

    rule = RuleSpec(id="r", clause="1.1", quote="q", severity="info", message="m",
                    when=(Pattern("x", (Condition("n", "equals", 2), Condition("m", "equals", 1))),), then=Then())
    check = RelaxedCheck([rule], ["x"])
    assert check.needed([{"type": "x", "n": 1}], frozenset()) is False  # m not given, but n = 1 surely fails
    assert check.needed([{"type": "x", "n": True}], frozenset()) is True  # True == 1: the engine's to decide
    assert check.needed([{"type": "x", "n": 1}], frozenset()) is False


def test_the_remembered_answer_and_the_all_given_shortcut_agree_with_a_fresh_scan(monkeypatch) -> None:
    """On every case and example, whole and with any one field removed, needed() answers first and from memory as a fresh scan of the facts does."""
    import govrules._relaxed as relaxed

    calls: list[tuple[str, list, frozenset]] = []
    answers = {True: 0, False: 0}
    for ruleset, facts, calendar in _inputs():
        r = runner(ruleset)
        original = r._relaxed_check.needed
        monkeypatch.setattr(r._relaxed_check, "needed",
                            lambda f, i, _o=original, _n=ruleset: calls.append((_n, f, frozenset(i))) or _o(f, i))
        for variant in [facts] + [_without(facts, path) for path in _leaf_paths(facts)[:40]]:
            try:
                r.evaluate(variant, calendar)
            except Exception:  # noqa: BLE001 - refused input: no run
                continue
        monkeypatch.undo()
    checks = {}
    for ruleset, engine_facts, inferred in calls:
        r = runner(ruleset)
        check = checks.setdefault(ruleset, relaxed.RelaxedCheck(r.spec.rules, [*r._object_facts, *r._items]))
        first, again = check.needed(engine_facts, inferred), check.needed(engine_facts, inferred)
        monkeypatch.setattr(relaxed, "_MEMO_FACTS", -1)  # nothing remembered, nothing cut short by a key
        scanned = relaxed.RelaxedCheck(r.spec.rules, [*r._object_facts, *r._items]).needed(engine_facts, inferred)
        monkeypatch.undo()
        assert first == again == scanned, (ruleset, engine_facts, inferred)
        answers[scanned] += 1
    assert answers[True] > 50 and answers[False] > 50
