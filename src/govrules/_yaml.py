"""Reading YAML files while keeping where every node stood (for file:line:col errors)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from ._errors import RulesetError

# The round-trip loader never constructs arbitrary Python objects from tags (unknown tags
# come back as TaggedScalar, which we refuse), and it records line/column for each node.
# A YAML instance is not thread-safe, so each load makes its own.
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


# Rule, cases and types files are tens of KB; a 30 MB one took 108 s to lint. Facts files
# (govrules check FACTS.yaml) pass their own, larger bound.
MAX_FILE_CHARS = 2 * 1024 * 1024


def load_yaml(path: str | Path, text: str | None = None, max_chars: int = MAX_FILE_CHARS) -> Any:
    """Parse a YAML file (or ``text`` attributed to ``path``); syntax errors become RulesetError.

    A file over ``max_chars`` characters, or whose aliases expand past MAX_EXPANDED_VALUES
    values or MAX_EXPANDED_CHARS characters, is refused before anything walks it.
    """
    name = str(path)
    if text is None:
        try:
            if Path(path).stat().st_size > 4 * max_chars:  # UTF-8 is at most 4 bytes a character
                _too_big(name, Path(path).stat().st_size, max_chars, "bytes")
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesetError(f"cannot read the file: {exc}", file=name) from None
    if len(text) > max_chars:
        _too_big(name, len(text), max_chars, "characters")
    try:
        data = YAML(typ="rt", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise RulesetError(
            f"not valid YAML: {problem}", file=name, line=line, col=col,
            text=_line_of(text, line),
        ) from None
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        line = col = None
        at = getattr(exc, "position", None)  # ReaderError (a forbidden character) gives an offset
        if isinstance(at, int) and 0 <= at <= len(text):
            line = text.count("\n", 0, at) + 1
            col = at - (text.rfind("\n", 0, at) + 1) + 1
            reason = getattr(exc, "reason", None) or "invalid character"
            char = getattr(exc, "character", None)
            code = char if isinstance(char, int) else ord(char) if isinstance(char, str) and len(char) == 1 else None
            shown = f" (U+{code:04X})" if code is not None else ""
            raise RulesetError(f"not valid YAML: {reason}{shown}", file=name,
                               line=line, col=col, text=_line_of(text, line)) from None
        raise RulesetError(f"not valid YAML: {exc}", file=name) from None
    _refuse_tags(data, name, text, seen=set())
    _refuse_alias_bombs(data, name, text)
    return data


def _too_big(name: str, size: int, limit: int, unit: str) -> None:
    raise RulesetError(f"the file is {size:,} {unit}; at most {limit:,} characters are read", file=name)


# Anchors and aliases are fine (cases files share facts with them), but nested aliases
# expand exponentially ("billion laughs": 9 levels of 9 aliases is 387 million values):
# everything after loading walks the expanded tree. Real files expand to a few thousand.
# Counting values alone let one long string aliased 200,000 times through (a 1.2 MB file
# that expanded past 30 GB), so characters are counted too.
MAX_EXPANDED_VALUES = 200_000
MAX_EXPANDED_CHARS = 32 * 1024 * 1024


def _refuse_alias_bombs(root: Any, name: str, text: str) -> None:
    sizes: dict[int, tuple[int, int]] = {}

    def size(node: Any) -> tuple[int, int]:
        """(values, characters) of ``node`` fully expanded; each shared node measured once."""
        if not isinstance(node, (dict, list)):
            return (1, len(node) if isinstance(node, str) else 8)
        known = sizes.get(id(node))
        if known is None:
            values, chars = 1, 8
            if isinstance(node, dict):
                for key, child in node.items():
                    k, c = size(key), size(child)
                    values, chars = values + c[0], chars + k[1] + c[1]
            else:
                for child in node:
                    c = size(child)
                    values, chars = values + c[0], chars + c[1]
            known = sizes[id(node)] = (values, chars)
        return known

    try:
        values, chars = size(root)
    except RecursionError:
        raise RulesetError("the YAML is nested too deep", file=name) from None
    if values <= MAX_EXPANDED_VALUES and chars <= MAX_EXPANDED_CHARS:
        return
    what = (f"more than {MAX_EXPANDED_VALUES:,} values" if values > MAX_EXPANDED_VALUES
            else f"more than {MAX_EXPANDED_CHARS:,} characters")
    line, col = None, None
    if isinstance(root, CommentedMap) and root:
        line, col = position(root, max(root, key=lambda k: size(root[k])))
    elif isinstance(root, CommentedSeq) and root:
        line, col = position(root, max(range(len(root)), key=lambda i: size(root[i])))
    raise RulesetError(
        f"the YAML expands to {what} (aliases repeating large or nested values)",
        file=name, line=line, col=col, text=_line_of(text, line),
    )


def _line_of(text: str, line: int | None) -> str | None:
    if not line:
        return None
    lines = text.splitlines()
    return lines[line - 1].rstrip() if 0 < line <= len(lines) else None


def _refuse_tags(node: Any, name: str, text: str, where: tuple[int, int] | None = None,
                 seen: set[int] | None = None) -> None:
    if seen is not None and isinstance(node, (CommentedMap, CommentedSeq)):
        # An aliased node is one object reached many times: check it once (else nested
        # aliases make this walk exponential).
        if id(node) in seen:
            return
        seen.add(id(node))
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar) or (
        isinstance(node, (CommentedMap, CommentedSeq)) and tag and tag not in _PLAIN_TAGS
    ):
        line, col = where or (None, None)
        raise RulesetError(
            "YAML tags are not allowed in rule files", file=name, line=line, col=col,
            text=_line_of(text, line),
        )
    if isinstance(node, str):
        _refuse_surrogates(node, name, text, where)
    if isinstance(node, CommentedMap):
        for key in node:
            if isinstance(key, str):
                _refuse_surrogates(key, name, text, position(node, key))
            _refuse_tags(node[key], name, text, position(node, key), seen)
    elif isinstance(node, CommentedSeq):
        for i, item in enumerate(node):
            _refuse_tags(item, name, text, position(node, i), seen)


def _refuse_surrogates(value: str, name: str, text: str, where: tuple[int, int] | None) -> None:
    # A double-quoted "\ud800" makes a lone surrogate: the engine refuses the whole ruleset
    # at first use, and printing it raises UnicodeEncodeError.
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        line, col = where or (None, None)
        raise RulesetError(f"a lone surrogate (U+{ord(value[exc.start]):04X}) is not text", file=name,
                           line=line, col=col, text=_line_of(text, line)) from None


def position(node: Any, key: Any = None) -> tuple[int, int] | tuple[None, None]:
    """1-based (line, col) of ``node[key]`` (or of ``node`` itself), when known."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return (None, None)
    try:
        if key is None:
            return (lc.line + 1, lc.col + 1)
        if isinstance(node, CommentedMap):
            line, col = lc.key(key)
        else:
            line, col = lc.item(key)
        return (line + 1, col + 1)
    except (KeyError, IndexError, TypeError, AttributeError):
        return (lc.line + 1, lc.col + 1)


def plain(node: Any) -> Any:
    """The same data as built-in dicts, lists and scalars (dates as ISO strings)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, (_dt.date, _dt.datetime)):
        return node.isoformat()
    if isinstance(node, str):
        return str(node)
    # ruamel's round-trip numbers (ScalarInt, ScalarFloat; ScalarBoolean is an int) as the
    # built-in values they equal, so a checked spec holds no ruamel.yaml objects and reading
    # it back from the on-disk cache does not import ruamel.yaml.
    if isinstance(node, ScalarBoolean):
        return bool(node)
    if isinstance(node, int) and type(node) is not int and not isinstance(node, bool):
        return int(node)
    if isinstance(node, float) and type(node) is not float:
        return float(node)
    return node
