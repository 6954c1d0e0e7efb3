"""Threads: 8 threads over every ruleset agree with sequential answers and never see each other's facts."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import govrules
from govrules._cases import load_cases
from govrules._rulesets import available, ruleset_dir

ROOT = Path(__file__).resolve().parent.parent


def _inputs(per_ruleset: int = 6) -> list[tuple[str, dict, object]]:
    """Each ruleset's bundled examples, then its cases that yield a verdict: (ruleset, facts, calendar)."""
    out: list[tuple[str, dict, object]] = []
    for name in available():
        mine = [(name, json.loads(p.read_text(encoding="utf-8")), None)
                for p in sorted((ROOT / "examples").glob(f"{name}-*.json"))]
        cases = ruleset_dir() / f"{name}.cases.yaml"
        if cases.exists():
            mine.extend((name, c.facts, c.calendar_obj()) for c in load_cases(cases) if "error" not in c.expect)
        out.extend(mine[:per_ruleset])  # a few per ruleset keeps 8 threads × all rulesets at seconds
    return out


def _answer(name: str, facts: dict, calendar: object) -> str:
    verdict = govrules.evaluate(name, facts, calendar=calendar)
    return json.dumps(verdict.to_dict(), ensure_ascii=False, sort_keys=True)


def test_eight_threads_over_mixed_rulesets_agree_with_sequential_answers():
    """8 threads, each over every input of every ruleset in its own shuffled order, give byte-identical verdicts."""
    inputs = _inputs()
    assert len({name for name, _, _ in inputs}) == len(available())
    expected = [_answer(*item) for item in inputs]
    got: dict[int, list[tuple[int, str]]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(seed: int) -> None:
        order = list(range(len(inputs)))
        random.Random(seed).shuffle(order)
        mine = []
        try:
            barrier.wait()
            for i in order:
                mine.append((i, _answer(*inputs[i])))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        got[seed] = mine

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(got) == list(range(8))
    for seed, answers in got.items():
        assert len(answers) == len(inputs)
        for i, answer in answers:
            assert answer == expected[i], (seed, inputs[i][0], i)


def test_interleaved_threads_see_only_their_own_facts():
    """Concurrent evaluations with unique titles: each verdict's trace mentions only its own conference."""
    seen_foreign: list[str] = []

    def work(t: int) -> None:
        for i in range(150):
            title = f"第{t}组第{i}次全镇大会"
            facts = {"conference": {"title": title, "town_wide": True, "overall_work": bool(i % 2),
                                    "mayor_approved": bool(i % 3), "party_secretary_approved": bool(t % 2)}}
            verdict = govrules.check_conference(**facts)
            titles = {fact.get("title") for step in verdict.trace for fact in step.matched.values()
                      if fact.get("type") == "conference"}
            if titles != {title}:
                seen_foreign.append(f"{title}: {titles}")
            missing = ["mayor"] if not i % 3 else []
            if i % 2 and not t % 2:
                missing.append("party_secretary")
            if verdict.data["consents_missing"] != missing:
                seen_foreign.append(f"{title}: consents_missing {verdict.data['consents_missing']} != {missing}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert seen_foreign == []


def test_alternating_rulesets_in_one_thread_do_not_leak_facts():
    """Evaluations of different rulesets, alternated, give the same verdicts as each evaluated alone."""
    inputs = _inputs()
    alone = [_answer(*item) for item in inputs]
    order = list(range(len(inputs)))
    random.Random(7).shuffle(order)
    for i in order:
        assert _answer(*inputs[i]) == alone[i], inputs[i][0]
