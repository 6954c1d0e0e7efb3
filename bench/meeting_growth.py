"""How check_meeting's verdict time grows with agenda items and with leaders, measured in one run.

    .venv/bin/python bench/meeting_growth.py [--repeat 30]

Prints the median and minimum time per verdict for 20 vs 200 agenda items (6 leaders)
and 6 vs 60 leaders (20 items), and each pair's ratio. Linear growth shows as a ratio of
about 10 for 10x the items (less, as the fixed cost is shared) and well under 10 for 10x
the leaders: leaders are counted in Python before the engine and never become engine
facts. The sizes are timed interleaved in one process, so background load hits both
alike and the ratios compare; the absolute times do not travel, and the minimum is the
steadier figure on a busy machine. Tests assert firings, never time (tests/test_meeting.py).
"""

from __future__ import annotations

import argparse
import statistics
import time

import govrules


def leaders(n: int) -> list[dict]:
    # The mayor plus n-1 vice mayors, one of them absent, each in charge of one portfolio.
    out = [{"name": "镇长", "role": "mayor", "present": True}]
    out += [{"name": f"副镇长{i}", "role": "vice_mayor", "portfolios": [f"p{i}"], "present": i != 1}
            for i in range(1, n)]
    return out


def agenda(n: int, portfolios: int) -> list[dict]:
    # A realistic mix: mostly admissible, every 5th late, every 7th with two matters, and
    # items spread over the portfolios so some fall to the absent vice mayor (postponed).
    items = []
    for i in range(n):
        items.append({
            "title": f"议题{i}",
            "submitted_on": "2026-09-30" if i % 5 == 0 else "2026-09-28",
            "portfolios": [f"p{1 + i % max(portfolios - 1, 1)}"],
            "matters": 2 if i % 7 == 0 else 1,
            "proposal": True,
            "departments": ["甲", "乙"] if i % 3 == 0 else ["甲"],
            "coordinated": i % 6 == 0,
        })
    return items


def facts(items: int, people: int) -> dict:
    return {
        "meeting": {
            "kind": "mayor_office_meeting", "date": "2026-10-08",
            "convener": {"name": "镇长", "role": "mayor"}, "chair": {"name": "镇长", "role": "mayor"},
            "leaders": leaders(people), "agenda": agenda(items, people),
            "materials_reviewed_on": "2026-09-29", "notice_sent_on": "2026-09-29",
            "attendance_confirmed_on": "2026-09-30", "previous_date": "2026-09-24",
        },
        "division": {f"p{i}": f"副镇长{i}" for i in range(1, people)},
    }


def measure(small: dict, large: dict, repeat: int) -> tuple[list[float], list[float], int, int]:
    """Times for both inputs, interleaved, so background load hits both sizes alike."""
    for given in (small, large):
        govrules.evaluate("meeting", given)  # warm: ruleset load, engine compile, calendar cache
    t_small: list[float] = []
    t_large: list[float] = []
    for _ in range(repeat):
        for given, times in ((small, t_small), (large, t_large)):
            start = time.perf_counter()
            govrules.evaluate("meeting", given)
            times.append(time.perf_counter() - start)
    firings = (len(govrules.evaluate("meeting", small).trace), len(govrules.evaluate("meeting", large).trace))
    return t_small, t_large, *firings


def measure_sizes(sizes: tuple[int, ...], people: int,
                  repeat: int) -> dict[int, tuple[list[float], list[float], int]]:
    """Verdict times for each agenda size (``people`` leaders), interleaved; and each size's firings.

    Each of ``repeat`` rounds times every size in turn, a smaller size more often (largest / n
    verdicts: 100 of 20 items for each one of 2,000), so every size gets about the same share
    of the machine's good and bad moments and enough samples for a steady median. Returns,
    per size, the wall times, the CPU times (process_time: what the verdict itself cost,
    without the time other processes held the CPU, which a 2,000-item verdict almost never
    escapes on a busy machine and a 20-item one often does) and the firings.
    bench/compare.py prints its growth table from this (20/200/2,000 items, issue #12).
    """
    inputs = {n: facts(n, people) for n in sizes}
    for given in inputs.values():
        govrules.evaluate("meeting", given)  # warm: ruleset load, engine compile, calendar cache
    wall: dict[int, list[float]] = {n: [] for n in sizes}
    cpu: dict[int, list[float]] = {n: [] for n in sizes}
    largest = max(sizes)
    for _ in range(repeat):
        for n, given in inputs.items():
            for _ in range(max(1, largest // n)):
                start, start_cpu = time.perf_counter(), time.process_time()
                govrules.evaluate("meeting", given)
                wall[n].append(time.perf_counter() - start)
                cpu[n].append(time.process_time() - start_cpu)
    return {n: (wall[n], cpu[n], len(govrules.evaluate("meeting", inputs[n]).trace)) for n in sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    pairs = [
        ("agenda items (6 leaders)", (20, 6), (200, 6), 0),
        ("leaders (20 items)", (20, 6), (20, 60), 1),
    ]
    for what, small, large, axis in pairs:
        t_small, t_large, f_small, f_large = measure(facts(*small), facts(*large), args.repeat)
        n_small, n_large = small[axis], large[axis]
        print(f"{what}: {n_small} -> {n_large} (x{n_large / n_small:g})")
        for n, times, f in ((n_small, t_small, f_small), (n_large, t_large, f_large)):
            print(f"  {n:>4}: median {statistics.median(times) * 1e3:7.2f} ms, "
                  f"min {min(times) * 1e3:7.2f} ms  ({f} firings)")
        print(f"  time ratio: median {statistics.median(t_large) / statistics.median(t_small):.2f}, "
              f"min {min(t_large) / min(t_small):.2f}; firings ratio {f_large / max(f_small, 1):.2f}")


if __name__ == "__main__":
    main()
