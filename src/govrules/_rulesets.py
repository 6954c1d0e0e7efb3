"""Finding, loading and checking rule files; each ruleset is loaded once per process.

A checked rule file is also kept on disk (a pickle of its RulesetSpec in the user's cache
directory), keyed by the content hash of the rule file and types.yaml, the file's path,
govrules' own modules and data (name, size, mtime) and the versions of Python and ruamel.yaml, so a fresh process does not parse the
YAML and re-run every check on first use. A missing, corrupt, unreadable or foreign cache
entry is ignored (the file is loaded and checked as without a cache), never an error; only
files that load and check cleanly are cached. ``GOVRULES_CACHE=0`` turns it off and
``GOVRULES_CACHE_DIR`` moves it (docs/performance.md, "Start-up").
"""

from __future__ import annotations

import contextvars
import functools
import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

from . import _catalogue, _diskcache
from ._errors import InputError, RulesetError
from ._model import RulesetSpec, TypeSpec
from ._run import Runner

# The file names _load gives types.yaml and the prove pool; repeated here because _load is
# imported only when a rule file is parsed (below). tests/test_startup.py pins that they agree.
TYPES_FILE = "types.yaml"
PROVE_POOL_FILE = "prove-pool.yaml"


# Parsing a rule file (_load, _yaml) brings in ruamel.yaml, ~20-40 ms of imports that a
# process with a warm cache never uses, so _load is imported when a file is actually parsed.
# The wrapper keeps the name patchable (tests/test_spec_cache.py).
def load_ruleset(*args: Any, **kwargs: Any) -> RulesetSpec:
    from ._load import load_ruleset as load

    return load(*args, **kwargs)


# The load-time checks (_check, _check_hazards, the did-you-mean machinery) run only on a rule
# file the cache has no entry for: a warm first verdict never imports them (tests/test_startup.py).
# A wrapper for the same reason as load_ruleset's.
def check(*args: Any, **kwargs: Any) -> None:
    from ._check import check as run_checks

    run_checks(*args, **kwargs)


_lock = threading.Lock()
_runners: dict[str, Runner] = {}

PACK_FILE = "pack.yaml"  # a regulation pack's metadata, beside its rule files (docs/packs.md)
# The regulation pack in effect when it is not the shipped one (set by _packs.Pack.active): an
# object whose .runner(name) and .available() answer instead of the shipped rule files.
ACTIVE_PACK: contextvars.ContextVar[Any] = contextvars.ContextVar("govrules_pack", default=None)


@functools.lru_cache(maxsize=1)
def ruleset_dir() -> Path:
    """Where the shipped rule files are (inside the installed package, or rulesets/ in a checkout)."""
    # The package's directory from its import spec: what importlib.resources.files() returns
    # for a package on the file system, without importing importlib.resources' readers and
    # zipfile (~8 ms at start-up). Anything else (a zip import) still asks importlib.resources.
    spec = importlib.util.find_spec("govrules.rulesets")
    if spec is not None and spec.origin and spec.has_location and Path(spec.origin).is_file():
        return Path(spec.origin).parent
    from importlib import resources

    return Path(str(resources.files("govrules.rulesets")))


def available() -> list[str]:
    """The shipped rulesets: every rule file in the rulesets directory (or the pack's in effect)."""
    pack = ACTIVE_PACK.get()
    if pack is not None:
        return pack.available()
    # os.listdir, not Path.glob: the same names (is_rule_file wants a ".yaml" ending, case and
    # all), without compiling a glob pattern on the first verdict of a process.
    return sorted(name[:-len(".yaml")] for name in os.listdir(ruleset_dir()) if is_rule_file(name))


def is_rule_file(path: str | Path) -> bool:
    """Whether a .yaml file is a rule file, not types.yaml, the prove pool, cases or prove hints."""
    name = Path(path).name
    return (name.endswith(".yaml") and not name.endswith((".cases.yaml", ".prove.yaml"))
            and name not in (TYPES_FILE, PROVE_POOL_FILE, PACK_FILE))


@functools.lru_cache(maxsize=8)
def _types(directory: str) -> tuple[dict[str, TypeSpec], str]:
    from ._load import load_types, read_types_text  # only when a rule file is parsed (above)

    path = Path(directory) / TYPES_FILE
    if not path.exists():
        return {}, ""
    return load_types(path), read_types_text(path)


def load_file(path: str | Path) -> RulesetSpec:
    """Load and check one rule file; its named types come from types.yaml beside it.

    The checked spec comes from the on-disk cache when an entry for exactly these
    contents exists; otherwise the file is loaded and checked, and the result cached.
    """
    path = Path(path)
    # Checked against a regulation pack's own catalogue (docs/packs.md): not the cache's to answer.
    key = _cache_key(path) if _catalogue.active() is None else None
    cached = _diskcache.read(key, RulesetSpec)
    if cached is not None:
        return cached
    types, types_text = _types(str(path.resolve().parent))
    spec = load_ruleset(path, types, types_text)
    check(spec, expected_name=path.stem)
    _diskcache.write(key, spec)
    return spec


def runner(name: str) -> Runner:
    """The shipped ruleset ``name``, loaded and checked on first use."""
    if not isinstance(name, str):
        raise InputError("ruleset", "a ruleset name", name)
    pack = ACTIVE_PACK.get()
    if pack is not None:
        return pack.runner(name)
    with _lock:
        found = _runners.get(name)
    if found is not None:
        return found
    names = available()
    if name not in names:
        from ._suggest import one_of

        raise InputError("ruleset", one_of(name, names), name)
    made = Runner(load_file(ruleset_dir() / f"{name}.yaml"))
    with _lock:
        return _runners.setdefault(name, made)


def runner_for_file(path: str | Path) -> Runner:
    """A ruleset from any rule file (no Runner kept: the file may be edited; its checked spec is cached by content)."""
    path = Path(path)
    if not path.is_file():
        raise RulesetError("no such rule file", file=str(path))
    return Runner(load_file(path))


def _cache_key(path: Path) -> str | None:
    """The cache key of rule file ``path`` with its types.yaml, or None (cache off, a file unreadable)."""
    try:
        resolved = path.resolve()
        types = resolved.parent / TYPES_FILE
        return _diskcache.key(b"ruleset", str(resolved).encode("utf-8", "surrogatepass"), resolved.read_bytes(),
                              types.read_bytes() if types.is_file() else b"-")
    except (OSError, ValueError):
        return None  # the uncached path reports the problem as it always did
