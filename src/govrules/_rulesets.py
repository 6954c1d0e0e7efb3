"""Finding, loading and checking rule files; each ruleset is loaded once per process."""

from __future__ import annotations

import functools
import threading
from importlib import resources
from pathlib import Path

from ._check import check
from ._errors import InputError, RulesetError
from ._load import PROVE_POOL_FILE, TYPES_FILE, load_ruleset, load_types, read_types_text
from ._model import RulesetSpec, TypeSpec
from ._run import Runner
from ._suggest import did_you_mean

_lock = threading.Lock()
_runners: dict[str, Runner] = {}


def ruleset_dir() -> Path:
    """Where the shipped rule files are (inside the installed package, or rulesets/ in a checkout)."""
    return Path(str(resources.files("govrules.rulesets")))


def available() -> list[str]:
    """The shipped rulesets: every rule file in the rulesets directory."""
    return sorted(p.stem for p in ruleset_dir().glob("*.yaml") if is_rule_file(p))


def is_rule_file(path: str | Path) -> bool:
    """Whether a .yaml file is a rule file, not types.yaml, the prove pool, cases or prove hints."""
    name = Path(path).name
    return (name.endswith(".yaml") and not name.endswith((".cases.yaml", ".prove.yaml"))
            and name not in (TYPES_FILE, PROVE_POOL_FILE))


@functools.lru_cache(maxsize=8)
def _types(directory: str) -> tuple[dict[str, TypeSpec], str]:
    path = Path(directory) / TYPES_FILE
    if not path.exists():
        return {}, ""
    return load_types(path), read_types_text(path)


def load_file(path: str | Path) -> RulesetSpec:
    """Load and check one rule file; its named types come from types.yaml beside it."""
    path = Path(path)
    types, types_text = _types(str(path.resolve().parent))
    spec = load_ruleset(path, types, types_text)
    check(spec, expected_name=path.stem)
    return spec


def runner(name: str) -> Runner:
    """The shipped ruleset ``name``, loaded and checked on first use."""
    if not isinstance(name, str):
        raise InputError("ruleset", "a ruleset name", name)
    with _lock:
        found = _runners.get(name)
    if found is not None:
        return found
    names = available()
    if name not in names:
        hint = did_you_mean(name, names)
        raise InputError("ruleset", "one of " + ", ".join(names) + (f"; {hint}" if hint else ""), name)
    made = Runner(load_file(ruleset_dir() / f"{name}.yaml"))
    with _lock:
        return _runners.setdefault(name, made)


def runner_for_file(path: str | Path) -> Runner:
    """A ruleset from any rule file (not cached: the file may be edited between calls)."""
    path = Path(path)
    if not path.is_file():
        raise RulesetError("no such rule file", file=str(path))
    return Runner(load_file(path))
