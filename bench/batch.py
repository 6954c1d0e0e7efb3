"""Batch mode on 100,000 records with bad lines mixed in: one process against several.

    .venv/bin/python bench/batch.py [--n 100000] [--workers 2] [--ruleset conference] [--remedies]

Writes a JSON Lines file of the ruleset's examples and cases (about 1 % bad lines:
broken JSON, wrong types, unknown fields), then runs govrules._batch.run_batch — what
`govrules check RULESET --batch` runs — with 1 worker (in process) and with --workers
processes, checks both give the same lines in the same order, and prints the speed-up
and the output's size. Like `govrules check --batch`, it leaves remedies out unless
``--remedies`` is given. Target on a 2-core machine: 2 processes ≥ 1.7× one.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from govrules._batch import run_batch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import inputs_for  # noqa: E402

BAD = ['{"broken": ', "not json at all", '{"%s": {"no_such_field": 1}}', "[1, 2, 3]", '"just a string"']


def write_records(path: Path, ruleset: str, n: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    good = [json.dumps(f, ensure_ascii=False) for f, calendar in inputs_for(ruleset) if calendar is None]
    bad = 0
    with path.open("w", encoding="utf-8") as out:
        for _ in range(n):
            if rng.random() < 0.01:
                bad += 1
                out.write(rng.choice(BAD).replace("%s", ruleset) + "\n")
            else:
                out.write(rng.choice(good) + "\n")
    return bad


def timed(ruleset: str, path: Path, workers: int, remedies: bool = False) -> tuple[float, list]:
    start = time.perf_counter()
    with path.open(encoding="utf-8") as lines:
        results = [(r.line, r.output, r.bad) for r in run_batch(ruleset, lines, workers=workers, remedies=remedies)]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ruleset", default="conference")
    parser.add_argument("--remedies", action="store_true", help="include data.remedies (off by default, as in the CLI)")
    parser.add_argument("--no-single", action="store_true", help="skip the 1-process run (and the comparison)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.jsonl"
        bad = write_records(path, args.ruleset, args.n)
        print(f"python {sys.version.split()[0]}; {args.n:,} {args.ruleset} records, {bad:,} of them bad; "
              f"remedies {'on' if args.remedies else 'off (the default)'}")
        many, multi = timed(args.ruleset, path, args.workers, args.remedies)
        size = sum(len(out.encode("utf-8")) + 1 for _, out, _ in multi if out is not None)
        skipped = sum(1 for _, out, _ in multi if out is None)
        print(f"{args.workers} processes: {many:6.1f} s  ({args.n / many:,.0f} records/s); output {size / 1e6:,.0f} MB;"
              f" {skipped:,} bad records reported and skipped")
        if args.no_single:
            return
        one, single = timed(args.ruleset, path, 1, args.remedies)
    print(f"1 process:   {one:6.1f} s  ({args.n / one:,.0f} records/s)")
    print(f"speed-up {one / many:.2f}× (target ≥ 1.7× for 2 processes); outputs identical and in input order: "
          f"{multi == single}")


if __name__ == "__main__":
    main()
