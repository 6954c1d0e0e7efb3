"""`govrules diff BASE AMENDED`: which verdicts an amendment changes, grouped by the rule that changed them."""

from __future__ import annotations

import json
import sys
from typing import Any, Iterator, Sequence

import click

from ._batch import run_batch
from ._cli_common import _Fail, calendar_option
from ._diff import Tally, diff_cases, diff_records, render
from ._errors import GovrulesError
from ._packs import Pack


def _lines(path: str) -> Iterator[str]:
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        yield from f


@click.command("diff")
@click.argument("base")
@click.argument("amended")
@click.option("--records", "records_path", type=click.Path(dir_okay=False, exists=True),
              help="Also compare every record of this JSON Lines file (facts, as for `check --batch`).")
@click.option("--ruleset", help="The ruleset the --records are for.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes per pack for --records (default: one per core).")
@click.option("--examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Changed verdicts shown per rule.")
@calendar_option
def diff_command(base: str, amended: str, records_path: str | None, ruleset: str | None, as_json: bool,
                 workers: int | None, examples: int, calendars: Sequence[str]) -> None:
    """Evaluate BASE's spec cases (and --records) under the packs BASE and AMENDED; report what changes.

    A verdict changes when its outcome, clauses or needs differ; each change is grouped under the
    rule that made the difference. Exit 0 when nothing changes, 1 when something does, 2 on bad input.
    """
    if records_path and not ruleset:
        raise _Fail("--records needs --ruleset NAME (the ruleset its records are for)")
    try:
        before, after = Pack.load(base), Pack.load(amended)
        tally = Tally(examples)
        diff_cases(before, after, tally)
        if records_path:
            assert ruleset is not None
            _records(before, after, ruleset, records_path, workers, calendars, tally)
        result = tally.result(before, after)
    except GovrulesError as exc:
        raise _Fail(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True, indent=2))
    else:
        click.echo(render(result, before, after))
    sys.exit(1 if result.changed else 0)


def _records(before: Pack, after: Pack, ruleset: str, path: str, workers: int | None,
             calendars: Sequence[str], tally: Tally) -> None:
    """Stream the records through both packs side by side (each on its own worker processes)."""
    one = run_batch(ruleset, _lines(path), workers=workers, calendar_files=calendars, pack=before)
    two = run_batch(ruleset, _lines(path), workers=workers, calendar_files=calendars, pack=after)
    bar: Any = None
    if sys.stderr.isatty():
        from tqdm import tqdm  # type: ignore[import-untyped]

        bar = tqdm(desc="govrules diff", unit=" records", file=sys.stderr)
    try:
        for compared, change in diff_records(before, after, ruleset, zip(one, two), path):
            tally.add(change, compared)
            if bar is not None:
                bar.update(1)
    finally:
        one.close()
        two.close()
        if bar is not None:
            bar.close()
