"""The real server: `python -m govrules serve` with two workers on a free loopback port."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from govrules._cli import cli
from govrules._log import read_log

from _procs import alive, descendants

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds worker processes through /proc")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheader("content-type", ""), r.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    where = tmp_path_factory.mktemp("serve")
    log, output = where / "decisions.jsonl", open(where / "server.out", "wb")  # a file: a full pipe would block it
    proc = subprocess.Popen(
        [sys.executable, "-m", "govrules", "serve", "--port", str(port), "--workers", "2",
         "--max-body", "65536", "--log", str(log)],
        stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not come up: {(where / 'server.out').read_text(errors='replace')}")
            time.sleep(0.2)
        yield proc, port, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        output.close()


def test_examples_get_the_same_json_as_check(server):
    """Every bundled example posted to the server gets what `govrules check RULESET FILE --json` prints."""
    _, port, _ = server
    for path in EXAMPLES:
        ruleset = path.name.split("-")[0]
        status, ctype, body = _request(port, "POST", f"/v1/check/{ruleset}", path.read_bytes(),
                                       {"content-type": "application/json"})
        assert status == 200 and ctype == "application/json", body
        cli_out = CliRunner().invoke(cli, ["check", ruleset, str(path), "--json"]).output
        assert json.loads(body) == json.loads(cli_out), path.name


@pytest.mark.parametrize("method, path, body, ctype, status", [
    ("POST", "/v1/check/signing", b"not json", "application/json", 400),
    ("POST", "/v1/check/signing", b'{"document": {"issuer": "x"}}', "application/json", 400),
    ("POST", "/v1/check/signing", b'{"a": 1, "a": 2}', "application/json", 400),
    ("POST", "/v1/check/signin", b"{}", "application/json", 404),
    ("POST", "/v1/check/signing", b"{}", "text/plain", 415),
    ("POST", "/v1/check/signing", b'{"x": "' + b"y" * 70000 + b'"}', "application/json", 413),
    ("GET", "/v1/timeline/2031-10-08", None, "", 422),
    ("GET", "/etc/passwd", None, "", 404),
])
def test_junk_gets_4xx_problem_bodies(server, method, path, body, ctype, status):
    """Junk gets the documented 4xx status with an application/problem+json body and no trace."""
    _, port, _ = server
    got, got_type, raw = _request(port, method, path, body, {"content-type": ctype} if ctype else {})
    assert got == status, raw
    assert got_type == "application/problem+json"
    problem = json.loads(raw)
    assert problem["status"] == status and problem["detail"] and b"Traceback" not in raw


def test_decision_log_has_one_whole_line_per_verdict_across_workers(server):
    """Concurrent checks spread over two workers leave exactly one complete JSON line each in the log."""
    _, port, log = server
    before = len(read_log(log)) if log.exists() else 0
    body = (ROOT / "examples" / "conference-overall-work.json").read_bytes()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: _request(port, "POST", "/v1/check/conference", body,
                                                    {"content-type": "application/json"})[0], range(64)))
    assert statuses == [200] * 64
    lines = [line for line in log.read_bytes().split(b"\n") if line.strip()]
    assert len(lines) == len(read_log(log)) == before + 64  # every line parses: none torn or glued


def test_terminating_leaves_no_worker_behind(server):
    """SIGTERM stops the server and both workers; no process of it remains. (Runs last in this module.)"""
    proc, port, _ = server
    workers = descendants(proc.pid)
    assert len(workers) >= 2
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in workers if alive(p)]
    with pytest.raises(OSError):
        _request(port, "GET", "/healthz")


def test_serve_refuses_a_log_in_a_missing_directory(tmp_path):
    """A bad --log is refused at start with exit 2, before any worker starts."""
    r = subprocess.run([sys.executable, "-m", "govrules", "serve", "--port", str(_free_port()),
                        "--log", str(tmp_path / "no" / "log.jsonl")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "log" in r.stderr
