"""Shared helpers for the foundation tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Checked rule files are cached on disk (govrules._rulesets); tests keep theirs in a private
# directory instead of the user's cache (child interpreters inherit it). Tests of the cache
# itself point GOVRULES_CACHE_DIR elsewhere.
os.environ.setdefault("GOVRULES_CACHE_DIR", tempfile.mkdtemp(prefix="govrules-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
RULESETS = ROOT / "rulesets"


@pytest.fixture
def broken_ruleset(tmp_path: Path):
    """Write a copy of conference.yaml with one textual change, next to the shared types."""

    def make(old: str, new: str, name: str = "conference") -> Path:
        text = (RULESETS / "conference.yaml").read_text(encoding="utf-8")
        assert old in text, f"test setup: {old!r} not in conference.yaml"
        shutil.copy(RULESETS / "types.yaml", tmp_path / "types.yaml")
        path = tmp_path / f"{name}.yaml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return make


@pytest.fixture
def rule_file(tmp_path: Path):
    """Write a rule file named ``name`` with ``text`` beside a copy of the shared types.yaml."""

    def make(name: str, text: str) -> Path:
        shutil.copy(RULESETS / "types.yaml", tmp_path / "types.yaml")
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make
