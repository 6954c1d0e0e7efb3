"""`govrules check RULESET --batch FILE`: verdicts to stdout, bad records and progress to stderr."""

from __future__ import annotations

import io
import json
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import click

from ._batch import run_batch
from ._errors import GovrulesError
from ._facts_io import BOM, check_encoding, undecodable

EXIT_INTERRUPTED: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal, as shells report it
# Reading ahead to tell one pretty-printed JSON document from JSON Lines stops here.
ONE_DOCUMENT_LIMIT = 32 * 1024 * 1024


class _Stop(Exception):
    """The whole run cannot go on (undecodable file, one JSON document): one message, exit 2."""


class _Signalled(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def cli_batch(ruleset: str, path: str, workers: int | None, calendar_files: Sequence[str],
              remedies: bool = False, encoding: str | None = None) -> int:
    """Run the batch; the exit code (0 all verdicts, 2 any skipped or no run, 130/143 stopped)."""
    name = "<stdin>" if path == "-" else path
    try:
        codec = check_encoding(encoding)
        raw = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        click.echo(f"govrules: {path}: not found (no such file)", err=True)
        return 2
    except OSError as exc:
        click.echo(f"govrules: {path}: cannot be read ({exc.strerror or exc})", err=True)
        return 2
    except GovrulesError as exc:
        click.echo(f"govrules: {exc}", err=True)
        return 2
    text = io.TextIOWrapper(raw, encoding=codec)
    counts = {"verdicts": 0, "bad": 0, "line": 0}
    bar = _Progress(path if path != "-" and sys.stderr.isatty() else None)
    results = run_batch(ruleset, _lines(text, name), workers=workers, calendar_files=calendar_files,
                        remedies=remedies)
    previous, stop = _catch_signals()
    try:
        for result in results:
            if stop.get("signum") is not None:
                raise _Signalled(stop["signum"])
            if result.output is not None:
                counts["verdicts"] += 1
                sys.stdout.write(result.output + "\n")
            else:
                counts["bad"] += 1
                bar.write(f"govrules: {name}:{result.bad.line}: {result.bad.error}")  # type: ignore[union-attr]
            counts["line"] = result.line
            bar.update(result.line)
    except _Signalled as stop:
        results.close()  # ends the workers now (idempotent if they are already gone)
        bar.close()
        sys.stdout.flush()
        signame = signal.Signals(stop.signum).name
        click.echo(f"govrules: stopped by {signame}: {counts['verdicts']} verdicts, {counts['bad']} bad records "
                   f"skipped, output complete up to line {counts['line']} of {name}", err=True)
        return EXIT_INTERRUPTED.get(stop.signum, 128 + stop.signum)
    except (GovrulesError, _Stop) as exc:
        bar.close()
        click.echo(f"govrules: {exc}", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - never exit 1 ("not allowed") because of a crash
        bar.close()
        click.echo(f"govrules: batch stopped after line {counts['line']} of {name} by an internal error "
                   f"({type(exc).__name__}: {exc}); please report it", err=True)
        return 2
    finally:
        results.close()
        _restore_signals(previous)
        bar.close()
        if raw is sys.stdin.buffer:
            text.detach()  # else collecting the wrapper would close the caller's stdin
        else:
            raw.close()
        sys.stdout.flush()
    click.echo(f"govrules: {counts['verdicts']} verdicts, {counts['bad']} bad records skipped", err=True)
    return 2 if counts["bad"] else 0


def _catch_signals() -> tuple[dict[int, Any], dict[str, Any]]:
    # SIGTERM (a supervisor, docker stop) and Ctrl-C both end the run the same way: workers
    # ended, a summary, 128 + signal. The first signal is only noted, and the loop stops at the
    # next record: an exception raised from the handler could land inside the process pool's
    # own locks and queues, and a stopped run then hung at exit (seen on 3.10 in CI). A second
    # signal, for a record that never comes, stops at once; any later one is ignored.
    stop: dict[str, Any] = {"signum": None, "raised": False}
    if threading.current_thread() is not threading.main_thread():
        return {}, stop

    def handler(signum: int, frame: Any) -> None:
        if stop["signum"] is None:
            stop["signum"] = signum
        elif not stop["raised"]:
            stop["raised"] = True
            raise _Signalled(stop["signum"])

    return {s: signal.signal(s, handler) for s in EXIT_INTERRUPTED}, stop


def _restore_signals(previous: dict[int, Any]) -> None:
    for signum, old in previous.items():
        signal.signal(signum, old)


def _lines(stream: io.TextIOWrapper, name: str) -> Iterator[str]:
    """The decoded lines; an undecodable file or one pretty-printed JSON document stops the run."""
    try:
        lines = iter(stream)
        head: list[str] = []
        for line in lines:
            head.append(line.removeprefix(BOM) if len(head) == 0 else line)
            if line.strip():
                break
        if head and _opens_a_document(head[-1]):
            head = _refuse_one_document(head, lines, name)
        yield from head
        yield from lines
    except UnicodeDecodeError as exc:
        raise _Stop(str(undecodable(name, exc))) from None


def _opens_a_document(first: str) -> bool:
    text = first.strip().removeprefix(BOM)
    if not text.startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.pos >= len(text)  # cut off at the line's end: a document going on below
    except (ValueError, RecursionError):
        return False
    return False


def _refuse_one_document(head: list[str], lines: Iterator[str], name: str) -> list[str]:
    size = sum(map(len, head))
    for line in lines:
        head.append(line)
        size += len(line)
        if size > ONE_DOCUMENT_LIMIT:
            return head  # too big to tell; each line gets its own error
    try:
        json.loads("".join(head).removeprefix(BOM))
    except (ValueError, RecursionError):
        return head
    raise _Stop(f"{name}: this is one JSON document ({len(head)} lines), not JSON Lines (one record per line): "
                f"check it alone with `govrules check RULESET {name if name != '<stdin>' else '-'}`, "
                "or write one record per line (e.g. jq -c)")


class _Progress:
    """A tqdm bar on stderr for a file on a terminal; bad records are printed above it."""

    def __init__(self, path: str | None) -> None:
        self.path, self.done = path, 0
        self.bar: Any = None

    def update(self, line: int) -> None:
        if self.path is None:
            return
        if self.bar is None:
            from tqdm import tqdm  # type: ignore[import-untyped]

            with open(self.path, "rb") as counting:
                total = sum(1 for _ in counting)
            # Started at the first verdict, not at launch, and averaged over the whole run
            # (smoothing=0): worker start-up then never shows as an ETA of days.
            self.bar = tqdm(total=total, unit=" lines", file=sys.stderr, smoothing=0, dynamic_ncols=True,
                            desc="govrules")
        self.bar.update(line - self.done)
        self.done = line

    def write(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            click.echo(message, err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
