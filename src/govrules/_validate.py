"""Caller facts → typed facts, checked against the ruleset's declarations before the engine sees them.

Every problem is an InputError naming the field path (``meeting.leaders[2].present``) and
what was expected. Enum values are accepted as the code or the Chinese term and come out
as the code; dates come out as ISO strings; omitted booleans are false and lists empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import attrs

from ._errors import InputError
from ._model import FieldSpec, RulesetSpec, TypeSpec
from ._suggest import did_you_mean


def validate(spec: RulesetSpec, facts: Any) -> dict[str, Any]:
    facts = _plain(facts)
    if not _mapping(facts):
        raise InputError("facts", "a mapping of fact names to values", facts)
    return _fields(spec.facts, facts, "", f"ruleset '{spec.name}'")


_BUILTINS = frozenset({dict, list, str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    """The library's own attrs instances are accepted wherever a mapping is."""
    if type(value) in _BUILTINS:  # the usual case, without attrs' slower class check
        return value
    if attrs.has(type(value)):
        return attrs.asdict(value, recurse=True)
    return value


def _mapping(value: Any) -> bool:
    # dict first: isinstance against typing.Mapping goes through slow ABC machinery.
    return type(value) is dict or isinstance(value, Mapping)


# Field names per declared field tuple, computed once (specs live as long as the process;
# the tuple is kept in the entry so its id cannot be reused by another).
_NAMES: dict[int, tuple[tuple[FieldSpec, ...], frozenset[str], list[str]]] = {}


def _names(fields: tuple[FieldSpec, ...]) -> tuple[frozenset[str], list[str]]:
    entry = _NAMES.get(id(fields))
    if entry is None or entry[0] is not fields:
        listed = [f.name for f in fields]
        if len(_NAMES) > 4096:  # specs loaded again and again (lint, tests) must not pile up
            _NAMES.clear()
        entry = _NAMES[id(fields)] = (fields, frozenset(listed), listed)
    return entry[1], entry[2]


def _fields(fields: tuple[FieldSpec, ...], given: Mapping[str, Any], prefix: str, owner: str) -> dict[str, Any]:
    known, names = _names(fields)
    for key in given:
        if not isinstance(key, str):
            raise InputError(prefix.rstrip(".") or "facts", "field names must be strings", key)
        if key not in known:
            hint = did_you_mean(key, names)
            expected = f"no field '{key}' in {owner}" + (f"; {hint}" if hint else "")
            raise InputError(f"{prefix}{key}", expected)
    out: dict[str, Any] = {}
    for f in fields:
        path = f"{prefix}{f.name}"
        value = given.get(f.name)
        if isinstance(value, str) and not value.strip() and f.type.kind in ("str", "date"):
            value = None  # a blank form field was not filled in: omitted, not a malformed value
        if value is None:
            if f.required:
                raise InputError(path, f"required: {f.type.describe()}" + (f" ({f.label})" if f.label else ""))
            default = _default(f.type)
            if default is not None:
                out[f.name] = default
            continue
        out[f.name] = _value(f.type, value, path)
    return out


def _default(t: TypeSpec) -> Any:
    if t.kind == "bool":
        return False
    if t.kind == "list":
        return []
    if t.kind == "mapping":
        return {}
    return None


def _value(t: TypeSpec, value: Any, path: str) -> Any:
    value = _plain(value)
    kind = t.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise InputError(path, "true or false", value)
        return value
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(path, t.describe(), value)
        if t.minimum is not None and value < t.minimum:
            raise InputError(path, t.describe(), value)
        return value
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise InputError(path, t.describe(), value)
        return value.strip()
    if kind == "date":
        return _date(value, path)
    if kind == "enum":
        if isinstance(value, str):
            v = value.strip()
            for code, zh in t.values:
                if v == code or v == zh:
                    return code
        choices = [c for c, _ in t.values] + [zh for _, zh in t.values]
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else None
        raise InputError(path, t.describe() + (f"; {hint}" if hint else ""), value)
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise InputError(path, t.describe(), value)
        assert t.items is not None
        return [_value(t.items, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "object":
        if not _mapping(value):
            raise InputError(path, t.describe(), value)
        return _fields(t.fields, value, f"{path}.", f"'{path}'")
    if kind == "mapping":
        if not _mapping(value):
            raise InputError(path, t.describe(), value)
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or not k.strip():
                raise InputError(f"{path}", "keys that are non-empty strings", k)
            if not isinstance(v, str) or not v.strip():
                raise InputError(f"{path}.{k}", "a name (non-empty string)", v)
            out[k.strip()] = v.strip()
        return out
    raise InputError(path, f"a value of kind {kind}", value)  # pragma: no cover - specs are checked


def _date(value: Any, path: str) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise InputError(path, "an ISO date such as 2026-10-08", value)
