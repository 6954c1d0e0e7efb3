"""Batch mode: one verdict per JSON Lines record, on every core, in input order.

The engine holds the GIL for the whole of an evaluation (docs/engine.md), so threads
cannot share the work: records go to worker processes in chunks, and the chunks come
back in the order they went out. A bad record (not JSON, not an object, or facts the
ruleset refuses) is reported with its line number and skipped; the run goes on.

``evaluate_lines`` is the unit of work and needs nothing but the records, so the same
function runs inside another engine's partitions (a Dask bag, Spark's mapPartitions):
see docs/batch.md.
"""

from __future__ import annotations

import collections
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import attrs

from ._calendar import WorkingCalendar
from ._errors import CalendarError, InputError

__all__ = ["BadRecord", "Result", "evaluate_lines", "run_batch"]

# A chunk is a few hundred records: big enough that pickling and scheduling cost little
# next to ~100 µs–1 ms per verdict, small enough that memory stays flat and order is cheap.
DEFAULT_CHUNK = 256


@attrs.frozen
class BadRecord:
    """A record that produced no verdict: its 1-based line number and why."""

    line: int
    error: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.error}"


@attrs.frozen
class Result:
    """One non-blank input line: the verdict as one JSON line, or why there is none."""

    line: int
    output: str | None = None  # JSON text of {"line": n, **verdict.to_dict()}
    bad: BadRecord | None = None


def evaluate_lines(
    ruleset: str,
    lines: Iterable[str | tuple[int, str]],
    *,
    calendar: WorkingCalendar | None = None,
    remedies: bool = True,
) -> Iterator[Result]:
    """Evaluate JSON Lines records with ``ruleset``, one Result per non-blank line, in order.

    ``remedies=False`` leaves ``data.remedies`` out: finding them re-evaluates each refused
    record many times, the larger part of a batch's cost when most records are refused.

    ``lines`` are the raw lines, or ``(line_number, text)`` pairs when they are a slice
    of a larger file (so errors name the right line). Blank lines are skipped silently.
    An unknown ``ruleset`` raises InputError at once: no record could be evaluated.
    """
    from ._facade import _evaluate
    from ._rulesets import runner

    runner(ruleset)  # fail fast on a bad ruleset name, before any record
    for number, item in enumerate(lines, 1):
        line, text = item if isinstance(item, tuple) else (number, item)
        text = text.strip()
        if not text:
            continue
        try:
            facts = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            detail = f"column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            yield Result(line, bad=BadRecord(line, f"not valid JSON ({detail})"))
            continue
        try:
            verdict = _evaluate(ruleset, facts, calendar=calendar, remedies=remedies)
        except (InputError, CalendarError) as exc:
            yield Result(line, bad=BadRecord(line, f"{type(exc).__name__}: {exc}"))
            continue
        out = {"line": line, **verdict.to_dict()}
        yield Result(line, output=json.dumps(out, ensure_ascii=False, sort_keys=True))


# ---- worker processes ---------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _init_worker(ruleset: str, calendar_files: tuple[str, ...], remedies: bool = True) -> None:
    from ._rulesets import runner

    _worker["ruleset"] = ruleset
    _worker["remedies"] = remedies
    _worker["calendar"] = WorkingCalendar.from_files(*calendar_files) if calendar_files else None
    runner(ruleset).engine()  # load, check and compile once per process, not per chunk


def _run_chunk(chunk: list[tuple[int, str]]) -> list[Result]:
    return list(evaluate_lines(_worker["ruleset"], chunk, calendar=_worker["calendar"],
                               remedies=_worker["remedies"]))


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for number, text in enumerate(lines, 1):
        chunk.append((number, text))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_batch(
    ruleset: str,
    lines: Iterable[str],
    *,
    workers: int | None = None,
    calendar_files: Sequence[str] = (),
    chunk_size: int = DEFAULT_CHUNK,
    remedies: bool = True,
) -> Iterator[Result]:
    """Evaluate every line of a JSON Lines stream on ``workers`` processes, yielding in input order.

    ``workers=1`` evaluates in this process (no pool). Memory stays bounded: at most
    a few chunks per worker are in flight, whatever the length of the input.
    """
    workers = default_workers() if workers is None else workers
    if not isinstance(workers, int) or workers < 1:
        raise InputError("workers", "a whole number ≥ 1", workers)
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError("chunk_size", "a whole number ≥ 1", chunk_size)
    calendar = WorkingCalendar.from_files(*calendar_files) if calendar_files else None
    from ._rulesets import runner

    runner(ruleset)  # an unknown ruleset is one error now, not one per record in every worker
    if workers == 1:
        yield from evaluate_lines(ruleset, lines, calendar=calendar, remedies=remedies)
        return
    # spawn, not fork: forking a process that may run other threads (an application, a
    # test runner) can deadlock, and 3.12 warns about it. Workers pay one import each.
    context = get_context("spawn")
    window = workers * 4
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context,
        initializer=_init_worker, initargs=(ruleset, tuple(str(p) for p in calendar_files), remedies),
    ) as pool:
        pending: collections.deque[Future[list[Result]]] = collections.deque()
        for chunk in _chunks(lines, chunk_size):
            pending.append(pool.submit(_run_chunk, chunk))
            if len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


# ---- the command line ---------------------------------------------------------------------


def cli_batch(ruleset: str, path: str, workers: int | None, calendar_files: Sequence[str],
              remedies: bool = True) -> int:
    """`govrules check RULESET --batch FILE`: verdicts to stdout, bad records to stderr; the exit code."""
    import sys

    import click

    from ._errors import GovrulesError

    stderr_tty = sys.stderr.isatty()
    try:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        click.echo(f"govrules: {path}: cannot read ({exc.strerror or exc})", err=True)
        return 2
    name = "<stdin>" if path == "-" else path
    verdicts = bad = 0
    bar = None
    try:
        if stderr_tty and path != "-":
            with open(path, "rb") as counting:
                total = sum(1 for _ in counting)
            bar = click.progressbar(length=total, label="govrules", file=sys.stderr)
            bar.__enter__()
        done = 0
        for result in run_batch(ruleset, _decoded(stream, name), workers=workers, calendar_files=calendar_files,
                                 remedies=remedies):
            if result.output is not None:
                verdicts += 1
                sys.stdout.write(result.output + "\n")
            else:
                bad += 1
                click.echo(f"govrules: {name}:{result.bad.line}: {result.bad.error}", err=True)
            if bar is not None:
                bar.update(result.line - done)
                done = result.line
    except (GovrulesError, _Undecodable) as exc:
        click.echo(f"govrules: {exc}", err=True)
        return 2
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        if stream is not sys.stdin:
            stream.close()
        sys.stdout.flush()
    click.echo(f"govrules: {verdicts} verdicts, {bad} bad records skipped", err=True)
    return 2 if bad else 0


class _Undecodable(Exception):
    pass


def _decoded(stream: Any, name: str) -> Iterator[str]:
    # A file that is not UTF-8 at all is one error for the whole run, not one per line.
    try:
        yield from stream
    except UnicodeDecodeError as exc:
        raise _Undecodable(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
