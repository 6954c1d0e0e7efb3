"""The on-disk cache of checked rule files (govrules._rulesets): same specs, never an error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from govrules import _rulesets
from govrules._errors import RulesetError
from govrules._rulesets import load_file

ROOT = Path(__file__).resolve().parents[1]
RULESETS = ROOT / "rulesets"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("GOVRULES_CACHE_DIR", str(folder))
    monkeypatch.delenv("GOVRULES_CACHE", raising=False)
    return folder


@pytest.fixture
def rules(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULESETS / "types.yaml", folder / "types.yaml")
    shutil.copy(RULESETS / "conference.yaml", folder / "conference.yaml")
    return folder / "conference.yaml"


def _entry(cache: Path, rules: Path) -> Path:
    key = _rulesets._cache_key(rules)
    assert key is not None
    return cache / f"{key}.pickle"


def _no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("parsed or checked although a cache entry exists")

    monkeypatch.setattr(_rulesets, "load_ruleset", refuse)
    monkeypatch.setattr(_rulesets, "check", refuse)


def test_a_second_load_reads_the_checked_spec_from_the_cache(cache, rules, monkeypatch):
    """The second load of an unchanged rule file neither parses nor checks, and gives an equal spec."""
    first = load_file(rules)
    assert _entry(cache, rules).is_file()
    _no_parsing(monkeypatch)
    again = load_file(rules)
    assert again == first and again is not first


def test_every_shipped_rule_file_round_trips_through_the_cache(cache, monkeypatch):
    """Each shipped ruleset's cached spec equals the one loaded and checked from YAML."""
    names = _rulesets.available()
    loaded = {name: load_file(RULESETS / f"{name}.yaml") for name in names}
    _no_parsing(monkeypatch)
    assert {name: load_file(RULESETS / f"{name}.yaml") for name in names} == loaded


@pytest.mark.parametrize("edit", ["rule file", "types"])
def test_a_changed_rule_file_or_types_file_is_loaded_afresh(cache, rules, edit):
    """Editing the rule file or types.yaml gives a spec of the new contents, not the cached one."""
    first = load_file(rules)
    before = _entry(cache, rules)
    if edit == "rule file":
        text = rules.read_text(encoding="utf-8")
        rules.write_text(text.replace("title:", "title: 改 ", 1), encoding="utf-8")
        assert load_file(rules).title != first.title
    else:
        types = rules.parent / "types.yaml"
        types.write_text(types.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
        assert load_file(rules) == first
    after = _entry(cache, rules)
    assert after != before and before.is_file() and after.is_file()


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage"])
def test_a_corrupt_cache_entry_is_ignored(cache, rules, damage):
    """A truncated or garbage cache entry is ignored: the file is loaded and checked, no error."""
    first = load_file(rules)
    _entry(cache, rules).write_bytes(damage)
    assert load_file(rules) == first


def test_an_entry_under_the_wrong_key_is_ignored(cache, rules, tmp_path):
    """An entry holding another file's spec (renamed into place) is not used."""
    load_file(rules)
    entry = _entry(cache, rules)
    other = tmp_path / "rules" / "seal.yaml"
    shutil.copy(RULESETS / "seal.yaml", other)
    key = _rulesets._cache_key(other)
    assert key is not None
    shutil.copy(entry, cache / f"{key}.pickle")
    assert load_file(other).name == "seal"


def test_an_unusable_cache_directory_is_no_error(tmp_path, rules, monkeypatch):
    """A cache 'directory' that is a file, or one writable by others, is ignored and loading still works."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("GOVRULES_CACHE_DIR", str(blocker))
    assert load_file(rules).name == "conference"
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv("GOVRULES_CACHE_DIR", str(shared))
    spec = load_file(rules)
    if hasattr(os, "getuid"):
        assert list(shared.iterdir()) == []  # a pickle is code: never kept where others may write
    assert spec.name == "conference"


def test_caching_can_be_turned_off(cache, rules, monkeypatch):
    """GOVRULES_CACHE=0 writes no entry and reads none."""
    monkeypatch.setenv("GOVRULES_CACHE", "0")
    load_file(rules)
    assert not cache.exists()


def test_a_broken_rule_file_is_never_cached_and_fails_the_same_each_time(cache, rules):
    """A rule file that fails its checks raises the same RulesetError on every load; nothing is cached."""
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("town_wide", "town_wyde", 1), encoding="utf-8")
    errors = []
    for _ in range(2):
        with pytest.raises(RulesetError) as caught:
            load_file(rules)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert not _entry(cache, rules).exists()


def test_a_fresh_process_with_a_warm_cache_gives_the_same_verdict(cache):
    """Two fresh interpreters (cold then warm cache) print the same verdict; the second parses neither rule file nor catalogue."""
    code = textwrap.dedent(
        """
        import json, govrules, govrules._rulesets as r, govrules._catalogue as cat
        called = []
        real, real_parse = r.load_ruleset, cat._parse
        r.load_ruleset = lambda *a, **k: (called.append(1), real(*a, **k))[1]
        cat._parse = lambda: (called.append(2), real_parse())[1]
        v = govrules.check_conference(conference={"town_wide": True, "overall_work": True, "mayor_approved": True})
        print(json.dumps([v.to_dict(), len(called)], ensure_ascii=False, sort_keys=True))
        """
    )
    env = {**os.environ, "GOVRULES_CACHE_DIR": str(cache)}
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
            for _ in range(2)]
    import json
    (cold, cold_parsed), (warm, warm_parsed) = (json.loads(o) for o in outs)
    assert cold == warm
    assert (cold_parsed, warm_parsed) == (2, 0)


def test_the_clause_catalogue_from_the_cache_equals_the_parsed_one(cache):
    """The catalogue read back from the cache is equal, clause for clause, to the one parsed from clauses.yaml."""
    from govrules import _catalogue, _diskcache

    parsed = _catalogue._parse()
    key = _diskcache.key(b"catalogue")
    _diskcache.write(key, parsed)
    assert _diskcache.read(key, tuple) == parsed
    assert _diskcache.read(key, dict) is None  # an entry of another type reads as none
