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

import functools
import hashlib
import os
import pickle
import sys
import tempfile
import threading
from importlib import resources
from pathlib import Path

from ._check import check
from ._errors import InputError, RulesetError
from ._load import TYPES_FILE, load_ruleset, load_types, read_types_text
from ._model import RulesetSpec, TypeSpec
from ._run import Runner
from ._suggest import did_you_mean

NAMES = ("signing", "seal", "decision", "meeting", "minutes", "disclosure", "submission", "conference")

_lock = threading.Lock()
_runners: dict[str, Runner] = {}


def ruleset_dir() -> Path:
    """Where the shipped rule files are (inside the installed package, or rulesets/ in a checkout)."""
    return Path(str(resources.files("govrules.rulesets")))


def available() -> list[str]:
    """The shipped rulesets that have a rule file."""
    return sorted(p.stem for p in ruleset_dir().glob("*.yaml")
                  if not p.name.endswith((".cases.yaml", ".prove.yaml")) and p.name != TYPES_FILE)


@functools.lru_cache(maxsize=8)
def _types(directory: str) -> tuple[dict[str, TypeSpec], str]:
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
    key = _cache_key(path)
    if key is not None:
        cached = _cache_read(key)
        if cached is not None:
            return cached
    types, types_text = _types(str(path.resolve().parent))
    spec = load_ruleset(path, types, types_text)
    check(spec, expected_name=path.stem)
    if key is not None:
        _cache_write(key, spec)
    return spec


# --- the checked-spec cache ------------------------------------------------------------

# Bump when the entry format changes.
_CACHE_FORMAT = b"govrules-spec-cache-1"


def cache_dir() -> Path | None:
    """Where checked specs are cached, or None when caching is off (GOVRULES_CACHE=0)."""
    if os.environ.get("GOVRULES_CACHE", "1").strip().lower() in ("0", "off", "false", "no"):
        return None
    explicit = os.environ.get("GOVRULES_CACHE_DIR")
    if explicit:
        return Path(explicit)
    # The platform's per-user cache directory (what platformdirs.user_cache_dir gives for
    # these three; one directory did not seem worth a dependency).
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "govrules" / "Cache" if base else None
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "govrules"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govrules"


@functools.lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """Hash of govrules' own modules and data (what parsing and checking depend on) and versions."""
    h = hashlib.sha256(_CACHE_FORMAT)
    try:
        import ruamel.yaml
        version = getattr(ruamel.yaml, "__version__", "?")
    except Exception:  # noqa: BLE001 - a version we cannot read is just part of the key
        version = "?"
    h.update(f"{sys.version}|{sys.implementation.cache_tag}|ruamel.yaml {version}|".encode())
    # Each module's and data file's name, size and modification time (what Python's own
    # bytecode cache trusts): an edited govrules never reads a spec its old code checked.
    package = Path(__file__).resolve().parent
    for file in sorted([*package.glob("*.py"), *package.glob("data/*")]):
        st = file.stat()
        h.update(f"{file.name}|{st.st_size}|{st.st_mtime_ns}\0".encode())
    return h.digest()


def _cache_key(path: Path) -> str | None:
    """The content key of ``path`` with its types.yaml, or None (cache off, or a file unreadable)."""
    try:
        if cache_dir() is None:
            return None
        resolved = path.resolve()
        h = hashlib.sha256(_code_digest())
        h.update(str(resolved).encode("utf-8", "surrogatepass") + b"\0")
        h.update(resolved.read_bytes() + b"\0")
        types = resolved.parent / TYPES_FILE
        h.update(types.read_bytes() if types.is_file() else b"-")
        return h.hexdigest()
    except (OSError, ValueError):
        return None  # the uncached path reports the problem as it always did


def _private(stat_result: os.stat_result) -> bool:
    """Owned by this user and not writable by others (a pickle is code: read only our own)."""
    if not hasattr(os, "getuid"):
        return True
    return stat_result.st_uid == os.getuid() and not stat_result.st_mode & 0o022


def _cache_read(key: str) -> RulesetSpec | None:
    try:
        folder = cache_dir()
        if folder is None or not _private(folder.stat()):
            return None
        with open(folder / f"{key}.pickle", "rb") as f:
            if not _private(os.fstat(f.fileno())):
                return None
            data = f.read()
        stored_key, spec = pickle.loads(data)
        if stored_key != key or not isinstance(spec, RulesetSpec):
            return None
        return spec
    except Exception:  # noqa: BLE001 - missing, corrupt, unreadable, from another version: ignore
        return None


def _cache_write(key: str, spec: RulesetSpec) -> None:
    try:
        folder = cache_dir()
        if folder is None:
            return
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder.stat()):
            return
        data = pickle.dumps((key, spec), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, folder / f"{key}.pickle")  # atomic: readers see all or nothing
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except Exception:  # noqa: BLE001 - a cache that cannot be written is simply not used
        return


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
