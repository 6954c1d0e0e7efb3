"""`govrules diff BASE AMENDED`: which verdicts an amendment changes, grouped by the rule that changed them."""

from __future__ import annotations

import io
import itertools
import json
import sys
from typing import Any, Iterator, Sequence

import click

from ._batch import run_batch
from ._batch_cli import _lines as _batch_lines
from ._batch_cli import _Stop
from ._cli_common import _Fail, calendar_option
from ._diff import Tally, diff_cases, diff_records, render
from ._errors import GovrulesError
from ._facts_io import check_encoding
from ._packs import Pack, resolve


def _lines(path: str, encoding: str) -> Iterator[str]:
    """The lines of ``path`` (``-``: standard input), read once however many packs take them.

    Read as ``check --batch`` reads them: text that is not in ``encoding``, or one pretty-printed
    JSON document, stops the run (``_Stop``) instead of every line being skipped as a bad record.
    """
    name = "<stdin>" if path == "-" else path
    if path != "-":
        with open(path, encoding=encoding) as text:
            yield from _batch_lines(text, name)
        return
    text = io.TextIOWrapper(sys.stdin.buffer, encoding=encoding)
    try:
        yield from _batch_lines(text, name)
    finally:
        text.detach()  # else collecting the wrapper would close the caller's stdin


@click.command("diff")
@click.argument("base")
@click.argument("amended")
@click.option("--records", "records_path", type=click.Path(dir_okay=False, exists=True, allow_dash=True),
              help="Also compare every record of this JSON Lines file (facts, as for `check --batch`; - reads stdin).")
@click.option("--ruleset", help="The ruleset the --records are for.")
@click.option("--encoding", default=None, help="The text encoding of --records (default UTF-8; e.g. gb18030).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes per pack for --records (default: one per core).")
@click.option("--examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Changed verdicts shown per rule.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Compare the versions of BASE and of AMENDED in force on this day (each picked among its bases).")
@calendar_option
def diff_command(base: str, amended: str, records_path: str | None, ruleset: str | None, encoding: str | None,
                 as_json: bool, workers: int | None, examples: int, as_of: str | None,
                 calendars: Sequence[str]) -> None:
    """Evaluate BASE's spec cases (and --records) under the packs BASE and AMENDED; report what changes.

    A verdict changes when its outcome, clauses or needs differ; each change is grouped under the
    rule that made the difference. With --as-of DAY, each of BASE and AMENDED is the version of it
    in force on DAY. Exit 0 when nothing changes, 1 when something does, 2 on bad input.
    """
    if records_path and not ruleset:
        raise _Fail("--records needs --ruleset NAME (the ruleset its records are for)")
    if ruleset and not records_path:
        raise _Fail("--ruleset names the ruleset of --records FILE; without --records the spec cases of "
                    "every ruleset BASE and AMENDED share are compared")
    meta = click.get_current_context().meta
    if meta.get("govrules.pack"):
        raise _Fail("diff names its two packs itself: govrules diff BASE AMENDED (without --pack)")
    as_of = as_of or meta.get("govrules.as_of")  # `govrules --as-of DAY diff …` too
    try:
        before, after = _version(base, as_of, "BASE"), _version(amended, as_of, "AMENDED")
        _comparable(before, after, ruleset)
        tally = Tally(examples)
        diff_cases(before, after, tally)
        if records_path:
            assert ruleset is not None
            _records(before, after, ruleset, records_path, check_encoding(encoding), workers, calendars, tally)
        result = tally.result(before, after)
    except (GovrulesError, _Stop) as exc:
        raise _Fail(str(exc)) from None
    except OSError as exc:  # --records exists but cannot be read
        raise _Fail(f"{records_path}: cannot be read ({exc.strerror or exc})") from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True, indent=2))
    else:
        click.echo(render(result, before, after))
    sys.exit(1 if result.changed else 0)


def _comparable(before: Pack, after: Pack, ruleset: str | None) -> None:
    """Refuse a comparison that could only report "nothing changed" because nothing was compared."""
    sides = (("BASE", before), ("AMENDED", after))
    if ruleset is not None:
        for which, pack in sides:
            if ruleset not in pack.available():
                raise _Fail(f"{which} ({pack.describe()}) has no ruleset '{ruleset}': "
                            f"it has {', '.join(pack.available())}")
    elif not set(before.available()) & set(after.available()):
        raise _Fail("BASE and AMENDED share no ruleset, so no verdict can be compared: "
                    + "; ".join(f"{which} ({pack.describe()}) has {', '.join(pack.available())}" for which, pack in sides))


def _version(path: str, as_of: str | None, which: str) -> Pack:
    """The pack at ``path``, or with ``as_of`` the version of it in force that day."""
    pack = Pack.load(path)
    if as_of is None:
        return pack
    try:
        found = resolve(pack, as_of)
    except GovrulesError as exc:
        raise _Fail(f"{which} ({path}): {exc}") from None
    assert found is not None
    return found


def _records(before: Pack, after: Pack, ruleset: str, path: str, encoding: str, workers: int | None,
             calendars: Sequence[str], tally: Tally) -> None:
    """Stream the records through both packs side by side (each on its own worker processes).

    The records are read once (stdin can be read only once) and handed to both runs; the runs go
    in step, so what is buffered between them is bounded by the chunks in flight.
    """
    first, second = itertools.tee(_lines(path, encoding))
    one = run_batch(ruleset, first, workers=workers, calendar_files=calendars, pack=before)
    two = run_batch(ruleset, second, workers=workers, calendar_files=calendars, pack=after)
    bar: Any = None
    if sys.stderr.isatty():
        from tqdm import tqdm  # type: ignore[import-untyped]

        bar = tqdm(desc="govrules diff", unit=" records", file=sys.stderr)
    try:
        for change in diff_records(before, after, ruleset, zip(one, two), "<stdin>" if path == "-" else path):
            tally.add(change)
            if bar is not None:
                bar.update(1)
    finally:
        one.close()
        two.close()
        if bar is not None:
            bar.close()
