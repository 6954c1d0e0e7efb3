"""Requests/s and latency of `govrules serve` for signing, on loopback, for a bounded time.

    .venv/bin/python bench/serve_load.py [--seconds 5] [--clients 32] [--workers 1 2]

For each worker count it starts `python -m govrules serve` on a free 127.0.0.1 port, waits
for /healthz, then runs --clients threads, each with one keep-alive http.client connection,
posting the bundled signing example for --seconds (after a 1 s warm-up), once as is (the
verdict with data.remedies, as `govrules check --json` gives) and once with ?remedies=false.
It prints requests/s and p50/p99 latency, stops the server and exits: it never runs on.
The load generator shares the machine with the server, and on a shared machine other work
takes cores too; so it also prints the CPU time each request cost the server's processes
(from /proc) and this client (getrusage), which other load barely moves: the requests/s a
machine with C free cores can give is about C / (server + client CPU per request).
Nothing here is asserted in the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BODY = (ROOT / "examples" / "signing-office-doc-two-vice-mayors.json").read_bytes()
HEADERS = {"content-type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "govrules", "serve", "--port", str(port),
                             "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not come up within 120 s")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of pid and its children that are still running (uvicorn's workers)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load(port: int, path: str, clients: int, seconds: float) -> tuple[int, int, list[float], float]:
    """(ok, failed, latencies in s, elapsed s) of ``clients`` threads posting for ``seconds``."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failed = [0] * clients
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = latencies[i]
        barrier.wait()
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at[0]:
                break
            try:
                conn.request("POST", path, body=BODY, headers=HEADERS)
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    mine.append(time.perf_counter() - t0)
                else:
                    failed[i] += 1
            except OSError:
                failed[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start_at = time.perf_counter()
    stop_at[0] = start_at + seconds
    barrier.wait()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - start_at
    flat = sorted(x for per in latencies for x in per)
    return len(flat), sum(failed), flat, elapsed


def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    print(f"signing example, {args.clients} keep-alive clients, {args.seconds:g} s per row, loopback")
    print(f"{'workers':>7}  {'remedies':>8}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  {'failed':>6}  "
          f"{'server CPU ms/req':>17}  {'client CPU ms/req':>17}")
    for workers in args.workers:
        proc, port = start(workers)
        try:
            for label, path in (("yes", "/v1/check/signing"), ("no", "/v1/check/signing?remedies=false")):
                load(port, path, args.clients, 1.0)  # warm-up: connections, caches
                server0, client0 = _cpu_seconds(proc.pid), _own_cpu()
                ok, failed, lat, elapsed = load(port, path, args.clients, args.seconds)
                server_ms = (_cpu_seconds(proc.pid) - server0) * 1000 / max(ok, 1)
                client_ms = (_own_cpu() - client0) * 1000 / max(ok, 1)
                print(f"{workers:>7}  {label:>8}  {ok / elapsed:>7.0f}  {pct(lat, 50) * 1000:>7.1f}  "
                      f"{pct(lat, 99) * 1000:>7.1f}  {failed:>6}  {server_ms:>17.2f}  {client_ms:>17.2f}", flush=True)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
