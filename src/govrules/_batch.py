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
import signal
import threading
import time
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, NamedTuple

import attrs

from ._calendar import WorkingCalendar
from ._errors import CalendarError, InputError
from ._facts_io import BOM, loads_json

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
    start_line: int = 1,
    calendar: WorkingCalendar | None = None,
    remedies: bool = False,
    pack: Any = None,
) -> Iterator[Result]:
    """Evaluate JSON Lines records with ``ruleset``, one Result per non-blank line, in order.

    ``lines`` are raw lines (a trailing ``"\\n"`` or ``"\\r\\n"`` is ignored), numbered from
    ``start_line`` (pass the file-wide number of the first one when they are a slice of a
    larger file), or ``(line_number, text)`` pairs. Blank lines are skipped silently; a UTF-8
    BOM opening a line is ignored. A record that gives no verdict, for whatever reason, is a
    Result with ``bad`` set and the run goes on: nothing a record contains stops the others.

    ``remedies=True`` adds ``data.remedies``: finding them re-evaluates each refused record
    many times, most of a batch's cost when most records are refused, so it is off by default.
    An unknown ``ruleset`` raises InputError at once: no record could be evaluated.
    ``pack`` (a ``govrules.Pack``) evaluates with that regulation pack (docs/packs.md).
    """
    from ._facade import _evaluate
    from ._rulesets import runner

    (pack.runner if pack is not None else runner)(ruleset)  # fail fast on a bad ruleset name, before any record
    for number, item in enumerate(lines, start_line):
        line, text = item if isinstance(item, tuple) else (number, item)
        text = text.strip().removeprefix(BOM)
        if not text:
            continue
        try:
            facts = loads_json(text)
        except InputError as exc:
            yield Result(line, bad=BadRecord(line, f"InputError: {exc}"))
            continue
        except Exception as exc:  # noqa: BLE001 - JSONDecodeError, the 4,300-digit ValueError, RecursionError
            yield Result(line, bad=BadRecord(line, f"not valid JSON ({_json_problem(exc)})"))
            continue
        try:
            verdict = _evaluate(ruleset, facts, calendar=calendar, remedies=remedies, pack=pack)
            out = json.dumps({"line": line, **verdict.to_dict()}, ensure_ascii=False, sort_keys=True)
            out.encode("utf-8")  # a lone surrogate (\\ud800) cannot be written out: bad here, not at print
        except (InputError, CalendarError) as exc:
            yield Result(line, bad=BadRecord(line, f"{type(exc).__name__}: {exc}"))
            continue
        except UnicodeEncodeError:
            yield Result(line, bad=BadRecord(line, "InputError: text with a lone surrogate (not a character)"))
            continue
        except Exception as exc:  # noqa: BLE001 - one record must never stop a batch (issue #11)
            yield Result(line, bad=BadRecord(line, f"not evaluated ({type(exc).__name__}: {_short(exc)})"))
            continue
        yield Result(line, output=out)


def _json_problem(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"column {exc.colno}: {exc.msg}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if "int_max_str_digits" in str(exc):  # Python's own hint would be no use to a clerk
        return "an integer with more than 4,300 digits"
    return _short(exc)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "…"


# ---- worker processes ---------------------------------------------------------------------

_worker: dict[str, Any] = {}


class _WorkerSetup(NamedTuple):
    """What each worker process is started with (the pool passes it as ``_init_worker``'s arguments)."""

    ruleset: str
    calendar_files: tuple[str, ...]
    remedies: bool
    parent: int  # the parent's pid: a worker whose parent is gone stops
    pack_dir: str | None = None  # the regulation pack's directory; None: the shipped pack


def _init_worker(ruleset: str, calendar_files: tuple[str, ...], remedies: bool, parent: int,
                 pack_dir: str | None = None) -> None:
    from ._packs import Pack
    from ._rulesets import runner

    # Ctrl-C reaches the whole process group: the parent stops the run and ends the
    # workers itself, so a worker must not die mid-chunk with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker blocks on a queue whose write end it holds too, so it never sees its parent
    # die (SIGKILL, OOM): it watches for that and leaves (issue #11: orphans after kill).
    threading.Thread(target=_leave_when_orphaned, args=(parent,), daemon=True).start()
    _worker["ruleset"] = ruleset
    _worker["remedies"] = remedies
    _worker["calendar"] = WorkingCalendar.from_files(*calendar_files) if calendar_files else None
    _worker["pack"] = pack = Pack.load(pack_dir) if pack_dir is not None else None
    (pack.runner if pack is not None else runner)(ruleset).engine()  # load, check and compile once per process, not per chunk


def _leave_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(3)


def _run_chunk(chunk: list[tuple[int, str]]) -> list[Result]:
    return list(evaluate_lines(_worker["ruleset"], chunk, calendar=_worker["calendar"],
                               remedies=_worker["remedies"], pack=_worker.get("pack")))


def _chunks(lines: Iterable[str], size: int, start_line: int) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start_line):
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
    remedies: bool = False,
    start_line: int = 1,
    pack: Any = None,
) -> Generator[Result, None, None]:
    """Evaluate every line of a JSON Lines stream on ``workers`` processes, yielding in input order.

    ``workers=1`` evaluates in this process (no pool). Memory stays bounded: at most
    a few chunks per worker are in flight, whatever the length of the input. Closing the
    iterator (or an exception, Ctrl-C, a signal handler's exception) ends the workers at
    once; none is left behind.
    """
    workers = default_workers() if workers is None else workers
    if not isinstance(workers, int) or workers < 1:
        raise InputError("workers", "a whole number ≥ 1", workers)
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError("chunk_size", "a whole number ≥ 1", chunk_size)
    calendar = WorkingCalendar.from_files(*calendar_files) if calendar_files else None
    from ._packs import active
    from ._rulesets import runner

    # The regulation pack: the one given, else the one in effect when the run starts (--pack).
    pack = pack if pack is not None else active()
    (pack.runner if pack is not None else runner)(ruleset)  # an unknown ruleset is one error now, not one per record
    if workers == 1:
        yield from evaluate_lines(ruleset, lines, start_line=start_line, calendar=calendar, remedies=remedies,
                                  pack=pack)
        return
    initargs = _WorkerSetup(ruleset, tuple(str(p) for p in calendar_files), remedies, os.getpid(),
                            str(pack.directory) if pack is not None else None)
    pool = _Pool(workers, initargs)
    try:
        for chunk in _chunks(lines, chunk_size, start_line):
            pool.submit(chunk)
            if len(pool.pending) >= workers * 4:
                yield from pool.next_results()
        while pool.pending:
            yield from pool.next_results()
    except BaseException:
        pool.terminate()
        raise
    pool.close()


class _Pool:
    """A process pool whose chunks come back in order, and whose failure loses one chunk at most."""

    def __init__(self, workers: int, initargs: _WorkerSetup) -> None:
        self.workers, self.initargs = workers, initargs
        self.pending: collections.deque[tuple[list[tuple[int, str]], Future[list[Result]]]] = collections.deque()
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: forking a process that may run other threads (an application, a
        # test runner) can deadlock, and 3.12 warns about it. Workers pay one import each.
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"),
                                   initializer=_init_worker, initargs=self.initargs)

    def submit(self, chunk: list[tuple[int, str]]) -> None:
        try:
            future = self.executor.submit(_run_chunk, chunk)
        except BrokenProcessPool:  # a worker died since the last look: nothing is lost yet
            self._restart()
            future = self.executor.submit(_run_chunk, chunk)
        self.pending.append((chunk, future))

    def next_results(self) -> list[Result]:
        chunk, future = self.pending.popleft()
        try:
            return future.result()
        except BrokenProcessPool as exc:
            # A worker died (killed, out of memory): every chunk in flight failed with it.
            # This one's records are reported (it may hold the cause, and a record that
            # kills its worker must not be retried for ever); the others run again.
            self._restart()
            return _all_bad(chunk, f"worker process died ({_short(exc)})")
        except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be pickled
            return _all_bad(chunk, f"not evaluated ({type(exc).__name__}: {_short(exc)})")

    def _restart(self) -> None:
        self.terminate()
        self.executor = self._start()
        waiting = [c for c, _ in self.pending]
        self.pending.clear()
        for chunk in waiting:
            self.pending.append((chunk, self.executor.submit(_run_chunk, chunk)))

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    def terminate(self) -> None:
        # ProcessPoolExecutor has no public way to stop running workers before 3.14
        # (terminate_workers); shutdown() alone waits for the chunks in flight.
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        result_writer = getattr(getattr(self.executor, "_result_queue", None), "_writer", None)  # shutdown drops it
        manager = getattr(self.executor, "_executor_manager_thread", None)
        # Before 3.12 the executor's manager thread then joins the queue's feeder thread,
        # which may be blocked for ever writing a chunk no worker will read (a full pipe):
        # the process would print its summary and never exit. Nothing queued is wanted now.
        call_queue = getattr(self.executor, "_call_queue", None)
        if call_queue is not None:
            call_queue.cancel_join_thread()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        # A worker killed while writing its result leaves half a message in the result pipe;
        # the executor's manager thread then waits for the rest for ever (this process holds
        # the pipe's write end too), and interpreter exit joins that thread: the run printed
        # its summary and never exited. With our write end closed the thread reads EOF instead,
        # takes the pool as broken and ends.
        # Only when the thread is stuck: otherwise the pool winds down as it always did (a 3.10
        # run that closed it unconditionally once ended with a resource-tracker warning).
        if manager is not None and result_writer is not None:
            manager.join(timeout=2)
            if manager.is_alive():
                result_writer.close()


def _all_bad(chunk: list[tuple[int, str]], why: str) -> list[Result]:
    return [Result(line, bad=BadRecord(line, why)) for line, text in chunk if text.strip()]
