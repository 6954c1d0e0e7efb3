"""Start-up: what `import govrules` and a first verdict load, never how long they take (issue #12)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import attrs
import pytest

import govrules
from govrules import _calendar, _load, _rulesets
from govrules._errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "signing-office-doc-two-vice-mayors.json"

# Loaded only where they are used: parsing YAML, counting working days, reading a date with
# dateutil, package metadata, and the tools a verdict does not need. (The empty namespace
# package "ruamel" is found, not run, by the cache key's look at ruamel.yaml's version.)
# A rule file read from the cache is not checked again (_check, _check_hazards), nor is the
# shipped pack loaded for its stamp (_packs); no decision log is on until govrules.configure
# imports _log; the cache key's sha256 needs no OpenSSL (hashlib), and a misspelt name's hint
# (difflib) or a cache write (tempfile) is not on this path.
NOT_FOR_A_VERDICT = ("ruamel.yaml", "chinese_calendar", "dateutil", "importlib.metadata", "hypothesis", "click",
                     "starlette", "uvicorn", "govrules._load", "govrules._yaml", "govrules._timeline",
                     "govrules._schema", "govrules._cli", "govrules._batch", "govrules._serve", "govrules._prove",
                     "govrules._docs", "govrules._coverage", "govrules._cases", "govrules._inputs",
                     "govrules._check", "govrules._check_hazards", "govrules._packs", "govrules._log",
                     "hashlib", "_hashlib", "difflib", "tempfile")


def _fresh(code: str, cache: Path) -> dict:
    """Run ``code`` in a fresh interpreter with its own rule-file cache; it prints one JSON value."""
    env = {**os.environ, "GOVRULES_CACHE_DIR": str(cache)}
    env.pop("GOVRULES_CACHE", None)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=True)
    return json.loads(done.stdout)


def _loaded(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_import_govrules_loads_no_submodule_and_no_dependency(tmp_path):
    """`import govrules` alone imports none of its modules, nor durable_rules, attrs or ruamel.yaml."""
    modules = _fresh("""
        import json, sys
        import govrules
        print(json.dumps(sorted(sys.modules)))
        """, tmp_path / "cache")
    assert _loaded(modules, ("durable", "durable_rules_engine", "attr", "attrs", *NOT_FOR_A_VERDICT)) == []
    assert [m for m in modules if m.startswith("govrules.")] == []


def test_a_first_verdict_with_a_warm_cache_loads_only_what_a_verdict_needs(tmp_path):
    """The first verdict of a process with a warm rule-file cache imports no YAML parser, calendar data or tool."""
    code = f"""
        import json, sys
        import govrules
        facts = json.loads(open({str(EXAMPLE)!r}, encoding="utf-8").read())
        verdict = govrules.evaluate("signing", facts)
        print(json.dumps([verdict.to_dict(), sorted(sys.modules)], ensure_ascii=False, sort_keys=True))
        """
    cold, _ = _fresh(code, tmp_path / "cache")
    warm, modules = _fresh(code, tmp_path / "cache")
    assert warm == cold
    assert _loaded(modules, NOT_FOR_A_VERDICT) == []


def test_a_refused_first_verdict_imports_the_remedy_search_only_when_its_remedies_are_read(tmp_path):
    """A refused verdict leaves _remedies unimported until data["remedies"] is read, which then finds remedies."""
    code = f"""
        import json, sys
        import govrules
        facts = json.loads(open({str(EXAMPLE)!r}, encoding="utf-8").read())
        verdict = govrules.evaluate("signing", facts)
        before = "govrules._remedies" in sys.modules
        remedies = verdict.data["remedies"]
        print(json.dumps([verdict.allowed, before, "govrules._remedies" in sys.modules, len(remedies)]))
        """
    allowed, before, after, found = _fresh(code, tmp_path / "cache")
    assert (allowed, before, after) == (False, False, True) and found > 0


def test_every_public_name_is_its_module_object_and_listed():
    """Each name in __all__ resolves (lazily) to the very object its module defines, and dir() lists it."""
    import importlib

    for name in govrules.__all__:
        module = importlib.import_module(f"govrules.{govrules._WHERE[name]}")
        assert getattr(govrules, name) is getattr(module, name), name
    assert set(govrules.__all__) <= set(dir(govrules))
    assert sorted(govrules._WHERE) == govrules.__all__
    with pytest.raises(AttributeError):
        govrules.no_such_name  # noqa: B018 - the attribute access is the test


def test_the_rule_file_names_rulesets_knows_without_load_are_loads_names():
    """_rulesets names types.yaml and the prove pool as _load does (it imports _load only to parse)."""
    assert (_rulesets.TYPES_FILE, _rulesets.PROVE_POOL_FILE) == (_load.TYPES_FILE, _load.PROVE_POOL_FILE)


def test_a_checked_spec_holds_only_built_in_values():
    """No shipped spec keeps a ruamel.yaml object (reading a cached spec back would import ruamel.yaml)."""
    found = []

    def walk(value, path):
        if type(value).__module__.startswith("ruamel"):
            found.append(path)
        elif attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                walk(getattr(value, field.name), f"{path}.{field.name}")
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k, f"{path}[key]")
                walk(v, f"{path}[{k!r}]")
        elif isinstance(value, (list, tuple, set, frozenset)):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    for name in _rulesets.available():
        walk(_load.load_ruleset(_rulesets.ruleset_dir() / f"{name}.yaml", *_rulesets._types(str(_rulesets.ruleset_dir()))),
             name)
    assert found == []


def test_as_date_reads_full_iso_days_as_isoparse_does_and_refuses_the_same():
    """as_date's dateutil-free path gives isoparse's date for YYYY-MM-DD, and an impossible day is still refused."""
    from dateutil.parser import isoparse

    day = dt.date(2024, 1, 1)
    while day.year < 2025:
        text = day.isoformat()
        assert _calendar.as_date(text) == isoparse(text).date() == day
        assert _calendar.as_date(f" {text} ") == day
        day += dt.timedelta(days=1)
    for bad in ("2026-02-30", "2026-13-01", "2026-00-10", "2026-10", "2026"):
        with pytest.raises(InputError):
            _calendar.as_date(bad)
    assert _calendar.as_date("2026-10-08T09:30:00") == dt.date(2026, 10, 8)  # still read by isoparse
