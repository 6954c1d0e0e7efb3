"""A small on-disk cache of checked, parsed package data (rule files, the clause catalogue).

A fresh process would otherwise parse YAML with ruamel's pure-Python parser and re-run every
load-time check on first use (hundreds of ms). Entries are pickles in the user's cache
directory (XDG_CACHE_HOME/govrules, ~/Library/Caches/govrules, %LOCALAPPDATA%/govrules/Cache:
what platformdirs.user_cache_dir gives; one directory did not seem worth a dependency).

A key is the sha256 of the caller's parts (for a rule file: its path, its bytes and
types.yaml's bytes) and of govrules itself: every module and data file's name, size and
mtime (what Python's bytecode cache trusts) and the Python and ruamel.yaml versions, so an
edited or upgraded govrules never reads what its old code checked.

Nothing here is ever an error: a missing, corrupt, truncated or mis-keyed entry, an entry
of the wrong type, an unreadable directory, or one not private to this user (a pickle is
code: only our own is read) reads as "no entry"; a failed write writes nothing. Entries are
written atomically (os.replace). ``GOVRULES_CACHE=0`` turns the cache off and
``GOVRULES_CACHE_DIR`` moves it (docs/performance.md, "Start-up").
"""

from __future__ import annotations

import functools
import importlib.util
import os
import pickle
import sys
from pathlib import Path
from typing import Any

# CPython's own sha256 module, what hashlib falls back to without OpenSSL (the same digest):
# `import hashlib` loads OpenSSL's libcrypto, ~4-5 ms of a warm start, for two small hashes.
# The random module takes its sha512 the same way.
try:
    from _sha2 import sha256  # Python 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.10, 3.11
    except ImportError:
        from hashlib import sha256

# Bump when the entry format changes.
_FORMAT = b"govrules-cache-2"


def cache_dir() -> Path | None:
    """Where entries are kept, or None when caching is off (GOVRULES_CACHE=0)."""
    if os.environ.get("GOVRULES_CACHE", "1").strip().lower() in ("0", "off", "false", "no"):
        return None
    explicit = os.environ.get("GOVRULES_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "govrules" / "Cache" if base else None
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "govrules"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govrules"


@functools.lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """govrules' own modules and data (name, size, mtime) and what parsing depends on.

    Why this key is safe: a cached value was made by govrules' code (parse, check) from
    the caller's parts, and read back by the same code (its classes). It is reused only if
    every module and data file of the package has the same name, size and modification time
    as when the entry was written: exactly what Python's own bytecode cache trusts to decide
    a module is unchanged, so an entry is never older than the code reading it, in a checkout
    edited in place or after an upgrade. The Python version (the pickle's classes, and what
    `str`/`re` do) and ruamel.yaml's identity (its __init__.py, which states its version; it
    parsed the YAML) complete it.

    Why not cheaper: the package version does not change while a checkout is edited, and a
    directory's mtime does not change when a file in it is edited in place; hashing file
    contents would read ~700 KB per start. What this costs is one directory scan and one
    stat per file (~60), ~0.2 ms; what it no longer costs is importing ruamel.yaml to ask
    its version (~20 ms), and importlib.metadata is no cheaper.
    """
    h = sha256(_FORMAT)
    h.update(f"{sys.version}|{sys.implementation.cache_tag}|".encode())
    h.update(_ruamel_identity())
    package = os.path.dirname(os.path.abspath(__file__))
    for folder, only_py in ((package, True), (os.path.join(package, "data"), False)):
        with os.scandir(folder) as found:
            files = sorted((e.name, e) for e in found if (not only_py or e.name.endswith(".py")) and e.is_file())
        prefix = "" if only_py else "data/"
        for name, entry in files:
            st = entry.stat()
            h.update(f"{prefix}{name}|{st.st_size}|{st.st_mtime_ns}\0".encode())
    return h.digest()


def _ruamel_identity() -> bytes:
    """ruamel.yaml's __init__.py (it names the version), found without importing ruamel.yaml."""
    try:
        spec = importlib.util.find_spec("ruamel.yaml")
        if spec is not None and spec.origin:
            with open(spec.origin, "rb") as f:
                return b"ruamel.yaml|" + f.read()
    except Exception:  # noqa: BLE001 - not found or unreadable: just part of the key
        pass
    return b"ruamel.yaml|?"


def key(*parts: bytes) -> str | None:
    """The key of ``parts`` under this govrules, or None when caching is off or impossible."""
    try:
        if cache_dir() is None:
            return None
        h = sha256(_code_digest())
        for part in parts:
            h.update(len(part).to_bytes(8, "big") + part)
        return h.hexdigest()
    except (OSError, ValueError):
        return None


def _private(stat_result: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    if not hasattr(os, "getuid"):
        return True
    return stat_result.st_uid == os.getuid() and not stat_result.st_mode & 0o022


def read(key: str | None, kind: type) -> Any:
    """The entry stored under ``key`` if it is a ``kind``, else None (never an error)."""
    if key is None:
        return None
    try:
        folder = cache_dir()
        if folder is None or not _private(folder.stat()):
            return None
        with open(folder / f"{key}.pickle", "rb") as f:
            if not _private(os.fstat(f.fileno())):
                return None
            data = f.read()
        stored_key, value = pickle.loads(data)
        if stored_key != key or not isinstance(value, kind):
            return None
        return value
    except Exception:  # noqa: BLE001 - missing, corrupt, unreadable, from another version: no entry
        return None


def write(key: str | None, value: Any) -> None:
    """Store ``value`` under ``key``; any failure leaves the cache as it was."""
    if key is None:
        return
    try:
        folder = cache_dir()
        if folder is None:
            return
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder.stat()):
            return
        data = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        import tempfile  # only when writing an entry: a warm start reads, ~3-6 ms to import

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
