"""The regulation's clauses: stable id, Chinese label, verbatim text, and whether a rule can decide it.

The catalogue is package data (``data/clauses.yaml``), checked against the shipped regulation
text (the file its ``regulation.text`` names, beside it) by :func:`verify_against`, so a rule's
quote can be trusted to be the law's own words.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import attrs

from . import _diskcache
from ._errors import InputError, RulesetError

__all__ = [
    "Catalogue",
    "Clause",
    "clause",
    "clause_ids",
    "clauses",
    "load_catalogue",
    "normalize",
    "parent_id",
    "quote_in_clause",
    "regulation_text",
    "regulation_title",
    "using",
    "verify_against",
]

_CATALOGUE_FILE = "clauses.yaml"
# Patterns compiled on first use (re caches them): a verdict with a warm cache uses neither.
_WHITESPACE = r"\s+"
# Annex steps and requirements (A1.2.s1, A1.2.r2) hang off their stage; everything else off
# the id with its last dotted part removed.
_ANNEX_LEAF = r"^(A\d+\.\d+)\.[sr]\d+$"


@attrs.frozen
class Clause:
    """One clause of the regulation.

    ``computable`` is true when a rule can decide the clause from facts; when false,
    ``reason`` says in one line why not.
    """

    id: str
    label: str
    text: str
    computable: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; ``reason`` is present (possibly ``None``) for a stable shape."""
        return {
            "id": self.id,
            "label": self.label,
            "text": self.text,
            "computable": self.computable,
            "reason": self.reason,
        }


def normalize(text: str) -> str:
    """Collapse every run of whitespace (tabs, newlines, U+3000) to one space and strip."""
    if not isinstance(text, str):
        raise InputError("text", "a string", text)
    return re.sub(_WHITESPACE, " ", text).strip()


def _data_file(name: str):
    # Imported here so merely importing the module touches no files.
    from importlib.resources import files

    return files("govrules") / "data" / name


@attrs.frozen(eq=False, slots=False)  # not slotted: cached_property needs a __dict__ on attrs < 23.2
class Catalogue:
    """A regulation pack's clauses, its title and its text (the shipped one is the default).

    While ``using(catalogue)`` is in effect, every function of this module reads it instead of
    the shipped catalogue: a pack's rule files are checked, and its verdicts labelled, against
    its own clauses (docs/packs.md).
    """

    clauses: tuple[Clause, ...]
    title: str
    text: str
    file: str = ""

    @functools.cached_property
    def loaded(self) -> tuple[tuple[Clause, ...], dict[str, Clause], dict[str, str]]:
        return self.clauses, {c.id: c for c in self.clauses}, {"title": self.title, "text": self.file}


_ACTIVE: contextvars.ContextVar[Catalogue | None] = contextvars.ContextVar("govrules_catalogue", default=None)


@contextlib.contextmanager
def using(catalogue: Catalogue | None) -> Iterator[None]:
    """Within the block, this module answers from ``catalogue`` (None: the shipped one)."""
    token = _ACTIVE.set(catalogue)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def active() -> Catalogue | None:
    """The catalogue ``using`` put in effect, or None for the shipped one."""
    return _ACTIVE.get()


def load_catalogue(path: str | Path, title: str | None = None) -> Catalogue:
    """The clause catalogue at ``path`` with the regulation text its ``regulation.text`` names (beside it).

    Problems name the file (RulesetError); the texts are checked against the regulation
    (``verify_against``), so a pack's quotes can be trusted as its regulation's words.
    """
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"cannot read the clause catalogue: {exc}", file=str(path)) from None
    ordered, _, regulation = _parse(source, str(path))
    text_file = path.parent / regulation["text"]
    try:
        text = text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"cannot read the regulation text its 'regulation.text' names: {exc}",
                           file=str(path)) from None
    problems = verify_against(text, ordered)
    if problems:
        raise RulesetError(f"the catalogue does not agree with {text_file.name}: " + "; ".join(problems[:3])
                           + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""), file=str(path),
                           hint="a clause's text is its words in the text with each run of whitespace made one "
                                "space; a parent's is its heading and its children's texts (docs/catalogue.md)")
    return Catalogue(ordered, title or regulation["title"], text, str(text_file))


def regulation_text() -> str:
    """The regulation in effect (the shipped one unless ``using`` a pack's), verbatim (UTF-8)."""
    found = _ACTIVE.get()
    return found.text if found is not None else _shipped_text()


@functools.cache
def _shipped_text() -> str:
    return _data_file(_regulation()["text"]).read_text(encoding="utf-8")


def regulation_title() -> str:
    """The regulation's title as the catalogue declares it, without 《》."""
    return _regulation()["title"]


def _regulation() -> dict[str, str]:
    return _load()[2]


def _bad_catalogue(message: str, file: str | None = None, node: Any = None, key: Any = None) -> RulesetError:
    """A catalogue error at ``node`` (``node[key]``)'s line and column of the catalogue file, when known."""
    from ._yaml import position

    line, col = position(node, key) if node is not None else (None, None)
    return RulesetError(
        message,
        file=file or f"govrules/data/{_CATALOGUE_FILE}",
        line=line,
        col=col,
        hint=_catalogue_hint(file),
    )


def _catalogue_hint(file: str | None) -> str:
    return ("the clause catalogue ships with govrules; see docs/catalogue.md" if file is None
            else "a pack's clause catalogue; see docs/catalogue.md and docs/packs.md")


def _clause_from_entry(index: int, entry: Any, file: str | None = None, entries: Any = None) -> Clause:
    def _bad_catalogue(message: str, key: Any = None) -> RulesetError:
        return _bad(message, file, entry, key)

    if not isinstance(entry, dict):
        raise _bad(f"clauses[{index}] is not a mapping", file, entries, index)
    where = f"clauses[{index}] ({entry.get('id')!r})"
    allowed = {"id", "label", "text", "computable", "reason"}
    extra = sorted(set(entry) - allowed, key=str)
    if extra:
        raise _bad_catalogue(f"{where}: unknown keys {extra}", extra[0])
    for key in ("id", "label", "text"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise _bad_catalogue(f"{where}: '{key}' must be a non-empty string", key if key in entry else None)
    if not isinstance(entry.get("computable"), bool):
        raise _bad_catalogue(f"{where}: 'computable' must be true or false", "computable" if "computable" in entry else None)
    reason = entry.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise _bad_catalogue(f"{where}: 'reason' must be a string", "reason")
    if not entry["computable"] and not (reason or "").strip():
        raise _bad_catalogue(f"{where}: a non-computable clause needs a 'reason'")
    # str(): the loader's scalars are str subclasses (a `|` block's LiteralScalarString) that
    # should not reach the cache or a caller.
    return Clause(
        id=str(entry["id"]),
        label=str(entry["label"]),
        text=normalize(str(entry["text"])),
        computable=bool(entry["computable"]),
        reason=None if reason is None else str(reason),
    )


# The module-level error maker under another name: _clause_from_entry and _parse each define a
# local _bad_catalogue that names the catalogue file they read (a pack's), and call this one.
_bad = _bad_catalogue


def _load() -> tuple[tuple[Clause, ...], dict[str, Clause], dict[str, str]]:
    found = _ACTIVE.get()
    return found.loaded if found is not None else _load_shipped()


@functools.cache
def _load_shipped() -> tuple[tuple[Clause, ...], dict[str, Clause], dict[str, str]]:
    # functools.cache: loaded once on first use; a racing second load yields the same value.
    # The parsed, checked catalogue is also kept on disk (its file is part of every key).
    key = _diskcache.key(b"catalogue")
    cached = _diskcache.read(key, tuple)
    if cached is not None:
        return cached
    loaded = _parse()
    _diskcache.write(key, loaded)
    return loaded


def _parse(source: str | None = None,
           file: str | None = None) -> tuple[tuple[Clause, ...], dict[str, Clause], dict[str, str]]:
    # Imported here: with the on-disk cache warm, a process never parses the catalogue, and
    # ruamel.yaml costs ~20 ms to import (start-up, docs/performance.md). The loader keeps each
    # node's line and column, so an error names where in the catalogue it is.
    from ._yaml import load_yaml, plain

    name = file or f"govrules/data/{_CATALOGUE_FILE}"
    if source is None:
        source = _data_file(_CATALOGUE_FILE).read_text(encoding="utf-8")

    def _bad_catalogue(message: str, node: Any = None, key: Any = None) -> RulesetError:
        return _bad(message, file, node, key)

    try:
        document = load_yaml(name, text=source)
    except RulesetError as exc:  # its line and column, with the catalogue's hint
        raise RulesetError(exc.message, file=name, line=exc.line, col=exc.col, text=exc.text,
                           hint=_catalogue_hint(file)) from None
    entries = document.get("clauses") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise _bad_catalogue("top level must be a mapping with a 'clauses' list",
                             document if isinstance(document, dict) else None, "clauses")
    regulation = document.get("regulation")
    if not (isinstance(regulation, dict) and set(regulation) == {"title", "text"}
            and all(isinstance(v, str) and v.strip() for v in regulation.values())):
        raise _bad_catalogue("top level needs 'regulation' with a 'title' and the 'text' file's name",
                             document, "regulation" if "regulation" in document else None)
    ordered = tuple(_clause_from_entry(i, e, file, entries) for i, e in enumerate(entries))
    by_id: dict[str, Clause] = {}
    for i, c in enumerate(ordered):
        if c.id in by_id:
            raise _bad_catalogue(f"clause id {c.id!r} appears twice", entries[i], "id")
        by_id[c.id] = c
    return ordered, by_id, plain(regulation)


def clauses() -> tuple[Clause, ...]:
    """Every clause, in the regulation's document order."""
    return _load()[0]


def clause_ids() -> frozenset[str]:
    """The set of known clause ids."""
    return frozenset(_load()[1])


def _closest(wanted: str, ids: list[str]) -> str | None:
    import difflib  # only for a clause id that does not exist

    # difflib.get_close_matches breaks ties by the larger string ('5.2.9' -> '5.2.2'); the
    # earliest id in document order is the less surprising guess. Case is ignored so that
    # 'A1.2.R2' or 'FINAL' find their id.
    best, best_score = None, 0.6
    for candidate in ids:
        score = difflib.SequenceMatcher(None, wanted.lower(), candidate.lower()).ratio()
        if score > best_score:
            best, best_score = candidate, score
    return best


def _label_key(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def _by_label() -> dict[str, Clause]:
    return _labels_of(clauses())


@functools.lru_cache(maxsize=8)
def _labels_of(all_clauses: tuple[Clause, ...]) -> dict[str, Clause]:
    out: dict[str, Clause] = {}
    for c in all_clauses:
        out.setdefault(_label_key(c.label), c)
        # A chapter's label carries its title (三、工作分工和民主决策); its numeral alone finds it too.
        # So do an annex's number (附件1) and an annex stage's (附件1（二）) without their titles.
        for head in (c.label.split("、", 1)[0], c.label.split(" ", 1)[0],
                     m.group(0) if (m := re.match(r"附件\d+（.）", c.label)) else c.label):
            if head != c.label:
                out.setdefault(_label_key(head), c)
    return out


def clause(id: str) -> Clause:
    """The clause with this id (or its label, ``五（二）1``); anything else raises ``InputError`` with a suggestion."""
    by_id = _load()[1]
    if not isinstance(id, str):
        raise InputError("clause", f"a clause id string such as '{_example_ids()[0]}'", id)
    found = by_id.get(id)
    if found is not None:
        return found
    # People write the labels they see (五（二）1, 附件1（二）相关要求2), often with ASCII parentheses.
    by_label = _by_label()
    found = by_label.get(_label_key(id))
    if found is not None:
        return found
    guess = _closest(id.strip(), [c.id for c in _load()[0]])
    if guess is not None:
        expected = f"unknown clause id; did you mean '{guess}'?"
    else:
        expected = ("unknown clause id (ids look like " + ", ".join(f"'{x}'" for x in _example_ids())
                    + "; see docs/catalogue.md)")
    raise InputError("clause", expected, id)


def _example_ids() -> list[str]:
    """A few clause ids of the catalogue, one of each shape (the deepest first), for messages."""
    seen: dict[tuple[bool, int], str] = {}
    for c in _load()[0]:
        seen.setdefault((c.id[:1].isdigit(), c.id.count(".")), c.id)
    return [seen[k] for k in sorted(seen, key=lambda k: (-k[1], not k[0]))][:3] or ["?"]


def parent_id(clause_id: str) -> str | None:
    """The id of the clause this one sits in (``'5.2.1'`` → ``'5.2'``), or None at top level."""
    annex_leaf = re.match(_ANNEX_LEAF, clause_id)
    if annex_leaf:
        return annex_leaf.group(1)
    head, dot, _ = clause_id.rpartition(".")
    return head if dot else None


def quote_in_clause(quote: str, clause_id: str) -> bool:
    """True when ``quote`` (whitespace-normalised, non-empty) occurs in the clause's text."""
    found = _load()[1].get(clause_id) if isinstance(clause_id, str) else None
    if found is None or not isinstance(quote, str):
        return False
    wanted = normalize(quote)
    return bool(wanted) and wanted in found.text


def _agreeing_prefix(text: str, haystack: str) -> int:
    # "text[:n] occurs in haystack" is monotone in n, so bisect for the largest such n.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text[:middle] in haystack:
            low = middle
        else:
            high = middle - 1
    return low


def verify_against(regulation: str, catalogue: Iterable[Clause] | None = None) -> list[str]:
    """Problems between the catalogue and a regulation text; an empty list means they agree.

    Checks each clause's text is a substring of the (normalised) regulation and that each
    child's text lies inside its parent's. ``catalogue`` defaults to the shipped clauses.
    """
    items = tuple(clauses() if catalogue is None else catalogue)
    haystack = normalize(regulation)
    by_id = {c.id: c for c in items}
    problems: list[str] = []
    for c in items:
        text = normalize(c.text)
        if not text:
            problems.append(f"{c.id} ({c.label}): text is empty")
            continue
        if text not in haystack:
            n = _agreeing_prefix(text, haystack)
            problems.append(
                f"{c.id} ({c.label}): text not found in the regulation; "
                f"the first {n} characters agree, then the catalogue has {text[n:n + 12]!r}"
            )
        parent = parent_id(c.id)
        if parent is not None and parent in by_id and text not in normalize(by_id[parent].text):
            problems.append(f"{c.id} ({c.label}): text is not inside its parent {parent}'s text")
    return problems
