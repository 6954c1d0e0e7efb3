"""The Dask recipe of docs/batch.md, run as written, against `govrules check --batch`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from govrules._cli import cli

dask = pytest.importorskip("dask")
pytest.importorskip("dask.bag")

DOC = Path(__file__).resolve().parents[1] / "docs" / "batch.md"


def _recipe() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    [block] = [b for b in blocks if "def dask_batch(" in b]
    return block


def _records() -> str:
    good = [{"conference": {"town_wide": True, "mayor_approved": True}},
            {"conference": {"town_wide": True, "overall_work": True, "mayor_approved": True, "title": "全镇大会"}},
            {"conference": {"town_wide": False}}]
    bad = ["{not json", '{"conference": {"town_wide": "是的"}}', "[1, 2]",
           '{"conference": {"town_wide": true, "town_wide": false}}']
    lines = []
    for i in range(60):
        lines.append(json.dumps(good[i % 3], ensure_ascii=False))
        if i % 7 == 3:
            lines.append(bad[i % 4])
        if i % 11 == 5:
            lines.append("")
    return "\ufeff" + "\n".join(lines) + "\n"


def test_the_dask_recipe_equals_the_cli_line_for_line(tmp_path):
    """Dask partitions give the CLI's stdout byte for byte and its bad-record lines with file-wide numbers."""
    source = tmp_path / "records.jsonl"
    source.write_text(_records(), encoding="utf-8")
    namespace: dict = {}
    exec(compile(_recipe(), str(DOC), "exec"), namespace)  # noqa: S102 - the documented recipe itself
    out = tmp_path / "out"
    with dask.config.set(scheduler="synchronous"):
        namespace["dask_batch"](str(source), str(out), "conference", blocksize=700)
    verdict_files = sorted(out.glob("verdicts-*.jsonl"), key=lambda p: int(p.stem.split("-")[1]))
    bad_files = sorted(out.glob("bad-*.txt"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(verdict_files) > 3  # several partitions, so line numbers had to carry over
    run = CliRunner().invoke(cli, ["check", "conference", "--batch", str(source), "--workers", "1"])
    assert run.exit_code == 2
    assert "".join(p.read_text(encoding="utf-8") for p in verdict_files) == run.stdout
    cli_bad = [x for x in run.stderr.splitlines() if x.startswith(f"govrules: {source}:")]
    dask_bad = "".join(p.read_text(encoding="utf-8") for p in bad_files).splitlines()
    assert dask_bad == cli_bad and len(cli_bad) == 9
