"""Reading facts as offices write them: a BOM, a GBK file, stdin, a key given twice.

The command line (one facts file, or JSON Lines in batch) reads through here, so every
way in refuses the same things with the same words.
"""

from __future__ import annotations

import codecs
import json
import sys
from pathlib import Path
from typing import Any

from ._errors import InputError, RulesetError
from ._limits import MAX_FACTS_FILE_BYTES

BOM = "\ufeff"
ENCODING_HINT = "if a Chinese Windows program saved it, try --encoding gb18030"


class _Repeated(dict):  # type: ignore[type-arg]
    """A JSON object in which ``key`` was given more than once."""

    key: str = ""


def loads_json(text: str) -> Any:
    """``json.loads`` that refuses a key given twice: InputError naming the key's path.

    The standard decoder keeps the last value (last-wins), so a ``signer`` given as a
    department and then as the mayor would be signed by the mayor. JSON syntax errors,
    ``RecursionError`` and the big-integer ``ValueError`` propagate for the caller to word.
    """
    repeated: list[_Repeated] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        seen: set[str] = set()
        flagged = _Repeated(obj)
        flagged.key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        repeated.append(flagged)
        return flagged

    data = json.loads(text.removeprefix(BOM), object_pairs_hook=hook)
    if repeated:
        # Objects are built innermost first: the first flagged is the deepest repeat, so
        # the path is found by identity (only on this failure path; costs nothing otherwise).
        path = _path_to(data, repeated[0], "") or ""
        name = f"{path}.{repeated[0].key}" if path else repeated[0].key
        raise InputError(name, "given once (the same key appears twice; JSON is never read last-wins)")
    return data


def _path_to(node: Any, target: Any, here: str) -> str | None:
    if node is target:
        return here
    children: Any = ()
    if isinstance(node, dict):
        children = ((f"{here}.{k}" if here else str(k), v) for k, v in node.items())
    elif isinstance(node, list):
        children = ((f"{here}[{i}]", v) for i, v in enumerate(node))
    for where, child in children:
        if isinstance(child, (dict, list)):
            found = _path_to(child, target, where)
            if found is not None:
                return found
    return None


def check_encoding(encoding: str | None) -> str:
    """The codec name to read with (UTF-8 by default); an unknown one is an InputError."""
    if encoding is None:
        return "utf-8"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError("--encoding", "an encoding Python knows (utf-8, gb18030, big5, …)", encoding) from None


def undecodable(source: str, exc: UnicodeDecodeError) -> InputError:
    """The error for a file that is not text in the encoding it was read with."""
    shown = "UTF-8" if exc.encoding.replace("-", "").lower() in ("utf8", "utf8sig") else exc.encoding
    return InputError(source, f"not {shown} text ({exc.reason} at byte {exc.start}); {ENCODING_HINT}")


def read_text(path: str, encoding: str | None = None) -> str:
    """The text of ``path`` (``-``: stdin), BOM removed; missing or undecodable is an InputError."""
    enc = check_encoding(encoding)
    source = "<stdin>" if path == "-" else path
    try:
        if path != "-" and Path(path).stat().st_size > MAX_FACTS_FILE_BYTES:  # refused before it is read
            raise InputError(source, f"a facts file of at most {MAX_FACTS_FILE_BYTES:,} bytes (docs/engine.md, Limits)",
                             f"{Path(path).stat().st_size:,} bytes")
        raw = sys.stdin.buffer.read(MAX_FACTS_FILE_BYTES + 1) if path == "-" else Path(path).read_bytes()
        if len(raw) > MAX_FACTS_FILE_BYTES:
            raise InputError(source, f"facts of at most {MAX_FACTS_FILE_BYTES:,} bytes (docs/engine.md, Limits)")
    except FileNotFoundError:
        raise InputError(source, "not found (no such file)") from None
    except OSError as exc:
        raise InputError(source, f"cannot be read ({exc.strerror or exc})") from None
    try:
        return raw.decode(enc).removeprefix(BOM)
    except UnicodeDecodeError as exc:
        raise undecodable(source, exc) from None


def read_facts(path: str, encoding: str | None = None) -> Any:
    """Facts from a .json or .yaml file, or stdin (``-``: JSON, or YAML if not starting with ``{``)."""
    text = read_text(path, encoding)
    source = "<stdin>" if path == "-" else path
    as_json = text.lstrip().startswith("{") if path == "-" else Path(path).suffix.lower() in (".json", ".jsonl")
    if as_json:
        try:
            return loads_json(text)
        except json.JSONDecodeError as exc:
            raise InputError(source, f"valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
        except (ValueError, RecursionError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(source, f"JSON within limits ({exc or 'nested too deeply'})") from None
    from ._yaml import load_yaml, plain

    try:
        # ruamel refuses a repeated key itself (DuplicateKeyError, with its line).
        return plain(load_yaml(source, text))
    except RulesetError as exc:
        raise InputError(source, f"valid YAML (line {exc.line}: {exc.message.removeprefix('not valid YAML: ')})") from None
