"""Opt-in decision log: one JSON line per verdict, appended so a crash never tears a record.

Each record says which ruleset (and which version of its rule files) decided what, on which
input (by hash), citing which clauses. By default no input value is logged at all; a caller
who wants the input logged passes ``mask`` — the paths to strip from it, as OPA's decision-log
masking does — so the log never holds more of the input than the caller allowed.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import threading
from pathlib import Path
from typing import Any, Iterable

import attrs

from ._errors import GovrulesError, InputError
from ._model import RulesetSpec, Verdict
from ._rulesets import available, runner
from ._suggest import did_you_mean
from ._validate import validate

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: appends stay single writes, unlocked
    fcntl = None  # type: ignore[assignment]

# Compiled on first use (re caches it): only a decision log with a mask reads paths (start-up).
_STEP = r"^([^\[\]]*)((?:\[(?:\d+|\*)\])*)$"


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


class DecisionLogError(GovrulesError, OSError):
    """The decision log could not be written; the verdict was computed and is ``verdict``.

    Fail closed (docs/auditing.md): a deployer who turned the log on gets no unrecorded
    decision silently, and the caller still has the verdict to show or to retry logging.
    """

    def __init__(self, path: str, reason: str, verdict: Verdict | None = None, code: int | None = None) -> None:
        self.path = path
        self.verdict = verdict
        super().__init__(code or errno.EIO, f"decision log {path}: {reason}; the verdict was not recorded")


# HMAC keys: the deployer's (log_key= / GOVRULES_LOG_KEY / --log-key-file), else one random
# key per process that is never written anywhere. A plain sha256 of the input was inverted
# by guessing (a conference record has 16 possible inputs; a masked name fell to 2.6 M guesses).
MIN_KEY_BYTES = 16
KEY_ENV = "GOVRULES_LOG_KEY"
_PROCESS_KEY = os.urandom(32)  # what secrets.token_bytes(32) returns, without importing secrets


def _as_key(value: Any, setting: str) -> bytes:
    key = value.encode("utf-8") if isinstance(value, str) else value
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        # Never echo the value: it is a secret even when it is too short to be a good one.
        raise InputError(setting, f"a secret of at least {MIN_KEY_BYTES} bytes (str or bytes)")
    return key


def default_key() -> bytes:
    """The key when none is configured: $GOVRULES_LOG_KEY, else this process's random key."""
    env = os.environ.get(KEY_ENV)
    return _as_key(env, KEY_ENV) if env else _PROCESS_KEY


def key_id(key: bytes) -> str:
    """Which key made a hash (16 hex digits), without revealing it."""
    import hashlib  # hmac, hashlib, uuid: only once a decision log is written (start-up)
    import hmac

    return hmac.new(key, b"govrules decision log key id", hashlib.sha256).hexdigest()[:16]


def input_hash(spec: RulesetSpec, facts: Any, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the validated input in canonical JSON (enum codes, ISO dates, defaults filled)."""
    import hashlib
    import hmac

    text = _canonical(validate(spec, facts)).encode("utf-8")
    return "hmac-sha256:" + hmac.new(key or default_key(), text, hashlib.sha256).hexdigest()


def _parse_mask(path: str) -> list[tuple[str, str]]:
    """'meeting.leaders[*].name' → [('key', 'meeting'), ('key', 'leaders'), ('index', '*'), ('key', 'name')]."""
    tokens = []
    for part in path.split(".") if isinstance(path, str) else [None]:
        m = re.match(_STEP, part) if isinstance(part, str) else None
        if not m or not m.group(1):
            raise InputError("mask", "paths such as 'signer.name' or 'meeting.leaders[*].name'", path)
        tokens.append(("key", m.group(1)))
        tokens.extend(("index", i) for i in re.findall(r"\[(\d+|\*)\]", m.group(2)))
    return tokens


def _input_paths() -> set[str]:
    """Every field path of every shipped ruleset's input, list indexes left out."""
    paths: set[str] = set()

    def walk(prefix: str, t: Any) -> None:
        paths.add(prefix)
        if t.kind == "list" and t.items is not None:
            walk(prefix, t.items)
        elif t.kind == "object":
            for f in t.fields:
                walk(f"{prefix}.{f.name}", f.type)

    for name in available():
        for f in runner(name).spec.facts:
            walk(f.name, f.type)
    return paths


def _known_path(path: str) -> None:
    # A mistyped mask would silently log the very value it was meant to hide: refuse it.
    plain_path = re.sub(r"\[(?:\d+|\*)\]", "", path)
    known = _input_paths()
    if plain_path not in known:
        hint = did_you_mean(plain_path, sorted(known))
        raise InputError("mask", "a field path of some ruleset's input" + (f"; {hint}" if hint else ""), path)


def _strip(obj: Any, tokens: list[tuple[str, str]]) -> None:
    """Remove what ``tokens`` name from ``obj`` in place; a list met by a field name applies to each item.

    A field is deleted; a list item named by index is replaced by null so other indexes stay put.
    """
    if not tokens:
        return
    (kind, value), rest = tokens[0], tokens[1:]
    if kind == "key":
        if isinstance(obj, list):
            for item in obj:
                _strip(item, tokens)
        elif isinstance(obj, dict) and value in obj:
            if rest:
                _strip(obj[value], rest)
            else:
                del obj[value]
        return
    if isinstance(obj, list):
        indexes = range(len(obj)) if value == "*" else [int(value)] if int(value) < len(obj) else []
        for i in indexes:
            if rest:
                _strip(obj[i], rest)
            else:
                obj[i] = None


def masked_input(spec: RulesetSpec, facts: Any, mask: Iterable[str]) -> dict[str, Any]:
    """The validated input with every path in ``mask`` removed."""
    typed = json.loads(_canonical(validate(spec, facts)))
    for path in mask:
        _strip(typed, _parse_mask(path))
    return typed


def _fspath(path: Any) -> str:
    # os.fspath itself is a builtin: attrs would read its signature by parsing the text
    # signature with tokenize, whose regexes cost ~5 ms at import (start-up).
    return os.fspath(path)


@attrs.frozen
class DecisionLog:
    """Appends one record per verdict to ``path`` (JSON Lines).

    ``mask`` None (the default): no input values, only their hash. A sequence of paths: the
    validated input is logged with those paths removed (an empty sequence logs all of it).
    """

    path: str = attrs.field(converter=_fspath)
    mask: tuple[str, ...] | None = attrs.field(default=None, converter=lambda m: None if m is None else tuple(m))
    # None: default_key() at construction. Kept out of repr and comparisons.
    key: bytes | None = attrs.field(default=None, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "key", default_key() if self.key is None else _as_key(self.key, "log_key"))
        for p in self.mask or ():
            if not isinstance(p, str):
                raise InputError("mask", "a list of field paths (strings)", p)
            _parse_mask(p)
            _known_path(p)

    def entry(self, spec: RulesetSpec, facts: Any, verdict: Verdict) -> dict[str, Any]:
        import uuid

        record: dict[str, Any] = {
            "decision_id": uuid.uuid4().hex,
            "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "ruleset": spec.name,
            "ruleset_version": spec.version,
            "input_hash": input_hash(spec, facts, self.key),
            "input_hash_key": key_id(self.key or default_key()),
            "outcome": verdict.outcome,
            "allowed": verdict.allowed,
            "clauses": list(verdict.clauses),
            # Which facts were missing, never their values (a path names a field, not a person).
            "needs": [{"path": n.path, "outcome": n.outcome} for n in verdict.needs],
            # The regulation pack, its version and content hash (docs/packs.md).
            "pack": dict(verdict.pack) if verdict.pack is not None else None,
        }
        if self.mask is not None:
            record["input"] = masked_input(spec, facts, self.mask)
            record["masked"] = list(self.mask)
        return record

    def record(self, spec: RulesetSpec, facts: Any, verdict: Verdict) -> dict[str, Any]:
        """Append the verdict's record and return it."""
        record = self.entry(spec, facts, verdict)
        try:
            append_line(self.path, _canonical(record))
        except OSError as exc:
            # Not bad input (the caller's facts were fine): its own error, carrying the verdict.
            raise DecisionLogError(self.path, exc.strerror or str(exc), verdict, exc.errno) from None
        return record


def append_line(path: str | os.PathLike[str], line: str) -> None:
    """Append one whole line, or nothing: never a fragment.

    One write on an O_APPEND descriptor under an exclusive flock (govrules writers take
    turns; the lock also makes the tail check race-free). If the file does not end in a
    newline (a fragment from a crash), the record starts on a fresh line. A failed or short
    write (a full disk) is cut back to the size before it and raised as OSError.
    """
    data = (line.replace("\n", " ") + "\n").encode("utf-8")
    fd = os.open(os.fspath(path), os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        try:
            written = os.write(fd, data)
        except OSError:
            _cut_back(fd, size)
            raise
        if written != len(data):
            _cut_back(fd, size)
            raise OSError(errno.ENOSPC, f"short write ({written} of {len(data)} bytes), removed")
    finally:
        os.close(fd)  # also releases the lock


def _cut_back(fd: int, size: int) -> None:
    try:
        if os.fstat(fd).st_size > size:
            os.ftruncate(fd, size)
    except OSError:  # pragma: no cover - a device that cannot be truncated (/dev/full) has no fragment
        pass


def read_log(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The complete records of a decision log, in order.

    A trailing line without its newline (a write cut short) is skipped, and so is any line
    that is not a whole JSON object (a fragment an earlier crash left behind).
    """
    raw = Path(path).read_bytes()
    lines = raw.split(b"\n")
    complete = lines[:-1]  # the last element is b"" or a partial line without its newline
    out = []
    for line in complete:
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(record, dict):
            out.append(record)
    return out


# ---- process-wide configuration (opt-in) -------------------------------------------------------

_lock = threading.Lock()
_active: DecisionLog | None = None
_key: bytes | None = None  # configure(log_key=...); None: default_key()


_UNSET: Any = object()


def configure(*, decision_log: Any = _UNSET, mask: Any = _UNSET, remedies: Any = _UNSET,
              log_key: Any = _UNSET) -> None:
    """Process-wide options; a keyword not given leaves its setting as it was.

    ``decision_log=path`` turns the decision log on, ``decision_log=None`` off. ``mask=None``
    (the default) logs no input values, only the input's hash; ``mask=[paths]`` logs the
    validated input minus those paths (``"signer.name"``, ``"meeting.leaders[*].name"``).
    ``remedies=False`` stops the facade searching for remedies on verdicts that are not
    allowed (on by default; see docs/auditing.md for its cost). ``log_key`` (str or bytes, at
    least 16 bytes) keys the input hash; None uses $GOVRULES_LOG_KEY or a random per-process
    key (docs/auditing.md says what each protects).
    """
    global _active
    if remedies is not _UNSET:
        if not isinstance(remedies, bool):
            raise InputError("remedies", "true or false", remedies)
        from ._remedies import enable as enable_remedies  # the search itself: only once a verdict needs it

        enable_remedies(remedies)
    global _key
    if log_key is not _UNSET:
        _key = None if log_key is None else _as_key(log_key, "log_key")
    if decision_log is _UNSET and mask is _UNSET and log_key is _UNSET:
        return
    with _lock:
        current = _active
    if decision_log is _UNSET:
        decision_log = current.path if current is not None else None
    if mask is _UNSET:
        mask = current.mask if current is not None else None
    if decision_log is not None and not isinstance(decision_log, (str, os.PathLike)):
        raise InputError("decision_log", "a file path or None", decision_log)
    if mask is not None and (isinstance(mask, (str, bytes)) or not isinstance(mask, Iterable)):
        raise InputError("mask", "a list of field paths or None", mask)
    made = None if decision_log is None else DecisionLog(decision_log, mask, _key)
    if made is not None and not Path(made.path).resolve().parent.is_dir():
        raise InputError("decision_log", "a file in an existing directory", made.path)
    if made is not None and Path(made.path).is_dir():
        raise InputError("decision_log", "a file, not a directory", made.path)
    with _lock:
        _active = made


def active() -> DecisionLog | None:
    with _lock:
        return _active


def record(spec: RulesetSpec, facts: Any, verdict: Verdict) -> None:
    """Log the verdict when a decision log is configured; otherwise do nothing."""
    log = active()
    if log is not None:
        log.record(spec, facts, verdict)
