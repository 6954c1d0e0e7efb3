"""Regulation packs: one regulation's text, clause catalogue, rule files, cases and metadata, by path.

A pack is a directory with ``pack.yaml`` (docs/packs.md). The shipped pack is ``rulesets/``
(package ``govrules.rulesets``), whose catalogue and text stay in ``govrules/data``. Any other
pack is used by path. A pack that names a ``base`` is an *overlay*: its rule files hold only
what changes (rules by id, time nodes, derived fields), its ``amend:`` list changes the
regulation's words, and its cases files only the cases that differ. The bases of a pack are its
earlier versions: ``as_of`` picks the one in force on a day.

While ``Pack.active()`` is in effect (the facade's ``pack=``, the CLI's ``--pack``), the ruleset
lookup (``_rulesets.runner``) and the catalogue (``_catalogue``) answer from the pack, so every
tool built on them works on it unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence, Union

import attrs
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from . import _catalogue, _diskcache, _rulesets
from ._catalogue import Catalogue, normalize, parent_id, verify_against
from ._check import check
from ._errors import InputError, RulesetError
from ._load import PROVE_POOL_FILE, TYPES_FILE, load_types, parse_tree, read_types_text
from ._model import RulesetSpec
from ._run import Runner
from ._suggest import did_you_mean, one_of
from ._yaml import load_yaml, position

__all__ = ["PACK_FILE", "Pack", "PackLike", "resolve", "shipped"]

PACK_FILE = _rulesets.PACK_FILE
_META_KEYS = ("id", "title", "issuer", "document", "version", "in_force_from", "in_force_to", "catalogue",
              "base", "amend", "note")
_AMEND_KEYS = ("clause", "replace", "with")
_PACKAGE = "govrules:"  # a path inside the installed package: govrules:rulesets, govrules:data/clauses.yaml
# What an overlay rule file may say: the rule file's own keys, plus add_rules / drop_rules.
_MERGED_BY_KEY = ("facts", "inferred", "time_nodes", "derive", "data")
_REPLACED = ("title", "summary", "outcomes", "default_outcome", "timeline")
_OVERLAY_KEYS = ("ruleset", *_REPLACED, *_MERGED_BY_KEY, "rules", "add_rules", "drop_rules")

PackLike = Union["Pack", str, "os.PathLike[str]"]


def _package_path(value: str) -> Path:
    inner = value[len(_PACKAGE):].strip("/")
    if inner == "rulesets" or inner.startswith("rulesets/"):
        return _rulesets.ruleset_dir().joinpath(*inner.split("/")[1:])
    return Path(str(resources.files("govrules"))).joinpath(*inner.split("/"))


@attrs.frozen(eq=False)
class Pack:
    """One version of one regulation: metadata, catalogue and rule files (``Pack.load(path)``).

    ``id`` names the regulation, ``version`` this version of it; ``hash`` is the content hash of
    every file the version reads (its base's included). ``base`` is the version it amends.
    """

    id: str
    version: str
    title: str
    directory: Path
    hash: str
    issuer: str | None = None
    document: str | None = None
    in_force_from: dt.date | None = None
    in_force_to: dt.date | None = None
    note: str | None = None
    base: Pack | None = None
    catalogue: Catalogue | None = attrs.field(default=None, repr=False)  # None: the shipped catalogue
    is_shipped: bool = False
    catalogue_file: Path | None = attrs.field(default=None, repr=False)  # its clauses.yaml, when it has one
    signature: tuple[Any, ...] = attrs.field(default=(), repr=False)  # its files' names, sizes, mtimes
    # The catalogue and text it reads, wherever they are (catalogue: ../shared/clauses.yaml): paths, sizes, mtimes.
    read_signature: tuple[Any, ...] = attrs.field(default=(), repr=False)
    _runners: dict[str, Runner] = attrs.field(factory=dict, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, path: PackLike) -> Pack:
        """The pack in directory ``path`` (or its ``pack.yaml``); a problem is a RulesetError naming file:line."""
        if isinstance(path, Pack):
            return path
        if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
            raise InputError("pack", "a regulation pack's directory (with pack.yaml)", path)
        directory = _package_path(str(path)) if str(path).startswith(_PACKAGE) else Path(os.fspath(path))
        if directory.name == PACK_FILE:
            directory = directory.parent
        if not (directory / PACK_FILE).is_file():
            raise InputError("pack", f"a directory with {PACK_FILE} (docs/packs.md); none in {directory}", str(path))
        directory = directory.resolve()
        signature = _signature(directory)
        pack = _load_cached(directory, signature)
        if any(_stale(p, signature if p is pack else None) for p in pack.chain()):
            _load_cached.cache_clear()  # a base's files, or a catalogue outside, changed since: load the chain again
            pack = _load_cached(directory, _signature(directory))
        return pack

    # ---- what the pack holds ------------------------------------------------------------------

    @property
    def stamp(self) -> dict[str, str]:
        """What a verdict and the decision log record of the pack that decided: id, version, hash."""
        return {"id": self.id, "version": self.version, "hash": self.hash}

    def to_dict(self) -> dict[str, Any]:
        def day(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {**self.stamp, "title": self.title, "issuer": self.issuer, "document": self.document,
                "in_force_from": day(self.in_force_from), "in_force_to": day(self.in_force_to),
                "note": self.note, "directory": str(self.directory),
                "base": self.base.stamp if self.base else None}

    def chain(self) -> tuple[Pack, ...]:
        """This version and the versions it amends, oldest first."""
        out: list[Pack] = []
        pack: Pack | None = self
        while pack is not None:
            out.append(pack)
            pack = pack.base
        return tuple(reversed(out))

    def versions(self) -> tuple[Pack, ...]:
        """This version and every version it amends, newest first (what ``as_of`` chooses among)."""
        return tuple(reversed(self.chain()))

    def files(self, name: str) -> list[Path]:
        """Every file called ``name`` in this version and the versions it amends, oldest first."""
        return [p.directory / name for p in self.chain() if (p.directory / name).is_file()]

    def file(self, name: str) -> Path | None:
        """The newest file called ``name`` (this version's own, else its base's)."""
        found = self.files(name)
        return found[-1] if found else None

    def available(self) -> list[str]:
        """The pack's rulesets: every rule file in it or in a version it amends."""
        names: set[str] = set()
        catalogues = {p.catalogue_file for p in self.chain()}
        for p in self.chain():
            names.update(f.stem for f in p.directory.glob("*.yaml")
                         if _rulesets.is_rule_file(f) and f.resolve() not in catalogues)
        return sorted(names)

    def runner(self, name: str) -> Runner:
        """The pack's ruleset ``name`` (its base's, with this version's overlay), loaded and checked once."""
        if self.is_shipped:
            with _shipped_only():
                return _rulesets.runner(name)
        if not isinstance(name, str):
            raise InputError("ruleset", "a ruleset name", name)
        with self._lock:
            found = self._runners.get(name)
        if found is not None:
            return found
        names = self.available()
        if name not in names:
            raise InputError("ruleset", one_of(name, names), name)
        with _catalogue.using(self.catalogue):
            made = Runner(self._spec(name))
        with self._lock:
            return self._runners.setdefault(name, made)

    def _spec(self, name: str) -> RulesetSpec:
        files = self.files(f"{name}.yaml")
        first, overlays = files[0], files[1:]
        base_text = _read(first)
        root = load_yaml(first, base_text)
        origins: dict[int, tuple[str, str]] = {}
        texts = [base_text]
        for overlay in overlays:
            text = _read(overlay)
            texts.append(text)
            merge_overlay(root, load_yaml(overlay, text), str(overlay), text, origins)
        types_file = self.file(TYPES_FILE)
        types = load_types(types_file) if types_file else {}
        types_text = read_types_text(types_file) if types_file else ""
        spec = parse_tree(root, "\0".join(texts), str(first), types, types_text, origins)
        check(spec, expected_name=name)
        return spec

    @contextlib.contextmanager
    def active(self) -> Iterator[Pack]:
        """Within the block, rulesets, the catalogue and every tool built on them are this pack's."""
        token = _rulesets.ACTIVE_PACK.set(None if self.is_shipped else self)
        try:
            with _catalogue.using(self.catalogue):
                yield self
        finally:
            _rulesets.ACTIVE_PACK.reset(token)

    def bind(self, run: Runner) -> Any:
        """``run`` whose evaluations happen with this pack in effect (for work done later, e.g. remedies)."""
        return run if self.is_shipped else _Bound(run, self)

    def in_force(self, day: dt.date) -> bool:
        return ((self.in_force_from is None or self.in_force_from <= day)
                and (self.in_force_to is None or day <= self.in_force_to))

    def describe(self) -> str:
        span = (f"{self.in_force_from or '…'} – {self.in_force_to or '…'}")
        return f"{self.id} {self.version} (in force {span})"


class _Bound:
    """A Runner whose ``evaluate`` runs with its pack in effect; everything else is the Runner's."""

    def __init__(self, run: Runner, pack: Pack) -> None:
        self._run, self._pack = run, pack

    def __getattr__(self, name: str) -> Any:
        return getattr(self._run, name)

    def evaluate(self, *args: Any, **kwargs: Any) -> Any:
        with self._pack.active():
            return self._run.evaluate(*args, **kwargs)


def active() -> Pack | None:
    """The pack in effect when it is not the shipped one (``Pack.active``), else None."""
    found = _rulesets.ACTIVE_PACK.get()
    return found if isinstance(found, Pack) else None


@contextlib.contextmanager
def _shipped_only() -> Iterator[None]:
    token = _rulesets.ACTIVE_PACK.set(None)
    try:
        yield
    finally:
        _rulesets.ACTIVE_PACK.reset(token)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"cannot read the file: {exc}", file=str(path)) from None


def _signature(directory: Path) -> tuple[Any, ...]:
    """Names, sizes and mtimes of a pack's files: a changed file is a new load, not a stale one."""
    out = []
    for f in sorted(directory.iterdir()):
        try:
            if f.is_file():
                st = f.stat()
                out.append((f.name, st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            continue  # replaced between listing and reading (an editor's save): gone, so not part of the pack
    return tuple(out)


def _stats(files: Sequence[Path]) -> tuple[Any, ...]:
    out: list[tuple[str, int | None, int | None]] = []
    for f in files:
        try:
            st = f.stat()
            out.append((str(f), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(f), None, None))
    return tuple(out)


def _stale(pack: Pack, signature: tuple[Any, ...] | None = None) -> bool:
    """Whether a file ``pack`` was loaded from changed since (its directory's, or its catalogue and text elsewhere)."""
    return ((_signature(pack.directory) if signature is None else signature) != pack.signature
            or _stats([Path(entry[0]) for entry in pack.read_signature]) != pack.read_signature)


@functools.lru_cache(maxsize=32)
def _load_cached(directory: Path, signature: tuple[Any, ...], _seen: tuple[Path, ...] = ()) -> Pack:
    return _load(directory, signature, _seen)


def _load(directory: Path, signature: tuple[Any, ...], seen: tuple[Path, ...]) -> Pack:
    # ``signature``: the directory's files as listed before anything is read, so a file that
    # changes while this load reads it makes the next load a fresh one.
    meta_file = directory / PACK_FILE
    text = _read(meta_file)
    try:
        root = load_yaml(meta_file, text)
    except RulesetError as exc:  # the YAML's own error, with the pack's docs rather than only the rule files'
        raise RulesetError(exc.message, file=exc.file, line=exc.line, col=exc.col, text=exc.text,
                           hint=exc.hint or "pack.yaml: see docs/packs.md") from None
    lines = text.splitlines()

    def fail(message: str, node: Any = None, key: Any = None, hint: str | None = None) -> RulesetError:
        line, col = position(node, key) if node is not None else (None, None)
        shown = lines[line - 1].rstrip() if line and 0 < line <= len(lines) else None
        return RulesetError(message, file=str(meta_file), line=line, col=col, text=shown,
                            hint=hint or "see docs/packs.md")

    if not isinstance(root, CommentedMap):
        raise fail("pack.yaml is a mapping: id, title, version, catalogue (or base), in_force_from …", root,
                   hint="docs/packs.md")
    for k in root:
        if k not in _META_KEYS:
            raise fail(f"unknown key '{k}' in pack.yaml", root, k, hint=did_you_mean(str(k), _META_KEYS))

    def text_of(key: str, required: bool) -> str | None:
        value = root.get(key)
        if value is None:
            if required:
                raise fail(f"pack.yaml needs '{key}'", root, hint="docs/packs.md")
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(f"'{key}' must be a non-empty string", root, key)
        return value.strip()

    def date_of(key: str) -> dt.date | None:
        value = root.get(key)
        if value is None:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise fail(f"'{key}' must be a date (YYYY-MM-DD)", root, key) from None

    base: Pack | None = None
    base_ref = text_of("base", False)
    if base_ref is not None:
        base_dir = _package_path(base_ref) if base_ref.startswith(_PACKAGE) else directory / base_ref
        if not (base_dir / PACK_FILE).is_file():
            raise fail(f"the base '{base_ref}' is not a pack (no {PACK_FILE} in {base_dir})", root, "base")
        base_dir = base_dir.resolve()
        if base_dir in seen or base_dir == directory:
            raise fail("the bases of this pack go round in a circle", root, "base")
        base = _load_cached(base_dir, _signature(base_dir), (*seen, directory))

    is_shipped = base is None and directory == _rulesets.ruleset_dir().resolve()
    pack_id = text_of("id", base is None) or (base.id if base else "")
    version = text_of("version", True) or ""
    title = text_of("title", base is None) or (base.title if base else "")
    in_from, in_to = date_of("in_force_from"), date_of("in_force_to")
    if in_from and in_to and in_to < in_from:
        raise fail("'in_force_to' is before 'in_force_from'", root, "in_force_to")
    if base is not None and in_from and base.in_force_from and in_from <= base.in_force_from:
        # Else as_of would pick the amendment until its base's date and the base after it.
        raise fail(f"'in_force_from' ({in_from}) is not after the in_force_from of the version it amends "
                   f"({base.describe()})", root, "in_force_from")

    catalogue_ref = text_of("catalogue", base is None)
    hashed: list[Path] = []
    catalogue: Catalogue | None
    if catalogue_ref is not None:
        cat_file = _package_path(catalogue_ref) if catalogue_ref.startswith(_PACKAGE) else directory / catalogue_ref
        if not cat_file.is_file():
            raise fail(f"no clause catalogue at {cat_file}", root, "catalogue")
        shipped_catalogue = cat_file.resolve() == _package_path(_PACKAGE + "data/clauses.yaml").resolve()
        if shipped_catalogue and text_of("title", False) in (None, _shipped_title()):
            catalogue = None  # the shipped catalogue, shared with every shipped verdict
        else:
            catalogue = _catalogue.load_catalogue(cat_file, title=text_of("title", False))
        hashed.append(cat_file)
        # The text the catalogue names (a shipped one's name from the already-parsed catalogue).
        regulation_file = Path(catalogue.file) if catalogue is not None else cat_file.parent / _shipped_text_name()
        if regulation_file.is_file():
            hashed.append(regulation_file)
    else:
        assert base is not None
        parent = base.catalogue or _shipped_catalogue()
        catalogue = attrs.evolve(parent, title=title) if title != parent.title else parent
    if "amend" in root:
        catalogue = _amend(catalogue or _shipped_catalogue(), root["amend"], fail)

    h = hashlib.sha256(b"govrules-pack\0")
    if base is not None:
        h.update(base.hash.encode() + b"\0")
    for f in sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".txt")) + hashed:
        try:
            content = f.read_bytes()
        except FileNotFoundError:
            continue  # replaced or removed since it was listed (an editor's save): not part of this load
        except OSError as exc:
            raise RulesetError(f"cannot read the file: {exc}", file=str(f)) from None
        h.update(f.name.encode("utf-8", "surrogatepass") + b"\0" + content + b"\0")
    return Pack(
        id=pack_id, version=version, title=title, directory=directory, hash=h.hexdigest()[:16],
        issuer=text_of("issuer", False) or (base.issuer if base else None),
        document=text_of("document", False) or (base.document if base else None),
        in_force_from=in_from, in_force_to=in_to, note=text_of("note", False), base=base,
        catalogue=catalogue, is_shipped=is_shipped, catalogue_file=hashed[0].resolve() if hashed else None,
        signature=signature, read_signature=_stats(hashed),
    )


def _shipped_text_name() -> str:
    with _catalogue.using(None):
        return _catalogue._regulation()["text"]


def _shipped_title() -> str:
    with _catalogue.using(None):
        return _catalogue.regulation_title()


def _shipped_catalogue() -> Catalogue:
    with _catalogue.using(None):
        return Catalogue(_catalogue.clauses(), _catalogue.regulation_title(), _catalogue.regulation_text(),
                         "govrules/data/clauses.yaml")


def _amend(catalogue: Catalogue, amendments: Any, fail: Any) -> Catalogue:
    """The catalogue and text with each ``{clause, replace, with}`` applied (docs/packs.md, "Amending the text")."""
    if not isinstance(amendments, CommentedSeq):
        raise fail("'amend' lists changes of the text: {clause, replace, with}", amendments)
    clauses = {c.id: c for c in catalogue.clauses}
    text = catalogue.text
    for i, node in enumerate(amendments):
        if not isinstance(node, CommentedMap) or sorted(node) != sorted(_AMEND_KEYS):
            raise fail("each change of the text is {clause, replace, with}", amendments, i)
        cid, old, new = (str(node[k]) if isinstance(node[k], (str, int, float)) else node[k] for k in _AMEND_KEYS)
        if cid not in clauses:
            raise fail(f"unknown clause '{cid}'", node, "clause", hint=did_you_mean(cid, list(clauses)))
        if not isinstance(old, str) or not old.strip() or not isinstance(new, str) or not new.strip():
            raise fail("'replace' and 'with' are the old and the new words", node, "replace")
        old_n, new_n = normalize(old), normalize(new)
        own = clauses[cid].text
        if own.count(old_n) != 1:
            raise fail(f"'replace' occurs {own.count(old_n)} times in clause {cid} ({clauses[cid].label}); "
                       "quote words that occur there exactly once", node, "replace")
        # In the text, a space of the (normalised) words matches any run of whitespace: a line break
        # where the text wraps, a tab between a table's cells.
        found = list(re.finditer(r"\s+".join(re.escape(w) for w in old_n.split(" ")), text))
        if len(found) != 1:
            raise fail(f"'replace' occurs {len(found)} times in the regulation's text; quote more of it "
                       "so that it occurs exactly once", node, "replace")
        text = text[:found[0].start()] + new + text[found[0].end():]
        changed = own.replace(old_n, new_n)
        ancestors = set()
        up = parent_id(cid)
        while up is not None:
            ancestors.add(up)
            up = parent_id(up)
        for c in list(clauses.values()):
            if c.id == cid:
                clauses[c.id] = attrs.evolve(c, text=changed)
            elif c.id in ancestors and own in c.text:
                clauses[c.id] = attrs.evolve(c, text=c.text.replace(own, changed))
            elif cid in _ancestors(c.id) and old_n in c.text:
                clauses[c.id] = attrs.evolve(c, text=c.text.replace(old_n, new_n))
    amended = attrs.evolve(catalogue, clauses=tuple(clauses[c.id] for c in catalogue.clauses), text=text)
    problems = verify_against(text, amended.clauses)
    if problems:
        raise fail("after 'amend' the catalogue and the text disagree: " + "; ".join(problems[:3]), amendments)
    return amended


def _ancestors(cid: str) -> set[str]:
    out = set()
    up = parent_id(cid)
    while up is not None:
        out.add(up)
        up = parent_id(up)
    return out


# ---- overlays of rule files -------------------------------------------------------------------


def _mark(node: Any, file: str, text: str, origins: dict[int, tuple[str, str]]) -> None:
    if isinstance(node, (CommentedMap, CommentedSeq)):
        origins[id(node)] = (file, text)
        for child in (node.values() if isinstance(node, CommentedMap) else node):
            _mark(child, file, text, origins)


def merge_overlay(root: CommentedMap, overlay: Any, file: str, text: str,
                  origins: dict[int, tuple[str, str]]) -> None:
    """Apply an overlay rule file to a rule file's parsed YAML (``root``, changed in place).

    ``rules`` entries change the base's rule of the same id key by key; ``add_rules`` appends
    new rules; ``drop_rules`` removes rules by id; ``time_nodes``, ``derive``, ``data``,
    ``facts`` and ``inferred`` change entries key by key (a new key adds one); ``title``,
    ``outcomes`` and ``default_outcome`` replace the base's. Every node the overlay contributed
    keeps its place in the overlay file for error messages.
    """
    lines = text.splitlines()

    def fail(message: str, node: Any, key: Any = None, hint: str | None = None) -> RulesetError:
        line, col = position(node, key)
        shown = lines[line - 1].rstrip() if line and 0 < line <= len(lines) else None
        return RulesetError(message, file=file, line=line, col=col, text=shown,
                            hint=hint or "an overlay rule file: see docs/packs.md")

    if not isinstance(overlay, CommentedMap):
        raise fail("an overlay rule file is a mapping (rules, add_rules, time_nodes, derive …)", overlay)
    _mark(overlay, file, text, origins)
    for k in overlay:
        if k not in _OVERLAY_KEYS:
            raise fail(f"unknown key '{k}' in an overlay rule file", overlay, k,
                       hint=did_you_mean(str(k), _OVERLAY_KEYS))
    if not isinstance(root, CommentedMap):
        return  # the base's own error (a rule file is a mapping) is reported when it is parsed
    if "ruleset" in overlay and overlay["ruleset"] != root.get("ruleset"):
        raise fail(f"the overlay is for ruleset '{overlay['ruleset']}' but its base is '{root.get('ruleset')}'",
                   overlay, "ruleset")
    for k in _REPLACED:
        if k in overlay:
            root[k] = overlay[k]
    for k in _MERGED_BY_KEY:
        if k not in overlay:
            continue
        if not isinstance(overlay[k], CommentedMap):
            raise fail(f"'{k}' of an overlay is a mapping", overlay, k)
        target = root.setdefault(k, CommentedMap())
        if not isinstance(target, CommentedMap):
            continue  # the base's own error ('derive' must be a mapping) is reported when it is parsed
        for entry, value in overlay[k].items():
            old = target.get(entry)
            if isinstance(old, CommentedMap) and isinstance(value, CommentedMap):
                for inner, inner_value in old.items():
                    if inner not in value:
                        value[inner] = inner_value
            target[entry] = value
    rules = root.get("rules")
    if not isinstance(rules, CommentedSeq):
        return  # the base's own error (rules must be a list) is reported when it is parsed
    ids = [r.get("id") if isinstance(r, CommentedMap) else None for r in rules]
    known = [str(i) for i in ids if i is not None]
    for key in ("rules", "drop_rules", "add_rules"):
        if key in overlay and not isinstance(overlay[key], CommentedSeq):
            raise fail(f"'{key}' of an overlay is a list", overlay, key)
    for i, node in enumerate(overlay.get("rules") or ()):
        if not isinstance(node, CommentedMap) or node.get("id") is None:
            raise fail("each entry of 'rules' names the 'id' of the base's rule it changes", overlay["rules"], i)
        if node["id"] not in ids:
            hint = did_you_mean(str(node["id"]), known)
            raise fail(f"the base has no rule '{node['id']}' to change", node, "id",
                       hint=(hint + "; " if hint else "") + "a new rule goes under 'add_rules'")
        at = ids.index(node["id"])
        for inner, inner_value in rules[at].items():
            if inner not in node:
                node[inner] = inner_value
        rules[at] = node
    for i, rule_id in enumerate(overlay.get("drop_rules") or ()):
        if rule_id not in ids:
            raise fail(f"the base has no rule '{rule_id}' to drop", overlay["drop_rules"], i,
                       hint=did_you_mean(str(rule_id), known))
        at = ids.index(rule_id)
        del rules[at]
        del ids[at]
    for i, node in enumerate(overlay.get("add_rules") or ()):
        if isinstance(node, CommentedMap) and node.get("id") in ids:
            raise fail(f"the base already has a rule '{node['id']}'; change it under 'rules'", node, "id")
        rules.append(node)
        ids.append(node.get("id") if isinstance(node, CommentedMap) else None)


# ---- which pack, on which day -------------------------------------------------------------------


def shipped() -> Pack:
    """The pack shipped with govrules (rulesets/ and govrules/data)."""
    return Pack.load(_rulesets.ruleset_dir())


def _day(as_of: Any) -> dt.date:
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    if isinstance(as_of, str):
        try:
            return dt.date.fromisoformat(as_of.strip())
        except ValueError:
            pass
    raise InputError("as_of", "a date (YYYY-MM-DD or datetime.date)", as_of)


def resolve(pack: PackLike | Sequence[PackLike] | None = None, as_of: Any = None) -> Pack | None:
    """The pack version to use: ``pack`` (one, or several side by side) as in force on ``as_of``.

    None when neither is given (the shipped pack, as always). The candidates are the packs given
    and every version they amend; a version is in force from its ``in_force_from`` until its own
    ``in_force_to`` or the day before a later version's ``in_force_from``. A day no version
    covers is an InputError naming the versions there are.
    """
    if pack is None and as_of is None:
        return None
    if pack is None:
        given = [shipped()]
    elif isinstance(pack, (list, tuple)):
        given = [Pack.load(p) for p in pack]
    else:
        given = [Pack.load(pack)]  # type: ignore[arg-type]  # a Pack, str or PathLike here
    if not given:
        raise InputError("pack", "at least one regulation pack", pack)
    if as_of is None and len(given) == 1:
        return given[0]
    day = dt.date.today() if as_of is None else _day(as_of)
    candidates: dict[Path, Pack] = {}
    for p in given:
        for version in p.versions():
            candidates.setdefault(version.directory, version)
    ordered = sorted(candidates.values(), key=lambda p: p.in_force_from or dt.date.min)
    for i, version in enumerate(ordered):
        later = ordered[i + 1].in_force_from if i + 1 < len(ordered) else None
        starts = version.in_force_from is None or version.in_force_from <= day
        ends = [d for d in (version.in_force_to, later - dt.timedelta(days=1) if later else None) if d]
        if starts and (not ends or day <= min(ends)):
            return version
    names = "; ".join(v.describe() for v in ordered)
    raise InputError("as_of", f"a day some version is in force (versions: {names})", day.isoformat())


@contextlib.contextmanager
def using(pack: PackLike | Sequence[PackLike] | None = None, as_of: Any = None) -> Iterator[Pack | None]:
    """Within the block, the resolved pack (if any) is in effect."""
    found = resolve(pack, as_of)
    if found is None:
        yield None
        return
    with found.active():
        yield found


def shipped_stamp_uncached() -> dict[str, str]:
    """The shipped pack's stamp, from its pack.yaml (``_facade._shipped_stamp`` caches it)."""
    return shipped().stamp


def prove_pool(pack: Pack) -> Path | None:
    """The prove pool of the pack (its own, else its base's)."""
    return pack.file(PROVE_POOL_FILE)
