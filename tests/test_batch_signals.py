"""A batch stopped by SIGTERM or Ctrl-C: a summary, a distinct exit code, no process left behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _procs import alive, descendants

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


@contextlib.contextmanager
def _batch(records: Path, **streams: Any) -> Iterator[subprocess.Popen[bytes]]:
    """`govrules check conference --batch RECORDS --workers 2` in a subprocess, killed if a test fails."""
    # faulthandler: a run that hangs is ended with SIGABRT below, and says where each thread was.
    proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-c", "from govrules._cli import main; main()",
                             "check", "conference", "--batch", str(records), "--workers", "2"], **streams)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signalled_batch_stops_cleanly_and_leaves_no_process(tmp_path, signum, code):
    """SIGTERM/SIGINT mid-batch: exit 128+signal, a 'stopped by' summary, workers and resource tracker gone."""
    records = tmp_path / "big.jsonl"
    line = json.dumps({"conference": {"town_wide": True, "overall_work": True, "mayor_approved": True}})
    records.write_text((line + "\n") * 200_000, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as stdout, _batch(records, stdout=stdout, stderr=subprocess.PIPE) as proc:
        children: set[int] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            children |= descendants(proc.pid)
            if out.stat().st_size > 0 and len(children) >= 3:  # 2 workers + the resource tracker
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the batch ended before it could be signalled"
        proc.send_signal(signum)
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            _, stderr = proc.communicate(timeout=30)
            pytest.fail(f"the batch did not stop within 60 s of {signal.Signals(signum).name}; its threads:\n"
                        f"{stderr.decode(errors='replace')[-8000:]}")
    assert proc.returncode == code, stderr.decode()
    assert f"stopped by {signal.Signals(signum).name}" in stderr.decode()
    assert "Traceback" not in stderr.decode() and "leaked" not in stderr.decode()
    deadline = time.monotonic() + 10
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [c for c in children if alive(c)]
    written = out.read_bytes().decode("utf-8").split("\n")
    assert written[-1] == ""  # whole lines only
    assert [json.loads(x)["line"] for x in written[:-1]] == list(range(1, len(written)))


def test_workers_leave_when_their_parent_is_killed(tmp_path):
    """SIGKILL to the batch (no handler can run): its workers notice and exit within seconds."""
    records = tmp_path / "big.jsonl"
    line = json.dumps({"conference": {"town_wide": False}})
    records.write_text((line + "\n") * 200_000, encoding="utf-8")
    with _batch(records, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        children: set[int] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(children) < 3 and proc.poll() is None:
            children |= descendants(proc.pid)
            time.sleep(0.1)
        time.sleep(1.5)  # past the workers' start-up
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.monotonic() + 15
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [c for c in children if alive(c)]


def test_a_worker_killed_mid_run_loses_only_its_chunk():
    """SIGKILL to one worker: at most its chunk's records are reported bad, every other record gets its verdict."""
    import multiprocessing

    from govrules.batch import run_batch

    line = json.dumps({"conference": {"town_wide": False}})
    total = 6000
    seen: dict[int, bool] = {}
    killed = False
    for result in run_batch("conference", [line] * total, workers=2, chunk_size=100):
        seen[result.line] = result.output is not None
        if not killed and len(seen) == 300:
            workers = multiprocessing.active_children()
            assert workers
            os.kill(workers[0].pid, signal.SIGKILL)
            killed = True
    assert sorted(seen) == list(range(1, total + 1))  # every line once, in order
    lost = [n for n, ok in seen.items() if not ok]
    # At most one chunk (none when the break is noticed before a result is awaited): the
    # others in flight ran again on fresh workers, which finished the run.
    assert len(lost) <= 100
    assert all(seen[n] for n in range(max(lost, default=300) + 1, total + 1))


def test_a_pool_broken_between_chunks_restarts_on_submit():
    """A worker that died while no chunk was in flight costs nothing: the next chunk runs on fresh workers."""
    import multiprocessing

    from govrules._batch import _Pool

    line = json.dumps({"conference": {"town_wide": False}})
    pool = _Pool(1, ("conference", (), False, os.getpid()))
    try:
        pool.submit([(1, line)])
        assert pool.next_results()[0].output is not None
        for worker in multiprocessing.active_children():
            os.kill(worker.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not getattr(pool.executor, "_broken", False) and time.monotonic() < deadline:
            time.sleep(0.05)  # until the executor has noticed (private flag, only to time the test)
        pool.submit([(2, line)])
        [result] = pool.next_results()
        assert result.line == 2 and result.output is not None
    finally:
        pool.terminate()


def test_a_chunk_whose_worker_died_is_reported_and_the_others_rerun():
    """A chunk failed by a broken pool gives one bad record per non-blank line; chunks behind it run again."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from govrules._batch import _Pool

    line = json.dumps({"conference": {"town_wide": False}})
    pool = _Pool(1, ("conference", (), False, os.getpid()))
    try:
        failed: Future = Future()
        failed.set_exception(BrokenProcessPool("A child process terminated abruptly"))
        pool.pending.append(([(1, line), (2, "  "), (3, line)], failed))
        pool.submit([(4, line)])
        lost = pool.next_results()
        assert [(r.line, r.output) for r in lost] == [(1, None), (3, None)]
        assert all("worker process died" in r.bad.error for r in lost)
        [after] = pool.next_results()
        assert after.line == 4 and after.output is not None
    finally:
        pool.terminate()


def test_terminating_the_pool_unblocks_a_half_written_result():
    """A worker killed mid-write leaves half a result in the pipe; terminate still lets the pool's thread end."""
    import os
    import struct

    from govrules._batch import _Pool

    pool = _Pool(1, ("conference", (), False, os.getpid()))
    pool.submit([(1, json.dumps({"conference": {"town_wide": False}}))])
    assert pool.next_results()[0].output is not None  # the worker is up and has answered once
    manager = pool.executor._executor_manager_thread
    writer = pool.executor._result_queue._writer
    # The length header of a 1,000-byte message and one byte of it: what a kill mid-send leaves.
    os.write(writer.fileno(), struct.pack("!i", 1000) + b"x")
    try:
        pool.terminate()
        manager.join(timeout=20)
        assert not manager.is_alive(), "the executor's manager thread still waits for the rest of the message"
    finally:
        if not writer.closed:  # without the fix: let the thread see EOF so this test run can exit
            writer.close()
